"""The visual diff between two versions: pure numpy, arrays in, arrays and figures out."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class DiffFigures:
    mask_pixels: int           # pixels the repair was allowed to change
    changed_inside_mask: int   # pixels that differ inside the mask
    changed_outside_mask: int  # pixels that differ outside it: must always be 0
    changed_fraction: float    # changed pixels / all pixels
    # Pixels that differ outside the mask as painted, before it was grown (dilate N lets
    # pixels up to N px from it change); None when the painted mask is not given.
    changed_outside_painted: int | None = None

    def as_dict(self) -> dict:
        return {
            "mask_pixels": self.mask_pixels,
            "changed_inside_mask": self.changed_inside_mask,
            "changed_outside_mask": self.changed_outside_mask,
            "changed_fraction": self.changed_fraction,
            "changed_outside_painted": self.changed_outside_painted,
        }


def bounding_box(mask: np.ndarray) -> dict:
    """{x, y, width, height} of the nonzero pixels of (H, W) `mask`; {} when empty."""
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if rows.size == 0:
        return {}
    return {"x": int(cols[0]), "y": int(rows[0]), "width": int(cols[-1] - cols[0] + 1), "height": int(rows[-1] - rows[0] + 1)}


def changed_pixels(before: np.ndarray, after: np.ndarray) -> np.ndarray:
    """(H, W) bool: where any channel differs. before/after: (H, W, C) of one dtype."""
    if before.shape != after.shape:
        raise ValueError(f"before {before.shape} and after {after.shape} differ in shape")
    different = before != after
    # OR-ing the channel planes is ~9x faster than np.any(axis=2) on a short last axis.
    changed = different[:, :, 0].copy()
    for channel in range(1, different.shape[2]):
        changed |= different[:, :, channel]
    return changed


def figures(before: np.ndarray, after: np.ndarray, mask: np.ndarray, *,
            changed: np.ndarray | None = None, painted: np.ndarray | None = None) -> DiffFigures:
    """before/after: (H, W, 3) uint8; mask: (H, W) uint8, nonzero = allowed to change
    (the grown mask); painted: (H, W), the mask as drawn before it was grown, if known.
    `changed` is changed_pixels(before, after) when the caller already has it."""
    if changed is None:
        changed = changed_pixels(before, after)
    inside = mask > 0
    total = changed.size
    n_changed = int(changed.sum())
    n_inside = int(np.count_nonzero(changed & inside))
    return DiffFigures(
        mask_pixels=int(np.count_nonzero(inside)),
        changed_inside_mask=n_inside,
        changed_outside_mask=n_changed - n_inside,
        changed_fraction=n_changed / total if total else 0.0,
        changed_outside_painted=None if painted is None else n_changed - int(np.count_nonzero(changed & (painted > 0))),
    )


def window(mask: np.ndarray, margin: int) -> tuple[slice, slice] | None:
    """Row and column slices of the nonzero pixels' box grown by `margin`, within the
    image; None when `mask` is empty. Work that only matters near the mask runs here,
    so its cost follows the masked area, not the photo's size."""
    box = bounding_box(mask)
    if not box:
        return None
    height, width = mask.shape[:2]
    return (slice(max(0, box["y"] - margin), min(height, box["y"] + box["height"] + margin)),
            slice(max(0, box["x"] - margin), min(width, box["x"] + box["width"] + margin)))


