"""The user's saved masks: named, anchored to a corner, painted again on other photos."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .. import access, http, imaging, storage
from ..forms import SavedMaskForm
from ..models import SavedMask


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
