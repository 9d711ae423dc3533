"""The editor in a real Chromium: where strokes land at any zoom, the tools, big and
EXIF-rotated photos, keyboard shortcuts, saved/previous masks and Find text.

Most tests catch the mask the page posts (the Remove request is intercepted and
answered with an error, so the editor stays open for the next check) and compare its
pixels with the photo coordinates that were painted. Screenshots go to test-artifacts/.
"""

import io
import json
import math
from email.parser import BytesParser
from email.policy import default as email_policy

import numpy as np
import pytest
from django.urls import reverse
from playwright.sync_api import expect
from PIL import Image, ImageDraw, ImageFont

from repairapp import imaging, services
from repairapp.models import RepairJob
from tests.conftest import ARTIFACTS, encode, photo_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

BRUSH = 20  # px of the photo, set on the slider


# ---------------------------------------------------------------- helpers


def _login(page, live_server, user, password):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/")


def _photo(index=0, size=None, text=False) -> bytes:
    img = Image.open(io.BytesIO(photo_bytes(index))).convert("RGB")
    if size:
        img = img.resize(size, Image.Resampling.BICUBIC)
    if text:
        ImageDraw.Draw(img).text((20, 440), "2026-11-24 13:45", fill=(255, 200, 0), font=ImageFont.load_default(size=28))
    return encode(img)


def _open(page, live_server, asset):
    page.goto(live_server.url + reverse("editor", args=[asset.pk]))
    _wait_ready(page)


def _wait_ready(page):
    # No wait_for_function here: the page's CSP forbids the eval it relies on.
    page.get_by_role("img", name="Mask").wait_for(state="visible")
    page.wait_for_selector("#editor[data-photo-res]", state="attached")


def _set_brush(page, size):
    page.fill("#brush-size", str(size))
    page.dispatch_event("#brush-size", "input")


class PostedMasks:
    """Answers Remove with a 400 and keeps the posted mask, so the page stays editable."""

    def __init__(self, page):
        self.page = page
        self.masks = []
        self.sizes = []
        self.found_text = []  # the found_text field of each post (None when absent)
        page.route("**/assets/*/repairs", self._handle)

    def _handle(self, route):
        request = route.request
        raw = b"Content-Type: " + request.headers["content-type"].encode() + b"\r\n\r\n" + request.post_data_buffer
        found = None
        for part in BytesParser(policy=email_policy).parsebytes(raw).iter_parts():
            if part.get_param("name", header="content-disposition") == "found_text":
                found = json.loads(part.get_payload(decode=True))
            if part.get_param("name", header="content-disposition") == "mask":
                data = part.get_payload(decode=True)
                self.sizes.append(len(data))
                self.masks.append(np.asarray(Image.open(io.BytesIO(data)).convert("L")) > 127)
        self.found_text.append(found)
        route.fulfill(status=400, content_type="application/json", body='{"error": "caught by the test"}')

    def post(self) -> np.ndarray:
        count = len(self.masks)
        self.page.get_by_role("button", name="Remove").click()
        for _ in range(400):  # the route handler runs while Playwright waits
            if len(self.masks) > count:
                break
            self.page.wait_for_timeout(25)
        # The page is busy until it has read the 400; keys pressed before then are ignored
        # by design, so wait for Remove to come back (the earlier message may still show).
        expect(self.page.get_by_role("button", name="Remove")).to_be_enabled()
        expect(self.page.locator("#form-message")).to_contain_text("caught by the test")
        assert len(self.masks) == count + 1
        return self.masks[-1]

    def stop(self):
        self.page.unroute("**/assets/*/repairs")


def _screen(page, x, y, size):
    """Where photo point (x, y) is on the screen, read off the <img>'s own box."""
    box = page.locator("#photo").bounding_box()
    return box["x"] + x * box["width"] / size[0], box["y"] + y * box["height"] / size[1]


def _visible_photo_rect(page, size):
    photo = page.locator("#photo").bounding_box()
    stage = page.locator("#stage").bounding_box()
    x0, y0 = max(photo["x"], stage["x"]) + 30, max(photo["y"], stage["y"]) + 30
    x1 = min(photo["x"] + photo["width"], stage["x"] + stage["width"]) - 30
    y1 = min(photo["y"] + photo["height"], stage["y"] + stage["height"]) - 30
    to_photo = lambda sx, sy: ((sx - photo["x"]) * size[0] / photo["width"], (sy - photo["y"]) * size[1] / photo["height"])
    return to_photo(x0, y0), to_photo(x1, y1)


