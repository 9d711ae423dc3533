"""The request's size and the files a view serves, the same for the pages and the API."""

from __future__ import annotations

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, JsonResponse

# Versions and what is derived from them never change, so a browser may keep them;
# they are private to the user.
IMMUTABLE = "private, max-age=31536000, immutable"
# A JSON body is only ever a small object ({"decision", "comment"}); bounding it also
# bounds how deep a hostile one can nest.
MAX_JSON_BODY_BYTES = 64 * 1024


def body_too_large(request: HttpRequest) -> bool:
    """Whether the declared body is above MAX_UPLOAD_BYTES (an unreadable length counts)."""
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) > settings.MAX_UPLOAD_BYTES
    except ValueError:
        return True


def too_large_message(what: str = "upload") -> str:
    return f"The {what} is larger than the {settings.MAX_UPLOAD_BYTES // (1024 * 1024)} MB limit."


def json_error(message: str, status: int) -> JsonResponse:
    """A refusal from one of the pages' JSON endpoints (the API adds a `code`)."""
    return JsonResponse({"error": message}, status=status)


def immutable_response(handle, *, content_type: str) -> FileResponse:
    response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = IMMUTABLE
    return response


def stored_file_response(field, *, content_type: str) -> FileResponse:
    """A stored file (a thumbnail, a diff, a mask) of an object the caller may see:
    access is asked before (access.py). A file gone from the disk is a 404."""
    try:
        handle = field.open("rb")
    except FileNotFoundError:
        raise Http404("The file is missing.") from None
    return immutable_response(handle, content_type=content_type)
