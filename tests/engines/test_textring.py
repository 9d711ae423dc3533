"""textring: the JPEG ripples beside removed text, taken by the repair on a JPEG photo."""

from __future__ import annotations

import cv2
import numpy as np

from repairapp import textring
from repairapp.engines import pipeline


def sky(h: int = 160, w: int = 384) -> np.ndarray:
    """A smooth pale-blue gradient, as behind a caption on a sky."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    base = np.stack([200 + 20 * x / w, 215 + 15 * y / h, np.full((h, w), 245, np.float32)], axis=2)
    return np.clip(base, 0, 255).astype(np.uint8)


def captioned(photo: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(`photo` with a dark blue caption, the caption's exact mask)."""
    layer = np.zeros(photo.shape[:2], np.uint8)
    cv2.putText(layer, "Summer 2021", (24, 100), cv2.FONT_HERSHEY_SIMPLEX, 1.2, 255, 2, cv2.LINE_AA)
    alpha = layer.astype(np.float32)[:, :, None] / 255
    out = photo.astype(np.float32) * (1 - alpha) + np.float32([40, 70, 220]) * alpha
    return np.clip(np.rint(out), 0, 255).astype(np.uint8), np.where(layer > 0, 255, 0).astype(np.uint8)


def jpeg(rgb: np.ndarray, quality: int = 75) -> np.ndarray:
    _, data = cv2.imencode(".jpg", rgb[:, :, ::-1], [cv2.IMWRITE_JPEG_QUALITY, quality])
    return cv2.imdecode(data, cv2.IMREAD_COLOR)[:, :, ::-1]


def distance_from(mask: np.ndarray) -> np.ndarray:
    return cv2.distanceTransform((mask == 0).astype(np.uint8), cv2.DIST_L2, 5)


def test_the_ripples_beside_a_caption_on_a_jpeg_sky_are_taken_and_the_halo_goes():
    clean = sky()
    photo, mask = captioned(clean)
    seen = jpeg(photo)
    ripples = textring.ringing(seen, mask)
    distance = distance_from(mask)
    # Only beside the text: past what dilate takes, within a JPEG block of it.
    assert ripples.sum() > 200
    assert (distance[ripples] > pipeline.DEFAULT_DILATE).all() and (distance[ripples] <= textring.REACH).all()

    grown = textring.grow_over_ringing(seen, mask, "JPEG")
    assert ((grown > 0) == ((mask > 0) | ripples)).all()
    plain = pipeline.repair(seen, mask, engine="auto").rgb
    taken = pipeline.repair(seen, grown, engine="auto").rgb
    # The halo: how far the photo 3-8 px from the letters is from the sky as a JPEG without them.
    band = (distance > 2) & (distance <= textring.REACH)
    truth = jpeg(clean).astype(np.int16)
    halo_plain = np.abs(plain.astype(np.int16) - truth).max(axis=2)[band]
    halo_taken = np.abs(taken.astype(np.int16) - truth).max(axis=2)[band]
    # The defect: the letters' shapes, faint, around them (here 5.5 levels on average, 20 at the 99th
    # percentile); taking the ripples: 2.9 and 11.
    assert np.percentile(halo_plain, 99) >= 8
    assert halo_taken.mean() < 0.75 * halo_plain.mean() and np.percentile(halo_taken, 99) < np.percentile(halo_plain, 99)


def test_a_png_s_text_mask_is_repaired_as_it_is():
    photo, mask = captioned(sky())
    grown = textring.grow_over_ringing(photo, mask, "PNG")
    assert (grown == mask).all()
    assert (textring.grow_over_ringing(photo, np.zeros_like(mask), "JPEG") == 0).all()


def test_on_a_textured_photo_nothing_beside_the_text_is_taken():
    # Grass or stone hides a halo, and a fill there shows: only smooth places are taken.
    rng = np.random.default_rng(4)
    rough = np.clip(sky().astype(np.float32) + rng.normal(0, 25, (160, 384, 1)), 0, 255).astype(np.uint8)
    rough = cv2.GaussianBlur(rough, (3, 3), 0)
    photo, mask = captioned(rough)
    assert not textring.ringing(jpeg(photo), mask).any()


def test_a_line_far_down_a_big_photo_is_judged_on_the_jpeg_grid():
    # Each line is judged in its own crop, which starts on the 16 px grid: the same
    # caption gives the same ripples wherever it sits on that grid.
    photo, mask = captioned(sky())
    big = np.tile(sky(), (4, 3, 1))
    big_mask = np.zeros(big.shape[:2], np.uint8)
    big[320:480, 384:768], big_mask[320:480, 384:768] = photo, mask
    near = textring.ringing(jpeg(photo), mask)
    far = textring.ringing(jpeg(big), big_mask)
    assert far[320:480, 384:768].sum() > 0.8 * near.sum()
    assert not far[:320].any() and not far[480:].any()
