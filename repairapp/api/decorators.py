"""What every /api/v1/ view is wrapped in: the token (`authorize`, which also applies the
rate limit and the body size and turns errors into `{"error", "code"}` JSON), one
handler per method (`route`), and the `Idempotency-Key` replay (`idempotent`)."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from functools import wraps

from django.conf import settings
from django.core.exceptions import BadRequest, PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from .. import http, tokens
from ..models import IdempotencyKey
from ..storage import DiskFull


class ApiError(Exception):
    """Raised anywhere in a view to answer with `{"error": message, "code": code}`."""

    def __init__(self, status: int, code: str, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}


def error_response(status: int, code: str, message: str, headers: dict | None = None) -> JsonResponse:
    response = JsonResponse({"error": message, "code": code}, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def authorize(view):
    """Bearer token -> request.user; then the rate limit and the body size. Turns the
    usual exceptions into JSON errors so no API path answers with an HTML page."""

    @csrf_exempt  # no cookies are read here: a token, not a session, authenticates
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
            if scheme.lower() != "bearer" or not secret.strip():
                raise ApiError(401, "unauthorized", "Send an API token: Authorization: Bearer <token>.",
                               {"WWW-Authenticate": 'Bearer realm="repairapp"'})
            token = tokens.token_authenticate(secret.strip())
            if token is None:
                raise ApiError(401, "invalid_token", "The API token is unknown or revoked.",
                               {"WWW-Authenticate": 'Bearer realm="repairapp", error="invalid_token"'})
            request.user = token.user
            request.api_token = token
            wait = tokens.rate_limit_hit(token)
            if wait:
                limit, window = tokens.rate_limit()
                raise ApiError(429, "rate_limited", f"More than {limit} requests in {window} s; retry in {wait} s.",
                               {"Retry-After": str(wait)})
            if http.body_too_large(request):
                raise ApiError(413, "too_large", http.too_large_message("request"))
            return view(request, *args, **kwargs)
        except ApiError as exc:
            return error_response(exc.status, exc.code, exc.message, exc.headers)
        except Http404 as exc:
            return error_response(404, "not_found", str(exc) or "Not found.")
        except PermissionDenied as exc:
            return error_response(403, "forbidden", str(exc) or "Not allowed.")
        except RequestDataTooBig:
            return error_response(413, "too_large", "The request is too large.")
        except DiskFull:
            return error_response(507, "insufficient_storage", DiskFull.message)
        except (MultiPartParserError, BadRequest, SuspiciousOperation) as exc:
            return error_response(400, "bad_request", f"The request could not be read: {exc}")

    return wrapper


def route(**handlers):
    """One URL, one handler per method; any other method is a JSON 405."""

    def view(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        handler = handlers.get(request.method)
        if handler is None:
            return error_response(405, "method_not_allowed", f"{request.method} is not allowed here.",
                                  {"Allow": ", ".join(handlers)})
        return handler(request, *args, **kwargs)

    return view


def _fingerprint(request: HttpRequest) -> str:
    """sha256 of the method, the path and the body's parts. Parsed parts, not raw bytes:
    two uploads of the same files differ in their multipart boundary."""
    parts: list = [request.method, request.path]
    if request.content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        parts += [["field", name, request.POST.getlist(name)] for name in sorted(request.POST)]
        for name in sorted(request.FILES):
            for upload in request.FILES.getlist(name):
                digest = hashlib.sha256()
                for chunk in upload.chunks():
                    digest.update(chunk)
                upload.seek(0)
                parts.append(["file", name, upload.name, digest.hexdigest()])
    else:
        parts.append(hashlib.sha256(request.body).hexdigest())
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


def idempotent(view):
    """With an `Idempotency-Key` header, run the POST once per (user, key) and replay
    its answer to every repeat. The key row is inserted in the same transaction as the
    view's writes: a concurrent twin's insert waits on the unique index until this one
    commits, then fails, and the twin reads the stored answer."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        key = request.headers.get("Idempotency-Key")
        if key is None:
            return view(request, *args, **kwargs)
        if not 1 <= len(key) <= 255:
            raise ApiError(400, "invalid_idempotency_key", "An Idempotency-Key is 1 to 255 characters.")
        fingerprint = _fingerprint(request)
        for _ in range(3):
            stored = IdempotencyKey.objects.filter(user=request.user, key=key).first()
            if stored is not None:
                return _replay(stored, fingerprint)
            try:
                with transaction.atomic():
                    row = IdempotencyKey.objects.create(user=request.user, key=key, fingerprint=fingerprint)
                    response = view(request, *args, **kwargs)
                    row.status_code, row.response = response.status_code, json.loads(response.content)
                    row.save(update_fields=["status_code", "response"])
                return response
            except IntegrityError:
                if not IdempotencyKey.objects.filter(user=request.user, key=key).exists():
                    raise  # not the key: a real error in the view
        raise ApiError(409, "idempotency_conflict", "A request with this Idempotency-Key is still in progress.")

    return wrapper


def forget_idempotency_keys() -> int:
    """Forget the keys older than IDEMPOTENCY_KEY_HOURS: they only need to outlive a
    client's retries. The sweep command runs it. Returns how many went."""
    forget_before = timezone.now() - timedelta(hours=settings.IDEMPOTENCY_KEY_HOURS)
    return IdempotencyKey.objects.filter(created_at__lt=forget_before).delete()[0]


def _replay(stored: IdempotencyKey, fingerprint: str) -> HttpResponse:
    if stored.fingerprint != fingerprint:
        raise ApiError(409, "idempotency_conflict",
                       "This Idempotency-Key was used with a different request; use a new key for a new request.")
    if stored.status_code is None:
        raise ApiError(409, "idempotency_conflict", "A request with this Idempotency-Key is still in progress.")
    response = JsonResponse(stored.response, status=stored.status_code, safe=False)
    response["Idempotent-Replayed"] = "true"
    return response
