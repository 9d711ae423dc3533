"""Pages and editor endpoints on PostgreSQL with the test client."""

import io

import numpy as np
import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from PIL import Image

from repairapp import services
from repairapp.engines import pipeline
from repairapp.models import Asset, RepairJob, Version
from tests.conftest import encode, mask_png, photo_bytes, textured_rgb

pytestmark = pytest.mark.django_db


def _upload(client, data: bytes, name="photo.jpg"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(reverse("asset-upload"), {"photo": SimpleUploadedFile(name, data)})


def _stored_files(media_root):
    return sorted(p for p in media_root.rglob("*") if p.is_file()) if media_root.exists() else []


@pytest.fixture
def alice_asset(alice):
    return services.asset_create(owner=alice, data=photo_bytes(0), file_name="shoe.jpg")


@pytest.fixture
def bob_asset(bob):
    return services.asset_create(owner=bob, data=photo_bytes(1), file_name="bob.jpg")


# ---------------------------------------------------------------- login


@pytest.mark.parametrize("name, args", [
    ("asset-list", []), ("editor", [1]), ("job-status", [1]), ("version-image", [1]),
    ("version-thumb", [1]), ("version-diff", [1]), ("job-mask", [1]),
])
def test_every_page_requires_login(client, name, args):
    response = client.get(reverse(name, args=args))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_login_page_renders_and_logs_in(client, alice):
    assert client.get(reverse("login")).status_code == 200
    response = client.post(reverse("login"), {"username": "alice", "password": "alice-pass-123"})
    assert response.status_code == 302 and response["Location"] == reverse("asset-list")


def test_wrong_password_shows_an_error(client, alice):
    response = client.post(reverse("login"), {"username": "alice", "password": "nope"})
    assert response.status_code == 200 and "didn't match" in response.content.decode()


# ---------------------------------------------------------------- list and upload


def test_list_shows_own_photos_newest_first_and_not_others(alice_client, alice, bob_asset):
    services.asset_create(owner=alice, data=photo_bytes(2), file_name="first.jpg")
    second = services.asset_create(owner=alice, data=photo_bytes(3), file_name="second.jpg")
    html = alice_client.get(reverse("asset-list")).content.decode()
    assert html.index("second.jpg") < html.index("first.jpg")
    assert "bob.jpg" not in html
    assert reverse("version-thumb", args=[second.latest_version().pk]) in html


def test_empty_list_says_so(alice_client):
    assert b"No photos yet" in alice_client.get(reverse("asset-list")).content


def test_upload_stores_the_original_and_version_1_then_opens_the_editor(alice_client, alice):
    response = _upload(alice_client, photo_bytes(0), name="../../etc/<img src=x onerror=alert(1)>.jpg")
    asset = Asset.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("editor", args=[asset.pk])
    assert asset.owner == alice and asset.original_format == "JPEG" and (asset.width, asset.height) == (512, 512)
    assert asset.original_name == "<img src=x onerror=alert(1)>.jpg"  # no path, kept as text
    assert "etc" not in asset.original_file.name and "img" not in asset.original_file.name
    version = asset.versions.get()
    assert version.number == 1 and version.parent is None and version.file.name.endswith(".png")
    html = alice_client.get(response["Location"]).content.decode()
    assert "&lt;img src=x onerror=alert(1)&gt;.jpg" in html and "<img src=x" not in html


@pytest.mark.parametrize("data, status, message", [
    (b"%PDF-1.4 not an image", 415, "not a JPEG, PNG or WebP"),
    (encode(Image.new("RGB", (8, 8)), "TIFF"), 415, "not a JPEG, PNG or WebP"),
    (encode(Image.new("1", (30000, 30000)), "PNG", optimize=True), 413, "the limit is 40.0 MP"),
    (b"", 400, "empty"),
], ids=["pdf", "tiff", "bomb", "empty"])
def test_upload_of_a_non_image_is_refused_with_a_message_and_nothing_stored(alice_client, media_root, data, status, message):
    response = _upload(alice_client, data)
    assert response.status_code == status
    assert message in response.content.decode()
    assert Asset.objects.count() == 0 and Version.objects.count() == 0
    assert _stored_files(media_root) == []


def test_upload_without_a_file_is_refused(alice_client):
    response = alice_client.post(reverse("asset-upload"))
    assert response.status_code == 400 and b"Choose a photo" in response.content


def test_upload_above_the_body_limit_is_413(alice_client, settings):
    settings.MAX_UPLOAD_BYTES = 10_000
    response = _upload(alice_client, photo_bytes(0))
    assert response.status_code == 413 and b"larger than" in response.content
    assert Asset.objects.count() == 0


# ---------------------------------------------------------------- editor


def test_editor_shows_the_photo_canvas_and_controls(alice_client, alice_asset):
    html = alice_client.get(reverse("editor", args=[alice_asset.pk])).content.decode()
    assert 'aria-label="Mask"' in html and 'id="remove">Remove</button>' in html
    assert reverse("version-image", args=[alice_asset.latest_version().pk]) in html
    assert reverse("repair-create", args=[alice_asset.pk]) in html


def test_editor_404s_on_another_users_photo(alice_client, bob_asset):
    assert alice_client.get(reverse("editor", args=[bob_asset.pk])).status_code == 404


def test_editor_404s_on_an_unknown_version(alice_client, alice_asset):
    assert alice_client.get(reverse("editor", args=[alice_asset.pk]) + "?version=9").status_code == 404


# ---------------------------------------------------------------- repair requests


def _post_mask(client, asset, mask: bytes, **extra):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = {"mask": SimpleUploadedFile("mask.png", mask, "image/png"), **extra}
    return client.post(reverse("repair-create", args=[asset.pk]), data)


def test_posting_a_mask_queues_a_job(alice_client, alice, alice_asset, django_capture_on_commit_callbacks, redis_conn):
    with django_capture_on_commit_callbacks(execute=True):
        response = _post_mask(alice_client, alice_asset, mask_png(512, 512, (100, 100, 140, 160)), engine="ns", dilate="2")
    assert response.status_code == 202
    body = response.json()
    job = RepairJob.objects.get()
    assert body["id"] == job.pk and body["status"] == "queued" and body["status_url"] == reverse("job-status", args=[job.pk])
    assert body["queue_position"] == 1
    assert (job.engine, job.params, job.created_by, job.base_version) == ("ns", {"dilate": 2, "feather": pipeline.DEFAULT_FEATHER}, alice, alice_asset.latest_version())
    assert job.rq_job_id and redis_conn.exists(f"rq:job:{job.rq_job_id}")
    assert list(job.events.values_list("kind", flat=True)) == ["mask.submitted", "job.queued"]


@pytest.mark.parametrize("mask, extra, status, message", [
    (mask_png(100, 80, (1, 1, 5, 5)), {}, 400, "mask is 100×80 but the photo is 512×512"),
    (mask_png(512, 512, (0, 0, 0, 0)), {}, 400, "mask is empty"),
    (b"not a png", {}, 415, "not a JPEG, PNG or WebP"),
    (mask_png(512, 512, (1, 1, 5, 5)), {"engine": "magic"}, 400, "unknown engine 'magic'; known engines:"),
    (mask_png(512, 512, (1, 1, 5, 5)), {"dilate": "lots"}, 400, "dilate must be a whole number"),
    (mask_png(512, 512, (1, 1, 5, 5)), {"dilate": "999"}, 400, "dilate must be between 0 and"),
    (mask_png(512, 512, (1, 1, 5, 5)), {"feather": "-1"}, 400, "feather must be between 0 and"),
    (mask_png(512, 512, (1, 1, 5, 5)), {"version": "999999"}, 400, "is not a version of this photo"),
], ids=["size", "empty", "not-image", "engine", "dilate-text", "dilate-range", "feather", "version"])
def test_a_bad_repair_request_is_refused_with_a_message_and_nothing_stored(
    alice_client, alice_asset, media_root, mask, extra, status, message
):
    before = _stored_files(media_root)
    response = _post_mask(alice_client, alice_asset, mask, **extra)
    assert response.status_code == status
    assert message in response.json()["error"]
    assert RepairJob.objects.count() == 0
    assert _stored_files(media_root) == before


def test_a_repair_request_without_a_mask_is_refused(alice_client, alice_asset):
    response = alice_client.post(reverse("repair-create", args=[alice_asset.pk]))
    assert response.status_code == 400 and "No mask" in response.json()["error"]


def test_a_repair_request_needs_csrf(alice, alice_asset):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(alice)
    response = _post_mask(strict, alice_asset, mask_png(512, 512, (1, 1, 5, 5)))
    assert response.status_code == 403 and RepairJob.objects.count() == 0


def test_repairing_another_users_photo_is_404(alice_client, bob_asset):
    response = _post_mask(alice_client, bob_asset, mask_png(512, 512, (1, 1, 5, 5)))
    assert response.status_code == 404 and RepairJob.objects.count() == 0


def test_get_is_not_allowed_on_repair_create(alice_client, alice_asset):
    assert alice_client.get(reverse("repair-create", args=[alice_asset.pk])).status_code == 405


# ---------------------------------------------------------------- status and media


@pytest.fixture
def bob_job(bob, bob_asset):
    return services.repair_create(user=bob, version=bob_asset.latest_version(), mask_data=mask_png(512, 512, (5, 5, 50, 50)))


def test_job_status_is_private(alice_client, bob_job):
    assert alice_client.get(reverse("job-status", args=[bob_job.pk])).status_code == 404
    assert alice_client.get(reverse("job-mask", args=[bob_job.pk])).status_code == 404


def test_owner_reads_job_status_and_mask(client, bob, bob_job):
    client.force_login(bob)
    body = client.get(reverse("job-status", args=[bob_job.pk])).json()
    assert body["status"] == "queued" and body["version"] is None and body["error"] == ""
    mask = client.get(reverse("job-mask", args=[bob_job.pk]))
    assert mask.status_code == 200 and mask["Content-Type"] == "image/png"
    arr = np.asarray(Image.open(io.BytesIO(b"".join(mask.streaming_content))).convert("L"))
    assert arr.shape == (512, 512) and arr[10, 10] == 255 and arr[100, 100] == 0


@pytest.mark.parametrize("name", ["version-image", "version-thumb"])
def test_version_media_is_served_to_the_owner_only(client, alice, bob, alice_asset, name):
    version = alice_asset.latest_version()
    client.force_login(bob)
    assert client.get(reverse(name, args=[version.pk])).status_code == 404
    client.force_login(alice)
    response = client.get(reverse(name, args=[version.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] in ("image/png", "image/jpeg")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "private" in response["Cache-Control"]


def test_version_download_is_an_attachment_named_after_the_upload(alice_client, alice_asset):
    response = alice_client.get(reverse("version-image", args=[alice_asset.latest_version().pk]) + "?download=1")
    assert response.status_code == 200
    assert 'attachment; filename="shoe-v1.png"' == response["Content-Disposition"]


def test_version_1_has_no_diff(alice_client, alice_asset):
    assert alice_client.get(reverse("version-diff", args=[alice_asset.latest_version().pk])).status_code == 404


def test_versions_and_jobs_are_immutable_history(alice_asset):
    from repairapp.models import ImmutableError

    version = alice_asset.latest_version()
    version.width = 1
    with pytest.raises(ImmutableError):
        version.save()
    with pytest.raises(ImmutableError):
        version.delete()
    assert default_storage.exists(version.file.name)


def test_served_version_1_carries_no_exif(alice_client, alice):
    exif = Image.Exif()
    exif[0x8825] = {2: (1.0, 2.0, 3.0)}  # GPS block
    exif[0x010F] = "PhoneMaker"
    data = encode(Image.fromarray(textured_rgb(64, 48)), "JPEG", exif=exif.tobytes())
    asset = services.asset_create(owner=alice, data=data, file_name="gps.jpg")
    response = alice_client.get(reverse("version-image", args=[asset.latest_version().pk]))
    served = Image.open(io.BytesIO(b"".join(response.streaming_content)))
    assert not served.getexif() and b"PhoneMaker" not in b"".join(
        alice_client.get(reverse("version-image", args=[asset.latest_version().pk])).streaming_content)
