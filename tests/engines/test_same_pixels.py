"""The patch engine's low-level helpers made faster must give the numbers they gave before,
bit for bit: each is checked against the plain computation it replaced."""

import cv2
import numpy as np
import pytest

from repairapp.engines import patch


def _image(h, w, seed):
    """Float32 RGB with smooth structure and noise, as a level's image looks."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w]
    base = np.dstack([90 + 70 * ((xx // 4) % 2) + yy // 3, 40 + xx // 2, 200 - yy // 2]).astype(np.float32)
    return base + rng.normal(0, 12, (h, w, 3)).astype(np.float32)


def _projected_filter_by_filter(rgb, basis, inner):
    """What _project computed before: one sepFilter2D per basis vector, then merged."""
    filtered = []
    for weights, u, v in basis:
        plane = rgb[:, :, 0] * weights[0] + rgb[:, :, 1] * weights[1] + rgb[:, :, 2] * weights[2]
        out = cv2.sepFilter2D(plane, cv2.CV_32F, patch._ROWS[v], patch._ROWS[u], borderType=cv2.BORDER_REFLECT_101)
        filtered.append(out[inner:out.shape[0] - inner, inner:out.shape[1] - inner])
    return cv2.merge(filtered)


@pytest.mark.parametrize("basis", [patch._BASIS, patch._RICH], ids=["basis", "rich"])
def test_projection_sharing_the_rows_pass_and_writing_into_the_grid_is_the_filter_by_filter_one(basis):
    """_project filters each plane along the rows once per horizontal frequency and
    merges straight into a view of the feature grid: the same floats as a sepFilter2D
    per basis vector, written where asked and nowhere else."""
    r = patch.PATCH_RADIUS
    image = _image(80, 101, seed=1)
    expected = _projected_filter_by_filter(image, basis, r)
    assert np.array_equal(patch._project(image, basis, inner=r), expected)
    # Into a band of a padded grid, as compute_features writes it: a view whose rows are
    # strided. Around the band the grid keeps what it held.
    grid = np.full((100, 120, len(basis)), -1.0, np.float32)
    band = grid[7:7 + 74, 5:5 + 95]
    written = patch._project(image, basis, inner=r, out=band)
    assert np.shares_memory(written, grid)
    assert np.array_equal(grid[7:81, 5:100], expected)
    outside = np.ones(grid.shape[:2], bool)
    outside[7:81, 5:100] = False
    assert (grid[outside] == -1.0).all()


def test_halving_a_mask_by_blocks_is_any_over_each_two_by_two_block():
    """_halved_any ORs the four corners of each 2 x 2 block, as the pyramid's
    reshape-and-any did; an odd last row or column is left out, as there."""
    rng = np.random.default_rng(6)
    for h, w in ((2, 2), (7, 9), (64, 33), (201, 150)):
        mask = rng.random((h, w)) < 0.05
        expected = mask[:h // 2 * 2, :w // 2 * 2].reshape(h // 2, 2, w // 2, 2).any(axis=(1, 3))
        assert np.array_equal(patch._halved_any(mask, h // 2, w // 2), expected)


def test_a_level_that_takes_the_coarser_levels_grid_fills_as_with_fresh_memory(monkeypatch):
    """A level's feature grid may be the coarser level's memory (upsample_field hands it
    over): whatever that memory holds, here NaN, never reaches the fill; with fresh
    zeroed grids the fill is the same. A 128 x 176 hole's crop has a _RICH level (67
    values a pixel, level 2) above a finer 16-value one (level 1), so the grid is taken
    at least once."""
    rng = np.random.default_rng(8)
    image = (_image(200, 260, seed=8) * 0.8).clip(0, 255).astype(np.uint8)
    mask = np.zeros(image.shape[:2], np.uint8)
    mask[40:168, 40:216] = 255
    mask[rng.random(mask.shape) < 0.005] = 255  # specks: more targets, more edges (0.02 leaves two levels)
    expected = patch.PATCH.inpaint(image, mask, seed=1)
    upsample, compute = patch._Level.upsample_field, patch._Level.compute_features
    taken = []

    def poisoned(self, coarse):
        upsample(self, coarse)
        if self.spare is not None:  # handed over only when large enough
            self.spare.fill(np.nan)  # the coarser level is done with it

    def noted(self, *, full, boxes=None):
        spare = self.spare
        compute(self, full=full, boxes=boxes)
        taken.append(spare is not None and np.shares_memory(self.features, spare))

    monkeypatch.setattr(patch._Level, "upsample_field", poisoned)
    monkeypatch.setattr(patch._Level, "compute_features", noted)
    assert np.array_equal(patch.PATCH.inpaint(image, mask, seed=1), expected)
    assert any(taken)

    def fresh(self, coarse):
        upsample(self, coarse)
        self.spare = None

    monkeypatch.setattr(patch._Level, "upsample_field", fresh)
    assert np.array_equal(patch.PATCH.inpaint(image, mask, seed=1), expected)


def test_only_levels_from_two_up_compare_patches_by_the_rich_basis(monkeypatch):
    """Level 1 compares patches by the 16 low DCT values, as the finest level does; the
    coarser levels that settle the layout (RICH_FROM_LEVEL and up) by all 67 (_RICH).
    Level 1 with 67 was a third of a 2 MP repair's CPU for fills judged the same."""
    image = (_image(200, 260, seed=8) * 0.8).clip(0, 255).astype(np.uint8)
    mask = np.zeros(image.shape[:2], np.uint8)
    mask[40:168, 40:216] = 255
    compute = patch._Level.compute_features
    values = {}

    def noted(self, *, full, boxes=None):
        values[self.size] = len(self.basis)
        compute(self, full=full, boxes=boxes)

    monkeypatch.setattr(patch._Level, "compute_features", noted)
    patch.PATCH.inpaint(image, mask, seed=1)
    by_level = [values[size] for size in sorted(values, reverse=True)]
    assert len(by_level) >= 4
    assert by_level[:2] == [patch.FEATURES, patch.FEATURES]
    assert set(by_level[2:]) == {len(patch._RICH)}


