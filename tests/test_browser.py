"""The whole loop in a real Chromium: log in, upload, paint a stroke, Remove, result.

The web server is Django's live server (a thread of this process) on the test
database; the repair runs on a real rq worker (in this process, after the browser
has queued it) through the real Redis. Screenshots go to test-artifacts/.
"""

import io

import numpy as np
import pytest
from playwright.sync_api import expect
from PIL import Image

from repairapp import imaging
from repairapp.models import RepairJob
from tests.conftest import ARTIFACTS, photo_path


def _read(field) -> bytes:
    with field.open("rb") as fh:
        return fh.read()


def _login(page, live_server, username, password):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/")


pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_upload_paint_remove_and_see_the_result(page, live_server, django_user_model, run_worker):
    ARTIFACTS.mkdir(exist_ok=True)
    django_user_model.objects.create_user("carol", password="carol-pass-123")
    _login(page, live_server, "carol", "carol-pass-123")
    assert page.get_by_text("No photos yet").is_visible()

    photo = photo_path(5)
    page.set_input_files("#photo-input", str(photo))
    page.wait_for_url("**/assets/*/")
    canvas = page.get_by_role("img", name="Mask")
    canvas.wait_for(state="visible")
    page.wait_for_function("document.getElementById('photo').complete")

    # A horizontal stroke across the photo's middle, painted with the mouse.
    page.fill("#brush-size", "24")
    page.dispatch_event("#brush-size", "input")
    box = canvas.bounding_box()
    scale = 512 / box["width"]
    y = box["y"] + box["height"] * 0.5
    x0, x1 = box["x"] + box["width"] * 0.3, box["x"] + box["width"] * 0.6
    page.mouse.move(x0, y)
    page.mouse.down()
    page.mouse.move(x1, y, steps=12)
    page.mouse.up()
    page.screenshot(path=str(ARTIFACTS / "editor-with-mask.png"))

    # The mask options: a feather out of range is refused in the page, before any upload.
    page.get_by_label("Dilate").fill("3")
    page.get_by_label("Feather").fill("99")
    page.get_by_role("button", name="Remove").click()
    expect(page.locator("#form-message")).to_contain_text("Feather must be a whole number from 0 to 32 px.")
    assert RepairJob.objects.count() == 0
    page.get_by_label("Feather").fill("0")
    page.get_by_role("button", name="Remove").click()
    page.wait_for_selector("#job-status[data-status='queued']")
    assert run_worker() == 1  # a real rq worker takes the job the browser queued
    page.wait_for_selector("#result:not([hidden])")
    page.wait_for_selector("#job-status[data-status='succeeded']")
    page.screenshot(path=str(ARTIFACTS / "editor-result.png"), full_page=True)

    job = RepairJob.objects.get()
    assert job.status == RepairJob.SUCCEEDED, job.error
    assert job.params == {"dilate": 3, "feather": 0}
    version = job.result_version
    assert page.get_attribute("#result", "data-version-id") == str(version.pk)

    # The posted mask is at the photo's own resolution and lies where the stroke was.
    mask = imaging.decode_mask(_read(job.mask_file), size=(512, 512))
    row = round((y - box["y"]) * scale)
    start, end = round((x0 - box["x"]) * scale), round((x1 - box["x"]) * scale)
    assert mask[row, start + 4:end - 4].all()        # along the stroke
    assert not mask[row - 40:row - 30].any()          # well above it: untouched
    assert not mask[:, end + 30:].any()               # well right of it: untouched

    before = imaging.decode_photo(_read(job.base_version.file)).rgb
    after = np.asarray(Image.open(io.BytesIO(_read(version.file))).convert("RGB"))
    changed = np.any(before != after, axis=2)
    allowed = imaging.dilate_mask(mask, job.params["dilate"]) > 0
    assert changed[mask > 0].mean() > 0.5            # the stroke was really filled
    assert not changed[~allowed].any()               # nothing outside it moved
    assert version.changed_outside_mask == 0
    # The result panel shows both: outside the painted mask (what dilate 3 let change) and the grown one.
    assert version.changed_outside_painted == int(changed[mask == 0].sum()) > 0
    expect(page.locator("#fig-outside-painted")).to_have_text(f"{version.changed_outside_painted:,} px")
    expect(page.locator("#fig-outside")).to_have_text("0 px")

    # Keep editing: the new version is now the base of the next mask.
    assert page.get_attribute("#editor", "data-version-id") == str(version.pk)

    # Download with a format choice: the result's menu and the new version's in the list.
    page.click("#result-download summary")
    page.screenshot(path=str(ARTIFACTS / "editor-download-menu.png"))
    with page.expect_download() as download:
        page.click("#result-download a[data-format='jpeg']")
    assert download.value.suggested_filename == "scene-05-v2.jpg"
    assert Image.open(download.value.path()).format == "JPEG"
    assert not page.locator("#result-download").evaluate("menu => menu.open")  # closed once chosen
    listed = page.locator(f".version[data-version-id='{version.pk}'] .download-menu")
    listed.locator("summary").click()
    with page.expect_download() as download:
        listed.locator("a[data-format='webp']").click()
    assert download.value.suggested_filename == "scene-05-v2.webp"
    assert Image.open(download.value.path()).format == "WEBP"
