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


def test_figures_count_changes_outside_the_painted_mask_apart_from_the_grown_one():
    before = np.zeros((10, 10, 3), np.uint8)
    painted = np.zeros((10, 10), np.uint8)
    painted[4:6, 4:6] = 255
    grown = np.zeros((10, 10), np.uint8)
    grown[3:7, 3:7] = 255
    after = before.copy()
    after[3:7, 3:7] = 9  # the fill takes the whole grown mask: 16 px, 12 of them outside the painted 4
    figures = diff.figures(before, after, grown, painted=painted)
    assert figures.changed_outside_mask == 0
    assert figures.changed_outside_painted == 12
    assert figures.as_dict()["changed_outside_painted"] == 12
    assert diff.figures(before, after, grown).changed_outside_painted is None


# Fills made bad on purpose, on a stone-like surface: the checks must flag each for its
# own reason and pass a clean fill.
HOLE = (slice(28, 68), slice(28, 68))


def _stone(seed, base=(95, 110, 140), side=96):
    """(side, side, 3): a fine, irregular texture (noise averaged over 2×2) around `base`."""
    noise = np.random.default_rng(seed).normal(0, 22, (side + 1, side + 1))
    grain = (noise[:-1, :-1] + noise[1:, :-1] + noise[:-1, 1:] + noise[1:, 1:]) / 2
    return np.clip(np.array(base, np.float64) + grain[..., None], 0, 255).astype(np.uint8)


def _hole():
    mask = np.zeros((96, 96), np.uint8)
    mask[HOLE] = 255
    return mask


def _flags(fill):
    mask = _hole()
    return [code for code, _ in diff.fill_flags(
        seam_score=diff.seam_score(fill, mask), texture_ratio=diff.texture_ratio(fill, mask),
        structure_ratio=diff.structure_ratio(fill, mask), periodicity=diff.periodicity(fill, mask),
        foreign_share=diff.foreign_share(fill, mask))]


def _filled(content):
    out = _stone(0)
    out[HOLE] = content[HOLE]
    return out


def test_a_clean_fill_raises_no_flag():
    clean = _filled(_stone(1))
    assert _flags(clean) == []
    assert diff.periodicity(clean, _hole()) < diff.PERIODIC_FLAG / 2
    assert diff.foreign_share(clean, _hole()) < 0.02


def test_a_smeared_fill_is_flagged_as_a_smear():
    smeared = _filled(np.full((96, 96, 3), _stone(0)[HOLE].mean(axis=(0, 1)), np.uint8))
    assert "smear" in _flags(smeared)


def test_a_noisy_fill_is_flagged_as_too_much_detail():
    rng = np.random.default_rng(5)
    noisy = np.clip(_stone(1).astype(np.float64) + rng.normal(0, 60, (96, 96, 1)), 0, 255).astype(np.uint8)
    flags = _flags(_filled(noisy))
    assert "detail" in flags and "smear" not in flags


def test_foreign_content_is_flagged():
    # Wood grain pasted into a blue-grey stone surface: brown stripes found nowhere around.
    xx = np.mgrid[0:96, 0:96][1].astype(np.float64)
    grain = (0.5 + 0.5 * np.sin(xx / 2.0))[..., None]
    wood = (np.array([112, 62, 28]) + grain * np.array([64, 58, 38])).astype(np.uint8)
    fill = _filled(wood)
    assert diff.foreign_share(fill, _hole()) > 0.9
    assert "foreign" in _flags(fill)


def test_a_dotted_pattern_the_surroundings_lack_is_flagged():
    yy, xx = np.mgrid[0:96, 0:96]
    dots = np.where((yy % 3 == 0) & (xx % 3 == 0), 60, 0)[..., None]
    smooth = np.full((96, 96, 3), _stone(0)[HOLE].mean(axis=(0, 1)))
    fill = _filled(np.clip(smooth + dots, 0, 255).astype(np.uint8))
    assert diff.periodicity(fill, _hole()) > diff.PERIODIC_FLAG
    assert "pattern" in _flags(fill)


