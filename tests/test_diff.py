import numpy as np
import pytest

from repairapp import diff


def _pair():
    before = np.zeros((6, 8, 3), np.uint8)
    after = before.copy()
    after[1, 1] = (1, 0, 0)      # inside the mask, a 1-level change
    after[2, 3] = (200, 10, 0)   # inside, large
    after[5, 7] = (0, 0, 9)      # outside: must be counted
    mask = np.zeros((6, 8), np.uint8)
    mask[0:3, 0:4] = 255
    return before, after, mask


def test_figures_count_changes_inside_and_outside_the_mask():
    before, after, mask = _pair()
    figures = diff.figures(before, after, mask)
    assert figures.mask_pixels == 12
    assert figures.changed_inside_mask == 2
    assert figures.changed_outside_mask == 1
    assert figures.changed_fraction == pytest.approx(3 / 48)


def test_identical_images_have_no_changes():
    before, _, mask = _pair()
    figures = diff.figures(before, before.copy(), mask)
    assert figures.changed_inside_mask == figures.changed_outside_mask == 0


def test_heatmap_marks_every_changed_pixel_even_a_one_level_change():
    before, after, _ = _pair()
    heat = diff.heatmap(before, after)
    assert heat.shape == before.shape and heat.dtype == np.uint8
    unchanged = heat[0, 0]
    for y, x in ((1, 1), (2, 3), (5, 7)):
        assert heat[y, x, 0] > unchanged[0] + 100  # clearly red
    # bigger change, hotter colour (more yellow)
    assert heat[2, 3, 1] > heat[1, 1, 1]


def test_shapes_must_match():
    with pytest.raises(ValueError, match="differ in shape"):
        diff.figures(np.zeros((2, 2, 3), np.uint8), np.zeros((2, 3, 3), np.uint8), np.zeros((2, 2), np.uint8))