def _dot(page, x, y, size):
    sx, sy = _screen(page, x, y, size)
    page.mouse.move(sx, sy)
    page.mouse.down()
    page.mouse.up()


def _drag(page, points, size, steps=8, button="left"):
    sx, sy = _screen(page, *points[0], size)
    page.mouse.move(sx, sy)
    page.mouse.down(button=button)
    for x, y in points[1:]:
        page.mouse.move(*_screen(page, x, y, size), steps=steps)
    page.mouse.up(button=button)


def _distance_to_segment(shape, a, b):
    ys, xs = np.mgrid[0:shape[0], 0:shape[1]]
    px, py = xs + 0.5, ys + 0.5
    (ax, ay), (bx, by) = a, b
    t = np.clip(((px - ax) * (bx - ax) + (py - ay) * (by - ay)) / max(1e-9, (bx - ax) ** 2 + (by - ay) ** 2), 0, 1)
    return np.hypot(px - (ax + t * (bx - ax)), py - (ay + t * (by - ay)))


def _assert_mask_is(mask, segments, radius):
    """Exactly the union of round strokes (a dot is a segment from a point to itself),
    give or take the anti-aliased rim."""
    distance = np.min([_distance_to_segment(mask.shape, a, b) for a, b in segments], axis=0)
    assert mask[distance <= radius - 1.5].all(), "a painted pixel is missing"
    assert not mask[distance >= radius + 1.5].any(), "a pixel away from the strokes is set"


# ---------------------------------------------------------------- strokes land where the photo is


def test_strokes_land_on_the_photo_pixels_at_any_zoom_and_pan(page, live_server, alice):
    size = (640, 400)
    asset = services.asset_create(owner=alice, data=_photo(2, size), file_name="wide.png")
    _login(page, live_server, alice, "alice-pass-123")
    _open(page, live_server, asset)
    posted = PostedMasks(page)
    _set_brush(page, BRUSH)
    stage = page.locator("#stage").bounding_box()
    centre = (stage["x"] + stage["width"] * 0.55, stage["y"] + stage["height"] * 0.45)
    dots = []

    def dot_in_view(fx, fy):
        (x0, y0), (x1, y1) = _visible_photo_rect(page, size)
        point = (math.floor(x0 + (x1 - x0) * fx) + 0.5, math.floor(y0 + (y1 - y0) * fy) + 0.5)
        _dot(page, *point, size)
        dots.append(point)

    dot_in_view(0.1, 0.1)                                   # fitted
    fitted = page.inner_text("#zoom")
    page.mouse.move(*centre)
    for _ in range(3):
        page.mouse.wheel(0, -240)                           # zoom in around the pointer
    expect(page.locator("#zoom")).not_to_have_text(fitted)
    page.wait_for_timeout(100)  # the wheel events are dispatched without waiting for them
    dot_in_view(0.2, 0.3)
    page.mouse.move(*centre)
    page.keyboard.down("Space")                             # Space+drag pans
    page.mouse.down()
    page.mouse.move(centre[0] + 170, centre[1] + 60, steps=6)
    page.mouse.up()
    page.keyboard.up("Space")
    dot_in_view(0.7, 0.6)
    page.keyboard.press("1")                                # 100 %
    assert page.inner_text("#zoom") == "100%"
    dot_in_view(0.85, 0.2)
    page.mouse.move(*centre)                                # middle-drag pans
    page.mouse.down(button="middle")
    page.mouse.move(centre[0] - 120, centre[1] - 90, steps=5)
    page.mouse.up(button="middle")
    dot_in_view(0.3, 0.8)
    page.screenshot(path=str(ARTIFACTS / "editor-zoomed-dots.png"))
    page.keyboard.press("0")                                # fit again
    # A quick stroke (two pointer samples) still paints one continuous line.
    line = ((60.5, 330.5), (560.5, 360.5))
    _drag(page, line, size, steps=2)

    mask = posted.post()
    assert mask.shape == (400, 640)
    _assert_mask_is(mask, [(d, d) for d in dots] + [line], BRUSH / 2)


