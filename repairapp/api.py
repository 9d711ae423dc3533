"""The JSON API under /api/v1/, for scripts: `Authorization: Bearer <token>`.

Every view is wrapped by `authorize` (token, rate limit, body size, and errors as
`{"error", "code"}` JSON), finds its objects through `access` so a token sees exactly
what its user sees (404 otherwise), validates input with a Form, and answers with the
`*_dict` functions below. POSTs honour an `Idempotency-Key` header. The contract is
written down in openapi.py; tests/test_api_openapi.py checks the two agree.
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from functools import wraps

from django import forms
from django.conf import settings
from django.core.exceptions import BadRequest, PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.core.paginator import EmptyPage, Paginator
from django.db import IntegrityError, transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.urls import reverse
from django.utils import timezone
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt

from . import access, downloads, engines, http, imaging, jobs, openapi, roles, services, tokens
from .forms import ExportForm, PageForm, RepairForm, ReviewForm, SubmitForm, problems
from .models import Asset, IdempotencyKey, RepairJob, Version
from .storage import DiskFull

PAGE_SIZE = 50
QUEUE_NOTE = "The queue is unavailable: the repair is stored and will start when the queue is back."
IMAGE_ERROR_CODES = {400: "invalid_image", 413: "too_large", 415: "unsupported_media_type"}


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


# ---------------------------------------------------------------- decorators


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


# ---------------------------------------------------------------- output


def _url(request: HttpRequest, name: str, *args) -> str:
    return request.build_absolute_uri(reverse(name, args=args))


def job_to_dict(request: HttpRequest, job: RepairJob) -> dict:
    version = job.result_version if job.status == RepairJob.SUCCEEDED else None
    return {
        **job.to_dict(),
        "status_url": _url(request, "api-repair", job.pk),
        "asset": job.asset_id,
        "version": job.base_version_id,
        "result_version": version.pk if version else None,
        "result_url": _url(request, "api-version-image", version.pk) if version else None,
        "diff_url": _url(request, "api-version-diff", version.pk) if version else None,
        "checks": {
            "changed_outside_mask": version.changed_outside_mask if version else None,
            "changed_fraction": version.changed_fraction if version else None,
            "seam_score": version.seam_score if version else None,
        },
    }


def review_to_dict(version: Version) -> dict | None:
    review = getattr(version, "review", None)  # version 1 is not a repair: no review
    return review.to_dict() if review else None


def version_to_dict(request: HttpRequest, version: Version) -> dict:
    return {
        **version.to_dict(),
        "parent": version.parent_id,
        "created_at": version.created_at.isoformat(),
        "made_by_job": version.made_by_job_id,
        "image_url": _url(request, "api-version-image", version.pk),
        "diff_url": _url(request, "api-version-diff", version.pk) if version.diff_file else None,
        "review": review_to_dict(version),
    }


def asset_to_dict(request: HttpRequest, asset: Asset, *, with_versions: bool = False) -> dict:
    data = {**asset.to_dict(), "url": _url(request, "api-asset", asset.pk)}
    if with_versions:
        versions = asset.versions.select_related("review", "review__decided_by").order_by("number")
        data["versions"] = [version_to_dict(request, v) for v in versions]
    return data


# ---------------------------------------------------------------- input


def _form_error(form: forms.Form) -> ApiError:
    return ApiError(400, "invalid", problems(form))


def _photo_upload(request: HttpRequest):
    """The photo file: `image`, or `file` as an alias."""
    _refuse_text_for_files(request, "image", "file")
    if "image" in request.FILES and "file" in request.FILES:
        raise ApiError(400, "two_photos", "Send the photo once, as `image` or as `file`, not both.")
    return request.FILES.get("image") or request.FILES.get("file")


def _refuse_text_for_files(request: HttpRequest, *names: str) -> None:
    # `-F image=photo.jpg` (no @) sends the name as text: say so rather than ignore it.
    for name in names:
        if name in request.POST:
            raise ApiError(400, "not_a_file", f"`{name}` must be a file upload (curl: -F {name}=@path), not text.")


def _image_error(exc: imaging.ImageError) -> ApiError:
    return ApiError(exc.status, IMAGE_ERROR_CODES.get(exc.status, "invalid_image"), str(exc))


# ---------------------------------------------------------------- views


def repair_create(request: HttpRequest) -> JsonResponse:
    form = RepairForm(request.POST)
    if not form.is_valid():
        raise _form_error(form)
    data = form.cleaned_data
    upload = _photo_upload(request)
    if (upload is None) == (data["asset"] is None):
        raise ApiError(400, "no_image", "Send a photo as `image` (or `file`), or the id of one of your photos "
                                        "as `asset`: one of the two.")
    _refuse_text_for_files(request, "mask")
    mask = request.FILES.get("mask")
    options = {"mask_data": mask.read() if mask is not None else None, **form.options()}
    try:
        if upload is not None:
            job = services.repair_create(user=request.user, photo=upload.read(), file_name=upload.name, **options)
        else:
            asset = access.get_asset_for_user(request.user, data["asset"])
            access.require_editor(request.user, asset, "Only the photo's owner can run repairs on it.")
            job = services.repair_create(user=request.user, version=asset.latest_version(), **options)
    except imaging.ImageError as exc:
        raise _image_error(exc) from None
    except services.TextFindUnavailable as exc:
        raise ApiError(400, "mode_unavailable", str(exc)) from None
    except engines.EngineError as exc:  # unknown engine (listing the known ones), bad parameter
        raise ApiError(400, "invalid_parameter", str(exc)) from None
    except ValueError as exc:  # no mask, no text found, a mask with remove_text
        raise ApiError(400, "invalid", str(exc)) from None
    body = job_to_dict(request, job)
    if jobs.queue_available():
        body["queue"] = "available"
    else:
        body.update(queue="unavailable", note=QUEUE_NOTE)
    return JsonResponse(body, status=202)


def repair_detail(request: HttpRequest, job_id: int) -> JsonResponse:
    return JsonResponse(job_to_dict(request, access.get_job_for_user(request.user, job_id)))


def asset_create(request: HttpRequest) -> JsonResponse:
    upload = _photo_upload(request)
    if upload is None:
        raise ApiError(400, "no_image", "Send the photo as `image` (or `file`): JPEG, PNG or WebP.")
    try:
        asset = services.asset_create(owner=request.user, data=upload.read(), file_name=upload.name)
    except imaging.ImageError as exc:
        raise _image_error(exc) from None
    return JsonResponse(asset_to_dict(request, asset, with_versions=True), status=201)


def asset_list(request: HttpRequest) -> JsonResponse:
    form = PageForm(request.GET)
    if not form.is_valid():
        raise _form_error(form)
    paginator = Paginator(roles.visible_assets(request.user).order_by("-created_at", "-id"), PAGE_SIZE)
    number = form.cleaned_data["page"] or 1
    try:
        page = paginator.page(number)
    except EmptyPage:
        raise ApiError(404, "not_found", f"There is no page {number}; there are {paginator.num_pages}.") from None
    base = request.build_absolute_uri(reverse("api-assets"))
    return JsonResponse({
        "count": paginator.count,
        "next": f"{base}?page={page.next_page_number()}" if page.has_next() else None,
        "previous": f"{base}?page={page.previous_page_number()}" if page.has_previous() else None,
        "results": [asset_to_dict(request, asset) for asset in page],
    })


def asset_detail(request: HttpRequest, asset_id: int) -> JsonResponse:
    asset = access.get_asset_for_user(request.user, asset_id)
    return JsonResponse(asset_to_dict(request, asset, with_versions=True))


def _json_object(request: HttpRequest, example: str, *, empty_ok: bool = False) -> dict:
    """The body as a JSON object (an empty body is {} where `empty_ok`); 400 otherwise.
    Bounded in size (413), and so in how deep a hostile body can nest (RecursionError)."""
    if len(request.body) > http.MAX_JSON_BODY_BYTES:
        raise ApiError(413, "too_large", f"A JSON body is at most {http.MAX_JSON_BODY_BYTES // 1024} KB.")
    if empty_ok and not request.body.strip():
        return {}
    try:
        payload = json.loads(request.body or b"null")
    except (ValueError, RecursionError):
        raise ApiError(400, "invalid_json", f"The body must be JSON: {example}.") from None
    if not isinstance(payload, dict):
        raise ApiError(400, "invalid_json", f"The body must be a JSON object: {example}.")
    return payload


def review_decide(request: HttpRequest, version_id: int) -> JsonResponse:
    access.require_reviewer(request.user)
    payload = _json_object(request, '{"decision": "approve"|"reject", "comment": "..."}')
    form = ReviewForm({key: value for key, value in payload.items() if isinstance(value, str)})
    if not form.is_valid():
        raise _form_error(form)
    version = access.get_version_for_user(request.user, version_id)
    try:
        review = services.review_decide(user=request.user, version=version, decision=form.cleaned_data["decision"],
                                        comment=form.cleaned_data["comment"])
    except services.ReviewConflict as exc:
        raise ApiError(409, "conflict", str(exc)) from None
    except services.OwnVersion as exc:
        raise ApiError(403, "own_version", str(exc)) from None
    except ValueError as exc:  # a rejection without a comment
        raise ApiError(400, "invalid", str(exc)) from None
    version.review = review
    return JsonResponse({"version": version.pk, **version.review.to_dict()})


def version_submit(request: HttpRequest, version_id: int) -> JsonResponse:
    """Send a repaired draft to the moderators, as the editor's Submit for review does."""
    payload = _json_object(request, '{"note": "..."} (the note is optional; an empty body is fine)', empty_ok=True)
    if not isinstance(payload.get("note", ""), str):
        raise ApiError(400, "invalid", "note: a note is text.")
    form = SubmitForm(payload)
    if not form.is_valid():
        raise _form_error(form)
    version = access.get_version_for_user(request.user, version_id)
    access.require_editor(request.user, version.asset, "Only the photo's owner can submit its versions for review.")
    try:
        review = services.version_submit(user=request.user, version=version, note=form.cleaned_data["note"])
    except services.ReviewConflict as exc:  # version 1, or already pending or decided
        raise ApiError(409, "conflict", str(exc)) from None
    version.review = review
    return JsonResponse({"version": version.pk, **version.review.to_dict()})


