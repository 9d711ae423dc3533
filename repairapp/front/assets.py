"""The Photos page: the list, uploads (one photo per request), archiving, and the
favicon browsers ask for first."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .. import access, http, imaging, roles, services
from ..forms import TextFilterForm
from ..models import Asset, Review
from ..storage import DiskFull

PAGE_SIZE = 24
RECENT_DECISIONS = 5


@require_http_methods(["GET", "POST"])
@login_required
def asset_list(request: HttpRequest) -> HttpResponse:
    """The Photos page; a POST here is an upload, so a refused upload's page (with its
    status code) keeps the list's address rather than /assets/upload."""
    if request.method == "POST":
        return _upload(request)
    return _asset_list_page(request)


def _asset_list_page(request: HttpRequest, *, error: str = "", status: int = 200) -> HttpResponse:
    text_filter = TextFilterForm(request.GET)
    assets = text_filter.apply(roles.visible_assets(request.user).select_related("owner")
                               .prefetch_related("versions__review"))
    page = Paginator(assets, PAGE_SIZE).get_page(request.GET.get("page"))
    for asset in page:
        versions = sorted(asset.versions.all(), key=lambda v: v.number)
        asset.newest = versions[-1]
        # The badge: the state of the newest version that went to review, if any.
        reviewed = [v for v in versions if getattr(v, "review", None) and v.review.state != Review.DRAFT]
        asset.review_badge = reviewed[-1].review if reviewed else None
        # Others' photos (a moderator's or admin's list) open read-only, not in the editor.
        asset.open_url = (reverse("editor", args=[asset.pk]) if roles.can_edit(request.user, asset)
                          else read_only_url(request.user, asset, reviewed[-1].pk if reviewed else None))
    # What moderators decided on this user's own versions, newest first.
    decisions = (Review.objects.filter(version__asset__owner=request.user, version__asset__archived_at=None,
                                       state__in=(Review.APPROVED, Review.REJECTED))
                 .select_related("version__asset", "decided_by").order_by("-decided_at")[:RECENT_DECISIONS])
    context = {
        "page": page,
        "error": error,
        "text_filter": text_filter.cleaned_data.get("text", "") if text_filter.is_valid() else "",
        "text_filters": TextFilterForm.CHOICES,
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


def read_only_url(user, asset: Asset, submitted_id: int | None) -> str | None:
    """Where someone who may see a photo but not paint it goes instead of the editor:
    a reviewer to the review page of its newest submitted version (`submitted_id`), an
    admin to its timeline. None if there is no such page for them."""
    if roles.can_review(user) and submitted_id:
        return reverse("review-page", args=[submitted_id])
    if roles.is_admin(user):
        return reverse("asset-history", args=[asset.pk])
    return None


@require_GET
def favicon(request: HttpRequest) -> FileResponse:
    """Browsers ask for /favicon.ico before reading any page's <link rel=icon>."""
    response = FileResponse(open(finders.find("favicon.ico"), "rb"), content_type="image/x-icon")
    response["Cache-Control"] = "public, max-age=86400"
    return response


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