def heatmap(before: np.ndarray, after: np.ndarray, *, changed: np.ndarray | None = None) -> np.ndarray:
    """(H, W, 3) uint8: the 'after' photo dimmed to grey, changed pixels painted by how
    much they changed (dark red → yellow), so small and large edits both show.
    `changed` is changed_pixels(before, after) when the caller already has it."""
    if changed is None:
        changed = changed_pixels(before, after)
    # Integer luma (BT.601 weights /256), dimmed to 35 % and lifted so black stays visible.
    grey = (after[:, :, 0].astype(np.uint16) * 77 + after[:, :, 1].astype(np.uint16) * 150
            + after[:, :, 2].astype(np.uint16) * 29) >> 8
    out = np.repeat(((grey * 90 >> 8) + 20).astype(np.uint8)[:, :, None], 3, axis=2)
    rows_cols = window(changed, 0)
    if rows_cols is None:
        return out
    rows, cols = rows_cols
    hit = changed[rows, cols]
    delta = np.abs(after[rows, cols].astype(np.int16) - before[rows, cols].astype(np.int16)).max(axis=2)[hit]
    # Even a 1-level change must be visible: floor the strength, then scale up to yellow.
    strength = np.clip(0.35 + delta.astype(np.float32) / 96.0, 0.0, 1.0)[:, None]
    hot = np.concatenate([np.full_like(strength, 255.0), 255.0 * (strength - 0.35) / 0.65 * 0.95,
                          np.zeros_like(strength)], axis=1)
    hot_alpha = 0.55 + 0.45 * strength
    region = out[rows, cols]
    region[hit] = np.clip(region[hit] * (1 - hot_alpha) + hot * hot_alpha, 0, 255).astype(np.uint8)
    return out


def _grow(mask: np.ndarray, steps: int) -> np.ndarray:
    """Binary dilation by `steps` px with a 3×3 cross, in numpy (no OpenCV here)."""
    out = mask.copy()
    for _ in range(steps):
        grown = out.copy()
        grown[1:, :] |= out[:-1, :]
        grown[:-1, :] |= out[1:, :]
        grown[:, 1:] |= out[:, :-1]
        grown[:, :-1] |= out[:, 1:]
        out = grown
    return out


SEAM_FLAG = 2.0  # a border twice as busy as its surroundings is visible to the eye


def seam_score(after: np.ndarray, mask: np.ndarray) -> float | None:
    """How strongly the fill's border stands out: mean gradient magnitude of `after`
    on the mask's boundary (1 px either side) ÷ the same in the band 3–6 px outside it,
    which the repair never touched. ~1 = seamless; above SEAM_FLAG a seam shows.
    None when there is no untouched band to compare with (a mask covering everything).
    """
    rows_cols = window(mask, 8)
    if rows_cols is None:
        return None
    after, mask = after[rows_cols], mask[rows_cols]
    inside = mask > 0
    grey = after.astype(np.float32) @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    gy, gx = np.gradient(grey)
    magnitude = np.hypot(gx, gy)
    boundary = _grow(inside, 1) & _grow(~inside, 1)
    outer = _grow(inside, 6) & ~_grow(inside, 2)
    if not outer.any() or not boundary.any():
        return None
    surroundings = float(magnitude[outer].mean())
    return float(magnitude[boundary].mean()) / max(surroundings, 1.0)


TEXTURE_FLAG = 0.5  # a fill with under half the detail of its surroundings reads as a smear
_FLAT = 2.0  # surroundings this smooth (studio backdrop, sky) have no texture to match


def texture_ratio(after: np.ndarray, mask: np.ndarray) -> float | None:
    """How much fine detail the fill carries compared with what surrounds it: mean
    |Laplacian| of `after` inside the mask ÷ the same in the band 3–12 px outside.
    ~1 = as detailed as the surroundings; well below 1 = a smooth smear. None when
    the surroundings are themselves flat, or there are none."""
    rows_cols = window(mask, 14)
    if rows_cols is None:
        return None
    after, mask = after[rows_cols], mask[rows_cols]
    inside = mask > 0
    grey = after.astype(np.float32) @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    lap = np.zeros_like(grey)
    lap[1:-1, 1:-1] = np.abs(
        grey[:-2, 1:-1] + grey[2:, 1:-1] + grey[1:-1, :-2] + grey[1:-1, 2:] - 4 * grey[1:-1, 1:-1]
    )
    core = inside & ~_grow(~inside, 1)  # the fill without its 1 px rim, which touches the seam
    outer = _grow(inside, 12) & ~_grow(inside, 3)
    if not core.any() or not outer.any():
        return None
    surroundings = float(lap[outer].mean())
    if surroundings < _FLAT:
        return None
    return float(lap[core].mean()) / surroundings


