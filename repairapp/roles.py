"""The three roles and who may see and do what. Every view asks here before any work.

creator   — sees and edits only their own photos (everyone without another role)
moderator — also sees every photo with a version submitted for review, and decides
            reviews; cannot paint or run repairs on others' photos
admin     — sees everything, including the history; the only role that is Django staff
"""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Q

from .models import Asset, Event, Review

CREATOR = "creator"
MODERATOR = "moderator"
ADMIN = "admin"
ROLES = (CREATOR, MODERATOR, ADMIN)
GROUP_NAMES = {CREATOR: "creators", MODERATOR: "moderators", ADMIN: "admins"}


def role_of(user) -> str:
    if not getattr(user, "is_authenticated", False):
        return ""
    if user.is_superuser:
        return ADMIN
    cached = getattr(user, "_repairapp_role", None)
    if cached is None:
        names = set(user.groups.values_list("name", flat=True))
        cached = ADMIN if "admins" in names else MODERATOR if "moderators" in names else CREATOR
        user._repairapp_role = cached
    return cached


def is_admin(user) -> bool:
    return role_of(user) == ADMIN


def can_review(user) -> bool:
    return role_of(user) in (MODERATOR, ADMIN)


def visible_assets(user):
    """The photos this user may look at (404 for any other). Archived photos are hidden
    from everyone; admins still read their timeline in the history."""
    role = role_of(user)
    live = Asset.objects.filter(archived_at=None)
    if role == ADMIN:
        return live
    if role == MODERATOR:
        in_review = Asset.objects.filter(versions__review__state__in=[Review.PENDING, Review.APPROVED, Review.REJECTED])
        return live.filter(Q(owner=user) | Q(pk__in=in_review.values("pk"))).distinct()
    return live.filter(owner=user)


def can_edit(user, asset: Asset) -> bool:
    """Painting and repairs: the owner only, whatever the role."""
    return asset.owner_id == user.pk


def can_archive(user, asset: Asset) -> bool:
    """Archiving hides a photo: its owner or an admin may."""
    return asset.owner_id == user.pk or is_admin(user)


def set_role(user, role: str, *, actor=None) -> str:
    """Put `user` in exactly one role group; returns the previous role. Admins are staff
    (for Django admin and the queue dashboard); nobody else is. The history records only
    a real change: setting the role a user already has writes no Event."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; roles: {', '.join(ROLES)}")
    with transaction.atomic():
        previous = role_of(user)
        user.groups.remove(*Group.objects.filter(name__in=GROUP_NAMES.values()))
        user.groups.add(Group.objects.get(name=GROUP_NAMES[role]))
        user.is_staff = role == ADMIN
        user.save(update_fields=["is_staff"])
        user.__dict__.pop("_repairapp_role", None)
        if previous != role:
            Event.objects.create(kind=Event.ROLE_CHANGED, actor=actor, subject=user, data={"from": previous, "to": role})
    return previous
