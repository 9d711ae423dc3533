"""Pages and the editor's JSON endpoints. Every view finds its object through a
`_get_*_for_user` helper that 404s before any work is done."""

from __future__ import annotations

import csv
from datetime import datetime, time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from . import downloads, engines, imaging, jobs, roles, services
from .engines import pipeline
from .forms import ExportForm
from .models import Asset, Event, RepairJob, Review, Version
from .storage import DiskFull

PAGE_SIZE = 24
EDIT_FORBIDDEN = "Only the photo's owner can paint masks and run repairs on it."


def _get_asset_for_user(user, asset_id: int) -> Asset:
    return get_object_or_404(roles.visible_assets(user), pk=asset_id)


def _get_editable_asset(user, asset_id: int) -> Asset:
    """404 if the user may not see the photo; 403 if they may see it but not edit it."""
    asset = _get_asset_for_user(user, asset_id)
    if not roles.can_edit(user, asset):
        raise PermissionDenied(EDIT_FORBIDDEN)
    return asset


def _require_reviewer(user) -> None:
    if not roles.can_review(user):
        raise PermissionDenied("Reviews are for moderators and admins.")


def _require_admin(user) -> None:
    if not roles.is_admin(user):
        raise PermissionDenied("The history is for admins.")


def _get_version_for_user(user, version_id: int) -> Version:
    return get_object_or_404(Version.objects.select_related("asset").filter(asset__in=roles.visible_assets(user)), pk=version_id)


def _get_job_for_user(user, job_id: int) -> RepairJob:
    return get_object_or_404(RepairJob.objects.filter(asset__in=roles.visible_assets(user)), pk=job_id)


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
    assets = roles.visible_assets(request.user).prefetch_related("versions")
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
    except DiskFull:
        request.method = "GET"
        return asset_list(request, error=DiskFull.message, status=507)
    messages.success(request, f"Uploaded {asset.original_name}.")
    return redirect("editor", asset_id=asset.pk)


@require_GET
@login_required
def editor(request: HttpRequest, asset_id: int) -> HttpResponse:
    asset = _get_editable_asset(request.user, asset_id)
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
    if version.number > 1:
        urls["submit_url"] = reverse("version-submit", args=[version.pk])
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
        data.update(jobs.queue_place(job))
    if job.status == RepairJob.SUCCEEDED:
        data["version"] = version_dict(job.result_version)
    return data


@require_POST
@login_required
def repair_create(request: HttpRequest, asset_id: int) -> JsonResponse:
    asset = _get_asset_for_user(request.user, asset_id)
    if not roles.can_edit(request.user, asset):
        return _json_error(EDIT_FORBIDDEN, 403)
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
    except DiskFull:
        return _json_error(DiskFull.message, 507)
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
def version_image(request: HttpRequest, version_id: int) -> HttpResponse:
    """The version's pixels: PNG as stored, or `?format=jpeg|webp&quality=N`;
    `?download=1` makes it an attachment (`coffee-v2.jpg`)."""
    version = _get_version_for_user(request.user, version_id)
    return _version_download(request, version, as_attachment=bool(request.GET.get("download")))


def _version_download(request: HttpRequest, version: Version, *, as_attachment: bool) -> HttpResponse:
    form = ExportForm(request.GET)
    if not form.is_valid():
        return HttpResponse(form.problems(), status=400, content_type="text/plain; charset=utf-8")
    try:
        return downloads.version_download(version, fmt=form.cleaned_data["format"],
                                          quality=form.cleaned_data["quality"], as_attachment=as_attachment)
    except FileNotFoundError:
        raise Http404("The file is missing") from None
    except imaging.ImageError as exc:  # WebP cannot hold a photo this wide
        return HttpResponse(str(exc), status=400, content_type="text/plain; charset=utf-8")


@require_GET
@login_required
def version_thumb(request: HttpRequest, version_id: int) -> FileResponse:
    version = _get_version_for_user(request.user, version_id)
    return _file_response(version.thumbnail, content_type=imaging.content_type_for(version.thumbnail.name))


