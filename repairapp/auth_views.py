"""Login with a brake on password guessing, and the admins-only queue dashboard."""

from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.urls import include
from django.urls.resolvers import URLPattern, URLResolver

from . import roles

log = logging.getLogger(__name__)


def _failure_key(request) -> str:
    username = (request.POST.get("username") or "").strip().lower()
    address = request.META.get("REMOTE_ADDR", "")
    return "login-failures:" + hashlib.sha256(f"{address}|{username}".encode()).hexdigest()


def _cache_call(method, *args, default=None):
    # A login page must still work while Redis is away: the brake then just doesn't count.
    try:
        return method(*args)
    except Exception as exc:  # redis-py errors, whatever the cache backend raises
        log.warning("login rate limit unavailable: %s", exc)
        return default


class RateLimitedLoginView(auth_views.LoginView):
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        key = _failure_key(request)
        if (_cache_call(cache.get, key, default=0) or 0) >= settings.LOGIN_MAX_FAILURES:
            form = self.get_form()
            form.errors.clear()
            context = self.get_context_data(form=form, locked_out=True,
                                            lockout_minutes=settings.LOGIN_LOCKOUT_SECONDS // 60)
            response = self.render_to_response(context, status=429)
            response["Retry-After"] = str(settings.LOGIN_LOCKOUT_SECONDS)
            return response
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        key = _failure_key(self.request)
        if _cache_call(cache.add, key, 0, settings.LOGIN_LOCKOUT_SECONDS) is not None:
            _cache_call(cache.incr, key)
        return super().form_invalid(form)

    def form_valid(self, form):
        _cache_call(cache.delete, _failure_key(self.request))
        return super().form_valid(form)


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