# ---------------------------------------------------------------- eraser, undo, redo, clear


def test_eraser_undo_redo_and_clear_change_the_mask(page, live_server, alice):
    size = (512, 512)
    asset = services.asset_create(owner=alice, data=_photo(0), file_name="shoe.png")
    _login(page, live_server, alice, "alice-pass-123")
    _open(page, live_server, asset)
    posted = PostedMasks(page)
    _set_brush(page, BRUSH)
    _drag(page, [(100, 200), (400, 200)], size)
    painted = posted.post()
    assert painted[200, 100:400].all() and painted.sum() > 5000

    page.keyboard.press("e")
    assert page.get_attribute("#tool-eraser", "aria-pressed") == "true"
    _set_brush(page, 40)
    _drag(page, [(250, 150), (250, 250)], size)             # the eraser
    page.keyboard.press("b")
    page.keyboard.down("Alt")                               # Alt while painting erases too
    _drag(page, [(350, 150), (350, 250)], size)
    page.keyboard.up("Alt")
    erased = posted.post()
    assert erased[200, 150] and not erased[200, 250] and not erased[200, 350] and erased[200, 300]

    page.keyboard.press("Control+z")                        # back: the Alt stroke
    assert posted.post()[200, 350]
    page.keyboard.press("Control+z")                        # back: the eraser stroke
    assert (posted.post() == painted).all()
    page.keyboard.press("Control+Shift+z")                  # forward again
    assert (posted.post() == erased.copy()).sum() > 0 and not posted.masks[-1][200, 250]
    page.get_by_role("button", name="Redo").click()
    assert (posted.post() == erased).all()

    page.get_by_role("button", name="Clear").click()
    assert page.inner_text("#mask-info") == "Mask empty"
    page.get_by_role("button", name="Remove").click()
    assert "the mask is empty" in page.inner_text("#form-message")
    page.get_by_role("button", name="Undo").click()
    assert (posted.post() == erased).all()


# ---------------------------------------------------------------- a 24 MP photo


def test_a_24_megapixel_photo_opens_and_its_mask_is_full_size(page, live_server, alice, tmp_path):
    size = (6000, 4000)
    path = tmp_path / "big.jpg"
    Image.open(io.BytesIO(photo_bytes(3))).convert("RGB").resize(size, Image.Resampling.BICUBIC).save(path, quality=90)
    page.set_default_timeout(60_000)
    _login(page, live_server, alice, "alice-pass-123")
    page.set_input_files("#photo-input", str(path))
    page.wait_for_url("**/assets/*/")
    _wait_ready(page)
    assert page.get_attribute("#editor", "data-photo-res") in ("display", "full")
    posted = PostedMasks(page)
    brush = 240
    _set_brush(page, brush)
    line = ((1500.5, 2000.5), (4500.5, 2500.5))
    _drag(page, line, size)
    page.wait_for_selector("#editor[data-photo-res='full']")
    mask = posted.post()
    assert mask.shape == (4000, 6000)
    # Checked around the stroke only: the distance map of 24 MP is slow in numpy.
    crop = mask[1700:2800, 1200:4800]
    distance = _distance_to_segment(crop.shape, (line[0][0] - 1200, line[0][1] - 1700), (line[1][0] - 1200, line[1][1] - 1700))
    assert crop[distance <= brush / 2 - 2].all() and not crop[distance >= brush / 2 + 2].any()
    assert mask.sum() == crop.sum()
    assert posted.sizes[-1] < 100_000, posted.sizes[-1]  # a 1-bit PNG, not a 96 MB canvas


# ---------------------------------------------------------------- an EXIF-rotated phone photo


