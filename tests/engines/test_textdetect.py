"""Find text with the trained detector (issue 15): lines found, read, judged overlay or
scene; the "text remains" guard; the upload screen; the classical fallback.

Every picture is made here (tests/photos.py scenes and cv2.putText): nothing outside the
repository. The figures on real photos are bench/text/find_read_check.py's.
"""

import json
import socket

import cv2
import numpy as np
import pytest

from repairapp import textdetect, textfind
from repairapp.engines import pipeline
from tests.photos import _octave_noise, flowerbed, scene_rgb

FONT = cv2.FONT_HERSHEY_SIMPLEX


@pytest.fixture(autouse=True)
def fresh_model():
    """Each test loads the model as a new process would, and leaves it loaded normally."""
    textdetect.load.cache_clear()
    yield
    textdetect.load.cache_clear()


def overlay(img, text, origin, colour, *, scale=0.9, thickness=2, outline=None, opacity=1.0):
    """`img` with `text` drawn on it; returns (image, coverage (H, W) 0..1 of every layer)."""
    out, coverage = img.astype(np.float32), np.zeros(img.shape[:2], np.float32)
    layers = ([(thickness + 2, outline)] if outline is not None else []) + [(thickness, colour)]
    for width, col in layers:
        layer = np.zeros(img.shape[:2], np.uint8)
        cv2.putText(layer, text, origin, FONT, scale, 255, width, cv2.LINE_AA)
        alpha = layer.astype(np.float32)[:, :, None] / 255 * opacity
        out = out * (1 - alpha) + np.array(col, np.float32) * alpha
        coverage = np.maximum(coverage, layer.astype(np.float32) / 255)
    return np.clip(np.rint(out), 0, 255).astype(np.uint8), coverage


def line_over(found, coverage):
    """The lines whose box holds most of the overlay."""
    text = coverage > 0
    return [line for line in found.lines
            if text[line.box[1]:line.box[3], line.box[0]:line.box[2]].sum() >= 0.8 * text.sum()]


def the_overlay(found, coverage):
    """The one line found over the overlay, after checking that it is called an overlay
    and that the mask covers at least 80 % of the overlay's pixels."""
    (line,) = line_over(found, coverage)
    assert line.kind == textfind.OVERLAY
    text = coverage >= 0.5
    assert ((found.mask > 0) & text).sum() >= 0.8 * text.sum()
    return line


def dark_scene():
    img = scene_rgb(2).astype(np.float32) * 0.25   # a night shot: everything below ~60
    return np.clip(img, 0, 255).astype(np.uint8)


CASES = {
    "white": dict(colour=(255, 255, 255)),
    "black": dict(colour=(0, 0, 0)),
    "coloured": dict(colour=(255, 170, 0)),
    "outlined": dict(colour=(255, 255, 255), outline=(0, 0, 0)),
    "semi-transparent": dict(colour=(255, 255, 255), opacity=0.6),
    "1-px caption": dict(colour=(255, 255, 255), scale=0.45, thickness=1),
}


@pytest.mark.parametrize("kind", list(CASES))
def test_each_kind_of_overlay_is_found_read_and_proposed(kind):
    img, coverage = overlay(scene_rgb(0), "2019/08/14 17:32", (60, 420), **CASES[kind])
    found = textfind.find_lines(img)
    assert found.model
    lines = line_over(found, coverage)
    assert len(lines) == 1, [line.to_dict() for line in found.lines]
    line = lines[0]
    assert line.kind == textfind.OVERLAY and line.reason.startswith("overlay:")
    assert line.words.replace(" ", "") == "2019/08/1417:32"
    text = coverage >= 0.5
    assert ((found.mask > 0) & text).sum() >= 0.85 * text.sum()
    # Nothing proposed away from the caption's box.
    x0, y0, x1, y1 = line.box
    outside = found.mask.copy()
    outside[y0:y1, x0:x1] = 0
    assert not outside.any()


def test_a_black_timestamp_on_a_dark_photo_is_found():
    # The classical finder missed it (issue 15): ~40 levels between text and photo.
    img, coverage = overlay(dark_scene(), "2021-03-05 22:10", (200, 470), (0, 0, 0), scale=0.7, thickness=2)
    assert not (textfind.classical_find_text(img) > 0)[coverage >= 0.5].any()
    the_overlay(textfind.find_lines(img), coverage)


