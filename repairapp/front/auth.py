"""Login with a brake on password guessing, and the admins-only queue dashboard."""

from __future__ import annotations

import hashlib
import logging
import unicodedata
from functools import wraps

import redis
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import include, reverse
from django.urls.resolvers import URLPattern, URLResolver
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _

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


def app_login_page(request, message: str, status: int) -> HttpResponse:
    """Our login page with the refusal above the form, the name kept."""
    form = AuthenticationForm(request, initial={"username": request.POST.get("username", "")})
    context = {"form": form, "refusal": message, "next": request.POST.get("next", "")}
    return render(request, "registration/login.html", context, status=status)


def admin_login_page(request, message: str, status: int) -> HttpResponse:
    """Django admin's login page with the refusal as its error note: someone logging in
    to the admin stays on the admin's page, which posts back to itself (`app_path`)."""
    form = AdminAuthenticationForm(request, initial={"username": request.POST.get("username", "")})
    # Not add_error(): an unbound form has no cleaned_data for it to tidy.
    form.errors[NON_FIELD_ERRORS] = form.error_class([message], error_class="nonfield")
    context = {**admin.site.each_context(request), "title": _("Log in"), "subtitle": None, "form": form,
               "app_path": request.get_full_path(), "username": request.user.get_username(),
               "next": request.POST.get("next") or reverse("admin:index")}
    return render(request, "admin/login.html", context, status=status)


def _refused(request, page, *, status: int, message: str) -> HttpResponse:
    response = page(request, message, status)
    response["Retry-After"] = str(settings.LOGIN_LOCKOUT_SECONDS if status == 429 else 30)
    return response


def login_brake(view, page=app_login_page):
    """A brake on password guessing for any login view (ours and Django admin's); a
    refusal is drawn by `page` (the login page the person was on).

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
            return _refused(request, page, status=503, message=BRAKE_DOWN)
        if attempts > settings.LOGIN_MAX_FAILURES:
            minutes = settings.LOGIN_LOCKOUT_SECONDS // 60
            return _refused(request, page, status=429,
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
