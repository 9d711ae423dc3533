"""Issue 15 wired end to end: Find text's lines in the editor's JSON, the words in the job's
record (API and review page), the worker's "text remains" flag, the upload screen (worker,
Photos page, API, review queue, their filter), `ingest --mode screen`, and the classical
fallback through the same paths. Real PostgreSQL, Redis and rq worker; pictures made here.
"""

import base64
import csv
import io
import json

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from PIL import Image

from repairapp import imaging, services, textdetect
from repairapp.models import Asset, Event, RepairJob
from tests.conftest import bearer, encode
from tests.engines.test_textdetect import overlay, with_label
from tests.photos import scene_rgb

pytestmark = pytest.mark.django_db

CAPTION = "SALE 49.99 TODAY"


@pytest.fixture(autouse=True)
def fresh_model():
    """Each test loads the model as a new process would (a test below takes it away)."""
    textdetect.load.cache_clear()
    yield
    textdetect.load.cache_clear()


def captioned():
    """A scene with a white caption: (PNG bytes, rgb, coverage of the caption 0..1)."""
    img, coverage = overlay(scene_rgb(3), CAPTION, (60, 300), (255, 255, 255), scale=1.0)
    return encode(Image.fromarray(img)), img, coverage


def png_of(mask: np.ndarray) -> bytes:
    return imaging.encode_mask(mask)


# ---------------------------------------------------------------- Find text's lines, words in the record


def test_find_text_answers_the_lines_as_json_for_the_editor(client, alice, text_model):
    img, on_label = with_label(scene_rgb(1), "FRESH MILK", (60, 60))
    img, coverage = overlay(img, "2019/08/14 17:32", (60, 440), (255, 255, 255))
    asset = services.asset_create(owner=alice, data=encode(Image.fromarray(img)), file_name="milk.png")
    client.force_login(alice)
    response = client.post(reverse("version-find-text", args=[asset.latest_version().pk]),
                           HTTP_ACCEPT="application/json")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    body = response.json()
    assert body["model"] is True
    kinds = {line["kind"]: line for line in body["lines"]}
    assert kinds["overlay"]["words"].replace(" ", "") == "2019/08/1417:32"
    assert kinds["overlay"]["reason"].startswith("overlay:")
    assert "MILK" in kinds["scene"]["words"] and kinds["scene"]["reason"].startswith("scene text: kept")
    # Each line's own mask, the size of its box; the overlays' together are the proposal.
    total = 0
    for line in body["lines"]:
        x0, y0, x1, y1 = line["box"]
        png = line["mask_url"].removeprefix("data:image/png;base64,")
        mask = np.asarray(Image.open(io.BytesIO(base64.b64decode(png))).convert("L")) > 0
        assert mask.shape == (y1 - y0, x1 - x0) and mask.any()
        total += int(mask.sum()) if line["kind"] == "overlay" else 0
    assert body["mask_pixels"] == int(response["X-Mask-Pixels"]) == total


def test_words_found_go_into_the_job_and_its_json(client, alice, alice_token, run_worker,
                                                   django_capture_on_commit_callbacks):
    data, _, _ = captioned()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/repairs", {"image": SimpleUploadedFile("sale.png", data), "mode": "remove_text"},
                               **bearer(alice_token))
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["text_source"] == "remove_text" and body["text_words"] == [CAPTION]
    job = RepairJob.objects.get()
    assert job.text_words == [CAPTION]
    run_worker()
    status = client.get(body["status_url"], **bearer(alice_token)).json()
    assert status["status"] == "succeeded" and status["text_words"] == [CAPTION]
    # The whole caption went: the guard found nothing, so no "text" flag.
    assert not [f for f in status["checks"]["flags"] if f["code"] == "text"]