@require_GET
@login_required
def version_diff(request: HttpRequest, version_id: int) -> FileResponse:
    version = _get_version_for_user(request.user, version_id)
    if not version.diff_file:
        raise Http404("Version 1 has no diff")
    return _file_response(version.diff_file, content_type=imaging.content_type_for(version.diff_file.name))


@require_GET
@login_required
def job_mask(request: HttpRequest, job_id: int) -> FileResponse:
    job = _get_job_for_user(request.user, job_id)
    return _file_response(job.mask_file, content_type="image/png")


@require_GET
@login_required
def asset_published(request: HttpRequest, asset_id: int) -> FileResponse:
    """The approved version, as a download: what the catalogue may publish."""
    asset = _get_asset_for_user(request.user, asset_id)
    if asset.published_version is None:
        raise Http404("No version of this photo is approved yet")
    return _version_download(request, asset.published_version, as_attachment=True)


# ---------------------------------------------------------------- review


@require_POST
@login_required
def version_submit(request: HttpRequest, version_id: int) -> HttpResponse:
    version = _get_version_for_user(request.user, version_id)
    if not roles.can_edit(request.user, version.asset):
        raise PermissionDenied("Only the photo's owner can submit its versions for review.")
    try:
        services.version_submit(user=request.user, version=version, note=request.POST.get("note", ""))
    except services.ReviewConflict as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Version {version.number} is submitted for review.")
    return redirect(reverse("editor", args=[version.asset_id]) + f"?version={version.number}")


REVIEW_STATES = (Review.PENDING, Review.APPROVED, Review.REJECTED)


@require_GET
@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    _require_reviewer(request.user)
    state = request.GET.get("state", Review.PENDING)
    submitter = request.GET.get("submitter", "").strip()
    reviews = Review.objects.select_related(
        "version__asset", "version__made_by_job", "version__parent", "submitted_by", "decided_by"
    ).filter(state__in=REVIEW_STATES if state == "all" else [state] if state in REVIEW_STATES else [Review.PENDING])
    if submitter:
        reviews = reviews.filter(submitted_by__username=submitter)
    # Flagged first (a check failed), then the oldest submission first.
    reviews = reviews.order_by("-flagged", "submitted_at", "pk")
    page = Paginator(reviews, 50).get_page(request.GET.get("page"))
    submitters = get_user_model().objects.filter(
        pk__in=Review.objects.exclude(submitted_by=None).values("submitted_by")).order_by("username")
    context = {
        "page": page, "state": state, "submitter": submitter, "submitters": submitters,
        "states": ("pending", "approved", "rejected", "all"),
        "pending_count": Review.objects.filter(state=Review.PENDING).count(),
        "now": timezone.now(),
    }
    return render(request, "repairapp/review_queue.html", context)


def _get_review_for_reviewer(user, version_id: int) -> Review:
    _require_reviewer(user)
    return get_object_or_404(
        Review.objects.select_related("version__asset__owner", "version__parent", "version__made_by_job",
                                      "submitted_by", "decided_by").filter(state__in=REVIEW_STATES),
        version_id=version_id,
    )


def _review_page(request: HttpRequest, review: Review, *, error: str = "", status: int = 200) -> HttpResponse:
    version = review.version
    asset = version.asset
    if not error and review.state == Review.PENDING and services.four_eyes_blocks(request.user, version):
        error = services.FOUR_EYES_MESSAGE  # said before the moderator tries, not after
    others = asset.versions.select_related("review", "review__decided_by", "made_by_job").order_by("-number")
    next_pending = (Review.objects.filter(state=Review.PENDING).exclude(pk=review.pk)
                    .order_by("-flagged", "submitted_at").values_list("version_id", flat=True).first())
    context = {
        "review": review, "version": version, "asset": asset, "parent": version.parent,
        "versions": others, "error": error, "next_pending": next_pending,
        "events": asset.events.filter(kind__startswith="version.").select_related("actor", "version").order_by("-at")[:50],
    }
    return render(request, "repairapp/review.html", context, status=status)


@require_GET
@login_required
def review_page(request: HttpRequest, version_id: int) -> HttpResponse:
    return _review_page(request, _get_review_for_reviewer(request.user, version_id))


