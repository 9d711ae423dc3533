"""repair(): dilation, feathering, per-region crops and the engine choice of `auto`."""

import numpy as np
import pytest

from repairapp import engines
from repairapp.engines import auto, regions
from repairapp.engines.base import DIFFUSION_CONTEXT, EngineError
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


def long_stroke_case(h=1600, w=2400, width=30):
    """A textured photo-sized image and one stroke from near one corner to near the other."""
    import cv2

    rng = np.random.default_rng(11)
    yy, xx = np.mgrid[0:h, 0:w]
    img = np.dstack([80 + 60 * ((xx // 6) % 2) + yy // 40, 120 + (xx + yy) // 50 % 60, 150 - yy // 30])
    img = np.clip(img + rng.integers(0, 8, img.shape), 0, 255).astype(np.uint8)
    mask = np.zeros((h, w), np.uint8)
    points = np.array([(0.04, 0.08), (0.4, 0.35), (0.7, 0.5), (0.96, 0.92)]) * (w, h)
    cv2.polylines(mask, [points.astype(np.int32)], False, 255, width)
    damaged = img.copy()
    damaged[mask > 0] = (255, 0, 255)
    return img, damaged, mask


def test_tiles_follow_a_sparse_group_and_leave_dense_or_small_ones_whole():
    _, _, mask = long_stroke_case()
    (box,) = regions.groups(mask)
    tiles = regions.tiles(mask, box, size=512, density=0.2)
    assert len(tiles) >= 4
    covered = np.zeros(mask.shape, bool)
    for y0, y1, x0, x1 in tiles:
        assert box[0] <= y0 < y1 <= box[1] and box[2] <= x0 < x1 <= box[3]
        assert y1 - y0 <= 768 and x1 - x0 <= 768  # a cell, or a cell and the sliver it took in
        covered[y0:y1, x0:x1] = True
    assert covered[mask > 0].all()
    # Every tile holds a fair share of the stroke: slivers of a cell joined a neighbour.
    counts = [np.count_nonzero(mask[y0:y1, x0:x1]) for y0, y1, x0, x1 in tiles]
    assert min(counts) >= np.median(counts) / 2
    blob = disc(mask.shape, 800, 1200, 700)
    assert regions.tiles(blob, regions.groups(blob)[0], size=512, density=0.2) == []  # dense
    short = np.zeros_like(mask)
    short[100:130, 100:700] = 255
    assert regions.tiles(short, regions.groups(short)[0], size=512, density=0.2) == []  # small


@pytest.mark.parametrize("engine", ["auto", "patch"])
def test_a_long_stroke_is_filled_tile_by_tile_as_well_as_whole(engine, monkeypatch):
    from repairapp.engines import pipeline

    img, damaged, mask = long_stroke_case()
    (box,) = regions.groups(pipeline.imaging.dilate_mask(mask, pipeline.DEFAULT_DILATE))
    assert regions.tiles(mask, box, size=pipeline.TILE, density=pipeline.TILE_DENSITY,
                         longer_than=pipeline.TILE_MIN)
    tiled = repair(damaged, mask, engine=engine, seed=4)
    inside = tiled.mask > 0
    assert np.array_equal(tiled.rgb[~inside], damaged[~inside])
    # Every pixel filled: no magenta left, and no defect copied in as context.
    magenta = (tiled.rgb[:, :, 0] > 200) & (tiled.rgb[:, :, 1] < 60) & (tiled.rgb[:, :, 2] > 200)
    assert not magenta.any()
    assert np.array_equal(repair(damaged, mask, engine=engine, seed=4).rgb, tiled.rgb)  # deterministic
    monkeypatch.setattr(pipeline, "TILE_DENSITY", -1.0)  # no group is sparse enough: the whole box
    whole = repair(damaged, mask, engine=engine, seed=4)
    err = {name: np.abs(out.rgb[inside].astype(int) - img[inside]).mean() for name, out in
           (("tiled", tiled), ("whole", whole))}
    assert err["tiled"] <= 1.1 * err["whole"] + 1, err


def test_diffusion_is_never_tiled():
    from repairapp.engines import pipeline

    _, damaged, mask = long_stroke_case(width=6)
    grown = pipeline.imaging.dilate_mask(mask, 2)
    out = pipeline.fill_regions(engines.get("telea"), damaged, grown, feather=2,
                                params=engines.get("telea").resolve_params(None), painted=mask)
    assert np.array_equal(out, repair(damaged, mask, engine="telea").rgb)
    (box,) = regions.groups(grown)
    crop = tuple(slice(a, b) for a, b in zip(regions.grow(box, DIFFUSION_CONTEXT, grown.shape)[::2],
                                             regions.grow(box, DIFFUSION_CONTEXT, grown.shape)[1::2]))
    whole = pipeline.feather_seam(damaged[crop], engines.get("telea").inpaint(damaged[crop], grown[crop]),
                                  grown[crop], width=2, painted=mask[crop])
    assert np.array_equal(out[crop], whole)


def test_a_level_holds_exactly_the_padded_image_and_identity_field_it_reads():
    """Levels fill only the band around the hole: there it must be copyMakeBorder and the identity."""
    import cv2

    from repairapp.engines import patch

    rng = np.random.default_rng(2)
    image = rng.integers(0, 256, (300, 700, 3), dtype=np.uint8)
    hole = np.zeros((300, 700), np.uint8)
    cv2.line(hole, (0, 2), (699, 290), 1, 9)   # from edge to edge, corners included
    hole[140:150, 300:330] = 1
    r = patch.PATCH_RADIUS
    for source in (image, image.astype(np.float32) + 0.25):
        level = patch._Level(source, hole > 0, r, hole > 0)
        padded = cv2.copyMakeBorder(source.astype(np.float32), r, r, r, r, cv2.BORDER_REFLECT_101)
        for y0, y1, x0, x1 in level.reach_boxes:
            box = (slice(y0 - r, y1 + r), slice(x0 - r, x1 + r))
            assert np.array_equal(level.image[box], padded[box])
        level.set_hole_pixels(np.full((300, 700, 3), 7, np.uint8))  # re-mirrors the padding
        padded[level.hole_p] = 7
        padded = cv2.copyMakeBorder(np.ascontiguousarray(padded[r:-r, r:-r]), r, r, r, r, cv2.BORDER_REFLECT_101)
        for y0, y1, x0, x1 in level.reach_boxes:
            box = (slice(y0 - r, y1 + r), slice(x0 - r, x1 + r))
            assert np.array_equal(level.image[box], padded[box])
        jump = max(patch.JUMPS)
        near = cv2.dilate(level.hole_p.astype(np.uint8), np.ones((2 * (r + jump) + 1,) * 2, np.uint8)) > 0
        yy, xx = np.divmod(np.flatnonzero(near), level.wp)
        assert np.array_equal(level.nnf_y[np.flatnonzero(near)], yy)
        assert np.array_equal(level.nnf_x[np.flatnonzero(near)], xx)


def test_cutting_the_search_and_the_fusion_into_chunks_changes_no_pixel(monkeypatch):
    """Candidates are compared a chunk of targets at a time, the fusion's equations are
    built a chunk of hole pixels at a time, and a level with many targets reads their
    features from the grid instead of a copy: all to bound the memory, none of it may
    change the fill. Chunks of a few dozen pixels put boundaries everywhere."""
    import cv2

    from repairapp.engines import patch

    noise = np.random.default_rng(5).integers(0, 40, (96, 160, 3), dtype=np.uint8)
    image = stripes(96, 160) // 2 + noise
    blob = disc(image.shape[:2], 48, 40, 18)                 # solved by multigrid over its box
    stroke = cv2.line(np.zeros_like(blob), (10, 90), (155, 5), 255, 5)  # over its own pixels
    whole = [patch.PATCH.inpaint(image, mask, seed=3) for mask in (blob, stroke)]
    for mask, fill in zip((blob, stroke), whole):
        assert np.abs(fill.astype(int) - image)[mask > 0].mean() > 5  # it did fill something
    monkeypatch.setattr(patch, "DISTANCE_CHUNK", 97)
    monkeypatch.setattr(patch, "FUSE_CHUNK", 37)
    monkeypatch.setattr(patch, "COPIED_TARGETS", 0)
    for mask, fill in zip((blob, stroke), whole):
        assert np.array_equal(patch.PATCH.inpaint(image, mask, seed=3), fill)


def test_propagation_indices_made_each_time_give_the_same_fill(monkeypatch):
    """A level with many targets (a big photo's finest level) makes the propagation's
    neighbour indices again at every pass instead of keeping them: the same indices,
    so the same fill as the kept ones."""
    from repairapp.engines import patch

    noise = np.random.default_rng(7).integers(0, 40, (96, 128, 3), dtype=np.uint8)
    image = stripes(96, 128) // 2 + noise
    mask = disc(image.shape[:2], 50, 60, 16)
    kept = patch.PATCH.inpaint(image, mask, seed=2)
    assert np.abs(kept.astype(int) - image)[mask > 0].mean() > 5  # it did fill something
    monkeypatch.setattr(patch, "NEIGHBOURS_KEPT", 0)
    assert np.array_equal(patch.PATCH.inpaint(image, mask, seed=2), kept)


def _random_masks(count, seed):
    """uint8 masks of discs and thick lines, some running off the edges, some far apart."""
    import cv2

    rng = np.random.default_rng(seed)
    for _ in range(count):
        h, w = (int(v) for v in rng.integers(24, 320, 2))
        mask = np.zeros((h, w), np.uint8)
        for _ in range(int(rng.integers(1, 6))):
            if rng.random() < 0.5:
                centre = (int(rng.integers(-8, w + 8)), int(rng.integers(-8, h + 8)))
                cv2.circle(mask, centre, int(rng.integers(1, 30)), int(rng.integers(1, 256)), -1)
            else:
                a, b = (tuple(int(v) for v in rng.integers(-8, max(h, w) + 8, 2)) for _ in range(2))
                cv2.line(mask, a, b, 255, int(rng.integers(1, 14)))
        yield mask


def test_groups_found_on_the_masks_box_are_those_of_the_whole_photo_in_the_same_order():
    """groups() only looks at the mask's box (and what its merging reaches): the boxes,
    and their order, must be what grouping every cell of the photo gives."""
    for mask in _random_masks(400, seed=11):
        found = regions.groups(mask)
        whole = regions._groups(mask, regions.MERGE_DISTANCE)
        assert [tuple(map(int, b)) for b in found] == [tuple(map(int, b)) for b in whole]
    assert regions.groups(np.zeros((40, 50), np.uint8)) == []


def test_the_mask_is_grown_and_split_on_its_box_as_on_the_whole_photo(monkeypatch):
    """repair() grows the mask and lets auto judge its parts on the mask's box only: the
    grown mask and the parts handed to the fill must be the whole-photo ones."""
    from repairapp import imaging
    from repairapp.engines import pipeline

    handed = {}

    def capture(engine, image, mask, **kw):
        handed.update(mask=mask.copy(), split=kw["split"])
        return image.copy()

    monkeypatch.setattr(pipeline, "fill_regions", capture)
    for i, mask in enumerate(_random_masks(150, seed=12)):
        dilate = i % 7
        image = np.zeros(mask.shape + (3,), np.uint8)
        handed.clear()
        result = repair(image, mask, engine="auto", dilate=dilate)
        if not mask.any():  # every shape fell off the photo: nothing to fill
            assert not handed and not result.mask.any() and np.array_equal(result.rgb, image)
            continue
        drawn = np.where(mask > 0, 255, 0).astype(np.uint8)
        grown = imaging.dilate_mask(drawn, dilate)
        wide = auto.wide_components(drawn, thin_radius=auto.THIN_RADIUS.default)
        parts = (imaging.dilate_mask(wide.astype(np.uint8) * 255, dilate) > 0) & (grown > 0)
        assert np.array_equal(result.mask, grown) and np.array_equal(handed["mask"], grown)
        assert np.array_equal(handed["split"], parts)


def test_the_search_finds_the_field_that_comparing_every_candidate_finds():
    """_try compares only valid candidates other than the current match (the match itself
    can never win, an invalid one is at infinity): the field and the distances must be
    those of comparing every candidate, as the search did before."""
    from repairapp.engines import patch

    class EveryCandidate(patch._Level):
        def _try(self, sy, sx):
            d, sy, sx = self._distance(sy, sx)
            better = np.flatnonzero(d < self.t_dist)
            t = self.t_idx[better]
            self.nnf_y[t], self.nnf_x[t] = sy[better], sx[better]
            self.t_dist[better] = d[better]

    image = (stripes(90, 120) // 2 + np.random.default_rng(3).integers(0, 60, (90, 120, 3))).astype(np.float32)
    hole = disc(image.shape[:2], 45, 60, 16) > 0
    fields = []
    for kind in (patch._Level, EveryCandidate):
        rng = np.random.default_rng(9)
        level = kind(image, hole, patch.PATCH_RADIUS, hole, reach=64)
        level.set_hole_pixels(np.full(image.shape, 128, np.uint8))
        level.random_field(rng)
        for step in range(3):
            level.compute_features(full=step == 0)
            level.search(rng, passes=2 if step == 0 else 1, radius=None if step < 2 else 4)
        fields.append((level.nnf_y.copy(), level.nnf_x.copy(), level.t_dist.copy()))
    for ours, every in zip(*fields):
        assert np.array_equal(ours, every)
    assert np.isfinite(fields[0][2]).all()  # every target found a real source
