"""The editor page and its JSON: Remove (a repair of the painted mask), the job's
state while the page polls it, and Find text's proposal."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from .. import access, engines, http, imaging, jobs, roles, services
from ..access import EDIT_FORBIDDEN, REVIEW_STATES
from ..engines import pipeline
from ..forms import RepairForm
from ..models import RepairJob, Version
from ..storage import DiskFull
from .assets import read_only_url


@require_GET
@login_required
def editor(request: HttpRequest, asset_id: int) -> HttpResponse:
    asset = access.get_asset_for_user(request.user, asset_id)
    if not roles.can_edit(request.user, asset):
        # A moderator or admin following a link to someone else's photo: not a dead end.
        submitted_id = (asset.versions.filter(review__state__in=REVIEW_STATES).order_by("-number")
                        .values_list("pk", flat=True).first())
        target = read_only_url(request.user, asset, submitted_id)
        if target is None:
            raise PermissionDenied(EDIT_FORBIDDEN)
        return redirect(target)
    versions = list(asset.versions.select_related("made_by_job", "review", "review__decided_by").order_by("number"))
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
        "previous_job": asset.jobs.order_by("-queued_at", "-pk").first(),  # the editor's "previous mask"
        "engines": engines.choices(),
        "default_engine": engines.DEFAULT_ENGINE,
        "default_dilate": pipeline.DEFAULT_DILATE,
        "max_dilate": pipeline.MAX_DILATE,
        "default_feather": pipeline.DEFAULT_FEATHER,
        "max_feather": pipeline.MAX_FEATHER,
        "export_quality": imaging.DEFAULT_EXPORT_QUALITY,  # the download menu's JPEG and WebP
        "archive_retention_days": settings.ARCHIVE_RETENTION_DAYS,
    }
    return render(request, "repairapp/editor.html", context)


def version_json(version: Version) -> dict:
    """A version as the editor reads it: the shared fields, the page links, and for a
    repair its parent, the diff's figures and the checks' flags."""
    data = version.to_dict()
    data.update(
        image_url=reverse("version-image", args=[version.pk]),
        download_url=reverse("version-image", args=[version.pk]) + "?download=1",
        thumb_url=reverse("version-thumb", args=[version.pk]),
        editor_url=reverse("editor", args=[version.asset_id]) + f"?version={version.number}",
    )
    if version.number > 1:
        data["submit_url"] = reverse("version-submit", args=[version.pk])
    if version.parent_id:
        data.update(
            parent_number=version.parent.number,
            parent_image_url=reverse("version-image", args=[version.parent_id]),
            diff_url=reverse("version-diff", args=[version.pk]),
            figures=version.figures(),
            # Why the fill is flagged, as the review page lists it: {code, reason[, words]}.
            flags=version.flags(),
        )
    return data


def job_json(job: RepairJob) -> dict:
    """A job as the editor polls it: the shared fields, its parameters, the page links,
    its place in the queue while queued and the version it made once it succeeded."""
    data = job.to_dict()
    data.update(
        params=job.params,
        status_url=reverse("job-status", args=[job.pk]),
        mask_url=reverse("job-mask", args=[job.pk]),
        version=None,
    )
    if job.status == RepairJob.QUEUED:
        data.update(jobs.queue_place(job))
    if job.status == RepairJob.SUCCEEDED:
        data["version"] = version_json(job.result_version)
    return data


@require_POST
@login_required
def repair_create(request: HttpRequest, asset_id: int) -> JsonResponse:
    asset = access.get_asset_for_user(request.user, asset_id)
    try:
        access.require_editor(request.user, asset)
    except PermissionDenied as exc:
        return http.json_error(str(exc), 403)
    if http.body_too_large(request):
        return http.json_error(http.too_large_message(), 413)
    version_id = request.POST.get("version")
    version = asset.versions.filter(pk=version_id).first() if version_id and version_id.isdigit() else asset.latest_version()
    if version is None:
        return http.json_error(f"Version {version_id!r} is not a version of this photo.", 400)
    mask = request.FILES.get("mask")
    if mask is None:
        return http.json_error("No mask was sent: paint over what should be removed.", 400)
    form = RepairForm(request.POST)
    if not form.is_valid():
        return http.json_error(form.sentence(), 400)
    options = {**form.options(), "mode": services.MODE_INPAINT}  # the editor sends the mask it painted
    try:
        job = services.repair_create(user=request.user, version=version, mask_data=mask.read(), **options)
    except imaging.ImageError as exc:
        return http.json_error(str(exc), exc.status)
    except DiskFull:
        return http.json_error(DiskFull.message, 507)
    except ValueError as exc:  # EngineError: unknown engine
        return http.json_error(str(exc), 400)
    return JsonResponse(job_json(job), status=202)


@require_GET
@login_required
def job_status(request: HttpRequest, job_id: int) -> JsonResponse:
    return JsonResponse(job_json(access.get_job_for_user(request.user, job_id)))


MODEL_WAIT_SECONDS = 30  # a Find text held while the text model loads (~2.5 s; far more on a loaded machine)


@require_POST
@login_required
def version_find_text(request: HttpRequest, version_id: int) -> HttpResponse:
    """The text finder's proposal for this version.

    Asked with `Accept: application/json` (the editor): the lines found, each with its
    words, kind (overlay: proposed; scene: kept), reason, box and its own glyph mask (a
    PNG data URL of the box's size), so the page can include or exclude a line without
    asking again. Otherwise a 1-bit PNG mask of the version's size over the overlays; an
    empty proposal is still a mask (all black). X-Mask-Pixels says how much it covers.
    While this process is still loading the text model: 503 with `loading: true` and
    Retry-After at once; with `?wait=1` (the editor's next request, once it shows
    "loading") only after waiting up to MODEL_WAIT_SECONDS for the load.
    """
    version = access.get_version_for_user(request.user, version_id)
    try:
        access.require_editor(request.user, version.asset)
    except PermissionDenied as exc:
        return http.json_error(str(exc), 403)
    if not services.text_model_ready():
        # The model loads in the background (~2.5 s once per process): say so at once,
        # so the editor can show it; its next request (?wait=1) waits for the load.
        services.text_model_warm()
        if request.GET.get("wait") == "1":
            services.text_model_wait(timeout=MODEL_WAIT_SECONDS)
    if not services.text_model_ready():
        response = JsonResponse({"error": services.TEXT_MODEL_LOADING, "loading": True}, status=503)
        response["Retry-After"] = "1"
        response["Cache-Control"] = "no-store"
        return response
    found, seconds = services.text_find(version=version)
    pixels = int((found.mask > 0).sum())
    if "application/json" in request.headers.get("Accept", ""):
        lines = [{**line.to_dict(), "index": index, "mask_url": imaging.png_data_url(imaging.encode_mask(line.glyphs))} for index, line in enumerate(found.lines)]
        response = JsonResponse({"mask_pixels": pixels, "model": found.model, "lines": lines})
    else:
        response = HttpResponse(imaging.encode_mask(found.mask), content_type="image/png")
    response["X-Mask-Pixels"] = str(pixels)
    response["Server-Timing"] = ", ".join(f"{stage};dur={s * 1000:.0f}" for stage, s in seconds.items())
    response["Cache-Control"] = "no-store"
    return response
