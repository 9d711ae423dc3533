"""The editor's helpers beside views.py: a display-sized rendition of a version, the
text finder on a version's pixels, and the user's saved (named, anchored) masks.

Access is asked through access.py, as in views.py: what a user may not see is a 404, what they
may see but not edit is a 403, before any work is done.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.contrib.auth.decorators import login_required
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import access, http, imaging, storage, textfind
from .forms import SavedMaskForm
from .models import SavedMask

DISPLAY_SIDE = 2048
RENDITION_FOLDER = "display"


def _read(field) -> bytes:
    with field.open("rb") as handle:
        return handle.read()


# ---------------------------------------------------------------- display rendition


def _rendition_name(version, ext: str) -> str:
    # Versions never change, so the name is derived from the version and its checksum
    # and the file never needs a model field or an invalidation.
    return f"{RENDITION_FOLDER}/{version.pk % 100:02d}/{version.pk}-{version.checksum[:16]}-{DISPLAY_SIDE}.{ext}"


def _stored_rendition(version) -> tuple[str, str] | None:
    for ext, kind in (("jpg", "image/jpeg"), ("png", "image/png")):
        name = _rendition_name(version, ext)
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
        name = _rendition_name(version, "png" if kind == "image/png" else "jpg")
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


# ---------------------------------------------------------------- find text


@require_POST
@login_required
def version_find_text(request: HttpRequest, version_id: int) -> HttpResponse:
    """The text finder's proposal for this version, as a 1-bit PNG mask of its size.

    An empty proposal is still a mask (all black); X-Mask-Pixels says how much it covers.
    """
    version = access.get_version_for_user(request.user, version_id)
    try:
        access.require_editor(request.user, version.asset)
    except PermissionDenied as exc:
        return http.json_error(str(exc), 403)
    started = time.perf_counter()
    photo = imaging.decode_photo(_read(version.file), max_pixels=settings.MAX_IMAGE_PIXELS)
    decoded = time.perf_counter()
    mask = textfind.find_text(photo.rgb)
    found = time.perf_counter()
    response = HttpResponse(imaging.encode_mask(mask), content_type="image/png")
    response["X-Mask-Pixels"] = str(int((mask > 0).sum()))
    response["Server-Timing"] = f"decode;dur={(decoded - started) * 1000:.0f}, find;dur={(found - decoded) * 1000:.0f}"
    response["Cache-Control"] = "no-store"
    return response


# ---------------------------------------------------------------- saved masks


def saved_mask_json(saved: SavedMask) -> dict:
    return {
        **saved.to_dict(),
        "image_url": reverse("saved-mask-image", args=[saved.pk]),
        "delete_url": reverse("saved-mask-delete", args=[saved.pk]),
    }


@require_http_methods(["GET", "POST"])
@login_required
def saved_masks(request: HttpRequest) -> JsonResponse:
    if request.method == "GET":
        return JsonResponse({"masks": [saved_mask_json(m) for m in SavedMask.objects.filter(owner=request.user)]})
    if http.body_too_large(request):
        return http.json_error(http.too_large_message(), 413)
    form = SavedMaskForm(request.POST, request.FILES)
    if not form.is_valid():
        return http.json_error(form.first_problem(), 400)
    name = form.cleaned_data["name"]
    if SavedMask.objects.filter(owner=request.user, name=name).exists():
        return http.json_error(f"You already have a saved mask named “{name}”: pick another name or delete it first.", 409)
    raw = form.cleaned_data["mask"].read()
    try:
        width, height = imaging.mask_size(raw, max_pixels=settings.MAX_IMAGE_PIXELS)
        mask = imaging.decode_mask(raw, size=(width, height), max_pixels=settings.MAX_IMAGE_PIXELS)
    except imaging.ImageError as exc:
        return http.json_error(str(exc), exc.status)
    written: list[str] = []
    try:
        with transaction.atomic():
            saved = SavedMask.objects.create(
                owner=request.user, name=name, anchor=form.cleaned_data["anchor"], width=width, height=height,
                mask_file=storage.save_bytes("saved-masks", "png", imaging.encode_mask(mask), written),
            )
    except IntegrityError:
        # The same name saved by a concurrent request: the unique constraint decided.
        storage.delete_quietly(written)
        return http.json_error(f"You already have a saved mask named “{name}”: pick another name or delete it first.", 409)
    except Exception:
        storage.delete_quietly(written)
        raise
    return JsonResponse(saved_mask_json(saved), status=201)


@require_GET
@login_required
def saved_mask_image(request: HttpRequest, mask_id: int) -> HttpResponse:
    saved = access.get_saved_mask_for_user(request.user, mask_id)
    return http.stored_file_response(saved.mask_file, content_type="image/png")


@require_POST
@login_required
def saved_mask_delete(request: HttpRequest, mask_id: int) -> JsonResponse:
    saved = access.get_saved_mask_for_user(request.user, mask_id)
    name = saved.mask_file.name
    with transaction.atomic():
        saved.delete()
        # The file goes only once the row is surely gone.
        transaction.on_commit(lambda: storage.delete_quietly([name]))
    return JsonResponse({"deleted": mask_id})
