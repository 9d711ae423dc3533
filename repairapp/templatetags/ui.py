"""Small template filters the pages share."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from django import template
from django.utils import timezone
from django.utils.timesince import timesince

register = template.Library()


def _elapsed(value: datetime | None, now: datetime | None, *, first_minute: str, pattern: str) -> str:
    # timesince says "0 minutes" for the first minute; say something a person would.
    if not value:
        return ""
    now = now or timezone.now()
    if now - value < timedelta(minutes=1):
        return first_minute
    return pattern.format(timesince(value, now))


@register.filter
def ago(value: datetime | None, now: datetime | None = None) -> str:
    """"just now", then "3 minutes ago"."""
    return _elapsed(value, now, first_minute="just now", pattern="{} ago")


@register.filter
def waited(value: datetime | None, now: datetime | None = None) -> str:
    """How long something has waited: "under a minute", then "3 minutes"."""
    return _elapsed(value, now, first_minute="under a minute", pattern="{}")


@register.filter
def as_json(value) -> str:
    """A value as JSON text, for a data-* attribute (autoescape makes it safe there)."""
    return json.dumps(value)


@register.filter
def review_flags(version) -> list[dict]:
    """A version's flags, each {"code", "reason"}, as the review pages list them (Version.flags)."""
    return version.flags()