def test_the_editor_records_the_lines_it_sent_and_refuses_a_bad_list(client, alice):
    data, _, coverage = captioned()
    asset = services.asset_create(owner=alice, data=data, file_name="sale.png")
    client.force_login(alice)
    url = reverse("repair-create", args=[asset.pk])
    mask = png_of(np.where(coverage > 0, 255, 0).astype(np.uint8))
    bad = client.post(url, {"mask": SimpleUploadedFile("m.png", mask), "found_text": "{not json"})
    assert bad.status_code == 400 and "found_text" in bad.json()["error"]
    assert not RepairJob.objects.exists()
    ok = client.post(url, {"mask": SimpleUploadedFile("m.png", mask), "found_text": json.dumps([CAPTION])})
    assert ok.status_code == 202, ok.content
    assert ok.json()["text_source"] == "find_text" and ok.json()["text_words"] == [CAPTION]
    painted = client.post(url, {"mask": SimpleUploadedFile("m.png", mask)})
    assert painted.json()["text_source"] is None and painted.json()["text_words"] == []


# ---------------------------------------------------------------- the "text remains" guard


def test_the_guard_flags_a_version_where_text_was_left(client, alice, moderator, run_worker,
                                                       django_capture_on_commit_callbacks):
    data, _, coverage = captioned()
    asset = services.asset_create(owner=alice, data=data, file_name="sale.png")
    half = np.where(coverage > 0, 255, 0).astype(np.uint8)
    half[:, 190:] = 0  # the mask missed "TODAY" and more
    with django_capture_on_commit_callbacks(execute=True):
        job = services.repair_create(user=alice, version=asset.latest_version(), mask_data=png_of(half),
                                     found_text=[CAPTION])
    run_worker()
    job.refresh_from_db()
    assert job.status == "succeeded", job.error
    version = job.result_version
    (flag,) = [f for f in version.fill_flags if f["code"] == "text"]
    assert any("TODAY" in w for w in flag["words"]) and "TODAY" in flag["reason"]
    review = services.version_submit(user=alice, version=version)
    assert review.flagged
    client.force_login(moderator)
    page = client.get(reverse("review-page", args=[version.pk])).content.decode()
    assert 'id="check-text"' in page and "Still readable after the repair" in page and CAPTION in page
    queue = client.get(reverse("review-queue")).content.decode()
    assert "text ⚠" in queue

    # The same half mask painted by hand (no Find text, no remove_text): nothing checked.
    with django_capture_on_commit_callbacks(execute=True):
        painted = services.repair_create(user=alice, version=asset.latest_version(), mask_data=png_of(half))
    run_worker()
    painted.refresh_from_db()
    assert not [f for f in painted.result_version.fill_flags if f["code"] == "text"]


def test_remove_text_on_a_jpeg_takes_the_ripples_and_the_guard_still_reads_what_was_left(
        alice, run_worker, django_capture_on_commit_callbacks):
    # A caption on a smooth sky, uploaded as a JPEG and, the same pixels, as a PNG.
    img, coverage = overlay(sky_rgb(), CAPTION, (40, 260), (40, 70, 220), scale=1.0)
    jpeg_data = encode(Image.fromarray(img), "JPEG", quality=75)
    decoded = np.asarray(Image.open(io.BytesIO(jpeg_data)).convert("RGB"))
    versions = {}
    for name, data in (("sale.jpg", jpeg_data), ("sale.png", encode(Image.fromarray(decoded)))):
        asset = services.asset_create(owner=alice, data=data, file_name=name)
        with django_capture_on_commit_callbacks(execute=True):
            job = services.repair_create(user=alice, version=asset.latest_version(), mask_data=None,
                                         mode=services.MODE_REMOVE_TEXT)
        run_worker()
        job.refresh_from_db()
        assert job.status == "succeeded", job.error
        assert job.text_words == [CAPTION]
        versions[asset.original_format] = job.result_version
    jpeg, png = versions["JPEG"], versions["PNG"]
    # Find text's mask is the same; the JPEG's repair also took the ripples beside it.
    assert jpeg.mask_pixels > png.mask_pixels
    assert jpeg.changed_outside_painted > png.changed_outside_painted
    assert not [f for f in jpeg.fill_flags if f["code"] == "text"]

    # The guard on a JPEG: half the caption masked, the ripples taken beside that half; the
    # rest is still read.
    asset = Asset.objects.get(original_format="JPEG")
    half = np.where(coverage > 0, 255, 0).astype(np.uint8)
    half[:, 190:] = 0
    with django_capture_on_commit_callbacks(execute=True):
        job = services.repair_create(user=alice, version=asset.versions.get(number=1), mask_data=png_of(half),
                                     found_text=[CAPTION])
    run_worker()
    job.refresh_from_db()
    (flag,) = [f for f in job.result_version.fill_flags if f["code"] == "text"]
    assert any("TODAY" in w for w in flag["words"])


