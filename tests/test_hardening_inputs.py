"""Issue 12: input that used to answer 500 or do the wrong thing now gets a clear 4xx
(JSON on the API, a page in the UI) and stores nothing."""

import html
import io
import re
import subprocess
import zlib

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image, PngImagePlugin

from repairapp import engines, services, textfind
from repairapp.engines.base import Engine
from repairapp.models import ApiToken, Asset, Event, RepairJob, Review
from repairapp.tokens import token_create
from tests.conftest import bearer, encode, mask_png, textured_rgb
from tests.photos import photo_bytes

pytestmark = pytest.mark.django_db


def png_of(width, height, seed=1):
    return encode(Image.fromarray(textured_rgb(width, height, seed)))


def upload_api(client, token, data, name="photo.png", **headers):
    return client.post("/api/v1/assets", {"image": SimpleUploadedFile(name, data)}, **bearer(token), **headers)


def stored_files(media_root):
    return [p for p in media_root.rglob("*") if p.is_file()] if media_root.exists() else []


# ---------------------------------------------------------------- 4: review of a never-submitted version


def test_reviewing_a_version_never_submitted_is_409(client, admin_user, repaired):
    admin_token = token_create(user=admin_user)[1]
    for version_id in (repaired.parent_id, repaired.pk):  # version 1 (no review at all), a draft
        response = client.post(f"/api/v1/versions/{version_id}/review", {"decision": "approve"},
                               content_type="application/json", **bearer(admin_token))
        assert response.status_code == 409 and "not submitted" in response.json()["error"]
    assert not Event.objects.filter(kind__in=[Event.VERSION_APPROVED, Event.VERSION_REJECTED]).exists()


# ---------------------------------------------------------------- 5, 11: thin photos


@pytest.mark.parametrize("size", [(2100, 1), (4000, 2), (8000, 3), (40000, 1), (1, 1), (15, 400), (401, 16)])
def test_a_photo_too_thin_to_repair_is_refused_at_upload(client, alice_token, media_root, size):
    response = upload_api(client, alice_token, encode(Image.new("RGB", size, "white")))
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert f"{size[0]}×{size[1]}" in error and ("at least 16 px" in error or "at most 25:1" in error)
    assert not Asset.objects.exists() and not stored_files(media_root)


def test_the_upload_page_names_the_limit_for_a_thin_photo(alice_client):
    response = alice_client.post(reverse("asset-upload"),
                                 {"photo": SimpleUploadedFile("strip.png", encode(Image.new("RGB", (40000, 1))))})
    assert response.status_code == 400 and "each side must be at least 16 px" in response.content.decode()


@pytest.mark.parametrize("shape", [(1, 2100), (2, 4000), (16, 400), (400, 16), (16, 16), (3, 8000)])
def test_find_text_is_safe_at_any_size(shape):
    rgb = np.random.default_rng(0).integers(0, 255, (*shape, 3), dtype=np.uint8)
    assert textfind.find_text(rgb).shape == shape


def test_remove_text_on_the_thinnest_accepted_photo_is_a_clear_answer(client, alice_token):
    response = client.post("/api/v1/repairs", {"image": SimpleUploadedFile("p.png", png_of(400, 16)),
                                               "mode": "remove_text"}, **bearer(alice_token))
    assert response.status_code in (202, 400), response.content
    if response.status_code == 400:
        assert "No text was found" in response.json()["error"]


# ---------------------------------------------------------------- 6: deep or huge JSON


@pytest.mark.parametrize("body, status", [("[" * 100000 + "]" * 100000, 413), ("[" * 5000 + "]" * 5000, 400)])
def test_a_deep_or_huge_review_body_is_refused(client, mo_token, repaired, body, status):
    services.version_submit(user=repaired.created_by, version=repaired)
    response = client.post(f"/api/v1/versions/{repaired.pk}/review", body, content_type="application/json",
                           **bearer(mo_token))
    assert response.status_code == status and response.json()["code"] in ("too_large", "invalid_json")
    assert Review.objects.get(version=repaired).state == Review.PENDING


