"""Login with a brake on password guessing, and the admins-only queue dashboard."""

from __future__ import annotations

import hashlib
import logging
import unicodedata
from functools import wraps

import redis
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import include
from django.urls.resolvers import URLPattern, URLResolver
from django.utils.decorators import method_decorator

from .. import jobs, roles

log = logging.getLogger(__name__)


def normalised_username(raw: str) -> str:
    """The username as authentication resolves it (NFKC, as Django's login form does),
    casefolded: `ｍod2`, `𝐦od2` and `MOD2` all count against `mod2`."""
    folded = unicodedata.normalize("NFKC", raw or "").strip().casefold()
    return unicodedata.normalize("NFKC", folded)


def _attempt_key(request) -> str:
    username = normalised_username(request.POST.get("username", ""))
    address = request.META.get("REMOTE_ADDR", "")
    return "repairapp:login-attempts:" + hashlib.sha256(f"{address}|{username}".encode()).hexdigest()


def _count_attempt(key: str) -> int:
    """Count this attempt before the password is checked, atomically (INCR): of many
    parallel guesses only the first LOGIN_MAX_FAILURES reach the password check."""
    pipe = jobs.queue_connection().pipeline()
    pipe.incr(key)
    pipe.expire(key, settings.LOGIN_LOCKOUT_SECONDS, nx=True)
    return pipe.execute()[0]


def _refused(request, *, status: int, message: str) -> HttpResponse:
    form = AuthenticationForm(request, initial={"username": request.POST.get("username", "")})
    context = {"form": form, "refusal": message,
               "next": request.POST.get("next", "")}
    response = render(request, "registration/login.html", context, status=status)
    response["Retry-After"] = str(settings.LOGIN_LOCKOUT_SECONDS if status == 429 else 30)
    return response


def login_brake(view):
    """A brake on password guessing for any login view (ours and Django admin's).

    Attempts are counted per normalised username and address. A successful login clears
    the count; past LOGIN_MAX_FAILURES attempts, logins for that name pause for
    LOGIN_LOCKOUT_SECONDS (429). While Redis is down nothing can be counted, so logins
    fail closed (503) rather than allow unlimited guesses.
    """

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method != "POST":
            return view(request, *args, **kwargs)
        key = _attempt_key(request)
        try:
            attempts = _count_attempt(key)
        except redis.RedisError as exc:
            jobs.note_redis_down()
            log.error("login refused, the login brake cannot count attempts (Redis): %s", exc)
            return _refused(request, status=503, message=BRAKE_DOWN)
        if attempts > settings.LOGIN_MAX_FAILURES:
            minutes = settings.LOGIN_LOCKOUT_SECONDS // 60
            return _refused(request, status=429,
                            message=f"Too many failed logins. Try again in {minutes} minutes.")
        before = request.user.pk if request.user.is_authenticated else None
        response = view(request, *args, **kwargs)
        if request.user.is_authenticated and request.user.pk != before and response.status_code in (301, 302):
            try:
                jobs.queue_connection().delete(key)
            except redis.RedisError as exc:  # the count then just expires
                log.warning("login count not cleared (Redis): %s", exc)
        return response

    return wrapped


BRAKE_DOWN = ("Logging in is paused for a moment: the service that guards against password guessing "
              "is not answering. Try again in a minute.")


class RateLimitedLoginView(auth_views.LoginView):
    redirect_authenticated_user = True

    @method_decorator(login_brake)
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


def admins_only(view):
    """Stock django-rq lets any staff user in; here only the admin role may look."""

    @login_required
    def wrapped(request, *args, **kwargs):
        if not roles.is_admin(request.user):
            raise PermissionDenied("The queue dashboard is for admins.")
        return view(request, *args, **kwargs)

    return wrapped


def decorator_include(decorator, module: str):
    """include() with every view wrapped in `decorator`."""
    urlconf_module, app_name, namespace = include(module)

    def wrap(patterns):
        for pattern in patterns:
            if isinstance(pattern, URLPattern):
                pattern.callback = decorator(pattern.callback)
            elif isinstance(pattern, URLResolver):
                wrap(pattern.url_patterns)
        return patterns

    patterns = getattr(urlconf_module, "urlpatterns", urlconf_module)
    return (wrap(list(patterns)), app_name, namespace)
