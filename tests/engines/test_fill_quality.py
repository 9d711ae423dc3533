"""What an editor judges in a fill, checked on synthetic photos with the truth known.

- The fill depends only on the pixels outside the hole (every engine, and the whole
  pipeline with its default dilation and feather): whatever lay under the mask, the
  same output, byte for byte. A fill that reads them leaves a ghost of what was removed.
- Straight structure crossing a hole (stripes, a brick wall's mortar, a horizon)
  comes out continued, where diffusion would smear it.
- No pattern the photo lacks: on a photo of flat noise the fill's strongest
  high-frequency peak is no stronger than the surroundings'.
"""

import cv2
import numpy as np
import pytest

from repairapp import engines
from repairapp.engines import pipeline


def stripes(h, w, *, period=8, angle=0.0):
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    along = xx * np.cos(np.radians(angle)) + yy * np.sin(np.radians(angle))
    base = 90 + 70 * ((along // (period / 2)) % 2) + yy / 4
    return np.dstack([base, base / 2 + 40, 200 - base / 3]).clip(0, 255).astype(np.uint8)


def edge(h, w, *, angle=20.0):
    """Grass below a straight horizon tilted by `angle` degrees, sky above, light noise."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    below = (yy - h / 2) * np.cos(np.radians(angle)) - (xx - w / 2) * np.sin(np.radians(angle)) > 0
    noise = np.random.default_rng(1).normal(0, 6, (h, w, 3))
    img = np.where(below[:, :, None], [70, 110, 60], [150, 190, 230]) + noise
    return img.clip(0, 255).astype(np.uint8)


def bricks(h, w, *, brick_h=16, brick_w=40, mortar=3):
    yy, xx = np.mgrid[0:h, 0:w]
    offset = (yy // brick_h % 2) * (brick_w // 2)
    joint = ((yy % brick_h) < mortar) | (((xx + offset) % brick_w) < mortar)
    noise = np.random.default_rng(2).normal(0, 5, (h, w, 3))
    img = np.where(joint[:, :, None], [200, 200, 195], [150, 60, 45]) + noise
    return img.clip(0, 255).astype(np.uint8)


def disc(shape, radius):
    mask = np.zeros(shape, np.uint8)
    cv2.circle(mask, (shape[1] // 2, shape[0] // 2), radius, 255, -1)
    return mask


def with_content_under(img, mask, kind):
    out = img.copy()
    inside = mask > 0
    if kind == "flat":
        out[inside] = (255, 0, 255)
    elif kind == "noise":
        out[inside] = np.random.default_rng(9).integers(0, 256, (int(inside.sum()), 3), dtype=np.uint8)
    return out


@pytest.mark.parametrize("name", engines.names())
def test_no_engine_reads_the_pixels_under_the_mask(name):
    img = bricks(160, 200)
    mask = disc(img.shape[:2], 34)
    outs = [engines.get(name).inpaint(with_content_under(img, mask, kind), mask, seed=0)
            for kind in ("original", "flat", "noise")]
    assert np.array_equal(outs[0], outs[1]) and np.array_equal(outs[0], outs[2])


@pytest.mark.parametrize("name", engines.names())
def test_the_pipeline_with_its_defaults_never_reads_what_was_painted_over(name):
    """Default dilate 2 and feather 2: only the grown ring, real photo pixels, is blended."""
    img = edge(160, 200)
    mask = disc(img.shape[:2], 30)
    outs = [pipeline.repair(with_content_under(img, mask, kind), mask, engine=name).rgb
            for kind in ("original", "flat", "noise")]
    assert np.array_equal(outs[0], outs[1]) and np.array_equal(outs[0], outs[2])


def fill(photo, mask, engine="auto"):
    """The pipeline's fill with the hole greyed out first, so nothing of the truth is read."""
    return pipeline.repair(with_content_under(photo, mask, "flat"), mask, engine=engine, dilate=0, feather=0).rgb


def grey(img):
    return cv2.cvtColor(img, cv2.COLOR_RGB2GRAY).astype(np.float64)


def test_stripes_crossing_a_hole_are_continued():
    """8 px stripes, 3.5 periods across the hole: the fill is the truth, moved by at most 2 px."""
    photo = stripes(96, 96)
    mask = disc(photo.shape[:2], 14)
    hole = mask > 0

    def misplaced(out):
        return min(float(np.abs(grey(out) - np.roll(grey(photo), shift, axis=1))[hole].mean())
                   for shift in range(-2, 3))

    assert misplaced(fill(photo, mask)) <= 2.0
    assert misplaced(fill(photo, mask, "telea")) > 15   # what a smear scores here


@pytest.mark.parametrize("period, radius, angle", [
    (p, r, a) for p in (8, 12, 16) for r in (16, 24, 32) for a in (0, 30)])
def test_stripes_of_every_width_and_angle_are_continued_across_discs_of_every_size(period, radius, angle):
    """The fill of 160 px stripes across a disc is within 5 grey levels of the truth on
    average: a block of stripes out of phase costs 15-20. Six of these failed from the
    third pass until level 2 refilled the averages around a compact hole (patch.py,
    COMPACT_MAX; bench/README.md, "Fourth pass")."""
    photo = stripes(160, 160, period=period, angle=angle)
    mask = disc(photo.shape[:2], radius)
    assert float(np.abs(grey(fill(photo, mask)) - grey(photo))[mask > 0].mean()) < 5


def test_the_mortar_rows_of_a_brick_wall_are_continued():
    """Row by row across the hole's inner square, the fill's brightness profile (mortar
    rows bright, bricks dark) is the truth's, moved by at most 2 px."""
    photo = bricks(256, 256)
    mask = disc(photo.shape[:2], 36)
    half = int(36 / np.sqrt(2))
    rows = slice(128 - half, 128 + half)

    def profile_error(out):
        profile = grey(out)[rows, rows].mean(axis=1)
        return min(float(np.abs(profile - np.roll(grey(photo), shift, axis=0)[rows, rows].mean(axis=1)).max())
                   for shift in range(-2, 3))

    assert profile_error(fill(photo, mask)) <= 20    # mortar 200, brick 85: a missing row costs ~100
    assert profile_error(fill(photo, mask, "telea")) > 50


def test_a_straight_horizon_crossing_a_hole_stays_straight():
    """Column by column, the horizon in the fill is where the truth has it, within 2 px.

    The issue asks for 2 px. The engine bent this horizon by 4 px at one point until the
    coarse levels kept the known pixels next to the hole (bench/README.md, "Third pass").
    """
    photo = edge(256, 256)
    mask = disc(photo.shape[:2], 36)
    hole = mask > 0
    columns = np.flatnonzero(hole.sum(axis=0) >= 12)

    def sky_rows(img):
        blurred = cv2.medianBlur(img, 5).astype(int)
        return ((blurred[:, :, 2] - blurred[:, :, 1]) > 0) & hole   # sky is bluer than green

    out_sky, true_sky = sky_rows(fill(photo, mask)), sky_rows(photo)
    offsets = [abs(int(out_sky[:, c].sum()) - int(true_sky[:, c].sum())) for c in columns]
    assert max(offsets) <= 2, offsets


def high_frequency_peak(grey):
    """The strongest peak of the high-passed spectrum over its median (a grid pattern is a spike)."""
    high = grey - cv2.GaussianBlur(grey, (0, 0), 2.0)
    power = np.abs(np.fft.fft2(high * np.outer(np.hanning(high.shape[0]), np.hanning(high.shape[1])))) ** 2
    power[0, 0] = 0
    return float(power.max() / np.median(power))


def test_no_pattern_appears_in_a_large_hole_on_flat_noise():
    rng = np.random.default_rng(4)
    photo = (np.full((320, 320, 3), 120.0) + rng.normal(0, 10, (320, 320, 3))).clip(0, 255).astype(np.uint8)
    mask = np.zeros((320, 320), np.uint8)
    mask[80:240, 80:240] = 255   # a quarter of the photo
    out = pipeline.repair(with_content_under(photo, mask, "flat"), mask, engine="auto").rgb
    grey = cv2.cvtColor(out, cv2.COLOR_RGB2GRAY).astype(np.float64)
    fill = high_frequency_peak(grey[96:224, 96:224])
    ring = max(high_frequency_peak(grey[y:y + 64, x:x + 128]) for y, x in ((0, 0), (256, 192), (0, 192)))
    assert fill <= 1.5 * ring, (fill, ring)
    # And the fill is noise like its surroundings, not a smear.
    assert 0.7 < grey[96:224, 96:224].std() / grey[:64, :128].std() < 1.3


def radial_sky(h, w):
    """A sky lit from one corner: no two places in it have the same shade and direction,
    so every copied piece lands a little off, as on a real sky."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    base = 60 + 170 * np.hypot(yy - 1.3 * h, xx + 0.3 * w) / (1.6 * h)
    noise = np.random.default_rng(3).normal(0, 3, (h, w, 3))
    return (np.dstack([base * 0.5, base * 0.75, base]) + noise).clip(0, 255).astype(np.uint8)


def test_copied_pieces_are_shaded_to_fit_a_gradient():
    # The copies are fused in the gradient domain: their shade follows the sky's around
    # the hole. Without it, pieces copied from lighter and darker parts left the outline
    # of the mask and seams inside the fill (95th percentile of the smoothed error 7.5
    # grey levels; with the fusion 4.3).
    img = radial_sky(256, 256)
    mask = disc(img.shape[:2], 70)
    out = engines.get("patch").inpaint(img, mask, seed=0)

    def smooth(a):
        return cv2.GaussianBlur(a.astype(np.float32), (0, 0), 3)

    error = np.abs(smooth(out) - smooth(img)).max(axis=2)[mask > 0]
    assert np.percentile(error, 95) < 6.0


def test_strips_of_sky_between_the_strokes_of_a_mask_are_copied_from():
    # A free-form mask leaves only strips of sky 10 px wide between its strokes, and a
    # block covers the sky down to near the horizon. The sky must be filled with sky:
    # when the pyramid dropped those strips (a coarser pixel was known only from a quarter
    # of its footprint) the coarse levels had no sky to copy and the fill got blocks of
    # the textured ground below (places 13448; main fails here).
    rng = np.random.default_rng(3)
    h, w = 256, 320
    rows = np.arange(h)[:, None]
    sky = np.stack([80 + 0.4 * rows, 130 + 0.3 * rows, 225 + 0 * rows], -1)[:100] + rng.normal(0, 2, (100, w, 3))
    blocks = cv2.resize(rng.integers(70, 210, (20, 40)).astype(np.float32), (w, h - 100), interpolation=cv2.INTER_NEAREST)
    ground = (blocks + rng.normal(0, 12, (h - 100, w)))[:, :, None] * np.array([1, 1, 1.05])
    img = np.clip(np.vstack([sky, ground]), 0, 255).astype(np.uint8)
    mask = np.zeros((h, w), np.uint8)
    mask[:90, :130] = 255
    for x in range(150, w - 20, 40):
        mask[10:200, x:x + 30] = 255
    out = pipeline.repair(img, mask, engine="auto", dilate=0, feather=0, seed=0).rgb.astype(int)
    in_sky = (mask > 0) & (rows < 96)
    # Sky is blue well above red and smooth; the ground is grey and coarse.
    assert ((out[..., 2] - out[..., 0])[in_sky] > 60).mean() > 0.95
    assert out[in_sky].std(axis=0).max() < 15


def test_a_large_hole_across_the_horizon_leaves_no_haze_of_the_field_over_the_sky():
    # A hole over most of the photo (59 %), from the top edge down across the horizon:
    # a hump of field is copied up into the sky. Fitting the copied pieces to each other
    # spread the field's green as a haze far into the sky above it (before: 32 % of the
    # sky's fill more than 25 grey levels off, 95th percentile 80); a large hole keeps
    # the seams between pieces of different content (patch.LARGE_HOLE), so only the hump
    # is off (4 %, 95th percentile 10; seeds 0-3 alike).
    h, w = 256, 320
    rng = np.random.default_rng(4)
    yy = np.arange(h, dtype=np.float64)[:, None, None]
    sky = np.concatenate([120 + 0.5 * yy, 165 + 0.4 * yy, 235 + 0 * yy], axis=2) + rng.normal(0, 2, (h, w, 3))
    grass = cv2.GaussianBlur(rng.normal(0, 1, (h, w)), (0, 0), 1.5)[:, :, None] * [24, 40, 16] + [95, 130, 40]
    below = yy[:, :, 0] >= h / 2
    img = np.where(below[:, :, None], grass, sky).clip(0, 255).astype(np.uint8)
    mask = np.zeros((h, w), np.uint8)
    mask[:200, 40:280] = 255
    out = pipeline.repair(img, mask, engine="auto", dilate=0, feather=0, seed=0).rgb
    above = (mask > 0) & (yy[:, :, 0] < h / 2 - 8)
    off = np.abs(out.astype(int) - img).max(axis=2)[above]
    assert (off > 25).mean() < 0.1


@pytest.mark.parametrize("seed", [0, 1])
def test_a_large_hole_keeps_the_horizon_level_instead_of_growing_a_hill_of_field_into_the_sky(seed):
    # As places 28028: sky known at the top left, field along the bottom; the hole (68 %)
    # covers the right part from the top edge and a band across the whole width in which
    # the horizon lies. The coarsest level's first guess decides the layout: Telea's
    # spread the field up from the bottom as far as the sky from the left, and the fill
    # copied a hill of field into the sky (a quarter of the sky's part of the hole green,
    # seeds 0-2); spread along the rows (patch.LAYERED), the horizon runs on level (none).
    h, w, horizon = 256, 320, 190
    rng = np.random.default_rng(4 + seed)
    yy = np.arange(h, dtype=np.float64)[:, None, None]
    sky = np.concatenate([120 + 0.5 * yy, 165 + 0.4 * yy, 235 + 0 * yy], axis=2) + rng.normal(0, 2, (h, w, 3))
    grass = cv2.GaussianBlur(rng.normal(0, 1, (h, w)), (0, 0), 1.5)[:, :, None] * [24, 40, 16] + [95, 130, 40]
    img = np.where(yy >= horizon, grass, sky).clip(0, 255).astype(np.uint8)
    mask = np.zeros((h, w), np.uint8)
    mask[:230, 120:] = 255
    mask[150:230, :] = 255
    out = pipeline.repair(img, mask, engine="auto", dilate=0, feather=0, seed=seed).rgb.astype(int)
    green = out[:, :, 1] - out[:, :, 2] > 40  # the grass's green is ~90 above its blue; the sky's below
    rows = yy[:, :, 0]
    assert green[(mask > 0) & (rows < horizon - 8)].mean() < 0.05
    assert (~green)[(mask > 0) & (rows >= horizon + 8)].mean() < 0.05


@pytest.mark.parametrize("seed", [0, 1])
def test_a_large_hole_copies_its_own_layer_not_a_smooth_one_from_other_rows(seed):
    # As places 20502 and 30354: across most of the hole's rows nothing is known but a
    # strip at the right, so the coarsest level's guess there is that strip's mean, flat;
    # a flat layer of the same colour lies far above, and a flat guess matches it better
    # than the rough texture of its own rows. 799920d pasted the flat layer into the whole
    # hole (all of it flat, seeds 0-4); weighing the rows a source lies from its target
    # (patch.ROW_COST) keeps most of it rough (27-81 % flat).
    h, w = 192, 256
    rng = np.random.default_rng(seed)
    yy = np.arange(h)[:, None, None]
    flat = np.array([150, 100, 70]) + rng.normal(0, 1.5, (h, w, 3))
    sky = np.array([120, 170, 230]) + rng.normal(0, 2, (h, w, 3))
    rough = cv2.GaussianBlur(rng.normal(0, 1, (h, w)), (0, 0), 1.2)[:, :, None] * [70, 55, 45] + [150, 100, 70]
    img = np.where(yy < 36, flat, np.where(yy < 72, sky, rough)).clip(0, 255).astype(np.uint8)
    mask = np.zeros((h, w), np.uint8)
    mask[84:h - 6, :w - 48] = 255  # 43 % of the photo, to the left edge
    out = pipeline.repair(img, mask, engine="auto", dilate=0, feather=0, seed=seed).rgb.astype(np.float32)
    grey = out.mean(axis=2)
    spread = np.sqrt(np.maximum(cv2.blur(grey * grey, (5, 5)) - cv2.blur(grey, (5, 5)) ** 2, 0))
    inside = mask > 0
    inside[:92], inside[-10:], inside[:, :4] = False, False, False  # clear of the hole's border
    assert (spread[inside] < 6).mean() < 0.9


def slope(h, w, *, angle):
    """Grass below a straight boundary tilted by `angle` degrees, sea above (`grass_and_sea`)."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    return grass_and_sea((yy - h / 2) * np.cos(np.radians(angle)) - (xx - w / 2) * np.sin(np.radians(angle)) > 0)


def grass_and_sea(below):
    """Grass where `below` (H, W) bool, sea elsewhere: each with a grain of its own
    (blotches in the grass, waves stretched along the rows in the sea)."""
    h, w = below.shape
    rng = np.random.default_rng(3)
    grain = cv2.GaussianBlur(rng.normal(0, 1, (h, w)), (0, 0), 2.0) * 40
    waves = cv2.GaussianBlur(rng.normal(0, 1, (h, w)), (0, 0), sigmaX=6, sigmaY=1) * 40
    grass = np.dstack([80 + grain, 120 + grain, 60 + grain / 2])
    sea = np.dstack([120 + waves, 140 + waves, 175 + waves])
    img = np.where(below[:, :, None], grass, sea) + rng.normal(0, 4, (h, w, 3))
    return img.clip(0, 255).astype(np.uint8)


@pytest.mark.parametrize("seed", [0, 1])
def test_a_slope_crossing_the_corner_of_a_hole_is_continued_without_a_notch(seed):
    """As objects 06343: a slope of grass against the sea crosses the lower part of an
    object-sized hole. The search copied the slope's edge again, shifted up into the sea
    (a notch of grass, 13 and 16 px too high in some column before, seeds 0 and 1); the
    boundary fitted across the hole (patch._Sides) keeps it within 2 px, column by column."""
    h = w = 256
    angle = 35.0
    photo = slope(h, w, angle=angle)
    mask = np.zeros((h, w), np.uint8)
    centre_y = int(h / 2 - 30 / np.cos(np.radians(angle)))  # 30 px above the slope
    cv2.ellipse(mask, (w // 2, centre_y), (30, 36), 20, 0, 360, 255, -1)
    hole = mask > 0
    out = pipeline.repair(with_content_under(photo, mask, "flat"), mask, engine="auto", dilate=0, feather=0,
                          seed=seed).rgb

    def grass(img):
        blurred = cv2.medianBlur(img, 5).astype(int)
        return ((blurred[:, :, 1] - blurred[:, :, 2]) > 0) & hole   # grass is greener than blue

    columns = np.flatnonzero(hole.sum(axis=0) >= 12)
    got, truth = grass(out), grass(photo)
    offsets = [abs(int(got[:, c].sum()) - int(truth[:, c].sum())) for c in columns]
    assert max(offsets) <= 2, offsets


def valley(h, w, *, depth):
    """As `slope`, but the boundary is a parabola dipping `depth` px in the middle of the
    photo (a treeline's valley), and its ends rise to h / 2 at the left and right edges."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    return grass_and_sea(yy > h / 2 + depth * (1 - ((xx - w / 2) / (w / 2)) ** 2))


@pytest.mark.parametrize("seed", [0, 1])
def test_a_curved_boundary_through_a_hole_is_continued_as_a_curve(seed):
    """As objects 13972's treeline: a boundary that curves through an object-sized hole
    fails the straightness check, and the search copied its edge from the sides, where it
    is higher, into the hole: grass poked up into the sea, 19 and 17 px off the truth in
    some column on d43a54f (seeds 0 and 1). A parabola through where the boundary enters
    and leaves, bent to its slopes outside (patch._Sides, held at the coarse levels),
    keeps every column within 8 px (6 and 5)."""
    h = w = 256
    depth = 60
    photo = valley(h, w, depth=depth)
    mask = np.zeros((h, w), np.uint8)
    cv2.ellipse(mask, (w // 2, h // 2 + depth - 15), (40, 34), 0, 0, 360, 255, -1)  # 15 px above the bottom
    hole = mask > 0
    out = pipeline.repair(with_content_under(photo, mask, "flat"), mask, engine="auto", dilate=0, feather=0,
                          seed=seed).rgb

    def grass(img):
        blurred = cv2.medianBlur(img, 5).astype(int)
        return ((blurred[:, :, 1] - blurred[:, :, 2]) > 0) & hole

    columns = np.flatnonzero(hole.sum(axis=0) >= 12)
    got, truth = grass(out), grass(photo)
    offsets = [abs(int(got[:, c].sum()) - int(truth[:, c].sum())) for c in columns]
    assert max(offsets) <= 8, offsets


def _fused_seam(right_source_noise):
    """A large hole's fusion (keep_seams) of a copy whose left half came from the dark end
    of a smooth sky and whose right half from its pale end (or, with noise, from a rough
    field of the same shade): the step across the seam between the halves, after fusing."""
    from repairapp.engines import patch

    h, w, r = 64, 96, patch.PATCH_RADIUS
    xx = np.broadcast_to(np.arange(w, dtype=np.float64), (h, w))
    sky = 100 + 60 * xx / (w - 1)                                  # dark on the left, pale on the right
    image = np.dstack([sky, sky + 20, np.full((h, w), 230.0)])
    image[48:, 72:] += np.random.default_rng(0).normal(0, right_source_noise, (h - 48, w - 72, 3))
    image = image.clip(0, 255).astype(np.uint8)
    hole = np.zeros((h, w), bool)
    hole[8:40, 24:72] = True
    level = patch._Level(image, hole, r, hole)
    left, right, seam = (20, 20), (76, 56), 48                     # sources (x, y), the seam's column
    copy = image.copy()
    level.source_of = np.full((level.hp, level.wp, 2), -1, np.int16)
    for (sx, sy), cols in ((left, slice(24, seam)), (right, slice(seam, 72))):
        copy[8:40, cols] = image[sy, sx]
        level.source_of[8 + r:40 + r, cols.start + r:cols.stop + r] = (sx + r, sy + r)
    level.set_hole_pixels(copy)
    level.fuse(keep_seams=True, fit_flat_seams=True)
    out = level.result(image).astype(float)
    return np.abs(out[10:38, seam] - out[10:38, seam - 1]).max()


def test_a_large_hole_blends_two_shades_of_one_sky_but_keeps_a_field_beside_the_sky():
    """In a large hole the seams between copied pieces of different content are kept
    (a field's piece beside a sky's), but two flat pieces copied from two shades of one
    sky are fitted to each other: the kept seam was a vertical edge through places
    13448's sky. d43a54f kept both seams (a step of 35 grey levels in the sky; 6 here)."""
    import repairapp.engines.patch as patch

    assert _fused_seam(0) < 10                          # two shades of one sky: blended
    assert _fused_seam(25) > patch.FUSE_EDGE            # a rough field beside the sky: kept


def grain_beside_smooth(size=192, *, seed=0):
    """Grain on the left half (grey-level noise, sigma ~20), a smooth shading on the right
    half, the same mean colour: at the coarse levels the two halves look alike."""
    rng = np.random.default_rng(seed)
    grain = cv2.GaussianBlur(rng.normal(0, 18, (size, size)).astype(np.float32), (0, 0), 0.8) * 1.6
    img = np.tile(np.array([120, 110, 95], np.float32), (size, size, 1))
    img[:, :size // 2] += grain[:, :size // 2, None]
    img[:, size // 2:] += np.linspace(-10, 10, size, dtype=np.float32)[:, None, None]
    return np.clip(img, 0, 255).astype(np.uint8)


def busyness(rgb, mask):
    """Mean |Laplacian| of the grey levels over the mask (bench/engines/common.py's texture measure)."""
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32)
    return float(np.abs(cv2.Laplacian(grey, cv2.CV_32F))[mask > 0].mean())


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_stroke_in_grain_beside_a_smooth_region_is_filled_with_grain(seed):
    # A 24 px stroke in the grain, its edge 14 px from the smooth half. The fine levels'
    # first guess is the coarser level's blur, which matched the smooth half's patches
    # best: the fill came out with 0.17-0.18 of the grain's busyness (799920d fails
    # here). With the busyness feature (patch.GUIDE_RADIUS) 0.85-0.89.
    img = grain_beside_smooth(seed=seed)
    mask = np.zeros(img.shape[:2], np.uint8)
    cv2.line(mask, (70, 30), (70, 162), 255, 24)
    result = pipeline.repair(with_content_under(img, mask, "flat"), mask, engine="auto", seed=0)
    assert busyness(result.rgb, result.mask) >= 0.85 * busyness(img, result.mask)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_stroke_in_a_smooth_region_beside_grain_stays_smooth(seed):
    # The same photo mirrored: the stroke lies in the smooth half, 14 px from the grain.
    img = np.ascontiguousarray(grain_beside_smooth(seed=seed)[:, ::-1])
    mask = np.zeros(img.shape[:2], np.uint8)
    cv2.line(mask, (70, 30), (70, 162), 255, 24)
    result = pipeline.repair(with_content_under(img, mask, "flat"), mask, engine="auto", seed=0)
    assert busyness(result.rgb, result.mask) <= 1.15 * busyness(img, result.mask)
