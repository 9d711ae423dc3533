"""The JSON API under /api/v1/, for scripts: `Authorization: Bearer <token>`.

Every view is wrapped by decorators.authorize (token, rate limit, body size, and errors
as `{"error", "code"}` JSON), finds its objects through `access` so a token sees exactly
what its user sees (404 otherwise), validates input with a Form, and answers with the
`*_dict` functions below. POSTs honour an `Idempotency-Key` header. The contract is
written down in api/openapi.py; tests/test_api_openapi.py checks the two agree.
"""

from __future__ import annotations

import json

from django import forms
from django.core.paginator import EmptyPage, Paginator
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt

from .. import access, downloads, engines, http, imaging, jobs, roles, services
from ..forms import ExportForm, PageForm, RepairForm, ReviewForm, SubmitForm, TextFilterForm, problems
from ..models import Asset, RepairJob, Version
from . import openapi
from .decorators import ApiError, authorize, error_response, idempotent, route

PAGE_SIZE = 50
QUEUE_NOTE = "The queue is unavailable: the repair is stored and will start when the queue is back."
IMAGE_ERROR_CODES = {400: "invalid_image", 413: "too_large", 415: "unsupported_media_type"}


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
            "flags": version.flags() if version else None,
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


ASSET_LIST_PARAMETERS = ("page", "text")


def asset_list(request: HttpRequest) -> JsonResponse:
    unknown = sorted(set(request.GET) - set(ASSET_LIST_PARAMETERS))
    if unknown:
        # A misspelt filter (?txt=found) would otherwise answer every photo, unfiltered.
        raise ApiError(400, "invalid", f"unknown parameter {unknown[0]!r}; this list takes "
                                       f"{' and '.join(ASSET_LIST_PARAMETERS)}")
    form = PageForm(request.GET)
    if not form.is_valid():
        raise _form_error(form)
    text_filter = TextFilterForm(request.GET)
    if not text_filter.is_valid():
        raise _form_error(text_filter)
    assets = text_filter.apply(roles.visible_assets(request.user)).order_by("-created_at", "-id")
    paginator = Paginator(assets, PAGE_SIZE)
    number = form.cleaned_data["page"] or 1
    try:
        page = paginator.page(number)
    except EmptyPage:
        raise ApiError(404, "not_found", f"There is no page {number}; there are {paginator.num_pages}.") from None
    base = request.build_absolute_uri(reverse("api-assets"))
    if text_filter.cleaned_data["text"]:
        base += f"?text={text_filter.cleaned_data['text']}&"
    else:
        base += "?"
    return JsonResponse({
        "count": paginator.count,
        "next": f"{base}page={page.next_page_number()}" if page.has_next() else None,
        "previous": f"{base}page={page.previous_page_number()}" if page.has_previous() else None,
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
