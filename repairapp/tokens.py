"""API tokens and the rate limit (per token and per user).

A token is `rpr_` + 32 random bytes (urlsafe base64). Only its sha256 is stored, with
the first characters as a visible prefix; the secret is shown once. Every request looks
the digest up again, so a revoked token stops working at once.

Rate limit: fixed-window counters per token and per user in the repair queue's Redis (INCR, EXPIRE
on the first hit of a window). When Redis is down the limit fails open: the API keeps
answering (a repair is still stored and queued by the sweep later), and a warning is
logged; refusing every request because a counter is unreachable would be worse.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
from datetime import timedelta

import redis
from django.conf import settings
from django.utils import timezone

from . import jobs
from .models import ApiToken

log = logging.getLogger(__name__)

TOKEN_PREFIX = "rpr_"
VISIBLE_CHARS = 12  # "rpr_" and 8 characters of the secret
# Writing last_used_at on every request would turn each read into a write.
LAST_USED_PRECISION = timedelta(minutes=1)



def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def token_create(*, user, name: str = "") -> tuple[ApiToken, str]:
    """A new token for `user`. Returns the row and the secret, which is not stored."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name.strip()[:100], prefix=secret[:VISIBLE_CHARS],
                                    digest=_digest(secret))
    return token, secret


def token_authenticate(secret: str) -> ApiToken | None:
    """The active token with this secret (and its user), or None."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    token = (ApiToken.objects.select_related("user")
             .filter(digest=_digest(secret), revoked_at=None, user__is_active=True).first())
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or token.last_used_at < now - LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def rate_limit() -> tuple[int, int]:
    """(requests, window seconds) allowed per token."""
    return settings.API_RATE_LIMIT, settings.API_RATE_WINDOW


def rate_limit_hit(token: ApiToken) -> int:
    """Count one request for the token and for its user (so that making more tokens
    does not multiply the limit). Returns 0 if it may go on, otherwise the seconds
    until the window ends (for Retry-After)."""
    limit, window = rate_limit()
    if limit <= 0:
        return 0
    now = time.time()
    window_start = int(now // window) * window
    keys = (f"repairapp:api-rate:{token.pk}:{window_start}", f"repairapp:api-rate:user:{token.user_id}:{window_start}")
    try:
        pipe = jobs.queue_connection().pipeline()
        for key in keys:
            pipe.incr(key)
            pipe.expire(key, window + 1)
        count = max(pipe.execute()[::2])
    except redis.RedisError as exc:
        jobs.note_redis_down()
        log.warning("API rate limit not checked, Redis unavailable: %s", exc)
        return 0
    if count <= limit:
        return 0
    return max(1, int(window_start + window - now + 0.999))
