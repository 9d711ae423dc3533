"""The editor's own endpoints: display rendition, find text, saved masks."""

import io
import os

import numpy as np
import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image, ImageDraw, ImageFont

from repairapp import services
from repairapp.models import SavedMask
from tests.conftest import encode, mask_png, photo_bytes, textured_rgb

pytestmark = pytest.mark.django_db


@pytest.fixture
def big_asset(alice):
    """3000×2000: above the display size, so the rendition is smaller than the photo."""
    img = Image.open(io.BytesIO(photo_bytes(1))).convert("RGB").resize((3000, 2000))
    return services.asset_create(owner=alice, data=encode(img, "JPEG", quality=90), file_name="big.jpg")


@pytest.fixture
def small_asset(alice):
    return services.asset_create(owner=alice, data=encode(Image.fromarray(textured_rgb(96, 64))), file_name="small.png")


def _stored(media_root):
    return sorted(p.relative_to(media_root).as_posix() for p in media_root.rglob("*") if p.is_file())


# ---------------------------------------------------------------- display rendition


def test_display_is_at_most_2048_px_and_stored_once(client, alice, big_asset, media_root):
    client.force_login(alice)
    version = big_asset.latest_version()
    url = reverse("version-display", args=[version.pk])
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    img = Image.open(io.BytesIO(b"".join(response.streaming_content)))
    assert img.size == (2048, 1365)
    stored = [n for n in _stored(media_root) if n.startswith("display/")]
    assert len(stored) == 1
    # The second request streams the stored file rather than making another.
    again = client.get(url)
    assert again.status_code == 200 and "immutable" in again["Cache-Control"]
    assert [n for n in _stored(media_root) if n.startswith("display/")] == stored


def test_display_of_a_small_photo_keeps_its_size(client, alice, small_asset):
    client.force_login(alice)
    response = client.get(reverse("version-display", args=[small_asset.latest_version().pk]))
    assert Image.open(io.BytesIO(b"".join(response.streaming_content))).size == (96, 64)


def test_display_of_a_photo_with_transparency_is_a_png(client, alice):
    rgba = np.dstack([textured_rgb(80, 60), np.full((60, 80), 128, np.uint8)])
    asset = services.asset_create(owner=alice, data=encode(Image.fromarray(rgba, "RGBA")), file_name="cut.png")
    client.force_login(alice)
    response = client.get(reverse("version-display", args=[asset.latest_version().pk]))
    assert response["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(b"".join(response.streaming_content))).mode == "RGBA"


def test_display_is_hidden_from_another_creator(client, bob, small_asset):
    client.force_login(bob)
    assert client.get(reverse("version-display", args=[small_asset.latest_version().pk])).status_code == 404


def test_display_is_shown_to_a_moderator_only_once_submitted(client, moderator, alice, repaired):
    client.force_login(moderator)
    url = reverse("version-display", args=[repaired.pk])
    assert client.get(url).status_code == 404
    services.version_submit(user=alice, version=repaired, note="")
    assert client.get(url).status_code == 200


def test_display_needs_a_login(client, small_asset):
    response = client.get(reverse("version-display", args=[small_asset.latest_version().pk]))
    assert response.status_code == 302 and "/login/" in response["Location"]


# ---------------------------------------------------------------- find text


def _asset_with_text(owner, text: bool):
    img = Image.open(io.BytesIO(photo_bytes(0))).convert("RGB")
    if text:
        ImageDraw.Draw(img).text((20, 440), "2026-11-24 13:45", fill=(255, 200, 0), font=ImageFont.load_default(size=28))
    return services.asset_create(owner=owner, data=encode(img), file_name="stamp.png")


def test_find_text_proposes_a_mask_over_the_text(client, alice, text_model):
    asset = _asset_with_text(alice, text=True)
    client.force_login(alice)
    response = client.post(reverse("version-find-text", args=[asset.latest_version().pk]))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    mask = np.asarray(Image.open(io.BytesIO(response.content)).convert("L"))
    assert mask.shape == (512, 512) and int(response["X-Mask-Pixels"]) == (mask > 0).sum() > 500
    ys, xs = np.nonzero(mask)
    assert ys.min() >= 430 and xs.min() >= 10 and xs.max() < 300


def test_find_text_on_a_photo_without_text_is_an_empty_mask(client, alice, text_model):
    asset = _asset_with_text(alice, text=False)
    client.force_login(alice)
    response = client.post(reverse("version-find-text", args=[asset.latest_version().pk]))
    assert response.status_code == 200 and response["X-Mask-Pixels"] == "0"
    assert not np.asarray(Image.open(io.BytesIO(response.content)).convert("L")).any()


def test_find_text_is_for_the_owner_only(client, bob, moderator, alice, repaired):
    url = reverse("version-find-text", args=[repaired.pk])
    client.force_login(bob)
    assert client.post(url).status_code == 404
    client.force_login(moderator)
    assert client.post(url).status_code == 404
    services.version_submit(user=alice, version=repaired, note="")
    response = client.post(url)
    assert response.status_code == 403 and "owner" in response.json()["error"]


def test_find_text_refuses_get(client, alice, small_asset):
    client.force_login(alice)
    assert client.get(reverse("version-find-text", args=[small_asset.latest_version().pk])).status_code == 405


# ---------------------------------------------------------------- saved masks


def _create(client, name="Supplier A", anchor="bottom-right", mask=None):
    data = {"name": name, "anchor": anchor}
    if mask is not False:
        data["mask"] = SimpleUploadedFile("mask.png", mask or mask_png(200, 100, (150, 70, 190, 95)))
    return client.post(reverse("saved-masks"), data)


def test_saved_mask_create_list_image_delete(client, alice, media_root, django_capture_on_commit_callbacks):
    client.force_login(alice)
    response = _create(client)
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["name"], data["anchor"], data["width"], data["height"]) == ("Supplier A", "bottom-right", 200, 100)
    saved = SavedMask.objects.get()
    assert saved.owner == alice and default_storage.exists(saved.mask_file.name)

    listed = client.get(reverse("saved-masks")).json()["masks"]
    assert [m["id"] for m in listed] == [saved.pk]

    image = client.get(data["image_url"])
    mask = np.asarray(Image.open(io.BytesIO(b"".join(image.streaming_content))).convert("L"))
    assert mask.shape == (100, 200) and mask[70:95, 150:190].all() and mask.sum() == 255 * 40 * 25

    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(data["delete_url"]).status_code == 200
    assert not SavedMask.objects.exists() and not default_storage.exists(saved.mask_file.name)