# ---------------------------------------------------------------- 7: NUL anywhere


def test_nul_in_query_parameters_is_400(client, admin_user):
    client.force_login(admin_user)
    for url in (reverse("history") + "?user=%00", reverse("review-queue") + "?submitter=a%00b"):
        response = client.get(url)
        assert response.status_code == 400 and "contains a NUL character" in response.content.decode(), url


def test_the_refusal_page_has_the_usual_header_of_the_logged_in_user(client, admin_user):
    client.force_login(admin_user)
    for url in (reverse("history") + "?user=%00", "/assets/%00/"):
        page = client.get(url).content.decode()
        assert "contains a NUL character" in page
        assert 'aria-label="Main"' in page and "ad · admin" in page and "Log out" in page, url
    # A body Django cannot parse: refused before any view, still with the header.
    response = client.post(reverse("token-list"), b"--x\r\nbroken", content_type="multipart/form-data; boundary=")
    assert response.status_code == 400 and "ad · admin" in response.content.decode()


def test_log_out_works_from_the_refusal_page(admin_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    client.get(reverse("history"))  # the CSRF cookie, as a browser would have it
    page = client.get(reverse("history") + "?user=%00").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    assert client.post(reverse("logout"), {"csrfmiddlewaretoken": token}).status_code == 302
    assert "_auth_user_id" not in client.session


def test_a_nul_in_the_session_cookie_is_400_not_a_session_lookup(client, admin_user):
    # The client quotes the value as "...\\000": Django's cookie parser turns it into a NUL.
    client.force_login(admin_user)
    client.cookies["sessionid"] = client.cookies["sessionid"].value + "\x00"
    assert "\\000" in client.cookies["sessionid"].coded_value
    response = client.get(reverse("history"))
    assert response.status_code == 400
    assert "The cookie 'sessionid' contains a NUL" in html.unescape(response.content.decode())
    assert "Log out" not in response.content.decode()


def test_nul_in_a_submit_note_or_review_comment_is_400_and_nothing_changes(client, alice, moderator, repaired):
    client.force_login(alice)
    response = client.post(reverse("version-submit", args=[repaired.pk]), {"note": "fixed\x00"})
    assert response.status_code == 400 and "note" in response.content.decode()
    assert "contains a NUL character" in response.content.decode()
    assert Review.objects.get(version=repaired).state == Review.DRAFT
    services.version_submit(user=alice, version=repaired)
    client.force_login(moderator)
    response = client.post(reverse("review-decide", args=[repaired.pk]), {"decision": "reject", "comment": "\x00"})
    assert response.status_code == 400
    assert Review.objects.get(version=repaired).state == Review.PENDING


def test_nul_in_a_token_name_is_400_and_no_token_is_made(alice_client, alice):
    response = alice_client.post(reverse("token-list"), {"name": "ci\x00"})
    assert response.status_code == 400 and not ApiToken.objects.exists()


def test_nul_in_an_idempotency_key_is_400_json_and_nothing_is_stored(client, alice_token, media_root):
    response = upload_api(client, alice_token, photo_bytes(0), HTTP_IDEMPOTENCY_KEY="k\x00")
    assert response.status_code == 400 and response.json()["code"] == "nul_character"
    assert "Idempotency-Key header" in response.json()["error"]
    assert not Asset.objects.exists() and not stored_files(media_root)


# ---------------------------------------------------------------- 8: disk full, for real


@pytest.fixture
def full_disk(media_root):
    """MEDIA_ROOT on a 64 KB tmpfs: a real ENOSPC from the kernel once it fills."""
    media_root.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(media_root)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {mounted.stderr.strip()}")
    yield media_root
    subprocess.run(["umount", str(media_root)], check=True)


def test_a_full_disk_is_507_on_the_api_and_nothing_is_half_written(client, alice_token, full_disk):
    response = upload_api(client, alice_token, png_of(600, 400))
    assert response.status_code == 507 and response.json()["code"] == "insufficient_storage"
    assert "storage is full" in response.json()["error"]
    assert not Asset.objects.exists() and not stored_files(full_disk)


def test_a_full_disk_is_a_clear_message_on_the_upload_page(alice_client, full_disk):
    response = alice_client.post(reverse("asset-upload"), {"photo": SimpleUploadedFile("p.png", png_of(600, 400))})
    assert response.status_code == 507 and "storage is full, so nothing was stored" in response.content.decode()
    assert not Asset.objects.exists() and not stored_files(full_disk)


# ---------------------------------------------------------------- 10: masks that leave nothing to fill from


def test_a_mask_over_nearly_the_whole_photo_is_refused_naming_the_limit(client, alice_token, media_root):
    response = client.post("/api/v1/repairs", {"image": SimpleUploadedFile("p.jpg", photo_bytes(0)),
                                               "mask": SimpleUploadedFile("m.png", mask_png(512, 512, (0, 0, 512, 512)))},
                           **bearer(alice_token))
    assert response.status_code == 400
    assert "covers 100% of the photo; at most 90% can be removed" in response.json()["error"]
    assert not Asset.objects.exists() and not RepairJob.objects.exists() and not stored_files(media_root)


class _CopyEngine(Engine):
    """Returns the hole as it was: what a fill with nothing to fill from amounts to."""

    def _fill(self, image, mask, *, seed):
        return image


@pytest.fixture
def copy_engine():
    engines.register(_CopyEngine(name="copy", description="changes nothing"))
    yield "copy"
    engines.unregister("copy")


def test_a_fill_that_changed_nothing_is_flagged(alice, run_worker, django_capture_on_commit_callbacks, copy_engine):
    asset = services.asset_create(owner=alice, data=photo_bytes(0), file_name="shoe.jpg")
    with django_capture_on_commit_callbacks(execute=True):
        services.repair_create(user=alice, version=asset.latest_version(),
                                       mask_data=mask_png(512, 512, (20, 20, 40, 40)), engine=copy_engine)
    run_worker()
    version = asset.versions.get(number=2)
    assert version.mask_pixels > 0 and version.changed_inside_mask == 0
    assert services.version_submit(user=alice, version=version).flagged


# ---------------------------------------------------------------- 12, 13: MPO and damaged PNGs


def test_a_two_frame_mpo_is_accepted_as_its_first_frame(client, alice_token):
    first, second = Image.new("RGB", (300, 200), (200, 30, 30)), Image.new("RGB", (160, 120), (30, 30, 200))
    out = io.BytesIO()
    first.save(out, format="MPO", save_all=True, append_images=[second])
    assert Image.open(io.BytesIO(out.getvalue())).format == "MPO"
    response = upload_api(client, alice_token, out.getvalue(), name="camera.jpg")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["format"], body["width"], body["height"]) == ("JPEG", 300, 200)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")


def damaged_pngs():
    good = png_of(64, 64)
    bad_crc = bytearray(good)
    bad_crc[29] ^= 0xFF  # the IHDR chunk's CRC
    signature, ihdr = good[:8], good[8:33]
    huge_text = _chunk(b"zTXt", b"comment\x00\x00" + zlib.compress(b"a" * (PngImagePlugin.MAX_TEXT_CHUNK + 1)))
    huge_icc = _chunk(b"iCCP", b"icc\x00\x00" + zlib.compress(b"\x00" * (PngImagePlugin.MAX_TEXT_CHUNK + 1)))
    return {
        "crc": bytes(bad_crc),
        "text": signature + ihdr + huge_text + good[33:],
        "icc": signature + ihdr + huge_icc + good[33:],
        "cut": good[:40],
    }


@pytest.mark.parametrize("kind", ["crc", "text", "icc", "cut"])
def test_a_damaged_png_is_400_saying_so(client, alice_token, media_root, kind):
    response = upload_api(client, alice_token, damaged_pngs()[kind])
    assert response.status_code == 400, response.content
    assert "damaged PNG" in response.json()["error"] or "truncated or corrupt" in response.json()["error"]
    assert not Asset.objects.exists() and not stored_files(media_root)
