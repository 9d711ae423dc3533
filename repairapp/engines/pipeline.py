"""One repair, from decoded arrays to the composited result.

This is what the worker, the `repair` command and the benchmarks call, so that all
three produce the same pixels for the same inputs.

The steps: grow the mask by `dilate` px (a brush rarely covers the anti-aliased rim
of what it paints over), fill each group of nearby mask components inside a crop
around it (cost follows the masked area, not the photo; a sparse group, such as one
long stroke across the photo, tile by tile along the mask), then soften the seam by
blending the fill with the original over `feather` px, inside the mask only.
Pixels outside the grown mask are never changed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import cv2
import numpy as np

from .. import imaging
from . import DEFAULT_ENGINE, get, regions
from .base import Engine, EngineError, check_inputs, paste

# Measured on the bench (bench/README.md, "Engines (issue 3)"), with auto, on text
# masked where it covers at least half a pixel: 0 px leaves the anti-aliased rim
# (a visible halo, seam ratio 1.24); 1-2 px take it; every px more costs ~0.7 dB.
# 2 px leaves room for a brush that is a little short.
DEFAULT_DILATE = 2
MAX_DILATE = 64
# A d px deep mask pixel takes d / (feather + 1) of the fill. 2 px brings the seam
# ratio of every mask kind into 0.87-0.90 (1 px: 0.75 on text, 0 px: 0.68).
DEFAULT_FEATHER = 2
MAX_FEATHER = 32
# Groups of an engine that `crops` (patch search) whose bounding box is longer than
# TILE_MIN px and less than TILE_DENSITY masked are filled in tiles of at most TILE px
# (regions.tiles), each with at most TILE_CONTEXT px of context (SOURCE_REACH, what the
# finest level searches).
# Measured on one 60 px stroke across a 12 MP photo (bench/engines/longstroke.py) and 8
# long strokes across 7.7 MP mosaics of the bench photos: tiles of 512, 768, 1024 or
# 1536 px cost about the same; 1024 px with 128 px of context gave +0.9 dB in the box
# against the whole group (256 px of context: +0.8 dB and slower). Bench masks and
# blobs (dense, or under 1536 px) are never tiled.
TILE = 1024
TILE_MIN = 1536
TILE_DENSITY = 0.2
TILE_CONTEXT = 128
# Zero px kept around the (grown) mask where it is grown and split: more than the 2 px
# a step of the 5 x 5 distance transform (regions.inscribed_radius) spans.
SPLIT_FRAME = 3


@dataclass
class RepairResult:
    rgb: np.ndarray            # (H, W, 3) uint8, pixels outside `mask` identical to the input
    mask: np.ndarray           # (H, W) uint8 0/255, the mask actually applied (after dilation)
    timings: dict = field(default_factory=dict)  # seconds per stage


def repair(
    image: np.ndarray,
    mask: np.ndarray,
    *,
    engine: str = DEFAULT_ENGINE,
    dilate: int = DEFAULT_DILATE,
    feather: int = DEFAULT_FEATHER,
    seed: int = 0,
    params: dict | None = None,
) -> RepairResult:
    """Inpaint `mask` (H, W) uint8, nonzero = fill, in `image` (H, W, 3) uint8 RGB.

    Raises ValueError on bad shapes and EngineError on a bad engine name or parameter.
    """
    check_inputs(image, mask)
    # A library's guard, not the request's validation: the `repair` command and the
    # benchmarks call this directly. A request's dilate and feather are validated once,
    # in forms.RepairForm, before anything is stored; a job's never fail here.
    dilate = _bounded("dilate", dilate, MAX_DILATE)
    feather = _bounded("feather", feather, MAX_FEATHER)
    chosen = get(engine)
    resolved = chosen.resolve_params(params)

    started = time.perf_counter()
    drawn = cv2.compare(mask, 0, cv2.CMP_GT)  # 0/255
    # Growing the mask and judging its parts only look near it: on the mask's box plus
    # what the dilation and the distance transform reach, the same pixels as on the
    # whole photo (the frame's zeros stop a 5 x 5 distance mask, whose steps are at
    # most 2 px, and cv2.dilate adds nothing at a crop's edge), for the cost of the
    # mask instead of the photo (at 12 MP auto's split was 0.14 s of the repair).
    box = regions.box(drawn)
    if box is None:
        return RepairResult(rgb=image.copy(), mask=drawn, timings={"dilate": 0.0, "engine": 0.0, "total": 0.0})
    near = regions.grow(box, dilate + SPLIT_FRAME, drawn.shape)
    near = (slice(near[0], near[1]), slice(near[2], near[3]))
    effective = np.zeros_like(drawn)
    effective[near] = imaging.dilate_mask(drawn[near], dilate)
    # An engine's parts are judged as drawn (auto's widths: dilation merges the letters
    # of a caption into blobs that a disc fits in, though every stroke is thin), then
    # grown with the mask.
    split = chosen.split(drawn[near], resolved)
    if split is not None:
        part = (imaging.dilate_mask(split.astype(np.uint8) * 255, dilate) > 0) & (effective[near] > 0)
        split = np.zeros(drawn.shape, bool)
        split[near] = part
    grown = time.perf_counter()
    rgb = fill_regions(chosen, image, effective, seed=seed, feather=feather, params=resolved, split=split,
                       painted=drawn)
    done = time.perf_counter()
    return RepairResult(
        rgb=rgb, mask=effective,
        timings={"dilate": grown - started, "engine": done - grown, "total": done - started},
    )


def fill_regions(engine: Engine, image: np.ndarray, mask: np.ndarray, *, seed: int = 0,
                 feather: int = 0, params: dict | None = None, split: np.ndarray | None = None,
                 painted: np.ndarray | None = None) -> np.ndarray:
    """Fill `mask` (H, W) uint8 0/255 group by group, each in a crop with its context.

    Each crop is given every mask pixel inside it (a tile's crop: every one its group's
    earlier tiles have not filled), so a neighbouring hole's defect is never copied as
    context; only the group's (or the tile's) own pixels are pasted back. `split` (H, W)
    bool is the engine's parts (Engine.split), decided by the caller; `painted` (H, W),
    the mask as drawn, is never feathered (see feather_seam).
    """
    out = image.copy()
    params = params or {}
    for box in regions.groups(mask):
        # Only an engine that pays per crop pixel is tiled; diffusion's crops are a few px
        # wider than the mask anyway.
        tiles = (regions.tiles(mask, box, size=TILE, density=TILE_DENSITY, longer_than=TILE_MIN)
                 if engine.crops else [])
        if not tiles:
            _fill_crop(engine, image, mask, out, box, seed=seed, feather=feather, params=params, split=split,
                       painted=painted)
            continue
        # A sparse group, such as one long stroke across the photo: its bounding box is
        # nearly the photo, and every step of a fill that works per crop pixel would cost
        # as if all of it were masked. Tile by tile instead, each crop taken from `out`,
        # so a later tile sees the earlier tiles' fill as known context; `left` is the
        # mask not filled yet, which is what each crop is given to fill.
        left = mask.copy()
        for tile in tiles:
            if not left[tile[0]:tile[1], tile[2]:tile[3]].any():
                continue  # an earlier, joint tile's box held all of it
            _fill_crop(engine, out, left, out, tile, seed=seed, feather=feather, params=params, split=split,
                       painted=painted, original=image, seam_mask=mask)
    return out


def _fill_crop(engine: Engine, source: np.ndarray, mask: np.ndarray, out: np.ndarray, box: tuple, *,
               seed: int, feather: int, params: dict, split: np.ndarray | None,
               painted: np.ndarray | None = None, original: np.ndarray | None = None, seam_mask: np.ndarray | None = None) -> None:
    """Fill the `mask` pixels in a crop of `source` around `box`; paste those inside `box` into `out`.

    For a tile (`original` given) `mask` is the working copy of what is left to fill:
    the pasted pixels are cleared from it; the feather blends with `original` by depth
    in the whole `seam_mask`, since a tile's edge against an earlier tile's fill is not
    a seam.
    """
    height, width = box[1] - box[0], box[3] - box[2]
    margin = engine.context(height, width)
    if original is not None:
        margin = min(margin, TILE_CONTEXT)
    y0, y1, x0, x1 = regions.grow(box, margin, mask.shape)
    crop, crop_mask = source[y0:y1, x0:x1], mask[y0:y1, x0:x1]
    crop_split = None
    if split is not None:
        crop_split = split[y0:y1, x0:x1]
        if original is not None:
            crop_split = crop_split & (crop_mask > 0)
    filled = engine.inpaint(crop, crop_mask, seed=seed, split=crop_split, **params)
    if feather:
        keep = None if painted is None else painted[y0:y1, x0:x1]
        if original is None:
            filled = feather_seam(crop, filled, crop_mask, width=feather, painted=keep)
        else:
            filled = feather_seam(original[y0:y1, x0:x1], filled, seam_mask[y0:y1, x0:x1], width=feather,
                                  painted=keep)
    by0, by1, bx0, bx1 = box[0] - y0, box[1] - y0, box[2] - x0, box[3] - x0
    own = crop_mask[by0:by1, bx0:bx1] > 0
    paste(out[box[0]:box[1], box[2]:box[3]], filled[by0:by1, bx0:bx1], own)
    if original is not None:
        crop_mask[by0:by1, bx0:bx1][own] = 0


def feather_seam(original: np.ndarray, filled: np.ndarray, mask: np.ndarray, *, width: int,
                 painted: np.ndarray | None = None) -> np.ndarray:
    """Blend `filled` into `original` over the outer `width` px of the mask.

    A pixel d px inside the mask (d >= 1) takes d / (width + 1) of the fill, so the
    mask's own rim still changes and nothing outside it does. Pixels of `painted` (the
    mask as drawn, (H, W), nonzero = painted) always take the whole fill: what the
    operator painted over must not show through, so only the ring that dilation added
    is blended. Shapes: (H, W, 3), (H, W).
    """
    if width <= 0:
        return filled
    inside = cv2.compare(mask, 0, cv2.CMP_GT)  # 255 inside
    # Distance to the nearest kept pixel; the image edge is not a seam.
    padded = cv2.copyMakeBorder(inside, 1, 1, 1, 1, cv2.BORDER_REPLICATE)
    depth = cv2.distanceTransform(padded, cv2.DIST_L2, 3)[1:-1, 1:-1]
    # The rim's coordinates via OpenCV: full-frame numpy masks cost ~60 ms at 12 MP.
    rim = cv2.bitwise_and(cv2.compare(depth, float(width + 1), cv2.CMP_LT), inside)
    if painted is not None:
        rim[painted > 0] = 0
    points = cv2.findNonZero(rim)
    out = original.copy()
    paste(out, filled, inside)
    if points is None:
        return out
    points = points.reshape(-1, 2)  # (N, 1, 2) before OpenCV 5, (N, 2) since
    xs, ys = points[:, 0], points[:, 1]
    alpha = (depth[ys, xs] / (width + 1))[:, None]
    out[ys, xs] = np.rint(original[ys, xs] * (1.0 - alpha) + filled[ys, xs] * alpha).astype(np.uint8)
    return out


def _bounded(name: str, value: object, maximum: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise EngineError(f"{name} must be a whole number of pixels, not {value!r}") from None
    if not 0 <= number <= maximum:
        raise EngineError(f"{name} must be between 0 and {maximum} px, not {value}")
    return number
