"""The classical Find text finder (textfind.classical_find_text) on synthetic images: it
marks rendered text and nothing on a text-free picture. It runs alone when the trained
detector cannot load; these tests pin its filters (the model's path: test_textdetect.py).

The same checks on the real reference photos are bench/engines_textfind.py's."""

import cv2
import numpy as np
import pytest

from repairapp.textfind import classical_find_text as find_text
from tests.photos import scene_rgb


def background(h=240, w=320, seed=0):
    """Smooth colour gradients, soft noise and a few hard-edged shapes, like a product shot."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w]
    img = np.dstack([60 + xx * 0.4, 90 + yy * 0.3, 140 - xx * 0.2]) + rng.normal(0, 6, (h, w, 3))
    img = np.clip(img, 0, 255).astype(np.uint8)
    cv2.rectangle(img, (30, 150), (120, 220), (200, 180, 40), -1)   # a box with sharp edges
    cv2.circle(img, (250, 170), 40, (30, 30, 30), -1)
    cv2.line(img, (0, 120), (320, 135), (230, 230, 230), 3)          # a thin bright edge
    return img


def with_text(img, text, origin, colour, *, outline=None, scale=0.9, thickness=2):
    out = img.copy()
    if outline is not None:
        cv2.putText(out, text, origin, cv2.FONT_HERSHEY_SIMPLEX, scale, outline, thickness + 2, cv2.LINE_AA)
    cv2.putText(out, text, origin, cv2.FONT_HERSHEY_SIMPLEX, scale, colour, thickness, cv2.LINE_AA)
    layer = np.zeros(img.shape[:2], np.uint8)
    cv2.putText(layer, text, origin, cv2.FONT_HERSHEY_SIMPLEX, scale, 255, thickness + (2 if outline else 0), cv2.LINE_AA)
    return out, layer


@pytest.mark.parametrize(
    "colour, outline",
    [((255, 255, 255), None), ((0, 0, 0), None), ((255, 170, 0), None), ((255, 255, 255), (0, 0, 0))],
)
def test_it_marks_overlaid_text(colour, outline):
    img, layer = with_text(background(), "2019/08/14 17:32", (20, 60), colour, outline=outline)
    mask = find_text(img)
    assert mask.shape == img.shape[:2] and mask.dtype == np.uint8
    assert set(np.unique(mask)) <= {0, 255}
    text = layer >= 128
    found = (mask > 0) & text
    assert found.sum() >= 0.85 * text.sum()
    assert ((mask > 0) & (layer == 0)).sum() <= 0.5 * text.sum()


def test_it_marks_nothing_on_a_picture_without_text():
    assert not find_text(background()).any()


def test_it_marks_nothing_on_noise_and_stripes():
    rng = np.random.default_rng(1)
    noise = rng.integers(0, 256, (200, 200, 3), dtype=np.uint8)
    stripes = np.zeros((200, 200, 3), np.uint8)
    stripes[:, ::8] = 255
    assert (find_text(noise) > 0).mean() < 0.01
    assert not find_text(stripes).any()


def test_large_photos_are_searched_at_a_bounded_size():
    img, layer = with_text(background(), "SAMPLE", (100, 60), (255, 255, 255), scale=1.2, thickness=3)
    big = cv2.resize(img, (1920, 1440), interpolation=cv2.INTER_LINEAR)
    big_layer = cv2.resize(layer, (1920, 1440), interpolation=cv2.INTER_LINEAR)
    mask = find_text(big)
    assert mask.shape == big.shape[:2]
    text = big_layer >= 128
    assert ((mask > 0) & text).sum() >= 0.8 * text.sum()


@pytest.mark.parametrize("bad", [np.zeros((8, 8), np.uint8), np.zeros((8, 8, 4), np.uint8), np.zeros((8, 8, 3), np.float32)])
def test_bad_shapes_raise_value_error(bad):
    with pytest.raises(ValueError):
        find_text(bad)


def test_orange_caption_over_red_blobs_is_found():
    # Red-orange blobs the size of the letters under the caption: the coarse colour range
    # joins them to the glyphs, the exact colour keeps the glyphs apart.
    rng = np.random.default_rng(3)
    img = background()
    for _ in range(700):
        cy, cx = int(rng.integers(20, 100)), int(rng.integers(0, 320))
        cv2.circle(img, (cx, cy), int(rng.integers(2, 6)), tuple(int(v) for v in (235 + rng.integers(-20, 20), 90 + rng.integers(-30, 30), 40)), -1)
    img, layer = with_text(img, "DO NOT COPY", (20, 70), (255, 170, 0), scale=1.0, thickness=3)
    mask = find_text(img)
    text = layer >= 128
    assert ((mask > 0) & text).sum() >= 0.8 * text.sum()
    assert ((mask > 0) & (layer == 0)).sum() <= 0.5 * text.sum()


def test_a_row_of_mottled_blobs_is_not_text():
    # Flowers or stones in a band: letter-sized, letter-spaced blobs of one hue on a
    # baseline, but shaded and mottled, as no rendered caption is.
    rng = np.random.default_rng(4)
    img = background().astype(np.float32)
    yy, xx = np.mgrid[-7:8, -5:6]
    radius = np.hypot(yy / 7, xx / 5)
    for i in range(14):
        x0 = 20 + 20 * i
        shade = 250 - 90 * radius + rng.normal(0, 25, radius.shape)
        patch = img[40:55, x0:x0 + 11]
        patch[radius <= 1] = np.clip(shade, 0, 255)[radius <= 1, None] * np.array([1.0, 0.55, 0.45])
    img = np.clip(img, 0, 255).astype(np.uint8)
    assert not find_text(img).any()


# Photo-like scenes (tests/photos.py): textured ground, shaded objects, grain, as JPEG.
JPEG_PHOTOS = [0, 1, 3, 5]


def photo(index):
    return scene_rgb(index)


def as_jpeg(rgb, quality):
    ok, data = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return cv2.cvtColor(cv2.imdecode(data, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


@pytest.mark.parametrize("name", JPEG_PHOTOS)
def test_a_timestamp_burned_into_a_jpeg_photo_is_found(name):
    # Users upload JPEGs: the caption's colour bleeds (chroma at half resolution) and its
    # edges ring, so it is neither flat per channel nor perfectly crisp any more.
    img, layer = with_text(photo(name), "2019/08/14 17:32", (250, 480), (255, 170, 0), scale=0.8, thickness=2)
    mask = find_text(as_jpeg(img, 80))
    text = layer >= 128
    assert ((mask > 0) & text).sum() >= 0.8 * text.sum()
    assert ((mask > 0) & (layer == 0)).sum() <= 0.5 * text.sum()


@pytest.mark.parametrize("name", JPEG_PHOTOS)
def test_nothing_is_marked_on_a_clean_jpeg_photo(name):
    assert not find_text(as_jpeg(photo(name), 80)).any()


def with_outlined_text(img, text, origin, colour, outline, *, scale=1.0, thickness=1):
    """`img` with `text` drawn as the bench draws an outline: the outline at thickness + 2
    under the core; returns (image, coverage 0..1 of outline and core)."""
    out, coverage = img.astype(np.float32), np.zeros(img.shape[:2], np.float32)
    for width, col in ((thickness + 2, outline), (thickness, colour)):
        layer = np.zeros(img.shape[:2], np.uint8)
        cv2.putText(layer, text, origin, cv2.FONT_HERSHEY_SIMPLEX, scale, 255, width, cv2.LINE_AA)
        alpha = layer.astype(np.float32)[:, :, None] / 255
        out = out * (1 - alpha) + np.array(col, np.float32) * alpha
        coverage = np.maximum(coverage, alpha[:, :, 0])
    return np.clip(np.rint(out), 0, 255).astype(np.uint8), coverage


def test_white_text_with_a_black_outline_on_a_photo_is_found_with_its_outline():
    # Thin white strokes in a black ring: the ring, 1-2 px wide, is text as well (0.93
    # of the pixels before the outline step, 0.98 with it, with OpenCV 5.0's putText).
    # OpenCV 5.1 draws these glyphs differently (3,343 pixels of the picture change) and
    # the same finder takes 0.945: what it misses are blocks inside the thick white cores
    # of P, L and E (looked at), not the ring.
    img, coverage = with_outlined_text(photo(JPEG_PHOTOS[0]), "SAMPLE PHOTO", (200, 300), (255, 255, 255), (0, 0, 0))
    mask = find_text(img) > 0
    text = coverage >= 0.25
    assert (mask & text).sum() >= 0.94 * text.sum()
    assert (mask & (coverage == 0)).sum() <= 0.3 * text.sum()


def test_a_row_goes_on_past_the_bars_the_glyph_filters_refuse():
    # The l's of "hills" are solid bars (fill > 0.9) and the s after them cannot make a
    # row alone: the row's extension along its band takes them (0.88 of the text without).
    img, layer = with_text(background(), "Summer in the hills", (20, 60), (255, 255, 255))
    mask = find_text(img) > 0
    text = layer >= 128
    assert (mask & text).sum() >= 0.97 * text.sum()
    assert (mask & (layer == 0)).sum() <= 0.3 * text.sum()