@pytest.mark.parametrize("index", [0, 1, 3, 5])
def test_nothing_is_proposed_on_a_photo_without_text(index):
    found = textfind.find_lines(scene_rgb(index))
    assert not found.mask.any()
    assert not textfind.find_text(scene_rgb(index)).any()


def label(text):
    """A printed label as a camera sees it: shaded card, ink that is not flat, soft
    focus, photographed at an angle (a perspective warp)."""
    card = np.zeros((90, 330, 3), np.float32)
    xx = np.linspace(0, 1, 330)[None, :, None]
    card[:] = 235 - 90 * xx                                   # light falls off across it
    ink = np.zeros((90, 330), np.uint8)
    cv2.putText(ink, text, (12, 60), FONT, 1.3, 255, 3, cv2.LINE_AA)
    alpha = (ink.astype(np.float32) / 255)[:, :, None]
    shade = np.array([150, 30, 30], np.float32) * (0.6 + 0.6 * xx)  # the ink shades with the card
    card = card * (1 - alpha) + shade * alpha
    card = cv2.GaussianBlur(card, (0, 0), 1.2)
    src = np.float32([[0, 0], [330, 0], [330, 90], [0, 90]])
    dst = np.float32([[20, 40], [330, 0], [340, 110], [30, 150]])
    return card, src, dst


def with_label(img, text, at):
    card, src, dst = label(text)
    x, y = at
    matrix = cv2.getPerspectiveTransform(src, dst + np.float32([x, y]))
    h, w = img.shape[:2]
    warped = cv2.warpPerspective(card, matrix, (w, h))
    inside = cv2.warpPerspective(np.ones(card.shape[:2], np.float32), matrix, (w, h))[:, :, None]
    out = img.astype(np.float32) * (1 - inside) + warped * inside
    return np.clip(np.rint(out), 0, 255).astype(np.uint8), inside[:, :, 0] > 0.5


def test_scene_text_is_kept_and_listed_while_the_overlay_is_proposed():
    # What this proves: a label in perspective (tilted, shaded, soft) is kept, a level flat
    # caption beside it is proposed. What it cannot: a flat label shot square-on looks
    # like an overlay; the operator then leaves it out of the list.
    img, on_label = with_label(scene_rgb(1), "FRESH MILK", (60, 60))
    img, coverage = overlay(img, "2019/08/14 17:32", (60, 440), (255, 255, 255))
    found = textfind.find_lines(img)
    scene = [line for line in found.lines if line.kind == textfind.SCENE]
    assert any("MILK" in line.words for line in scene), [line.to_dict() for line in found.lines]
    assert all(line.reason.startswith("scene text: kept") for line in scene)
    assert not (found.mask > 0)[on_label].any()
    (caption,) = line_over(found, coverage)
    assert caption.kind == textfind.OVERLAY
    # One click includes a kept line: the mask with it covers the label's letters too.
    index = next(i for i, line in enumerate(found.lines) if "MILK" in line.words)
    assert (found.mask_with({index}) > 0)[on_label].sum() > 200
    assert (found.mask_with() == found.mask).all()
    json.dumps([line.to_dict() for line in found.lines])


def test_the_guard_flags_a_repair_that_left_text():
    img, coverage = overlay(scene_rgb(3), "SALE 49.99 TODAY", (60, 300), (255, 255, 255), scale=1.0)
    whole = np.where(coverage > 0, 255, 0).astype(np.uint8)
    half = whole.copy()
    half[:, 190:] = 0                                          # the mask missed "TODAY" and more
    left = pipeline.repair(img, half, engine="auto").rgb
    words = textfind.text_remains(img, left, half)
    assert words and any("TODAY" in w for w in words), words
    clean = pipeline.repair(img, whole, engine="auto").rgb
    assert textfind.text_remains(img, clean, whole) == []


