"""Who may reach what, asked before any work, for the pages and the API alike.

Every view finds its object through a `get_<thing>_for_user` here and asks a
`require_<role>` before acting. Only two exceptions come out: Http404 (not there, or not
yours to see: the two are never told apart) and PermissionDenied (yours to see, not to
do). The pages answer them with their 404/403 pages, the API with its JSON errors.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import Http404

from . import roles
from .models import ApiToken, Asset, RepairJob, Review, SavedMask, Version

EDIT_FORBIDDEN = "Only the photo's owner can paint masks and run repairs on it."
REVIEW_FORBIDDEN = "Reviews are for moderators and admins."
# The review states a moderator sees (a draft is still its creator's business).
REVIEW_STATES = (Review.PENDING, Review.APPROVED, Review.REJECTED)


def get_or_404(queryset, pk: int, what: str):
    """The row if it is in `queryset`; otherwise a 404 that says nothing more."""
    row = queryset.filter(pk=pk).first()
    if row is None:
        raise Http404(f"No {what} {pk}.")
    return row


def get_asset_for_user(user, asset_id: int) -> Asset:
    return get_or_404(roles.visible_assets(user), asset_id, "photo")


def get_version_for_user(user, version_id: int, *, archived_too: bool = False) -> Version:
    assets = roles.visible_assets(user)
    if archived_too and roles.is_admin(user):
        # An admin still reads an archived photo's timeline, pictures included, until its purge.
        assets = Asset.objects.filter(purged_at=None)
    return get_or_404(Version.objects.select_related("asset").filter(asset__in=assets), version_id, "version")


def get_job_for_user(user, job_id: int) -> RepairJob:
    seen = RepairJob.objects.select_related("result_version").filter(asset__in=roles.visible_assets(user))
    return get_or_404(seen, job_id, "repair")


def get_saved_mask_for_user(user, mask_id: int) -> SavedMask:
    return get_or_404(SavedMask.objects.filter(owner=user), mask_id, "saved mask")


def get_token_for_user(user, token_id: int) -> ApiToken:
    return get_or_404(ApiToken.objects.filter(user=user), token_id, "token")


def get_review_for_reviewer(user, version_id: int) -> Review:
    """The review of a submitted version of a live photo, for a moderator or admin."""
    require_reviewer(user)
    reviews = Review.objects.select_related(
        "version__asset__owner", "version__parent", "version__made_by_job", "submitted_by", "decided_by",
    ).filter(state__in=REVIEW_STATES, version__asset__archived_at=None)
    row = reviews.filter(version_id=version_id).first()
    if row is None:
        raise Http404(f"No review of version {version_id}.")
    return row


def get_asset_for_admin(user, asset_id: int, *, message: str) -> Asset:
    """Any photo, archived ones included: the admins' timeline."""
    require_admin(user, message)
    assets = Asset.objects.select_related("owner", "published_version", "archived_by")
    return get_or_404(assets, asset_id, "photo")


def get_user_for_admin(user, user_id: int, *, message: str):
    require_admin(user, message)
    return get_or_404(get_user_model().objects.all(), user_id, "user")


def require_editor(user, asset: Asset, message: str = EDIT_FORBIDDEN) -> None:
    """Painting, repairs and submitting: the photo's owner only, whatever the role."""
    if not roles.can_edit(user, asset):
        raise PermissionDenied(message)


def require_archiver(user, asset: Asset) -> None:
    if not roles.can_archive(user, asset):
        raise PermissionDenied("Only the photo's owner or an admin can archive it.")


def require_reviewer(user) -> None:
    if not roles.can_review(user):
        raise PermissionDenied(REVIEW_FORBIDDEN)


def require_admin(user, message: str) -> None:
    if not roles.is_admin(user):
        raise PermissionDenied(message)
