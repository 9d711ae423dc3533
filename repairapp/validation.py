"""Input checks that hold for every page and API call alike, in one place.

NUL: PostgreSQL text cannot hold a NUL character, so a NUL in a query parameter, a form
field or a header used to reach the database as a DataError (a 500). The middleware
refuses it before any view runs: a 400 that names where it was, as JSON under /api/ and
as a page elsewhere.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render

from .http import body_too_large
from .storage import DiskFull

FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


def has_nul(value) -> bool:
    return isinstance(value, str) and "\x00" in value


def nul_problem(request: HttpRequest) -> str | None:
    """Where the request carries a NUL character, or None."""
    if has_nul(request.path):
        return "the address"
    for name, values in request.GET.lists():
        if has_nul(name) or any(has_nul(v) for v in values):
            return f"the query parameter {name!r}".replace("\\x00", "\\0")
    for key, value in request.META.items():
        if key.startswith("HTTP_") and has_nul(value):
            return f"the {key[5:].replace('_', '-').title()} header"
    # A quoted cookie value may spell a NUL as the escape \000, which only parsing reveals;
    # the session key would carry it to the database.
    for name, value in request.COOKIES.items():
        if has_nul(name) or has_nul(value):
            return f"the cookie {name!r}".replace("\\x00", "\\0")
    if request.content_type in FORM_TYPES and not body_too_large(request) and not _anonymous_api_call(request):
        for name, values in request.POST.lists():
            if has_nul(name) or any(has_nul(v) for v in values):
                return f"the field {name!r}".replace("\\x00", "\\0")
    return None


def _anonymous_api_call(request: HttpRequest) -> bool:
    # The API answers 401 before reading a body without a token: do not parse up to
    # MAX_UPLOAD_BYTES of multipart here for nobody.
    return request.path.startswith("/api/") and "HTTP_AUTHORIZATION" not in request.META


def refusal(request: HttpRequest, status: int, code: str, message: str) -> HttpResponse:
    """A refused request, as JSON for the API and as a page for people."""
    if request.path.startswith("/api/"):
        return JsonResponse({"error": message, "code": code}, status=status)
    if any(has_nul(k) or has_nul(v) for k, v in request.COOKIES.items()):
        # The page's header must not look the session up: its key would carry the NUL
        # to the database.
        request.user = AnonymousUser()
    return render(request, "400.html", {"message": message}, status=status)


class RejectNulMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            where = nul_problem(request)
        except RequestDataTooBig:
            return refusal(request, 413, "too_large", "The request is too large.")
        except (MultiPartParserError, SuspiciousOperation, UnicodeDecodeError) as exc:
            return refusal(request, 400, "bad_request", f"The request could not be read: {exc}")
        if where:
            return refusal(request, 400, "nul_character",
                           f"{where[0].upper()}{where[1:]} contains a NUL character (\\0), which is never valid text.")
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        # A full disk anywhere (an upload, a saved mask, a display copy) is the server's
        # condition, not a bug: 507 with a sentence. The writers have removed their files.
        if isinstance(exception, DiskFull):
            return refusal(request, 507, "insufficient_storage", DiskFull.message)
        return None