def test_an_exif_rotated_photo_is_edited_and_repaired_upright(page, live_server, alice, run_worker, tmp_path):
    upright = Image.open(io.BytesIO(photo_bytes(4))).convert("RGB").resize((480, 640))
    ImageDraw.Draw(upright).rectangle((60, 80, 119, 139), fill=(230, 20, 20))  # a red sticker, upright
    stored = upright.transpose(Image.Transpose.ROTATE_90)  # how the phone wrote it: on its side
    exif = Image.Exif()
    exif[0x0112] = 6
    path = tmp_path / "phone.jpg"
    stored.save(path, quality=95, exif=exif.tobytes())
    assert imaging.decode_photo(path.read_bytes()).rgb.shape == (640, 480, 3)

    _login(page, live_server, alice, "alice-pass-123")
    page.set_input_files("#photo-input", str(path))
    page.wait_for_url("**/assets/*/")
    _wait_ready(page)
    box = page.locator("#photo").bounding_box()
    assert abs(box["width"] / box["height"] - 480 / 640) < 0.01   # shown upright
    size = (480, 640)
    _set_brush(page, 110)
    _dot(page, 90, 110, size)
    page.get_by_role("button", name="Remove").click()
    page.wait_for_selector("#job-status[data-status='queued']")
    assert run_worker() == 1
    page.wait_for_selector("#job-status[data-status='succeeded']")
    page.wait_for_selector("#result:not([hidden])")

    job = RepairJob.objects.get()
    with job.mask_file.open("rb") as fh:
        mask = imaging.decode_mask(fh.read(), size=size)
    assert mask[80:140, 60:120].all()                        # over the sticker, upright
    with job.result_version.file.open("rb") as fh:
        after = imaging.decode_photo(fh.read()).rgb
    sticker = after[80:140, 60:120].astype(int)
    assert ((sticker[..., 0] > 180) & (sticker[..., 1] < 60)).mean() < 0.05  # the red is gone
    page.screenshot(path=str(ARTIFACTS / "editor-exif-result.png"), full_page=True)


# ---------------------------------------------------------------- keyboard


def test_keyboard_shortcuts_do_what_the_help_says(page, live_server, alice, repaired):
    _login(page, live_server, alice, "alice-pass-123")
    _open(page, live_server, repaired.asset)
    page.mouse.move(10, 10)
    page.keyboard.press("?")
    help_dialog = page.get_by_role("dialog", name="Keyboard and mouse")
    help_dialog.wait_for(state="visible")
    for text in ("Eraser", "Undo", "Pan", "Fit the photo", "100 %", "original", "Invert"):
        assert text in help_dialog.inner_text()
    page.keyboard.press("Escape")
    help_dialog.wait_for(state="hidden")

    page.keyboard.press("e")
    assert page.get_attribute("#tool-eraser", "aria-pressed") == "true"
    page.keyboard.press("b")
    assert page.get_attribute("#tool-brush", "aria-pressed") == "true"
    start = int(page.input_value("#brush-size"))
    page.keyboard.press("]")
    bigger = int(page.input_value("#brush-size"))
    page.keyboard.press("[")
    page.keyboard.press("[")
    assert bigger > start > int(page.input_value("#brush-size"))
    stage = page.locator("#stage").bounding_box()
    page.mouse.move(stage["x"] + 300, stage["y"] + 200)
    before = int(page.input_value("#brush-size"))
    page.keyboard.down("Alt")
    page.mouse.wheel(0, -100)
    page.keyboard.up("Alt")
    assert int(page.input_value("#brush-size")) > before

    fitted = page.inner_text("#zoom")
    page.keyboard.press("1")
    assert page.inner_text("#zoom") == "100%"
    page.keyboard.press("+")
    assert page.inner_text("#zoom") == "125%"
    page.keyboard.press("0")
    assert page.inner_text("#zoom") == fitted
    page.mouse.wheel(0, -200)
    assert page.inner_text("#zoom") != fitted
    page.mouse.dblclick(stage["x"] + 300, stage["y"] + 200)   # double-click fits, and paints nothing
    assert page.inner_text("#zoom") == fitted and page.get_attribute("#editor", "data-mask-pixels") == "0"

    page.keyboard.down("Tab")                                  # hold Tab: the original
    page.wait_for_selector("#compare-photo:not([hidden])")
    assert "/versions/%d/display" % repaired.parent_id in page.get_attribute("#compare-photo", "src")
    assert page.is_visible("#compare-tag")
    page.keyboard.up("Tab")
    page.wait_for_selector("#compare-photo", state="hidden")

    page.keyboard.press("i")
    assert page.get_attribute("#editor", "data-mask-pixels") == str(512 * 512)
    page.keyboard.press("Control+z")
    assert page.get_attribute("#editor", "data-mask-pixels") == "0"
    page.keyboard.press("Control+y")
    assert page.get_attribute("#editor", "data-mask-pixels") == str(512 * 512)