def sky_rgb(h: int = 512, w: int = 512) -> np.ndarray:
    """A smooth pale sky: where the ripples of a JPEG's caption show after it is removed."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    base = np.stack([190 + 30 * x / w, 210 + 20 * y / h, np.full((h, w), 245, np.float32)], axis=2)
    return np.clip(base, 0, 255).astype(np.uint8)


# ---------------------------------------------------------------- the upload screen


def test_an_upload_is_screened_by_the_worker_and_the_filters_find_it(
    client, alice, alice_token, moderator, settings, run_worker, django_capture_on_commit_callbacks
):
    settings.TEXT_SCREEN_ON_UPLOAD = True
    data, _, _ = captioned()
    with django_capture_on_commit_callbacks(execute=True):
        created = client.post("/api/v1/assets", {"image": SimpleUploadedFile("sale.png", data)}, **bearer(alice_token))
        clean = services.asset_create(owner=alice, data=encode(Image.fromarray(scene_rgb(5))), file_name="clean.png")
    assert created.status_code == 201
    # The upload answered before any screening: not screened yet.
    assert created.json()["text_found"] is None and created.json()["text_screened_at"] is None
    assert run_worker() == 2
    stamped = Asset.objects.get(pk=created.json()["id"])
    clean.refresh_from_db()
    assert stamped.text_found == [CAPTION] and stamped.text_screened_at
    assert clean.text_found == [] and clean.text_screened_at
    # Each screen is in the photo's history.
    assert Event.objects.get(kind=Event.ASSET_SCREENED, asset=stamped).data == {"text_found": [CAPTION]}
    assert Event.objects.get(kind=Event.ASSET_SCREENED, asset=clean).message == "no text found"

    detail = client.get(f"/api/v1/assets/{stamped.pk}", **bearer(alice_token)).json()
    assert detail["text_found"] == [CAPTION]
    found = client.get("/api/v1/assets?text=found", **bearer(alice_token)).json()
    assert [a["id"] for a in found["results"]] == [stamped.pk]
    none = client.get("/api/v1/assets?text=none", **bearer(alice_token)).json()
    assert [a["id"] for a in none["results"]] == [clean.pk]
    bad = client.get("/api/v1/assets?text=maybe", **bearer(alice_token))
    assert bad.status_code == 400 and "text" in bad.json()["error"]

    client.force_login(alice)
    photos = client.get(reverse("asset-list") + "?text=found").content.decode()
    assert f"text found: {CAPTION}" in photos and "clean.png" not in photos
    assert "sale.png" not in client.get(reverse("asset-list") + "?text=none").content.decode()

    # The review queue says it too, and filters by it.
    for asset in (stamped, clean):
        with django_capture_on_commit_callbacks(execute=True):
            job = services.repair_create(user=alice, version=asset.latest_version(), engine="telea",
                                         mask_data=png_of(np.pad(np.full((20, 20), 255, np.uint8), ((10, 482), (10, 482)))))
        run_worker()
        job.refresh_from_db()
        services.version_submit(user=alice, version=job.result_version)
    client.force_login(moderator)
    queue = client.get(reverse("review-queue") + "?text=found").content.decode()
    assert f"text found: {CAPTION}" in queue and "sale.png" in queue and "clean.png" not in queue
    assert "clean.png" in client.get(reverse("review-queue")).content.decode()


def test_ingest_mode_screen_writes_a_csv_and_stores_nothing(tmp_path, alice):
    folder = tmp_path / "in"
    folder.mkdir()
    data, _, _ = captioned()
    (folder / "a-sale.png").write_bytes(data)
    (folder / "b-clean.png").write_bytes(encode(Image.fromarray(scene_rgb(5))))
    (folder / "c-broken.jpg").write_bytes(b"not a photo")
    out_csv = tmp_path / "screen.csv"
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_info:  # a refused file makes the exit status 1
        call_command("ingest", str(folder), "--mode", "screen", "--csv", str(out_csv), stdout=out, stderr=io.StringIO())
    assert exit_info.value.code == 1
    assert "1 with text, 1 without, 1 refused, 3 photos" in out.getvalue()
    rows = list(csv.DictReader(out_csv.open()))
    assert [(r["file"], r["text_found"], r["words"]) for r in rows[:2]] == [
        ("a-sale.png", "yes", CAPTION), ("b-clean.png", "no", "")]
    assert rows[2]["file"] == "c-broken.jpg" and rows[2]["error"]
    assert not Asset.objects.exists() and not RepairJob.objects.exists()


# ---------------------------------------------------------------- without the model


def test_without_the_model_find_text_the_guard_and_the_screen_use_the_classical_finder(
    client, alice, tmp_path, monkeypatch, settings, run_worker, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(textdetect, "model_dir", lambda: tmp_path)  # no model files: never a download
    assert textdetect.load() is None
    settings.TEXT_SCREEN_ON_UPLOAD = True
    data, _, coverage = captioned()
    with django_capture_on_commit_callbacks(execute=True):
        asset = services.asset_create(owner=alice, data=data, file_name="sale.png")
    run_worker()
    asset.refresh_from_db()
    assert asset.text_found and set(asset.text_found) == {"?"}  # found, not read

    client.force_login(alice)
    body = client.post(reverse("version-find-text", args=[asset.latest_version().pk]),
                       HTTP_ACCEPT="application/json").json()
    assert body["model"] is False and body["lines"]
    assert all(line["source"] == "classical" and line["kind"] == "overlay" for line in body["lines"])

    half = np.where(coverage > 0, 255, 0).astype(np.uint8)
    half[:, 190:] = 0
    with django_capture_on_commit_callbacks(execute=True):
        job = services.repair_create(user=alice, version=asset.latest_version(), mask_data=png_of(half),
                                     found_text=[])
    run_worker()
    job.refresh_from_db()
    assert job.status == "succeeded", job.error
    assert [f["words"] for f in job.result_version.fill_flags if f["code"] == "text"] == [["?"]]


# ---------------------------------------------------------------- the Photos page in Chromium


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_photos_page_shows_text_found_and_its_filter_in_a_browser(browser, live_server, alice):
    from playwright.sync_api import expect

    from tests.conftest import ARTIFACTS, logged_in_page

    data, _, _ = captioned()
    stamped = services.asset_create(owner=alice, data=data, file_name="sale.png")
    stamped.record_screen([CAPTION])
    clean = services.asset_create(owner=alice, data=encode(Image.fromarray(scene_rgb(5))), file_name="clean.png")
    clean.record_screen([])
    page = logged_in_page(browser, live_server, "alice", "alice-pass-123")
    cards = page.locator(".asset-card")
    expect(cards).to_have_count(2)
    expect(cards.filter(has_text="sale.png")).to_contain_text(f"text found: {CAPTION}")
    expect(cards.filter(has_text="clean.png")).not_to_contain_text("text found")
    page.get_by_role("link", name="Text found", exact=True).click()
    expect(cards).to_have_count(1)
    expect(cards).to_contain_text("sale.png")
    page.screenshot(path=str(ARTIFACTS / "photos-text-found.png"))
    page.get_by_role("link", name="No text found", exact=True).click()
    expect(cards).to_have_count(1)
    expect(cards).to_contain_text("clean.png")
    page.context.close()
