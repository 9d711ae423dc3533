"""The engine contract, checked for every registered engine on tiny synthetic arrays.

No database, no timing: shape, dtype, untouched pixels, determinism and the awkward
masks (touching the border, covering almost everything, a single pixel).
"""

import numpy as np
import pytest

from repairapp import engines
from repairapp.engines.base import EngineError


def textured(h=48, w=64, seed=0):
    """A smooth gradient with stripes and a little noise: something to continue."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w]
    r = 80 + xx * 2
    g = 60 + yy * 2
    b = 120 + 40 * ((xx // 4) % 2)
    img = np.dstack([r, g, b]).astype(np.float64) + rng.normal(0, 4, (h, w, 3))
    return np.clip(img, 0, 255).astype(np.uint8)


def box_mask(shape, y0, y1, x0, x1):
    mask = np.zeros(shape, np.uint8)
    mask[y0:y1, x0:x1] = 255
    return mask


ENGINE_NAMES = engines.names()


def test_the_expected_engines_are_registered():
    assert {"telea", "ns", "patch", "auto"} <= set(ENGINE_NAMES)
    assert engines.DEFAULT_ENGINE == "auto"


def test_an_unknown_engine_lists_the_known_ones():
    with pytest.raises(EngineError, match="telea"):
        engines.get("nope")


@pytest.fixture(params=ENGINE_NAMES)
def engine(request):
    return engines.get(request.param)


def test_it_keeps_shape_and_dtype_and_unmasked_pixels(engine):
    img = textured()
    mask = box_mask(img.shape[:2], 16, 30, 20, 40)
    out = engine.inpaint(img, mask, seed=1)
    assert out.shape == img.shape and out.dtype == np.uint8
    keep = mask == 0
    assert np.array_equal(out[keep], img[keep])


def test_it_changes_masked_pixels(engine):
    img = textured()
    mask = box_mask(img.shape[:2], 16, 30, 20, 40)
    damaged = img.copy()
    damaged[mask > 0] = (255, 0, 255)
    out = engine.inpaint(damaged, mask, seed=1)
    inside = mask > 0
    # Nothing of the magenta defect survives, and the fill is closer to the truth.
    assert not np.any(np.all(out[inside] == (255, 0, 255), axis=1))
    err_before = np.mean((damaged[inside].astype(float) - img[inside]) ** 2)
    err_after = np.mean((out[inside].astype(float) - img[inside]) ** 2)
    assert err_after < 0.1 * err_before


def test_it_is_deterministic_for_a_seed(engine):
    img = textured()
    mask = box_mask(img.shape[:2], 10, 36, 12, 44)
    a = engine.inpaint(img, mask, seed=7)
    b = engine.inpaint(img, mask, seed=7)
    assert np.array_equal(a, b)


def test_a_mask_touching_the_border(engine):
    img = textured()
    mask = box_mask(img.shape[:2], 0, 20, 0, 12)
    mask[-6:, -20:] = 255
    out = engine.inpaint(img, mask, seed=0)
    assert np.array_equal(out[mask == 0], img[mask == 0])
    assert out.shape == img.shape


def test_a_mask_covering_almost_everything(engine):
    img = textured()
    mask = np.full(img.shape[:2], 255, np.uint8)
    mask[20:23, 30:33] = 0  # nine known pixels to grow from
    out = engine.inpaint(img, mask, seed=0)
    assert out.shape == img.shape and out.dtype == np.uint8
    assert np.array_equal(out[mask == 0], img[mask == 0])


def test_a_one_pixel_mask(engine):
    img = textured()
    mask = np.zeros(img.shape[:2], np.uint8)
    mask[24, 30] = 255
    damaged = img.copy()
    damaged[24, 30] = (0, 0, 0)
    out = engine.inpaint(damaged, mask, seed=0)
    assert np.array_equal(out[mask == 0], damaged[mask == 0])
    assert np.abs(out[24, 30].astype(int) - img[24, 30]).max() < 40


def test_an_empty_mask_returns_a_copy(engine):
    img = textured()
    out = engine.inpaint(img, np.zeros(img.shape[:2], np.uint8))
    assert np.array_equal(out, img) and out is not img


@pytest.mark.parametrize(
    "image, mask",
    [
        (np.zeros((8, 8), np.uint8), np.zeros((8, 8), np.uint8)),
        (np.zeros((8, 8, 4), np.uint8), np.zeros((8, 8), np.uint8)),
        (np.zeros((8, 8, 3), np.float32), np.zeros((8, 8), np.uint8)),
        (np.zeros((8, 8, 3), np.uint8), np.zeros((8, 9), np.uint8)),
        (np.zeros((8, 8, 3), np.uint8), np.zeros((8, 8), bool)),
    ],
)
def test_bad_shapes_raise_value_error(engine, image, mask):
    with pytest.raises(ValueError):
        engine.inpaint(image, mask)