@require_POST
@login_required
def review_decide(request: HttpRequest, version_id: int) -> HttpResponse:
    review = _get_review_for_reviewer(request.user, version_id)
    decision = request.POST.get("decision", "")
    try:
        services.review_decide(user=request.user, version=review.version, decision=decision,
                               comment=request.POST.get("comment", ""))
    except services.ReviewConflict as exc:
        review.refresh_from_db()
        return _review_page(request, review, error=str(exc), status=409)
    except services.OwnVersion as exc:
        return _review_page(request, review, error=str(exc), status=403)
    except ValueError as exc:
        return _review_page(request, review, error=str(exc), status=400)
    verb = "approved" if decision == "approve" else "rejected"
    messages.success(request, f"{review.version} {verb}.")
    if request.POST.get("next") == "queue":
        return redirect("review-queue")
    following = (Review.objects.filter(state=Review.PENDING).order_by("-flagged", "submitted_at")
                 .values_list("version_id", flat=True).first())
    return redirect("review-page", version_id=following) if following else redirect("review-queue")


# ---------------------------------------------------------------- history (admins)


HISTORY_PAGE_SIZE = 50
CSV_COLUMNS = ("at", "kind", "actor", "asset", "photo", "version", "job", "engine", "from_status", "to_status", "message", "data")


def _parse_date(raw: str):
    try:
        return datetime.strptime(raw, "%Y-%m-%d").date() if raw else None
    except ValueError:
        return None


def _filtered_events(request: HttpRequest):
    events = Event.objects.select_related("actor", "asset", "version", "job", "subject").order_by("-at", "-id")
    f = {key: request.GET.get(key, "").strip() for key in ("user", "asset", "kind", "engine", "from", "to")}
    if f["user"]:
        events = events.filter(Q(actor__username=f["user"]) | Q(subject__username=f["user"]))
    if f["asset"].isdigit():
        events = events.filter(asset_id=int(f["asset"]))
    if f["kind"]:
        events = events.filter(kind=f["kind"])
    if f["engine"]:
        events = events.filter(job__engine=f["engine"])
    start, end = _parse_date(f["from"]), _parse_date(f["to"])
    tz = timezone.get_current_timezone()
    if start:
        events = events.filter(at__gte=datetime.combine(start, time.min, tzinfo=tz))
    if end:
        events = events.filter(at__lte=datetime.combine(end, time.max, tzinfo=tz))
    return events, f


class _Echo:
    def write(self, value):
        return value


# OWASP's rule for CSV injection: a cell a spreadsheet would read as a formula gets a
# leading apostrophe, which spreadsheets show as text and do not display.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value) -> str:
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _csv_rows(events):
    import json

    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_COLUMNS)
    for e in events.iterator(chunk_size=500):
        yield writer.writerow(csv_safe(cell) for cell in [
            e.at.isoformat(), e.kind, e.actor.get_username() if e.actor else "", e.asset_id or "",
            e.asset.original_name if e.asset else "", e.version.number if e.version else "", e.job_id or "",
            e.job.engine if e.job else "", e.from_status, e.to_status, e.message, json.dumps(e.data, sort_keys=True),
        ])


@require_GET
@login_required
def history(request: HttpRequest) -> HttpResponse:
    _require_admin(request.user)
    events, filters = _filtered_events(request)
    if request.GET.get("format") == "csv":
        response = StreamingHttpResponse(_csv_rows(events), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="repairapp-history.csv"'
        return response
    page = Paginator(events, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page, "filters": filters, "query": query.urlencode(),
        "kinds": [k for k, _ in Event.KIND_CHOICES], "engines": engines.names(),
        "users": get_user_model().objects.order_by("username").values_list("username", flat=True),
    }
    return render(request, "repairapp/history.html", context)


@require_GET
@login_required
def asset_history(request: HttpRequest, asset_id: int) -> HttpResponse:
    _require_admin(request.user)
    asset = get_object_or_404(Asset.objects.select_related("owner", "published_version"), pk=asset_id)
    events = asset.events.select_related("actor", "version", "job").order_by("at", "id")
    versions = asset.versions.select_related("review", "made_by_job", "created_by").order_by("number")
    return render(request, "repairapp/asset_history.html", {"asset": asset, "events": events, "versions": versions})