# ---------------------------------------------------------------- reuse: saved, previous, found


def test_a_saved_mask_lands_at_its_corner_on_a_photo_of_another_size(page, live_server, alice):
    first = services.asset_create(owner=alice, data=_photo(0), file_name="a.png")
    other = services.asset_create(owner=alice, data=_photo(1, (800, 600)), file_name="b.png")
    _login(page, live_server, alice, "alice-pass-123")
    _open(page, live_server, first)
    _set_brush(page, BRUSH)
    _dot(page, 480.5, 40.5, (512, 512))                          # the watermark, top right
    page.get_by_label("Save this mask as").fill("Supplier X")
    page.get_by_label("Anchored").select_option("top-right")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#tools-message")).to_contain_text("Saved")

    _open(page, live_server, other)
    posted = PostedMasks(page)
    page.wait_for_selector("#saved-select option:not([value=''])", state="attached")
    page.get_by_label("Saved masks").select_option(label="Supplier X · top right · 512×512")
    page.get_by_role("button", name="Apply saved mask").click()
    expect(page.locator("#tools-message")).to_contain_text("Applied")
    mask = posted.post()
    assert mask.shape == (600, 800)
    x = 800 - 512 + 480.5
    _assert_mask_is(mask, [((x, 40.5), (x, 40.5))], BRUSH / 2)


def test_previous_mask_brings_back_the_last_jobs_mask(page, live_server, alice, run_worker):
    asset = services.asset_create(owner=alice, data=_photo(0), file_name="a.png")
    _login(page, live_server, alice, "alice-pass-123")
    _open(page, live_server, asset)
    assert page.is_disabled("#previous-mask")
    _set_brush(page, BRUSH)
    _drag(page, [(100, 300), (300, 320)], (512, 512))
    page.get_by_role("button", name="Remove").click()
    page.wait_for_selector("#job-status[data-status='queued']")
    assert run_worker() == 1
    page.wait_for_selector("#job-status[data-status='succeeded']")
    page.screenshot(path=str(ARTIFACTS / "editor-result-view.png"), full_page=True)
    job = RepairJob.objects.get()
    with job.mask_file.open("rb") as fh:
        first_mask = imaging.decode_mask(fh.read(), size=(512, 512)) > 0

    page.reload()
    _wait_ready(page)
    posted = PostedMasks(page)
    page.get_by_role("button", name="Previous mask").click()
    expect(page.locator("#tools-message")).to_contain_text("previous")
    assert (posted.post() == first_mask).all()


def test_find_text_proposes_a_mask_over_text_and_nothing_elsewhere(page, live_server, alice):
    stamped = services.asset_create(owner=alice, data=_photo(0, text=True), file_name="stamp.png")
    plain = services.asset_create(owner=alice, data=_photo(0), file_name="plain.png")
    _login(page, live_server, alice, "alice-pass-123")

    _open(page, live_server, stamped)
    posted = PostedMasks(page)
    page.get_by_role("button", name="Find text").click()
    # The first Find text in a process loads the text model (~2 s, more on a busy machine).
    expect(page.locator("#tools-message")).to_contain_text("Added", timeout=60_000)
    page.screenshot(path=str(ARTIFACTS / "editor-find-text.png"))
    mask = posted.post()
    ys, xs = np.nonzero(mask)
    assert mask.sum() > 500 and ys.min() >= 430 and xs.max() < 300

    _open(page, live_server, plain)
    page.get_by_role("button", name="Find text").click()
    expect(page.locator("#tools-message")).to_contain_text("No text found", timeout=60_000)
    assert page.get_attribute("#editor", "data-mask-pixels") == "0"