def test_a_fine_dotted_pattern_is_flagged_on_a_large_fill_too():
    # A 4 MP photo with a 1000 px hole: its window is sampled every 4th pixel, where a dot
    # every 2 px vanishes; the full-resolution tile where the fill is deepest still sees it.
    side, hole = 2048, (slice(524, 1524), slice(524, 1524))
    mask = np.zeros((side, side), np.uint8)
    mask[hole] = 255
    clean = _stone(0, side=side)
    clean[hole] = _stone(1, side=side)[hole]
    yy, xx = np.mgrid[0:side, 0:side]
    dots = np.where((yy % 2 == 0) & (xx % 2 == 0), 16, -5)[..., None]  # ±16 levels, the mean kept
    dotted = clean.copy()
    dotted[hole] = np.clip(clean.astype(np.int16) + dots, 0, 255).astype(np.uint8)[hole]
    assert diff.periodicity(clean, mask) < diff.PERIODIC_FLAG / 2
    assert diff.periodicity(dotted, mask) > diff.PERIODIC_FLAG


def test_each_flag_comes_with_one_readable_line():
    flags = diff.fill_flags(seam_score=3.1, texture_ratio=0.2, periodicity=9.0, foreign_share=0.4)
    assert [code for code, _ in flags] == ["smear", "pattern", "foreign", "seam"]
    reasons = dict(flags)
    assert reasons["smear"].startswith("Smear: the fill has 0.20× the detail around it")
    assert "40% of the fill" in reasons["foreign"] and "\n" not in "".join(reasons.values())
    assert diff.fill_flags(seam_score=None, texture_ratio=None, periodicity=None, foreign_share=None) == []


def _cobbles(seed):
    """(96, 96, 3): 6 px blobs (cobbles, leaves) with fine grain on them."""
    rng = np.random.default_rng(seed)
    blobs = np.kron(rng.normal(0, 40, (16, 16)), np.ones((6, 6)))
    blobs = (blobs[:-1, :-1] + blobs[1:, :-1] + blobs[:-1, 1:] + blobs[1:, 1:]) / 4
    shapes = np.pad(blobs, ((0, 1), (0, 1)), mode="edge") + rng.normal(0, 8, (96, 96))
    return np.clip(np.array([120, 110, 100.0]) + shapes[..., None], 0, 255).astype(np.uint8)


def test_a_blur_under_fine_grain_is_flagged_though_its_texture_ratio_looks_right():
    mask = _hole()
    clean, blurred = _cobbles(0), _cobbles(0)
    clean[HOLE] = _cobbles(1)[HOLE]
    # The cobbles' shapes gone, only grain left: what a fill that averages patches leaves.
    grain = np.random.default_rng(9).normal(0, 9, (96, 96))
    blurred[HOLE] = np.clip(np.array([120, 110, 100.0]) + grain[..., None], 0, 255).astype(np.uint8)[HOLE]
    assert 0.7 < diff.texture_ratio(blurred, mask) < 1.5  # the old check sees nothing wrong
    assert diff.structure_ratio(blurred, mask) < diff.STRUCTURE_FLAG < diff.structure_ratio(clean, mask)
    flags = [code for code, _ in diff.fill_flags(seam_score=None, texture_ratio=diff.texture_ratio(blurred, mask),
                                                 structure_ratio=diff.structure_ratio(blurred, mask))]
    assert flags == ["blur"]


def test_unchanged_flag_only_for_a_mask_whose_pixels_all_stayed():
    assert diff.unchanged_flag(mask_pixels=0, changed_inside_mask=0) == []  # no mask, no repair
    assert diff.unchanged_flag(mask_pixels=500, changed_inside_mask=1) == []
    ((code, reason),) = diff.unchanged_flag(mask_pixels=1500, changed_inside_mask=0)
    assert code == "unchanged" and "none of the 1,500 masked pixels" in reason