def version_image(request: HttpRequest, version_id: int) -> HttpResponse:
    """PNG as stored, or `?format=jpeg|webp&quality=N`; named like `coffee-v2.jpg`."""
    form = ExportForm(request.GET)
    if not form.is_valid():
        raise _form_error(form)
    version = access.get_version_for_user(request.user, version_id)
    try:
        return downloads.version_download(version, fmt=form.cleaned_data["format"],
                                          quality=form.cleaned_data["quality"])
    except FileNotFoundError:
        raise ApiError(404, "not_found", "The file is missing.") from None
    except imaging.ImageError as exc:  # WebP cannot hold a photo this wide
        raise ApiError(400, "invalid", str(exc)) from None


def version_diff(request: HttpRequest, version_id: int) -> FileResponse:
    version = access.get_version_for_user(request.user, version_id)
    if not version.diff_file:
        raise ApiError(404, "not_found", "Version 1 is the upload: it has no diff.")
    return http.stored_file_response(version.diff_file, content_type=imaging.content_type_for(version.diff_file.name))


@csrf_exempt
def openapi_document(request: HttpRequest) -> JsonResponse:
    if request.method != "GET":
        return error_response(405, "method_not_allowed", f"{request.method} is not allowed here.", {"Allow": "GET"})
    return JsonResponse(openapi.document())


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Django's own 400, for a request refused before any view (a malformed Host header):
    JSON under /api/ like every other API answer, the usual page elsewhere."""
    if request.path.startswith("/api/"):
        return error_response(400, "bad_request", f"The request could not be read: {exception or 'bad request'}")
    return defaults.bad_request(request, exception)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Django's own 404, for a path no pattern matched: JSON under /api/, the page elsewhere."""
    if request.path.startswith("/api/"):
        return not_found(request)
    return defaults.page_not_found(request, exception)


@csrf_exempt
def not_found(request: HttpRequest, rest: str = "") -> JsonResponse:
    return error_response(404, "not_found", f"No API endpoint at {request.path}.")


repairs = authorize(route(POST=idempotent(repair_create)))
repair = authorize(route(GET=repair_detail))
assets = authorize(route(GET=asset_list, POST=idempotent(asset_create)))
asset = authorize(route(GET=asset_detail))
version_review = authorize(route(POST=idempotent(review_decide)))
version_submit_view = authorize(route(POST=idempotent(version_submit)))
version_image_view = authorize(route(GET=version_image))
version_diff_view = authorize(route(GET=version_diff))
