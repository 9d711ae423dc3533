"""Small template filters the pages share."""

from __future__ import annotations

from datetime import datetime, timedelta

from django import template
from django.utils import timezone
from django.utils.timesince import timesince

register = template.Library()


@register.filter
def ago(value: datetime | None, now: datetime | None = None) -> str:
    """"just now" for the last minute (timesince would say "0 minutes"), else "N units ago"."""
    if not value:
        return ""
    now = now or timezone.now()
    if now - value < timedelta(minutes=1):
        return "just now"
    return f"{timesince(value, now)} ago"


@register.filter
def waited(value: datetime | None, now: datetime | None = None) -> str:
    """How long something has waited: "under a minute" rather than "0 minutes"."""
    if not value:
        return ""
    now = now or timezone.now()
    if now - value < timedelta(minutes=1):
        return "under a minute"
    return timesince(value, now)