def test_the_guard_ignores_text_away_from_the_repair():
    img, _ = overlay(scene_rgb(3), "SALE 49.99 TODAY", (60, 300), (255, 255, 255), scale=1.0)
    mask = np.zeros(img.shape[:2], np.uint8)
    mask[60:120, 300:380] = 255                                # a blemish far from the caption
    after = pipeline.repair(img, mask, engine="auto").rgb
    assert textfind.text_remains(img, after, mask) == []


def test_the_guard_rejects_mismatched_shapes():
    img = scene_rgb(0)
    with pytest.raises(ValueError):
        textfind.text_remains(img, img[:100], np.zeros(img.shape[:2], np.uint8))


def test_screening_reports_overlays_with_their_words():
    img, _ = overlay(scene_rgb(5), "www.shop24.com", (40, 480), (255, 255, 255), outline=(0, 0, 0), scale=0.8)
    lines = textfind.screen(img)
    assert [line.words for line in lines] == ["www.shop24.com"]
    assert textfind.screen(scene_rgb(5)) == []


def test_without_the_model_the_classical_finder_runs(tmp_path, monkeypatch):
    # An install without the model files (or without rapidocr): Find text keeps working.
    monkeypatch.setattr(textdetect, "model_dir", lambda: tmp_path)
    img, coverage = overlay(scene_rgb(0), "2019/08/14 17:32", (60, 420), (255, 170, 0))
    assert textdetect.load() is None
    found = textfind.find_lines(img)
    assert not found.model
    assert (found.mask == textfind.classical_find_text(img)).all()
    assert found.lines and all(line.source == "classical" and line.kind == textfind.OVERLAY for line in found.lines)
    assert (textfind.find_text(img) == found.mask).all()
    text = coverage >= 0.5
    assert ((found.mask > 0) & text).sum() >= 0.8 * text.sum()


def test_the_model_loads_and_reads_with_the_network_cut(monkeypatch):
    # RapidOCR downloads a model it is not given a path to; every path is given.
    def refuse(*args, **kwargs):
        raise OSError("network is off in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    assert textdetect.load() is not None
    img, _ = overlay(scene_rgb(0), "IMG 4471", (60, 420), (255, 255, 255))
    assert [line.words for line in textfind.screen(img)] == ["IMG 4471"]


@pytest.mark.parametrize("bad", [np.zeros((8, 8), np.uint8), np.zeros((8, 8, 4), np.uint8), np.zeros((8, 8, 3), np.float32)])
def test_bad_shapes_raise_value_error(bad):
    for fn in (textfind.find_lines, textfind.screen):
        with pytest.raises(ValueError):
            fn(bad)


def test_a_white_jpeg_caption_is_removed_without_a_trace():
    # Found by trying it through the API: the detector's glyph pick alone missed the
    # letters' rims on a q90 JPEG, and the fill copied them back as white smudges (the
    # 99th percentile of the error in the caption's box was 95 grey levels).
    # The classical finder's pixels were then taken too; now the glyphs are picked by the
    # text's colour with their anti-aliased rim, which removes it as cleanly.
    rng = np.random.default_rng(1)
    yy, xx = np.mgrid[0:300, 0:500]
    clean = np.dstack([120 + 80 * yy / 300, 150 + 60 * xx / 500, 220 - 50 * yy / 300]) + rng.normal(0, 4, (300, 500, 3))
    clean = clean.clip(0, 255).astype(np.uint8)
    img = clean.copy()
    cv2.putText(img, "SALE 49.99 TODAY", (40, 240), cv2.FONT_HERSHEY_DUPLEX, 1.2, (255, 255, 255), 2, cv2.LINE_AA)
    ok, data = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 90])
    photo = cv2.imdecode(data, cv2.IMREAD_COLOR)
    mask = textfind.find_text(photo)
    out = pipeline.repair(photo, mask, engine="auto", seed=0).rgb
    box = np.s_[205:255, 30:470]
    error = np.abs(out[box].astype(int) - clean[box].astype(int)).max(axis=2)
    assert np.percentile(error, 99) < 40