def test_a_box_aligned_within_a_band_projects_to_the_bands_floats():
    """cv2's filters round the last pixels of a row otherwise than its SIMD blocks:
    a box of a band widened by _aligned gets the floats the whole band gets, bit for bit,
    wherever it lies in the band (its rows are free)."""
    rng = np.random.default_rng(11)
    r = patch.PATCH_RADIUS
    for _ in range(200):
        h, w = int(rng.integers(8, 40)), int(rng.integers(8, 400))
        image = _image(h + 2 * r, w + 2 * r, seed=int(rng.integers(1000)))
        band = patch._project(image, patch._BASIS, inner=r)
        a = int(rng.integers(0, w))
        b = int(rng.integers(a + 1, w + 1))
        y0 = int(rng.integers(0, h))
        y1 = int(rng.integers(y0 + 1, h + 1))
        a, b = patch._aligned(0, w, a, b, r)
        box = patch._project(image[y0:y1 + 2 * r, a:b + 2 * r], patch._BASIS, inner=r)
        assert np.array_equal(box, band[y0:y1, a:b])


def _local_case():
    """A photo whose finest level searches locally (FULL_SEARCH_PIXELS, lowered by the
    caller) from a field whose matches lie on both sides of the hole."""
    image = (_image(200, 640, seed=12) * 0.8).clip(0, 255).astype(np.uint8)
    hole = np.zeros(image.shape[:2], bool)
    hole[60:140, 280:360] = True
    return image, hole


def test_a_local_level_reads_only_the_features_it_projected(monkeypatch):
    """A local level projects only reachable_boxes: every source its search compares lies
    in them, and its fill is the fill with the whole reach projected, for a seed, every
    time. (complete, not inpaint: the whole photo, not a crop that the reach covers.)"""
    monkeypatch.setattr(patch, "FULL_SEARCH_PIXELS", 2000)
    image, hole = _local_case()
    compute, distances = patch._Level.compute_features, patch._Level._distances
    projected, outside = {}, []

    def noted(self, *, full, boxes=None):
        if boxes is not None:
            inside = np.zeros((self.hp, self.wp), bool)
            for y0, y1, x0, x1 in boxes:
                inside[y0:y1, x0:x1] = True
            projected[id(self)] = (inside.ravel(), boxes, self.reach_boxes)
        compute(self, full=full, boxes=boxes)

    def checked(self, rows, src):
        if id(self) in projected:
            outside.append(int((~projected[id(self)][0][src]).sum()))
        return distances(self, rows, src)

    monkeypatch.setattr(patch._Level, "compute_features", noted)
    monkeypatch.setattr(patch._Level, "_distances", checked)
    # Boxes cut to the pixel for the reads' check: the columns' rounding would cover a
    # reach one try too short here (a span of 2 px instead of 35 read 148 sources outside).
    align = patch.FILTER_ALIGN
    monkeypatch.setattr(patch, "FILTER_ALIGN", 1)
    patch.complete(image, hole, seed=3)
    assert projected and outside and sum(outside) == 0
    # Fewer pixels than the whole reach, so the test is not about nothing.
    for _, boxes, reach in projected.values():
        assert sum((y1 - y0) * (x1 - x0) for y0, y1, x0, x1 in boxes) < sum(
            (y1 - y0) * (x1 - x0) for y0, y1, x0, x1 in reach)
    monkeypatch.setattr(patch, "FILTER_ALIGN", align)
    monkeypatch.setattr(patch._Level, "_distances", distances)
    fill = patch.complete(image, hole, seed=3)
    assert np.array_equal(patch.complete(image, hole, seed=3), fill)
    monkeypatch.setattr(patch._Level, "reachable_boxes", lambda self, **_: self.reach_boxes)
    assert np.array_equal(patch.complete(image, hole, seed=3), fill)


def test_the_reach_by_chessboard_distance_is_the_dilation_by_the_square():
    """_within_square (the sources' reach of a level) gives the pixels that dilating by a
    row and then a column gave, holes at the edges included."""
    rng = np.random.default_rng(13)
    for h, w, reach in ((60, 80, 5), (120, 90, 24), (300, 260, 256), (40, 500, 64)):
        mask = (rng.random((h, w)) < 0.002).astype(np.uint8)
        mask[0, w - 1] = mask[h // 2, 0] = 1
        dilated = cv2.dilate(cv2.dilate(mask, np.ones((1, 2 * reach + 1), np.uint8)),
                             np.ones((2 * reach + 1, 1), np.uint8)) > 0
        assert np.array_equal(patch._within_square(mask, reach), dilated)
