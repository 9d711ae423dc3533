from django.contrib import admin

from .models import ApiToken, Asset, Event, IdempotencyKey, IngestItem, RepairJob, Review, SavedMask, Version


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


class EventInline(admin.TabularInline):
    model = Event
    fk_name = "job"
    extra = 0
    can_delete = False
    fields = readonly_fields = ("at", "kind", "actor", "from_status", "to_status", "message")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(RepairJob)
class RepairJobAdmin(ReadOnlyAdmin):
    list_display = ("id", "asset", "engine", "status", "attempts", "created_by", "queued_at", "finished_at")
    list_filter = ("status", "engine")
    inlines = [EventInline]


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ("at", "kind", "actor", "asset", "version", "job", "message")
    list_filter = ("kind",)
    list_select_related = ("actor", "asset", "version", "job")
    search_fields = ("message", "actor__username", "asset__original_name")
    date_hierarchy = "at"


@admin.register(Review)
class ReviewAdmin(ReadOnlyAdmin):
    list_display = ("version", "state", "flagged", "submitted_by", "submitted_at", "decided_by", "decided_at")
    list_filter = ("state", "flagged")


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    """Admins list and revoke tokens. New tokens come from the user's settings page or
    `manage.py apitoken`, the only places the secret can be shown; rows are revoked,
    never deleted, so the list keeps who had which token."""

    list_display = ("prefix", "user", "name", "created_at", "last_used_at", "revoked_at")
    list_filter = (("revoked_at", admin.EmptyFieldListFilter),)
    list_select_related = ("user",)
    search_fields = ("prefix", "name", "user__username")
    actions = ["revoke"]

    @admin.action(description="Revoke the selected tokens (at once)", permissions=["revoke"])
    def revoke(self, request, queryset):
        revoked = sum(token.revoke() for token in queryset)
        self.message_user(request, f"{revoked} token(s) revoked.")

    def has_revoke_permission(self, request) -> bool:
        # The rows stay read-only in the form; revoking is the one change admins make.
        return request.user.has_perm("repairapp.change_apitoken")


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(ReadOnlyAdmin):
    list_display = ("key", "user", "status_code", "created_at")
    list_select_related = ("user",)
    search_fields = ("key", "user__username")


@admin.register(IngestItem)
class IngestItemAdmin(ReadOnlyAdmin):
    list_display = ("source_name", "user", "job", "created_at")
    list_select_related = ("user", "job")
    search_fields = ("source_name", "checksum")


@admin.register(SavedMask)
class SavedMaskAdmin(admin.ModelAdmin):
    list_display = ("id", "name", "owner", "anchor", "width", "height", "created_at")
    list_select_related = ("owner",)
    search_fields = ("name", "owner__username")
