from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group

from . import roles, services
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
    list_display = ("id", "original_name", "owner", "original_format", "width", "height", "created_at",
                    "archived_at", "purged_at")
    list_filter = ("original_format", ("archived_at", admin.EmptyFieldListFilter), ("purged_at", admin.EmptyFieldListFilter))
    search_fields = ("original_name", "owner__username", "original_checksum")
    actions = ["purge"]

    @admin.action(description="Purge the files of the selected archived photos (past the retention period)",
                  permissions=["purge"])
    def purge(self, request, queryset):
        purged = 0
        for asset in queryset:
            try:
                services.asset_purge(asset=asset, user=request.user)
                purged += 1
            except services.ArchiveError as exc:
                self.message_user(request, str(exc), messages.WARNING)
        self.message_user(request, f"{purged} photo(s) purged; their rows and history are kept.")

    def has_purge_permission(self, request) -> bool:
        return roles.is_admin(request.user)


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


# ---------------------------------------------------------------- accounts
# Django admin's Users and Groups, for admins only (the only staff). Roles are the three
# fixed groups and every change must land in the history, so groups, staff and superuser
# flags are not edited in the form: the actions below go through roles/services, which
# record an Event, as the app's Users page does.

admin.site.unregister(get_user_model())
admin.site.unregister(Group)


@admin.register(get_user_model())
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "email", "role", "is_active", "last_login", "date_joined")
    list_filter = ("is_active", "groups")
    readonly_fields = ("groups", "user_permissions", "is_staff", "is_superuser", "last_login", "date_joined")
    actions = ["make_creator", "make_moderator", "make_admin", "deactivate", "reactivate"]

    @admin.display(description="role")
    def role(self, obj) -> str:
        return roles.role_of(obj)

    def get_readonly_fields(self, request, obj=None):
        # is_active too: deactivating goes through the action, so it is recorded.
        return (*self.readonly_fields, "is_active") if obj else self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        # A user made here is a creator, recorded like one made on the Users page.
        password = form.cleaned_data.get("password1") or None
        user = services.user_create(actor=request.user, username=obj.username, email=obj.email or "",
                                    role=roles.CREATOR, password=password)
        obj.pk = user.pk
        obj._state.adding = False
        obj.refresh_from_db()

    def _set_role(self, request, queryset, role):
        changed = 0
        for user in queryset:
            if user.pk == request.user.pk or user.is_superuser:
                self.message_user(request, f"{user.get_username()}: not changed (yourself or a superuser).", messages.WARNING)
                continue
            changed += roles.set_role(user, role, actor=request.user) != role
        self.message_user(request, f"{changed} user(s) now {role}.")

    @admin.action(description="Make the selected users creators")
    def make_creator(self, request, queryset):
        self._set_role(request, queryset, roles.CREATOR)

    @admin.action(description="Make the selected users moderators")
    def make_moderator(self, request, queryset):
        self._set_role(request, queryset, roles.MODERATOR)

    @admin.action(description="Make the selected users admins")
    def make_admin(self, request, queryset):
        self._set_role(request, queryset, roles.ADMIN)

    def _set_active(self, request, queryset, active):
        changed = 0
        for user in queryset:
            try:
                changed += services.user_set_active(actor=request.user, user=user, active=active)
            except services.AccountError as exc:
                self.message_user(request, str(exc), messages.WARNING)
        self.message_user(request, f"{changed} user(s) {'reactivated' if active else 'deactivated'}.")

    @admin.action(description="Deactivate the selected users")
    def deactivate(self, request, queryset):
        self._set_active(request, queryset, False)

    @admin.action(description="Reactivate the selected users")
    def reactivate(self, request, queryset):
        self._set_active(request, queryset, True)


@admin.register(Group)
class GroupAdmin(ReadOnlyAdmin, BaseGroupAdmin):
    """The three role groups, to read: who is in which role is changed per user."""
