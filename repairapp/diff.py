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

    def as_dict(self) -> dict:
        return {
            "mask_pixels": self.mask_pixels,
            "changed_inside_mask": self.changed_inside_mask,
            "changed_outside_mask": self.changed_outside_mask,
            "changed_fraction": self.changed_fraction,
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
            changed: np.ndarray | None = None) -> DiffFigures:
    """before/after: (H, W, 3) uint8; mask: (H, W) uint8, nonzero = allowed to change.
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
