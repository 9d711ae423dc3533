"""Pages and the editor's JSON endpoints. Every view finds its object through a
`_get_*_for_user` helper that 404s before any work is done."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from . import engines, imaging, services
from .engines import pipeline
from .models import Asset, RepairJob, Version

PAGE_SIZE = 24


def _visible_assets(user):
    # Admins (superusers) see everything; everyone else only their own photos.
    return Asset.objects.all() if user.is_superuser else Asset.objects.filter(owner=user)


def _get_asset_for_user(user, asset_id: int) -> Asset:
    return get_object_or_404(_visible_assets(user), pk=asset_id)


def _get_version_for_user(user, version_id: int) -> Version:
    return get_object_or_404(Version.objects.select_related("asset").filter(asset__in=_visible_assets(user)), pk=version_id)


def _get_job_for_user(user, job_id: int) -> RepairJob:
    return get_object_or_404(RepairJob.objects.filter(asset__in=_visible_assets(user)), pk=job_id)


def _body_too_large(request: HttpRequest) -> bool:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) > settings.MAX_UPLOAD_BYTES
    except ValueError:
        return True


def _too_large_message() -> str:
    return f"The upload is larger than the {settings.MAX_UPLOAD_BYTES // (1024 * 1024)} MB limit."


def _json_error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


# ---------------------------------------------------------------- pages


@require_GET
@login_required
def asset_list(request: HttpRequest, *, error: str = "", status: int = 200) -> HttpResponse:
    assets = _visible_assets(request.user).prefetch_related("versions")
    page = Paginator(assets, PAGE_SIZE).get_page(request.GET.get("page"))
    for asset in page:
        asset.newest = max(asset.versions.all(), key=lambda v: v.number)
    context = {
        "page": page,
        "error": error,
        "max_upload_mb": settings.MAX_UPLOAD_BYTES // (1024 * 1024),
        "max_megapixels": settings.MAX_IMAGE_PIXELS / 1e6,
    }
    return render(request, "repairapp/asset_list.html", context, status=status)


@require_POST
@login_required
def asset_upload(request: HttpRequest) -> HttpResponse:
    if _body_too_large(request):
        request.method = "GET"
        return asset_list(request, error=_too_large_message(), status=413)
    upload = request.FILES.get("photo")
    if upload is None:
        request.method = "GET"
        return asset_list(request, error="Choose a photo to upload (JPEG, PNG or WebP).", status=400)
    try:
        asset = services.asset_create(owner=request.user, data=upload.read(), file_name=upload.name)
    except imaging.ImageError as exc:
        request.method = "GET"
        return asset_list(request, error=str(exc), status=exc.status)
    messages.success(request, f"Uploaded {asset.original_name}.")
    return redirect("editor", asset_id=asset.pk)


@require_GET
@login_required
def editor(request: HttpRequest, asset_id: int) -> HttpResponse:
    asset = _get_asset_for_user(request.user, asset_id)
    versions = list(asset.versions.select_related("made_by_job").order_by("number"))
    newest = versions[-1]
    chosen = newest
    if request.GET.get("version"):
        chosen = next((v for v in versions if str(v.number) == request.GET["version"]), None)
        if chosen is None:
            raise Http404("No such version")
    active_job = asset.jobs.exclude(status__in=RepairJob.FINISHED).order_by("-queued_at").first()
    context = {
        "asset": asset,
        "versions": versions,
        "version": chosen,
        "newest": newest,
        "active_job": active_job,
        "engines": engines.choices(),
        "default_engine": engines.DEFAULT_ENGINE,
        "default_dilate": pipeline.DEFAULT_DILATE,
        "max_dilate": pipeline.MAX_DILATE,
        "default_feather": pipeline.DEFAULT_FEATHER,
        "max_feather": pipeline.MAX_FEATHER,
    }
    return render(request, "repairapp/editor.html", context)


# ---------------------------------------------------------------- editor JSON


def version_dict(version: Version) -> dict:
    urls = {
        "image_url": reverse("version-image", args=[version.pk]),
        "download_url": reverse("version-image", args=[version.pk]) + "?download=1",
        "thumb_url": reverse("version-thumb", args=[version.pk]),
        "editor_url": reverse("editor", args=[version.asset_id]) + f"?version={version.number}",
    }
    data = {"id": version.pk, "number": version.number, "width": version.width, "height": version.height, **urls}
    if version.parent_id:
        data.update(
            parent_number=version.parent.number,
            parent_image_url=reverse("version-image", args=[version.parent_id]),
            diff_url=reverse("version-diff", args=[version.pk]),
            figures={
                "mask_pixels": version.mask_pixels,
                "changed_inside_mask": version.changed_inside_mask,
                "changed_outside_mask": version.changed_outside_mask,
                "changed_fraction": version.changed_fraction,
            },
        )
    return data


def job_dict(job: RepairJob) -> dict:
    data = {
        "id": job.pk,
        "status": job.status,
        "error": job.error,
        "attempts": job.attempts,
        "engine": job.engine,
        "params": job.params,
        "queued_at": job.queued_at.isoformat(),
        "started_at": job.started_at.isoformat() if job.started_at else None,
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
        "status_url": reverse("job-status", args=[job.pk]),
        "mask_url": reverse("job-mask", args=[job.pk]),
        "version": None,
    }
    if job.status == RepairJob.QUEUED:
        ahead = RepairJob.objects.filter(status=RepairJob.QUEUED, queued_at__lt=job.queued_at).count()
        data["queue_position"] = ahead + 1
    if job.status == RepairJob.SUCCEEDED:
        data["version"] = version_dict(job.result_version)
    return data


@require_POST
@login_required
def repair_create(request: HttpRequest, asset_id: int) -> JsonResponse:
    asset = _get_asset_for_user(request.user, asset_id)
    if _body_too_large(request):
        return _json_error(_too_large_message(), 413)
    version_id = request.POST.get("version")
    version = asset.versions.filter(pk=version_id).first() if version_id and version_id.isdigit() else asset.latest_version()
    if version is None:
        return _json_error(f"Version {version_id!r} is not a version of this photo.", 400)
    mask = request.FILES.get("mask")
    if mask is None:
        return _json_error("No mask was sent: paint over what should be removed.", 400)
    numbers = {}
    for name, default in (("dilate", pipeline.DEFAULT_DILATE), ("feather", pipeline.DEFAULT_FEATHER)):
        raw = request.POST.get(name, "")
        try:
            numbers[name] = int(raw) if raw.strip() else default
        except ValueError:
            return _json_error(f"{name} must be a whole number of pixels.", 400)
    try:
        job = services.repair_request_create(
            user=request.user, version=version, mask_data=mask.read(),
            engine=request.POST.get("engine") or engines.DEFAULT_ENGINE, **numbers,
        )
    except imaging.ImageError as exc:
        return _json_error(str(exc), exc.status)
    except ValueError as exc:  # EngineError: unknown engine, bad parameter
        return _json_error(str(exc), 400)
    return JsonResponse(job_dict(job), status=202)


@require_GET
@login_required
def job_status(request: HttpRequest, job_id: int) -> JsonResponse:
    return JsonResponse(job_dict(_get_job_for_user(request.user, job_id)))


# ---------------------------------------------------------------- media (access-checked)


def _file_response(field, *, content_type: str, download_name: str | None = None) -> FileResponse:
    try:
        handle = field.open("rb")
    except FileNotFoundError:
        raise Http404("The file is missing") from None
    response = FileResponse(handle, content_type=content_type, as_attachment=bool(download_name), filename=download_name or "")
    # Versions never change, so a browser may keep them; they are private to the user.
    response["Cache-Control"] = "private, max-age=31536000, immutable"
    return response


@require_GET
@login_required
def version_image(request: HttpRequest, version_id: int) -> FileResponse:
    version = _get_version_for_user(request.user, version_id)
    name = version.download_name if request.GET.get("download") else None
    return _file_response(version.file, content_type="image/png", download_name=name)


@require_GET
@login_required
def version_thumb(request: HttpRequest, version_id: int) -> FileResponse:
    version = _get_version_for_user(request.user, version_id)
    kind = "image/png" if version.thumbnail.name.endswith(".png") else "image/jpeg"
    return _file_response(version.thumbnail, content_type=kind)


@require_GET
@login_required
def version_diff(request: HttpRequest, version_id: int) -> FileResponse:
    version = _get_version_for_user(request.user, version_id)
    if not version.diff_file:
        raise Http404("Version 1 has no diff")
    return _file_response(version.diff_file, content_type="image/png")


@require_GET
@login_required
def job_mask(request: HttpRequest, job_id: int) -> FileResponse:
    job = _get_job_for_user(request.user, job_id)
    return _file_response(job.mask_file, content_type="image/png")
