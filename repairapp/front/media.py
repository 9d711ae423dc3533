"""The pictures a page shows or downloads, access-checked: a version (PNG as stored,
or JPEG/WebP), its thumbnail, diff and display rendition, a job's mask, a photo's
published version."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from .. import access, downloads, http, imaging, storage
from ..forms import ExportForm
from ..models import Version

DISPLAY_SIDE = 2048


def _read(field) -> bytes:
    with field.open("rb") as handle:
        return handle.read()


# ---------------------------------------------------------------- display rendition


def _stored_rendition(version) -> tuple[str, str] | None:
    for ext, kind in (("jpg", "image/jpeg"), ("png", "image/png")):
        name = version.rendition_name(side=DISPLAY_SIDE, ext=ext)
        if default_storage.exists(name):
            return name, kind
    return None


@require_GET
@login_required
def version_display(request: HttpRequest, version_id: int) -> HttpResponse:
    """The version at most DISPLAY_SIDE px on its long side, made on first request."""
    version = access.get_version_for_user(request.user, version_id)
    found = _stored_rendition(version)
    if found is None:
        data, kind = imaging.encode_rendition(_read(version.file), max_side=DISPLAY_SIDE)
        name = version.rendition_name(side=DISPLAY_SIDE, ext="png" if kind == "image/png" else "jpg")
        try:
            stored = default_storage.save(name, ContentFile(data))
        except FileExistsError:
            stored = name  # a concurrent first request linked the same bytes first
        if stored != name:
            # Another request stored it between our check and our save: keep theirs.
            storage.delete_quietly([stored])
        found = name, kind
    name, kind = found
    # Derived from an immutable version: it never changes either.
    return http.immutable_response(default_storage.open(name, "rb"), content_type=kind)


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