def _milk_with_caption(alice):
    """A perspective label (scene text, kept) and a flat caption (an overlay, proposed):
    (asset, label pixels, caption coverage 0..1)."""
    from tests.engines.test_textdetect import overlay, with_label
    from tests.photos import scene_rgb

    img, on_label = with_label(scene_rgb(1), "FRESH MILK", (60, 60))
    img, coverage = overlay(img, "2019/08/14 17:32", (60, 440), (255, 255, 255))
    return services.asset_create(owner=alice, data=encode(Image.fromarray(img)), file_name="milk.png"), on_label, coverage



def _find_text_on_milk(page, live_server, alice):
    """alice's milk photo open in the editor, Find text done: (label pixels, caption coverage)."""
    asset, on_label, coverage = _milk_with_caption(alice)
    _login(page, live_server, alice, "alice-pass-123")
    _open(page, live_server, asset)
    page.get_by_role("button", name="Find text").click()
    expect(page.locator("#tools-message")).to_contain_text("scene line", timeout=60_000)
    return on_label, coverage


def test_find_text_lists_the_lines_and_a_toggle_changes_the_mask(page, live_server, alice):
    on_label, coverage = _find_text_on_milk(page, live_server, alice)
    posted = PostedMasks(page)
    rows = page.locator("#text-lines-list li")
    overlay_row = rows.filter(has_text="2019")
    scene_row = rows.filter(has_text="MILK")
    expect(overlay_row).to_have_count(1)
    expect(scene_row).to_have_count(1)
    expect(overlay_row.locator("input")).to_be_checked()
    expect(overlay_row).to_contain_text("overlay:")
    expect(scene_row.locator("input")).not_to_be_checked()
    expect(scene_row).to_contain_text("scene text: kept")
    page.screenshot(path=str(ARTIFACTS / "editor-find-text-lines.png"))
    page.locator("#text-lines").screenshot(path=str(ARTIFACTS / "editor-find-text-list.png"))

    proposed = posted.post()
    assert not proposed[on_label].any() and proposed[coverage >= 0.5].mean() > 0.8
    assert [w.replace(" ", "") for w in posted.found_text[-1]] == ["2019/08/1417:32"]

    # One click includes the kept label; another excludes the caption.
    scene_row.locator("input").check()
    expect(page.locator("#text-lines-summary")).to_contain_text("2 in the mask")
    both = posted.post()
    assert both[on_label].sum() > 200 and (both | proposed == both).all()
    assert len(posted.found_text[-1]) == 2 and any("MILK" in w for w in posted.found_text[-1])
    overlay_row.locator("input").uncheck()
    label_only = posted.post()
    assert not label_only[coverage >= 0.5].any() and label_only[on_label].sum() > 200
    assert all("MILK" in w for w in posted.found_text[-1])


def test_undo_and_redo_of_a_find_text_toggle_move_the_toggle_with_the_mask(page, live_server, alice):
    on_label, coverage = _find_text_on_milk(page, live_server, alice)
    caption = coverage >= 0.5
    posted = PostedMasks(page)
    rows = page.locator("#text-lines-list li")
    caption_box, label_box = rows.filter(has_text="2019").locator("input"), rows.filter(has_text="MILK").locator("input")
    summary = page.locator("#text-lines-summary")

    label_box.check()
    expect(summary).to_contain_text("2 in the mask")
    mask = posted.post()
    assert mask[on_label].sum() > 200 and mask[caption].mean() > 0.8

    page.get_by_role("button", name="Undo").click()          # takes the label's pixels off again
    expect(label_box).not_to_be_checked()
    expect(caption_box).to_be_checked()
    expect(summary).to_contain_text("1 in the mask")
    mask = posted.post()
    assert not mask[on_label].any() and mask[caption].mean() > 0.8
    assert [w.replace(" ", "") for w in posted.found_text[-1]] == ["2019/08/1417:32"]

    page.get_by_role("button", name="Redo").click()
    expect(label_box).to_be_checked()
    mask = posted.post()
    assert mask[on_label].sum() > 200 and len(posted.found_text[-1]) == 2

    page.keyboard.press("Control+z")
    page.keyboard.press("Control+z")                          # and Find text's own addition of the caption
    expect(caption_box).not_to_be_checked()
    expect(label_box).not_to_be_checked()
    expect(summary).to_contain_text("0 in the mask")
    assert page.get_attribute("#editor", "data-mask-pixels") == "0"

    # A stroke over part of the caption: its toggle says "partly", and its words go with the repair.
    size = (512, 512)
    _set_brush(page, BRUSH)
    _dot(page, 75, 432, size)
    expect(page.locator("#text-lines-list li[data-in-mask='partly']")).to_have_count(1)
    expect(summary).to_contain_text("1 partly")
    assert caption_box.evaluate("box => box.indeterminate") is True
    page.locator("#text-lines").screenshot(path=str(ARTIFACTS / "editor-find-text-partly.png"))
    mask = posted.post()
    assert 0 < mask[caption].mean() < 0.5 and [w.replace(" ", "") for w in posted.found_text[-1]] == ["2019/08/1417:32"]