def test_saved_mask_places_itself_by_its_anchor():
    mask = SavedMask(width=200, height=100)
    places = {}
    for anchor in ("top-left", "top-right", "bottom-left", "bottom-right", "centre"):
        mask.anchor = anchor
        places[anchor] = mask.offset_on(500, 300)
    assert places == {"top-left": (0, 0), "top-right": (300, 0), "bottom-left": (0, 200),
                      "bottom-right": (300, 200), "centre": (150, 100)}


@pytest.mark.parametrize("fields, status, message", [
    ({"name": ""}, 400, "Give the mask a name."),
    ({"name": "x" * 101}, 400, "longer than 100 characters"),
    ({"anchor": "middle"}, 400, "The anchor must be one of"),
    ({"mask": False}, 400, "No mask was sent"),
    ({"mask": b"not an image"}, 415, "not a JPEG, PNG or WebP"),
    ({"mask": mask_png(50, 40, (0, 0, 0, 0))}, 400, "The mask is empty"),
])
def test_saved_mask_refuses_bad_input_and_stores_nothing(client, alice, media_root, fields, status, message):
    client.force_login(alice)
    response = _create(client, **fields)
    assert response.status_code == status and message in response.json()["error"]
    assert not SavedMask.objects.exists() and _stored(media_root) == []


def test_saved_mask_names_are_unique_per_owner(client, alice, bob, media_root):
    client.force_login(alice)
    assert _create(client).status_code == 201
    response = _create(client)
    assert response.status_code == 409 and "already have a saved mask named" in response.json()["error"]
    assert SavedMask.objects.count() == 1 and len(_stored(media_root)) == 1
    client.force_login(bob)  # another user may use the same name
    assert _create(client).status_code == 201


def test_saved_masks_are_private_to_their_owner(client, alice, bob, moderator):
    client.force_login(alice)
    data = _create(client).json()
    for other in (bob, moderator):
        client.force_login(other)
        assert client.get(reverse("saved-masks")).json() == {"masks": []}
        assert client.get(data["image_url"]).status_code == 404
        assert client.post(data["delete_url"]).status_code == 404
    assert SavedMask.objects.count() == 1


def test_saved_mask_delete_needs_post(client, alice):
    client.force_login(alice)
    data = _create(client).json()
    assert client.get(data["delete_url"]).status_code == 405
    assert SavedMask.objects.count() == 1


def test_find_text_answers_loading_while_the_model_loads_instead_of_waiting(client, alice):
    from repairapp import textdetect

    asset = _asset_with_text(alice, text=True)
    client.force_login(alice)
    url = reverse("version-find-text", args=[asset.latest_version().pk])
    textdetect.load.cache_clear()  # as in a web process that has not loaded it yet
    response = client.post(url, HTTP_ACCEPT="application/json")
    assert response.status_code == 503 and response["Retry-After"] == "1"
    assert response.json()["loading"] is True and "text model is loading" in response.json()["error"]
    # That request started the load in the background; the editor's next one waits for it.
    response = client.post(url + "?wait=1", HTTP_ACCEPT="application/json")
    assert response.status_code == 200 and response.json()["model"] is True and response.json()["lines"]


def test_the_wsgi_application_starts_loading_the_text_model_as_it_is_imported():
    import subprocess
    import sys

    from django.conf import settings

    script = ("import django; django.setup(); "
              "from repairapp import services; assert not services.text_model_ready(); "
              "import repairapp.wsgi; assert services.text_model_wait(180); print('ready')")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "repairapp.settings", "DEBUG": "1", "SECRET_KEY": "t" * 50}
    done = subprocess.run([sys.executable, "-c", script], cwd=settings.BASE_DIR, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0 and done.stdout.strip() == "ready", done.stderr[-2000:]
