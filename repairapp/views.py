"""Pages and the editor's JSON endpoints. Every view finds its object through
`access.get_*_for_user`, which 404s before any work is done."""

from __future__ import annotations

import csv
from datetime import datetime, time, timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import access, downloads, engines, http, imaging, jobs, roles, services
from .access import EDIT_FORBIDDEN, REVIEW_STATES
from .engines import pipeline
from .forms import ExportForm, RepairForm, ReviewForm, SubmitForm, problems
from .models import Asset, Event, RepairJob, Review, Version
from .storage import DiskFull

PAGE_SIZE = 24
RECENT_DECISIONS = 5


# ---------------------------------------------------------------- pages


@require_http_methods(["GET", "POST"])
@login_required
def asset_list(request: HttpRequest) -> HttpResponse:
    """The Photos page; a POST here is an upload, so a refused upload's page (with its
    status code) keeps the list's address rather than /assets/upload."""
    if request.method == "POST":
        return _upload(request)
    return _asset_list_page(request)


def _asset_list_page(request: HttpRequest, *, error: str = "", status: int = 200) -> HttpResponse:
    assets = roles.visible_assets(request.user).select_related("owner").prefetch_related("versions__review")
    page = Paginator(assets, PAGE_SIZE).get_page(request.GET.get("page"))
    for asset in page:
        versions = sorted(asset.versions.all(), key=lambda v: v.number)
        asset.newest = versions[-1]
        # The badge: the state of the newest version that went to review, if any.
        reviewed = [v for v in versions if getattr(v, "review", None) and v.review.state != Review.DRAFT]
        asset.review_badge = reviewed[-1].review if reviewed else None
        # Others' photos (a moderator's or admin's list) open read-only, not in the editor.
        asset.open_url = (reverse("editor", args=[asset.pk]) if roles.can_edit(request.user, asset)
                          else _read_only_url(request.user, asset, reviewed[-1].pk if reviewed else None))
    # What moderators decided on this user's own versions, newest first.
    decisions = (Review.objects.filter(version__asset__owner=request.user, version__asset__archived_at=None,
                                       state__in=(Review.APPROVED, Review.REJECTED))
                 .select_related("version__asset", "decided_by").order_by("-decided_at")[:RECENT_DECISIONS])
    context = {
        "page": page,
        "error": error,
        "decisions": decisions,
        "max_upload_bytes": settings.MAX_UPLOAD_BYTES,
        "max_megapixels": settings.MAX_IMAGE_PIXELS / 1e6,
    }
    return render(request, "repairapp/asset_list.html", context, status=status)


@require_POST
@login_required
def asset_upload(request: HttpRequest) -> HttpResponse:
    return _upload(request)


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _upload(request: HttpRequest) -> HttpResponse:
    """One photo. The Photos page's script sends each file of a multiple upload on its
    own with `Accept: application/json` and gets JSON back; a plain form post gets the
    editor, or the list again with the reason."""

    def refuse(message: str, status: int) -> HttpResponse:
        if _wants_json(request):
            return http.json_error(message, status)
        return _asset_list_page(request, error=message, status=status)

    if http.body_too_large(request):
        return refuse(http.too_large_message(), 413)
    upload = request.FILES.get("photo")
    if upload is None:
        return refuse("Choose a photo to upload (JPEG, PNG or WebP).", 400)
    try:
        asset = services.asset_create(owner=request.user, data=upload.read(), file_name=upload.name)
    except imaging.ImageError as exc:
        return refuse(str(exc), exc.status)
    except DiskFull:
        return refuse(DiskFull.message, 507)
    editor_url = reverse("editor", args=[asset.pk])
    if _wants_json(request):
        return JsonResponse({"id": asset.pk, "name": asset.original_name, "width": asset.width,
                             "height": asset.height, "editor_url": editor_url}, status=201)
    messages.success(request, f"Uploaded {asset.original_name}.")
    return redirect(editor_url)


def _read_only_url(user, asset: Asset, submitted_id: int | None) -> str | None:
    """Where someone who may see a photo but not paint it goes instead of the editor:
    a reviewer to the review page of its newest submitted version (`submitted_id`), an
    admin to its timeline. None if there is no such page for them."""
    if roles.can_review(user) and submitted_id:
        return reverse("review-page", args=[submitted_id])
    if roles.is_admin(user):
        return reverse("asset-history", args=[asset.pk])
    return None