def test_find_text_says_so_while_the_text_model_is_loading(page, live_server, alice):
    from repairapp import textdetect

    asset, _, _ = _milk_with_caption(alice)
    _login(page, live_server, alice, "alice-pass-123")
    _open(page, live_server, asset)
    textdetect.load.cache_clear()  # the live server's process, as a web process that has just started
    page.get_by_role("button", name="Find text").click()
    message = page.locator("#tools-message")
    expect(message).to_contain_text("Loading the text model")
    expect(page.locator("#find-text")).to_have_text("Loading model…")
    expect(page.locator("#find-text")).to_be_disabled()
    page.locator("#mask-tools").screenshot(path=str(ARTIFACTS / "editor-find-text-loading.png"))
    expect(message).to_contain_text("Added", timeout=120_000)
    expect(page.locator("#find-text")).to_have_text("Find text")
    expect(page.locator("#text-lines-list li")).to_have_count(2)


def test_a_find_text_that_fails_says_why_and_gives_the_button_back(page, live_server, alice):
    asset, _, _ = _milk_with_caption(alice)
    _login(page, live_server, alice, "alice-pass-123")
    _open(page, live_server, asset)
    page.route("**/find-text*", lambda route: route.fulfill(status=502, content_type="text/html", body="<h1>Bad gateway</h1>"))
    page.get_by_role("button", name="Find text").click()
    expect(page.locator("#tools-message.is-error")).to_have_text("The server answered 502.")
    expect(page.locator("#find-text")).to_have_text("Find text")
    expect(page.locator("#find-text")).to_be_enabled()
    page.locator("#mask-tools").screenshot(path=str(ARTIFACTS / "editor-find-text-error.png"))
    assert page.get_attribute("#editor", "data-mask-pixels") == "0"


def test_a_repair_that_leaves_text_shows_its_flags_on_the_result(page, live_server, alice, run_worker):
    _find_text_on_milk(page, live_server, alice)
    page.locator("#text-lines-list li", has_text="2019").locator("input").uncheck()
    _set_brush(page, BRUSH)
    _dot(page, 75, 432, (512, 512))                           # only the caption's first figure
    page.get_by_role("button", name="Remove").click()
    page.wait_for_selector("#job-status[data-status='queued']")
    assert run_worker() == 1
    page.wait_for_selector("#job-status[data-status='succeeded']")
    version = RepairJob.objects.get().result_version
    text_flag = next(f for f in version.fill_flags if f["code"] == "text")
    assert any("17" in w for w in text_flag["words"])

    flags = page.locator("#result-flags")
    expect(flags).to_be_visible()
    expect(flags.locator("li[data-flag='text']")).to_have_text(text_flag["reason"])
    expect(flags.locator("li")).to_have_count(len(version.fill_flags))
    expect(page.locator("#job-text")).to_contain_text("flagged it")
    expect(page.locator(f".version[data-version-id='{version.pk}'] .version-flagged")).to_have_text("Flagged")
    page.locator("#result").screenshot(path=str(ARTIFACTS / "editor-result-flags.png"))

    # After a reload the list's own data says the same (no job to poll any more).
    page.reload()
    _wait_ready(page)
    expect(page.locator("#result")).to_be_hidden()
    page.locator(f".version[data-version-id='{version.pk}'] .compare-btn").click()
    expect(flags.locator("li[data-flag='text']")).to_have_text(text_flag["reason"])
    page.locator(f".version[data-version-id='{version.pk}'] .compare-btn").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "editor-versions-flagged.png"), full_page=True)
