"""Splitting a mask into regions and working on each in a crop around it.

A 24 MP photo with a logo masked should cost about what the logo costs, not what the
photo costs: each group of nearby mask components is filled inside its bounding box
plus a context margin, and only that group's pixels are pasted back. A sparse group
(one long stroke corner to corner has a box nearly the photo) is cut into tiles.

Shapes: mask (H, W) uint8 0/255 or bool; boxes are (y0, y1, x0, x1), end exclusive.
"""

from __future__ import annotations

import cv2
import numpy as np

# Components closer than this (px) are filled together: their crops would overlap anyway.
MERGE_DISTANCE = 64
# The mask is grouped on a grid this coarse: labelling a 24 MP mask at full size costs
# more than most fills.
GRID = 8


def components(mask: np.ndarray) -> tuple[int, np.ndarray]:
    """(count, labels (H, W) int32) of the 8-connected components of mask > 0; 0 is background."""
    count, labels = cv2.connectedComponents((mask > 0).astype(np.uint8), connectivity=8)
    return count - 1, labels


def inscribed_radius(mask: np.ndarray) -> np.ndarray:
    """(H, W) float32: each mask pixel's distance to the nearest unmasked pixel, 0 outside.

    The maximum over a component is the radius of the largest disc that fits inside it:
    about half a stroke's width, whatever its length.
    """
    # A mask running off the image edge is as wide as it looks, not twice as wide.
    padded = cv2.copyMakeBorder((mask > 0).astype(np.uint8), 1, 1, 1, 1, cv2.BORDER_CONSTANT, value=0)
    return cv2.distanceTransform(padded, cv2.DIST_L2, 5)[1:-1, 1:-1]


def groups(mask: np.ndarray, *, merge_distance: int = MERGE_DISTANCE) -> list[tuple[int, int, int, int]]:
    """Bounding boxes (y0, y1, x0, x1) of groups of mask components, nearby ones merged."""
    found = box(mask if mask.dtype == np.uint8 else (mask > 0).astype(np.uint8))
    if found is None:
        return []
    # Only the mask's box and the cells its dilation below reaches are grouped: every
    # other cell is empty, so the groups come out the same for the cost of the mask
    # instead of the photo (12 MP: 47 -> 3 ms). The corner lies on every other cell of
    # the photo's grid, so the cells are the photo's own and cv2.connectedComponents
    # scans the same 2 x 2 blocks of cells: the groups come out in the same order.
    frame, align = _reach(merge_distance) * GRID, 2 * GRID
    top, left = max(0, found[0] - frame) // align * align, max(0, found[2] - frame) // align * align
    bottom, right = found[1] + frame, found[3] + frame
    return [(y0 + top, y1 + top, x0 + left, x1 + left)
            for y0, y1, x0, x1 in _groups(mask[top:bottom, left:right], merge_distance)]


def _reach(merge_distance: int) -> int:
    """Cells the grouping's dilation reaches on each side."""
    return max(1, merge_distance // (2 * GRID))


def _groups(mask: np.ndarray, merge_distance: int) -> list[tuple[int, int, int, int]]:
    h, w = mask.shape
    gh, gw = -(-h // GRID), -(-w // GRID)
    padded = np.zeros((gh * GRID, gw * GRID), np.uint8)
    padded[:h, :w] = mask > 0
    coarse = padded.reshape(gh, GRID, gw, GRID).max(axis=(1, 3))
    reach = _reach(merge_distance)
    joined = cv2.dilate(coarse, cv2.getStructuringElement(cv2.MORPH_RECT, (2 * reach + 1, 2 * reach + 1)))
    count, labels = cv2.connectedComponents(joined, connectivity=8)
    boxes = []
    for label in range(1, count):
        # Only the cells that hold mask pixels: the dilation joins, it does not grow boxes.
        ys, xs = np.nonzero((labels == label) & (coarse > 0))
        if len(ys) == 0:
            continue
        y0, y1 = ys.min() * GRID, min(h, (ys.max() + 1) * GRID)
        x0, x1 = xs.min() * GRID, min(w, (xs.max() + 1) * GRID)
        sub = mask[y0:y1, x0:x1] > 0
        rows, cols = np.nonzero(sub.any(axis=1))[0], np.nonzero(sub.any(axis=0))[0]
        boxes.append((y0 + rows[0], y0 + rows[-1] + 1, x0 + cols[0], x0 + cols[-1] + 1))
    return boxes


def box(mask: np.ndarray) -> tuple[int, int, int, int] | None:
    """(y0, y1, x0, x1) of the nonzero pixels of (H, W) uint8 `mask`, None when there are none."""
    x, y, w, h = cv2.boundingRect(mask)
    if w == 0:
        return None
    return y, y + h, x, x + w


def grow(box: tuple[int, int, int, int], margin: int, shape: tuple[int, int]) -> tuple[int, int, int, int]:
    y0, y1, x0, x1 = box
    return max(0, y0 - margin), min(shape[0], y1 + margin), max(0, x0 - margin), min(shape[1], x1 + margin)


def patch_context(height: int, width: int) -> int:
    """Known pixels to keep around a hole of this size for patch search to copy from.

    Half the hole's size, at least 48 px and at most 256 px: enough different texture
    without the cost growing with the photo instead of the hole.
    """
    return int(min(256, max(48, 0.5 * max(height, width))))


def tiles(mask: np.ndarray, box: tuple[int, int, int, int], *, size: int, density: float,
          longer_than: int | None = None) -> list[tuple[int, int, int, int]]:
    """Tiles of a sparse group, in raster order: the boxes of its mask pixels per `size` px cell.

    [] when the group is dense (mask > `density` of its box) or small (longer side at most
    `longer_than`, default 1.5 x size): a tile would then cost about what the group does.
    A cell the mask only clips (under half the median tile's pixels) joins the
    neighbour whose box that grows least, as long as the joint box stays under 1.5 x
    size: a sliver's crop would mostly hold the next tile's pixels, filled twice. Joint
    boxes may overlap another tile's; each pixel belongs to the first tile that holds it.
    """
    y0, y1, x0, x1 = box
    if max(y1 - y0, x1 - x0) <= (longer_than or size * 3 // 2):
        return []
    sub = mask[y0:y1, x0:x1] > 0
    if np.count_nonzero(sub) > density * sub.size:
        return []
    found = []
    for ty in range(y0, y1, size):
        for tx in range(x0, x1, size):
            cell = sub[ty - y0:ty - y0 + size, tx - x0:tx - x0 + size]
            rows, cols = np.flatnonzero(cell.any(axis=1)), np.flatnonzero(cell.any(axis=0))
            if len(rows):
                found.append([(ty + rows[0], ty + rows[-1] + 1, tx + cols[0], tx + cols[-1] + 1),
                              int(np.count_nonzero(cell))])
    small = np.median([count for _, count in found]) / 2
    for item in sorted(found, key=lambda item: item[1]):
        (a, count) = item
        if count >= small or len(found) == 1:
            break
        best, growth = None, None
        for other in found:
            if other is item:
                continue
            b = other[0]
            joint = (min(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), max(a[3], b[3]))
            if max(joint[1] - joint[0], joint[3] - joint[2]) > size * 3 // 2:
                continue
            grown = (joint[1] - joint[0]) * (joint[3] - joint[2]) - (b[1] - b[0]) * (b[3] - b[2])
            if growth is None or grown < growth:
                best, growth = other, grown
        if best is not None:
            b = best[0]
            best[0] = (min(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), max(a[3], b[3]))
            best[1] += count
            found.remove(item)
    return [tuple(int(v) for v in tile) for tile, _ in found]
