"""repair(): dilation, feathering, per-region crops and the engine choice of `auto`."""

import numpy as np
import pytest

from repairapp import engines
from repairapp.engines import auto, regions
from repairapp.engines.base import EngineError
from repairapp.engines.pipeline import feather_seam, repair


def stripes(h=64, w=64):
    """Vertical stripes with a period of 8 px over a gentle gradient: texture to copy."""
    yy, xx = np.mgrid[0:h, 0:w]
    base = 90 + 70 * ((xx // 4) % 2) + yy // 2
    return np.dstack([base, base // 2 + 40, 200 - base // 3]).astype(np.uint8)


def disc(shape, cy, cx, radius):
    yy, xx = np.mgrid[0:shape[0], 0:shape[1]]
    return np.where((yy - cy) ** 2 + (xx - cx) ** 2 <= radius**2, 255, 0).astype(np.uint8)


def test_it_returns_the_grown_mask_and_never_touches_pixels_outside_it():
    img = stripes()
    mask = disc(img.shape[:2], 30, 30, 6)
    result = repair(img, mask, dilate=3, feather=2, seed=0)
    assert result.mask.dtype == np.uint8 and set(np.unique(result.mask)) == {0, 255}
    assert (result.mask > 0).sum() > (mask > 0).sum()
    assert np.all(result.mask[mask > 0] == 255)
    assert np.array_equal(result.rgb[result.mask == 0], img[result.mask == 0])
    assert {"engine", "total"} <= set(result.timings)


def test_dilate_zero_and_feather_zero_is_the_engine_alone():
    img = stripes()
    mask = disc(img.shape[:2], 30, 30, 6)
    result = repair(img, mask, engine="telea", dilate=0, feather=0)
    assert np.array_equal(result.mask, mask)
    assert np.array_equal(result.rgb, engines.get("telea").inpaint(img, mask))


def test_feather_blends_only_the_rim_inside_the_mask():
    original = np.zeros((20, 20, 3), np.uint8)
    filled = np.full((20, 20, 3), 200, np.uint8)
    mask = np.zeros((20, 20), np.uint8)
    mask[5:15, 5:15] = 255
    out = feather_seam(original, filled, mask, width=3)
    assert np.array_equal(out[mask == 0], original[mask == 0])
    assert 0 < out[5, 10, 0] < out[6, 10, 0] < out[7, 10, 0] < 200  # the ramp
    assert out[10, 10, 0] == 200  # deep inside: the fill itself


@pytest.mark.parametrize("kwargs", [{"dilate": -1}, {"dilate": 65}, {"feather": 33}, {"dilate": "a"}])
def test_bad_mask_options_are_engine_errors(kwargs):
    img = stripes()
    with pytest.raises(EngineError):
        repair(img, disc(img.shape[:2], 30, 30, 4), **kwargs)


def test_an_unknown_parameter_is_an_engine_error_naming_the_known_ones():
    img = stripes()
    with pytest.raises(EngineError, match="radius"):
        repair(img, disc(img.shape[:2], 30, 30, 4), engine="telea", params={"nope": 1})


def test_crops_are_pasted_back_where_they_belong_on_a_large_image():
    rng = np.random.default_rng(0)
    h, w = 1500, 2000
    yy, xx = np.mgrid[0:h, 0:w]
    img = np.dstack([(xx // 7) % 256, (yy // 5) % 256, (xx + yy) // 20 % 256]).astype(np.uint8)
    img = np.clip(img + rng.integers(0, 3, img.shape), 0, 255).astype(np.uint8)
    mask = np.zeros((h, w), np.uint8)
    mask[100:110, 150:400] = 255      # a stroke near the top left
    mask[1300:1340, 1700:1760] = 255  # a blob near the bottom right
    mask[1345:1350, 1700:1760] = 255  # close to the blob: same group
    assert len(regions.groups(mask)) == 2
    damaged = img.copy()
    damaged[mask > 0] = 0
    for name in ("telea", "auto"):
        result = repair(damaged, mask, engine=name, dilate=0, feather=0)
        assert np.array_equal(result.rgb[mask == 0], damaged[mask == 0])
        err = np.abs(result.rgb[mask > 0].astype(int) - img[mask > 0]).mean()
        assert err < 20, (name, err)
    # Diffusion reads a few px: in a crop it gives what it gives on the whole photo.
    whole = engines.get("telea").inpaint(damaged, mask)
    cropped = repair(damaged, mask, engine="telea", dilate=0, feather=0).rgb
    assert np.abs(whole.astype(int) - cropped).max() <= 2


def test_groups_merge_near_components_and_keep_far_ones_apart():
    mask = np.zeros((400, 400), np.uint8)
    mask[10:20, 10:20] = 255
    mask[10:20, 40:50] = 255     # 20 px away: merged
    mask[300:310, 300:310] = 255  # far: its own group
    boxes = sorted(regions.groups(mask))
    assert boxes == [(10, 20, 10, 50), (300, 310, 300, 310)]


def test_auto_diffuses_thin_strokes_and_copies_patches_into_wide_holes():
    img = stripes(96, 96)
    thin = np.zeros((96, 96), np.uint8)
    thin[20:24, 10:80] = 255       # 4 px wide: radius 2
    wide = disc((96, 96), 60, 48, 14)
    both = thin | wide
    chosen = auto.wide_components(both, thin_radius=4.0)
    assert not chosen[thin > 0].any() and chosen[wide > 0].all()
    telea = engines.get("telea").inpaint(img, thin)
    assert np.array_equal(engines.get("auto").inpaint(img, thin), telea)
    patch = engines.get("patch").inpaint(img, wide, seed=3)
    assert np.array_equal(engines.get("auto").inpaint(img, wide, seed=3), patch)


def test_patch_copies_texture_where_diffusion_smears_it():
    img = stripes(96, 96)
    mask = disc(img.shape[:2], 48, 48, 14)
    inside = mask > 0
    damaged = img.copy()
    damaged[inside] = 0
    err = {}
    for name in ("telea", "patch"):
        out = engines.get(name).inpaint(damaged, mask, seed=0)
        err[name] = np.mean((out[inside].astype(float) - img[inside]) ** 2)
    assert err["patch"] < 0.25 * err["telea"], err


def test_auto_judges_width_as_drawn_so_dilated_text_is_still_diffused():
    img = stripes(80, 120)
    caption = np.zeros((80, 120), np.uint8)
    for x in range(10, 110, 6):  # letter-like bars 3 px wide, 3 px apart
        caption[30:45, x:x + 3] = 255
    # Dilated by 3 px the bars merge into one block a wide disc fits in...
    assert regions.inscribed_radius(caption).max() < 3
    auto_result = repair(img, caption, engine="auto", dilate=3, feather=0)
    # ...but auto still treats them as the thin strokes they were drawn as.
    telea_result = repair(img, caption, engine="telea", dilate=3, feather=0)
    assert np.array_equal(auto_result.rgb, telea_result.rgb)


def test_paste_writes_into_a_view_and_only_where_asked():
    from repairapp.engines.base import paste

    rng = np.random.default_rng(3)
    big = rng.integers(0, 256, (40, 50, 3), dtype=np.uint8)
    before = big.copy()
    src = rng.integers(0, 256, (10, 20, 3), dtype=np.uint8)
    where = rng.random((10, 20)) < 0.3
    paste(big[5:15, 7:27], src, where)
    expected = before.copy()
    expected[5:15, 7:27][where] = src[where]
    assert np.array_equal(big, expected)
    paste(big[5:15, 7:27], src, np.where(where, 9, 0).astype(np.uint8))  # uint8, nonzero = copy
    assert np.array_equal(big, expected)


def test_feather_matches_the_per_pixel_formula_on_an_irregular_mask():
    import cv2

    rng = np.random.default_rng(5)
    original = rng.integers(0, 256, (48, 64, 3), dtype=np.uint8)
    filled = rng.integers(0, 256, (48, 64, 3), dtype=np.uint8)
    mask = np.zeros((48, 64), np.uint8)
    cv2.line(mask, (0, 5), (63, 40), 17, 9)
    mask[40:, :10] = 255  # touching the image edge, which is not a seam
    for width in (1, 2, 4):
        out = feather_seam(original, filled, mask, width=width)
        inside = (mask > 0).astype(np.uint8)
        padded = cv2.copyMakeBorder(inside, 1, 1, 1, 1, cv2.BORDER_REPLICATE)
        depth = cv2.distanceTransform(padded, cv2.DIST_L2, 3)[1:-1, 1:-1]
        alpha = np.minimum(depth / (width + 1), 1.0)[:, :, None]
        expected = np.where(inside[:, :, None] > 0, np.rint(original * (1 - alpha) + filled * alpha), original)
        assert np.array_equal(out, expected.astype(np.uint8))
