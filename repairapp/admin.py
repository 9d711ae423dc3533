from django.contrib import admin

from .models import Asset, JobEvent, RepairJob, Version


class ReadOnlyAdmin(admin.ModelAdmin):
    """History is read, never edited: no add, change or delete from the admin."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Asset)
class AssetAdmin(ReadOnlyAdmin):
    list_display = ("id", "original_name", "owner", "original_format", "width", "height", "created_at")
    list_filter = ("original_format",)
    search_fields = ("original_name", "owner__username", "original_checksum")


@admin.register(Version)
class VersionAdmin(ReadOnlyAdmin):
    list_display = ("id", "asset", "number", "created_by", "created_at", "changed_inside_mask", "changed_outside_mask")
    list_select_related = ("asset", "created_by")


class JobEventInline(admin.TabularInline):
    model = JobEvent
    extra = 0
    can_delete = False
    readonly_fields = ("from_status", "to_status", "message", "at")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(RepairJob)
class RepairJobAdmin(ReadOnlyAdmin):
    list_display = ("id", "asset", "engine", "status", "attempts", "created_by", "queued_at", "finished_at")
    list_filter = ("status", "engine")
    inlines = [JobEventInline]


@admin.register(JobEvent)
class JobEventAdmin(ReadOnlyAdmin):
    list_display = ("id", "job", "from_status", "to_status", "message", "at")