def _box_blur(grey: np.ndarray, radius: int) -> np.ndarray:
    """Mean over a (2r+1)² box, edges clamped; summed-area table, so any radius costs the same."""
    padded = np.pad(grey, radius + 1, mode="edge").astype(np.float64)
    table = padded.cumsum(0).cumsum(1)
    side = 2 * radius + 1
    h, w = grey.shape
    total = (table[side:side + h, side:side + w] - table[:h, side:side + w]
             - table[side:side + h, :w] + table[:h, :w])
    return (total / (side * side)).astype(np.float32)


def _surroundings(mask: np.ndarray, *, max_side: int) -> tuple[tuple[slice, slice], int] | None:
    """The hole's box with a quarter of its size (at least 12 px) around it, and the
    stride that brings its longer side under `max_side`. Every pixel of the window
    outside the mask counts as the fill's surroundings: a large fill may rightly draw
    on content far from its border."""
    box = bounding_box(mask)
    if not box:
        return None
    margin = max(12, max(box["width"], box["height"]) // 4)
    rows_cols = window(mask, margin)
    side = max(rows_cols[0].stop - rows_cols[0].start, rows_cols[1].stop - rows_cols[1].start)
    return rows_cols, max(1, -(-side // max_side))


PERIODIC_FLAG = 5.0  # calibrated: the truth reaches 4.75 at most, a dotted smear 19 (median; bench/engines/judge/README.md)
PERIODIC_SIDE = 384  # windows wider than this are sampled every n-th pixel (the FFT's cost)
# The full-resolution tile looked at besides a sampled window: a 2-3 px pattern is lost
# when the window is sampled, and one tile of 384² px costs a few FFTs at any photo size.
PERIODIC_TILE = 384
_SHORTEST_FREQUENCY = 1 / 24  # cycles per px: longer periods are the hole's shape, not a texture
_GREY = np.array([0.299, 0.587, 0.114], dtype=np.float32)


def _spectral_peak(hp: np.ndarray, region: np.ndarray) -> tuple[float, float]:
    """(strongest non-low frequency's power ÷ the mean power, the same ÷ the region's
    pixel count) of `hp` inside `region`: how concentrated, and how strong."""
    values = np.where(region, hp - hp[region].mean(), 0.0).astype(np.float32)
    # Zero-padded to a multiple of 64: FFT sizes with large prime factors are slow.
    size = tuple(-(-n // 64) * 64 for n in values.shape)
    power = np.abs(np.fft.rfft2(values, s=size)) ** 2
    fy = np.fft.fftfreq(size[0])[:, None]
    fx = np.fft.rfftfreq(size[1])[None, :]
    band = power[np.hypot(fy, fx) >= _SHORTEST_FREQUENCY]
    peak, mean = float(band.max()), float(band.mean())
    return (peak / mean if mean > 0 else 0.0), peak / int(region.sum())


def _high_pass(rgb: np.ndarray) -> np.ndarray:
    """(H, W) float32: grey minus its 5×5 mean, the detail where a fine pattern shows."""
    grey = rgb.astype(np.float32) @ _GREY
    return grey - _box_blur(grey, 2)


def _peak_ratio(fill: tuple[float, float], ring: tuple[float, float]) -> float | None:
    """The lesser of how much more concentrated and how much stronger per pixel the
    fill's peak is than the ring's; None when the ring is flat (nothing to compare with)."""
    if ring[0] == 0 or ring[1] < 1.0:
        return None
    return min(fill[0] / ring[0], fill[1] / ring[1])


def _deepest(inside: np.ndarray) -> tuple[int, int]:
    """(row, col) of a pixel of `inside` farthest from its border (in the square, L∞
    sense; past the array's edge counts as border): the largest r whose (2r+1)² box
    fits inside, found by halving on one summed-area table."""
    height, width = inside.shape
    pad = min(height, width) // 2 + 1
    table = np.pad(inside, pad).astype(np.int32).cumsum(0).cumsum(1)

    def fitting(radius: int) -> np.ndarray:
        lo, hi = pad - radius - 1, pad + radius
        total = (table[hi:hi + height, hi:hi + width] - table[lo:lo + height, hi:hi + width]
                 - table[hi:hi + height, lo:lo + width] + table[lo:lo + height, lo:lo + width])
        return total == (2 * radius + 1) ** 2

    fits, low, high = inside, 0, pad - 1
    while low < high:
        radius = (low + high + 1) // 2
        found = fitting(radius)
        if found.any():
            fits, low = found, radius
        else:
            high = radius - 1
    deepest = np.argwhere(fits)
    row, col = deepest[len(deepest) // 2]
    return int(row), int(col)


def _tile(centre: int, size: int, length: int) -> slice:
    """`size` px around `centre`, shifted to lie within 0..length."""
    start = min(max(0, centre - size // 2), max(0, length - size))
    return slice(start, min(length, start + size))


def _tile_periodicity(after: np.ndarray, mask: np.ndarray, box: dict, centre: tuple[int, int]) -> float | None:
    """Periodicity at full resolution: one PERIODIC_TILE tile of the fill around `centre`
    against a tile of known pixels just past the hole's box on each side (left, right,
    above, below) that has enough of them. The fill is compared with each side and the
    least ratio kept: a pattern the photo has on any side (a fence, tiles) may rightly
    run on into the hole."""
    height, width = mask.shape
    rows, cols = _tile(centre[0], PERIODIC_TILE, height), _tile(centre[1], PERIODIC_TILE, width)
    hole = mask[rows, cols] > 0
    core = hole & ~_grow(~hole, 2)
    if core.sum() < 256:
        return None
    fill = _spectral_peak(_high_pass(after[rows, cols]), core)
    top, left = box["y"], box["x"]
    bottom, right = top + box["height"], left + box["width"]
    sides = ((rows, slice(max(0, left - PERIODIC_TILE), left)), (rows, slice(right, min(width, right + PERIODIC_TILE))),
             (slice(max(0, top - PERIODIC_TILE), top), cols), (slice(bottom, min(height, bottom + PERIODIC_TILE)), cols))
    ratios = []
    for side_rows, side_cols in sides:
        known = ~_grow(mask[side_rows, side_cols] > 0, 2)
        # A sliver of a side (the hole near the photo's edge) has too few pixels for a spectrum.
        if known.sum() < PERIODIC_TILE * PERIODIC_TILE // 4:
            continue
        ratio = _peak_ratio(fill, _spectral_peak(_high_pass(after[side_rows, side_cols]), known))
        if ratio is not None:
            ratios.append(ratio)
    return min(ratios) if ratios else None


def periodicity(after: np.ndarray, mask: np.ndarray) -> float | None:
    """A regular pattern in the fill that its surroundings lack (a dotted screen door,
    stamped tiles), from the high-pass spectra of the fill and of its surroundings:
    the lesser of how much more concentrated the fill's strongest peak is and how much
    stronger it is per pixel. A smear (weak) or plain noise (not concentrated) stays
    low; ~1 = no pattern the photo lacks; above PERIODIC_FLAG a pattern shows. Windows
    wider than PERIODIC_SIDE are sampled every n-th pixel to bound the cost, which loses
    a pattern whose period divides that step; so they are also looked at in one
    full-resolution tile where the fill is deepest, against tiles of known pixels on
    each side of the hole, and the higher of the two looks counts. None when the fill
    or its surroundings are too small (under 16×16 px) to have a spectrum, or the
    surroundings are flat."""
    found = _surroundings(mask, max_side=PERIODIC_SIDE)
    if found is None:
        return None
    (rows, cols), stride = found
    sampled, inside = after[rows, cols][::stride, ::stride], (mask[rows, cols] > 0)[::stride, ::stride]
    core = inside & ~_grow(~inside, 2)
    outer = ~_grow(inside, 2)
    if core.sum() < 256 or outer.sum() < 256:
        return None
    hp = _high_pass(sampled)
    looks = [_peak_ratio(_spectral_peak(hp, core), _spectral_peak(hp, outer))]
    # The deepest point needs no precision (the tile is PERIODIC_TILE wide): found on every
    # 4th sampled pixel, its search costs nothing beside the FFTs. A fill too thin to
    # show there (strokes) is too thin to fill a tile either.
    coarse = core[::4, ::4]
    if stride > 1 and coarse.any():
        step = 4 * stride
        row, col = _deepest(coarse)
        centre = (rows.start + row * step + step // 2, cols.start + col * step + step // 2)
        # The hole's box from the sampled window, not another pass over the photo: up to a
        # step off, which only moves a side's tile; its known pixels are taken from the mask.
        box = bounding_box(inside)
        box = {"y": rows.start + box["y"] * stride, "x": cols.start + box["x"] * stride,
               "height": box["height"] * stride, "width": box["width"] * stride}
        looks.append(_tile_periodicity(after, mask, box, centre))
    looks = [look for look in looks if look is not None]
    return max(looks) if looks else None


FOREIGN_FLAG = 0.15  # a sixth of the fill in colours found nowhere around it
_COLOUR_BIN = 16  # levels per bin: 16³ bins; neighbouring bins count as the same colour


def foreign_share(after: np.ndarray, mask: np.ndarray) -> float | None:
    """The share of the fill whose colour occurs nowhere in its surroundings (colours
    binned 16 levels wide, a bin and its neighbours counting as found): content pasted
    from elsewhere — a bench slat on pavement, wood grain on a white saucer — scores
    high; a fill made of its surroundings scores ~0. None when there are no
    surroundings (a mask covering everything)."""
    found = _surroundings(mask, max_side=512)
    if found is None:
        return None
    (rows, cols), stride = found
    after, inside = after[rows, cols][::stride, ::stride], (mask[rows, cols] > 0)[::stride, ::stride]
    outer = ~_grow(inside, 2)
    if not outer.any():
        return None
    bins = 256 // _COLOUR_BIN
    index = (after // _COLOUR_BIN).astype(np.int32)
    flat = (index[..., 0] * bins + index[..., 1]) * bins + index[..., 2]
    counts = np.bincount(flat[outer], minlength=bins ** 3).reshape(bins, bins, bins)
    # A colour seen in a handful of pixels (noise, a compression speck) is not the surroundings'.
    present = counts >= max(2, int(outer.sum() * 0.0005))
    near = present.copy()
    for axis in range(3):
        shifted = np.zeros_like(near)
        moved = np.moveaxis(near, axis, 0)
        target = np.moveaxis(shifted, axis, 0)
        target[1:] |= moved[:-1]
        target[:-1] |= moved[1:]
        near |= shifted
    fill = flat[inside]
    if fill.size == 0:
        return None
    return float(np.count_nonzero(~near.reshape(-1)[fill])) / fill.size


STRUCTURE_FLAG = 0.6  # calibrated on judged fills (bench/engines/judge/README.md)


def structure_ratio(after: np.ndarray, mask: np.ndarray) -> float | None:
    """How much of its surroundings' mid-scale structure the fill keeps (the shapes of
    stones, leaves, waves; 4-8 px): mean |box blur r2 - box blur r4| of `after` inside
    the fill, 4 px in from its border, ÷ the same in the band 4-20 px outside. A
    blurred fill with fine grain on top passes texture_ratio (its finest detail is
    there) but not this. ~1 = as structured as around it. None when the fill is too
    thin to have a core, or the surroundings are flat."""
    box = bounding_box(mask)
    if not box:
        return None
    # Holes wider than 768 px are sampled every n-th pixel: the scale then grows with the
    # hole (8 px at 2 MP is a smaller shape than at 24 MP), and the cost stays bounded.
    stride = max(1, -(-max(box["width"], box["height"]) // 768))
    rows, cols = window(mask, 22 * stride)
    after, inside = after[rows, cols][::stride, ::stride], (mask[rows, cols] > 0)[::stride, ::stride]
    grey = after.astype(np.float32) @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    band = np.abs(_box_blur(grey, 2) - _box_blur(grey, 4))
    core = inside & ~_grow(~inside, 4)
    outer = _grow(inside, 20) & ~_grow(inside, 4)
    if core.sum() < 64 or not outer.any():
        return None
    surroundings = float(band[outer].mean())
    if surroundings < 0.5:
        return None
    return float(band[core].mean()) / surroundings


TEXTURE_HIGH_FLAG = 2.0  # twice the detail of the surroundings: noise, facets, pasted texture


def fill_flags(*, seam_score: float | None, texture_ratio: float | None, structure_ratio: float | None = None,
               periodicity: float | None = None, foreign_share: float | None = None) -> list[tuple[str, str]]:
    """What an editor would likely reject in a fill, from its checks: (code, one readable
    line) per flag, in the order a moderator should look. A check that could not be
    computed (None) raises nothing. Thresholds: bench/engines/judge/README.md."""
    flags = []
    if texture_ratio is not None and texture_ratio < TEXTURE_FLAG:
        flags.append(("smear", f"Smear: the fill has {texture_ratio:.2f}× the detail around it "
                               f"(below {TEXTURE_FLAG:g} it reads as a smooth smudge)."))
    elif structure_ratio is not None and structure_ratio < STRUCTURE_FLAG:
        flags.append(("blur", f"Blurred: the fill keeps {structure_ratio:.2f}× the structure around it "
                              f"(below {STRUCTURE_FLAG:g} shapes are smudged, even under fine grain)."))
    if texture_ratio is not None and texture_ratio > TEXTURE_HIGH_FLAG:
        flags.append(("detail", f"Too much detail: the fill is {texture_ratio:.1f}× as busy as around it "
                                f"(above {TEXTURE_HIGH_FLAG:g}: noise, facets or a pasted texture)."))
    if periodicity is not None and periodicity > PERIODIC_FLAG:
        flags.append(("pattern", f"Regular pattern: the fill repeats a pattern {periodicity:.1f}× stronger "
                                 f"than any around it (above {PERIODIC_FLAG:g}: a dotted or tiled look)."))
    if foreign_share is not None and foreign_share > FOREIGN_FLAG:
        flags.append(("foreign", f"Foreign content: {foreign_share:.0%} of the fill has colours found nowhere "
                                 f"around it (above {FOREIGN_FLAG:.0%}: something pasted in)."))
    if seam_score is not None and seam_score > SEAM_FLAG:
        flags.append(("seam", f"Seam: the fill's edge is {seam_score:.1f}× as sharp as its surroundings "
                              f"(above {SEAM_FLAG:g} the edge shows)."))
    return flags


def unchanged_flag(*, mask_pixels: int, changed_inside_mask: int) -> list[tuple[str, str]]:
    """The flag of a fill that changed nothing (the "repair" is a copy of its parent, so
    what was painted over is still there), as (code, reason) like fill_flags, in a list
    to add to theirs. Read from a version's counts: the worker does not record it."""
    if mask_pixels > 0 and changed_inside_mask == 0:
        return [("unchanged", f"Changed nothing: none of the {mask_pixels:,} masked pixels differs from the "
                              "version it was made from, so what was painted over is still there.")]
    return []