def test_over_busy_scenery_the_mask_takes_the_letters_not_the_flowers():
    # Inside the detector's box the contrast pick also took blossoms as bright as the
    # letters (bench: extra area 58 % of the text's); the glyphs are picked by the text's
    # colour, so a yellow caption over pink and white flowers leaves the flowers alone.
    img, coverage = overlay(flowerbed(), "Camera 2 Front Door", (30, 160), (255, 220, 0), scale=1.2, thickness=3)
    found = textfind.find_lines(img)
    (line,) = line_over(found, coverage)
    assert line.kind == textfind.OVERLAY
    proposed, text = found.mask > 0, coverage >= 0.25
    assert (proposed & text).sum() >= 0.95 * text.sum()
    assert (proposed & (coverage == 0)).sum() <= 0.3 * text.sum()


def test_thick_letters_are_taken_whole():
    # Strokes wider than half the window: the median there is the text's own colour, so
    # the core is followed through the text's colour into them (no holes in the fill).
    img, coverage = overlay(scene_rgb(3), "SALE 49", (40, 300), (40, 90, 255), scale=3.0, thickness=14)
    found = textfind.find_lines(img)
    (line,) = line_over(found, coverage)
    text = coverage >= 0.25
    assert ((found.mask > 0) & text).sum() >= 0.97 * text.sum()
    assert ((found.mask > 0) & (coverage == 0)).sum() <= 0.2 * text.sum()


