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


def _textured(seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(60, 200, (80, 80, 3)).astype(np.uint8)


def _box_mask():
    mask = np.zeros((80, 80), np.uint8)
    mask[25:55, 25:55] = 255
    return mask


def test_seam_score_is_about_one_for_a_seamless_fill_and_high_for_a_visible_edge():
    img, mask = _textured(), _box_mask()
    seamless = img.copy()
    seamless[25:55, 25:55] = _textured(1)[25:55, 25:55]
    edged = img.copy()
    edged[25:55, 25:55] = 250
    edged[27:53, 27:53] = _textured(2)[27:53, 27:53]
    assert 0.7 < diff.seam_score(seamless, mask) < 1.3
    assert diff.seam_score(edged, mask) > diff.SEAM_FLAG


def test_texture_ratio_tells_a_smear_from_real_detail():
    img, mask = _textured(), _box_mask()
    detailed = img.copy()
    detailed[25:55, 25:55] = _textured(3)[25:55, 25:55]
    smeared = img.copy()
    smeared[25:55, 25:55] = img[25:55, 25:55].mean(axis=(0, 1)).astype(np.uint8)
    assert 0.7 < diff.texture_ratio(detailed, mask) < 1.3
    assert diff.texture_ratio(smeared, mask) < diff.TEXTURE_FLAG


def test_texture_ratio_has_nothing_to_say_on_flat_surroundings():
    flat = np.full((80, 80, 3), 240, np.uint8)
    assert diff.texture_ratio(flat, _box_mask()) is None


def test_bounding_box_of_a_mask():
    assert diff.bounding_box(_box_mask()) == {"x": 25, "y": 25, "width": 30, "height": 30}
    assert diff.bounding_box(np.zeros((4, 4), np.uint8)) == {}