@require_GET
@login_required
def editor(request: HttpRequest, asset_id: int) -> HttpResponse:
    asset = access.get_asset_for_user(request.user, asset_id)
    if not roles.can_edit(request.user, asset):
        # A moderator or admin following a link to someone else's photo: not a dead end.
        submitted_id = (asset.versions.filter(review__state__in=REVIEW_STATES).order_by("-number")
                        .values_list("pk", flat=True).first())
        target = _read_only_url(request.user, asset, submitted_id)
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


@require_GET
def favicon(request: HttpRequest) -> FileResponse:
    """Browsers ask for /favicon.ico before reading any page's <link rel=icon>."""
    response = FileResponse(open(finders.find("favicon.ico"), "rb"), content_type="image/x-icon")
    response["Cache-Control"] = "public, max-age=86400"
    return response


# ---------------------------------------------------------------- editor JSON


def version_json(version: Version) -> dict:
    """A version as the editor reads it: the shared fields, the page links, and for a
    repair its parent and the diff's figures."""
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


# ---------------------------------------------------------------- media (access-checked)


@require_GET
@login_required
def version_image(request: HttpRequest, version_id: int) -> HttpResponse:
    """The version's pixels: PNG as stored, or `?format=jpeg|webp&quality=N`;
    `?download=1` makes it an attachment (`coffee-v2.jpg`)."""
    version = access.get_version_for_user(request.user, version_id, archived_too=True)
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
    version = access.get_version_for_user(request.user, version_id, archived_too=True)
    return http.stored_file_response(version.thumbnail, content_type=imaging.content_type_for(version.thumbnail.name))


@require_GET
@login_required
def version_diff(request: HttpRequest, version_id: int) -> FileResponse:
    version = access.get_version_for_user(request.user, version_id, archived_too=True)
    if not version.diff_file:
        raise Http404("Version 1 has no diff")
    return http.stored_file_response(version.diff_file, content_type=imaging.content_type_for(version.diff_file.name))


@require_GET
@login_required
def job_mask(request: HttpRequest, job_id: int) -> FileResponse:
    job = access.get_job_for_user(request.user, job_id)
    return http.stored_file_response(job.mask_file, content_type="image/png")


@require_GET
@login_required
def asset_published(request: HttpRequest, asset_id: int) -> HttpResponse:
    """The approved version, as a download: what the catalogue may publish."""
    asset = access.get_asset_for_user(request.user, asset_id)
    if asset.published_version is None:
        raise Http404("No version of this photo is approved yet")
    return _version_download(request, asset.published_version, as_attachment=True)


@require_POST
@login_required
def asset_archive(request: HttpRequest, asset_id: int) -> HttpResponse:
    """Hide a photo (its owner or an admin); the files stay until a purge."""
    asset = access.get_asset_for_user(request.user, asset_id)
    access.require_archiver(request.user, asset)
    try:
        services.asset_archive(user=request.user, asset=asset)
    except services.ArchiveError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Archived {asset.original_name}. It is hidden from every list; "
                                  f"its files are kept for at least {settings.ARCHIVE_RETENTION_DAYS} days.")
    if request.POST.get("next") == "history" and roles.is_admin(request.user):
        return redirect("asset-history", asset_id=asset.pk)
    return redirect("asset-list")


# ---------------------------------------------------------------- review


@require_POST
@login_required
def version_submit(request: HttpRequest, version_id: int) -> HttpResponse:
    version = access.get_version_for_user(request.user, version_id)
    access.require_editor(request.user, version.asset, "Only the photo's owner can submit its versions for review.")
    form = SubmitForm(request.POST)
    if not form.is_valid():
        messages.error(request, problems(form))
    else:
        try:
            services.version_submit(user=request.user, version=version, note=form.cleaned_data["note"])
        except services.ReviewConflict as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"Version {version.number} is submitted for review.")
    return redirect(reverse("editor", args=[version.asset_id]) + f"?version={version.number}")