def jpeg(rgb, quality=75):
    ok, data = cv2.imencode(".jpg", rgb[:, :, ::-1], [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return np.ascontiguousarray(cv2.imdecode(data, cv2.IMREAD_COLOR)[:, :, ::-1])


def test_a_small_caption_the_whole_look_misses_is_found_in_a_tile():
    # A 9 px yellow caption with 1 px strokes on a bright JPEG sky: the detector sees
    # nothing there in the whole picture, and finds and reads it in a quarter of it.
    img, coverage = overlay(scene_rgb(0), "Summer 2021", (40, 60), (255, 220, 0), scale=0.4, thickness=1)
    img = jpeg(img)
    assert not line_over(textfind.find_lines(img, tiles=False, colour=False), coverage)  # one look, as the upload screen
    found = textfind.find_lines(img)
    assert the_overlay(found, coverage).words.replace(" ", "") == "Summer2021"


def test_a_line_seen_whole_and_in_a_tile_is_listed_once():
    img, coverage = overlay(scene_rgb(1), "2019/08/14 17:32", (60, 420), (255, 255, 255))
    quads, scores = textdetect.detect(textdetect.load(), img, tiles=True)
    assert len(quads) == len(scores)
    over = [q for q in quads if coverage[int(q[:, 1].min()):int(q[:, 1].max()) + 1, int(q[:, 0].min()):int(q[:, 0].max()) + 1].any()]
    assert len(over) == 1
    assert len(line_over(textfind.find_lines(img), coverage)) == 1


def test_a_small_line_is_read_enlarged():
    # A 9 px black caption outlined in white on a dark JPEG: read from its box at its own
    # size the recogniser is not sure of it (below MIN_READ, so it was not proposed);
    # enlarged READ_ENLARGE times first, it reads right.
    img, coverage = overlay(dark_scene(), "DO NOT COPY", (60, 300), (0, 0, 0), scale=0.4, thickness=1,
                            outline=(255, 255, 255))
    img = jpeg(img)
    found = textfind.find_lines(img)
    (line,) = line_over(found, coverage)
    assert line.words.replace(" ", "") == "DONOTCOPY"
    assert line.kind == textfind.OVERLAY
    quad = np.array(line.quad, np.float32)
    height = np.ptp(quad[:, 1])
    assert height < textdetect.READ_SMALL
    assert textdetect.crop_line(img, quad).shape[0] == pytest.approx(textdetect.READ_ENLARGE * height, abs=1)


def light_stone():
    """A light grey, colourless ground: stone or a cloudy sky, about 190 +- 25."""
    rng = np.random.default_rng(5)
    shade = _octave_noise(rng, 512, 512, (8, 32, 128), (0.4, 0.3, 0.3))
    grey = 190 + 25 * shade + rng.normal(0, 3, shade.shape)
    return np.clip(np.rint(grey), 0, 255).astype(np.uint8)[:, :, None].repeat(3, axis=2)


def test_a_small_pale_yellow_caption_on_a_light_photo_is_boxed_by_the_colour_look():
    # As light as the ground around it (grey 193 on 190), 1 px strokes, JPEG q85: the grey
    # looks (whole and tiles) box nothing there; in the colourfulness it is bright on black.
    img, coverage = overlay(light_stone(), "Sample 2021", (100, 200), (215, 195, 120), scale=0.5, thickness=1)
    img = jpeg(img, 85)
    engine = textdetect.load()

    def over(quads):
        text = coverage > 0
        return [q for q in quads if text[int(q[:, 1].min()):int(q[:, 1].max()) + 1,
                                         int(q[:, 0].min()):int(q[:, 0].max()) + 1].sum() >= 0.8 * text.sum()]

    assert not over(textdetect.detect(engine, img, tiles=True)[0])
    assert len(over(textdetect.detect(engine, img, tiles=True, colour=True)[0])) == 1


def sky_over_trees():
    """A pale blue sky with small bright clouds over a line of dark trees (a landscape)."""
    rng = np.random.default_rng(11)
    h = w = 512
    y = np.linspace(0, 1, h)[:, None, None]
    sky = np.array([190, 218, 245], np.float32) * (1 - y) + np.array([222, 242, 252], np.float32) * y
    sky = np.broadcast_to(sky, (h, w, 3)).copy()
    cloud = np.clip(_octave_noise(rng, h, w, (32, 96), (0.5, 0.5)) * 2 - 0.3, 0, 1)[:, :, None]
    sky = sky * (1 - cloud) + 250 * cloud
    leaves = 60 + 40 * _octave_noise(rng, h, w, (2, 6, 24), (0.4, 0.3, 0.3))
    trees = np.stack([leaves * 0.55, leaves, leaves * 0.45], axis=2)
    edge = (300 + 30 * _octave_noise(rng, 1, w, (64,), (1.0,)))[0]
    below = (np.arange(h)[:, None] >= edge[None, :])[:, :, None]
    img = np.where(below, trees, sky) + rng.normal(0, 1.5, (h, w, 1))
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def test_a_small_white_caption_on_a_pale_sky_is_boxed_by_the_contrast_look():
    # A 9 px white caption on a pale sky (about 20 grey levels below it), JPEG q75: the
    # grey looks and the colour look box nothing there; in the local contrast
    # (`_local_contrast`: each channel's detail, 4x) it stands out and is read.
    img, coverage = overlay(sky_over_trees(), "IMG 4471", (60, 250), (255, 255, 255), scale=0.35, thickness=2)
    img = jpeg(img)
    found = textfind.find_lines(img)
    assert the_overlay(found, coverage).words.replace(" ", "") == "IMG4471"


def test_the_contrast_look_proposes_nothing_on_the_sky_without_text():
    # The clouds' small bright blobs stand out in the local contrast too; nothing reads there.
    for picture in (sky_over_trees(), jpeg(sky_over_trees())):
        assert not textfind.find_lines(picture).mask.any()


def test_a_weakly_read_flat_caption_is_proposed():
    # A 9 px yellow caption with 1 px strokes on light stone, JPEG q75: boxed, but read
    # below MIN_READ ("SALL40" ~0.6), so it was dropped; a flat-coloured overlay counts
    # from WEAK_READ.
    img, coverage = overlay(light_stone(), "SALE 49.99", (200, 200), (255, 220, 0), scale=0.35, thickness=1)
    img = jpeg(img)
    found = textfind.find_lines(img)
    (line,) = line_over(found, coverage)
    assert textfind.WEAK_READ <= line.confidence < textfind.MIN_READ
    assert line.kind == textfind.OVERLAY and line.reason.startswith(textfind.FLAT_OVERLAY)
    text = coverage >= 0.5
    assert ((found.mask > 0) & text).sum() >= 0.5 * text.sum()


def test_weak_reads_propose_nothing_on_photos_without_text():
    for picture in (light_stone(), jpeg(light_stone()), scene_rgb(2), jpeg(scene_rgb(2))):
        assert not textfind.find_lines(picture).mask.any()