@require_GET
@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    access.require_reviewer(request.user)
    state = request.GET.get("state", Review.PENDING)
    submitter = request.GET.get("submitter", "").strip()
    reviews = Review.objects.select_related(
        "version__asset", "version__made_by_job", "version__parent", "submitted_by", "decided_by"
    ).filter(state__in=REVIEW_STATES if state == "all" else [state] if state in REVIEW_STATES else [Review.PENDING],
             version__asset__archived_at=None)
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
        "pending_count": Review.objects.filter(state=Review.PENDING, version__asset__archived_at=None).count(),
        "now": timezone.now(),
    }
    return render(request, "repairapp/review_queue.html", context)


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
    return _review_page(request, access.get_review_for_reviewer(request.user, version_id))


@require_POST
@login_required
def review_decide(request: HttpRequest, version_id: int) -> HttpResponse:
    review = access.get_review_for_reviewer(request.user, version_id)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        return _review_page(request, review, error=problems(form), status=400)
    decision = form.cleaned_data["decision"]
    try:
        services.review_decide(user=request.user, version=review.version, decision=decision,
                               comment=form.cleaned_data["comment"])
    except services.ReviewConflict as exc:
        review.refresh_from_db()
        return _review_page(request, review, error=str(exc), status=409)
    except services.OwnVersion as exc:
        return _review_page(request, review, error=str(exc), status=403)
    except ValueError as exc:  # a rejection without a comment
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
HISTORY_FORBIDDEN = "The history is for admins."
CSV_COLUMNS = ("at", "kind", "actor", "asset", "photo", "version", "job", "engine", "from_status", "to_status", "message", "data")


def _parse_date(raw: str):
    try:
        return datetime.strptime(raw, "%Y-%m-%d").date() if raw else None
    except ValueError:
        return None


def _filtered_events(request: HttpRequest):
    """The events the filters ask for, the filters, and what was wrong with them: a filter
    that cannot be read is named, never silently dropped (that would show everything)."""
    events = Event.objects.select_related("actor", "asset", "version", "job", "subject").order_by("-at", "-id")
    f = {key: request.GET.get(key, "").strip() for key in ("user", "asset", "kind", "engine", "from", "to")}
    errors = []
    if f["asset"] and not f["asset"].isdigit():
        errors.append(f"Photo id must be a whole number, not {f['asset']!r}.")
    if f["kind"] and f["kind"] not in dict(Event.KIND_CHOICES):
        errors.append(f"Unknown event {f['kind']!r}.")
    if f["engine"] and f["engine"] not in engines.names():
        errors.append(f"Unknown engine {f['engine']!r}; engines: {', '.join(engines.names())}.")
    start, end = _parse_date(f["from"]), _parse_date(f["to"])
    for key, label, parsed in (("from", "From", start), ("to", "To", end)):
        if f[key] and parsed is None:
            errors.append(f"{label} must be a date as YYYY-MM-DD, not {f[key]!r}.")
    if errors:
        return events.none(), f, errors
    if f["user"]:
        events = events.filter(Q(actor__username=f["user"]) | Q(subject__username=f["user"]))
    if f["asset"]:
        events = events.filter(asset_id=int(f["asset"]))
    if f["kind"]:
        events = events.filter(kind=f["kind"])
    if f["engine"]:
        events = events.filter(job__engine=f["engine"])
    tz = timezone.get_current_timezone()
    if start:
        events = events.filter(at__gte=datetime.combine(start, time.min, tzinfo=tz))
    if end:
        events = events.filter(at__lte=datetime.combine(end, time.max, tzinfo=tz))
    return events, f, []


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
    access.require_admin(request.user, HISTORY_FORBIDDEN)
    events, filters, errors = _filtered_events(request)
    if errors and request.GET.get("format") == "csv":
        return HttpResponse(" ".join(errors), status=400, content_type="text/plain; charset=utf-8")
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
        "errors": errors,
    }
    return render(request, "repairapp/history.html", context, status=400 if errors else 200)


@require_GET
@login_required
def asset_history(request: HttpRequest, asset_id: int) -> HttpResponse:
    asset = access.get_asset_for_admin(request.user, asset_id, message=HISTORY_FORBIDDEN)
    events = asset.events.select_related("actor", "version", "job").order_by("at", "id")
    versions = asset.versions.select_related("review", "made_by_job", "created_by").order_by("number")
    context = {"asset": asset, "events": events, "versions": versions,
               "archive_retention_days": settings.ARCHIVE_RETENTION_DAYS}
    if asset.archived_at:
        context["purge_after"] = asset.archived_at + timedelta(days=settings.ARCHIVE_RETENTION_DAYS)
    return render(request, "repairapp/asset_history.html", context)
