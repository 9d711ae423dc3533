"""Patch-based completion: PatchMatch search and voting over an image pyramid.

The method is Wexler, Shechtman & Irani (2007) "Space-time completion of video" with the
nearest-neighbour field found by PatchMatch (Barnes et al. 2009): at each pyramid level,
alternate (a) for every patch overlapping the hole, find a similar patch lying entirely
in the known part of the image (propagation from neighbours + random search) and (b)
set every hole pixel to the weighted mean of what the overlapping patches say it is.
Coarse levels decide structure, fine levels copy texture.

Two choices keep it fast in numpy without a compiled inner loop:
- Patches are compared in a PCA space (the top components of 7x7x3 patches sampled from
  the known region), computed for the whole level with a few `cv2.filter2D` calls, so a
  candidate costs a gather of `FEATURES` floats instead of 147 multiply-adds.
- Propagation runs as a vectorised jump flood (steps 8, 4, 2, 1 in four directions)
  over all targets at once instead of a raster scan, so every pass is a handful of
  numpy gathers.

Shapes: image (H, W, 3) uint8 RGB, mask (H, W) uint8 with 255 = fill; out (H, W, 3) uint8.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from . import regions
from .base import Engine, Param

PATCH_RADIUS = 3            # 7x7 patches, the common choice since Wexler 2007
FEATURES = 16               # PCA components; >95 % of patch variance on the bench photos
PCA_SAMPLES = 3000
MIN_SOURCES = 64            # fewer fully known patches than this: nothing to copy from
VOTE_SCALE = 0.5
VOTE_PCT = 25
JUMPS = (8, 4, 2, 1)
DIRECTIONS = ((0, 1), (1, 0), (0, -1), (-1, 0))

ITERATIONS = Param("iterations", int, 4, "EM iterations at the coarsest level (fewer at finer ones)", 1, 20)
SEARCH_PIXELS = Param(
    "search_pixels", int, 300_000,
    "levels with more hole pixels than this reuse the upsampled field instead of searching", 10_000, 50_000_000,
)
MARGIN = Param("margin", int, 0, "context margin in px around the mask (0 = automatic)", 0, 4096)


class PatchEngine(Engine):
    def __init__(self):
        super().__init__(
            name="patch",
            description="Patch search and voting over a pyramid: copies texture into object-sized holes",
            params=(ITERATIONS, SEARCH_PIXELS, MARGIN),
        )

    def _fill(self, image, mask, *, seed, iterations, search_pixels, margin):
        # Work in one crop around the whole mask; the pipeline already crops per region,
        # this keeps a direct call on a large photo from searching all of it.
        rows, cols = np.nonzero(mask.any(axis=1))[0], np.nonzero(mask.any(axis=0))[0]
        box = (rows[0], rows[-1] + 1, cols[0], cols[-1] + 1)
        margin = margin or regions.patch_context(box[1] - box[0], box[3] - box[2])
        y0, y1, x0, x1 = regions.grow(box, margin, mask.shape)
        out = image.copy()
        out[y0:y1, x0:x1] = complete(
            image[y0:y1, x0:x1], mask[y0:y1, x0:x1] > 0,
            seed=seed, iterations=iterations, search_pixels=search_pixels,
        )
        return out

    def context(self, height: int, width: int) -> int:
        """Margin in px the pipeline keeps around a region of this size."""
        return regions.patch_context(height, width)


def complete(image: np.ndarray, hole: np.ndarray, *, seed: int = 0, iterations: int = 4,
             search_pixels: int = 300_000) -> np.ndarray:
    """Fill `hole` (H, W) bool in `image` (H, W, 3) uint8; returns (H, W, 3) uint8.

    Falls back to Telea where too little is known to copy patches from.
    """
    if image.ndim != 3 or image.shape[2] != 3 or hole.shape != image.shape[:2]:
        raise ValueError(f"image must be (H, W, 3) and hole (H, W), got {image.shape} and {hole.shape}")
    r = PATCH_RADIUS
    telea = cv2.inpaint(image, hole.astype(np.uint8) * 255, 5, cv2.INPAINT_TELEA)
    known_patches = cv2.erode((~hole).astype(np.uint8), np.ones((2 * r + 1, 2 * r + 1), np.uint8),
                              borderType=cv2.BORDER_REFLECT_101)
    if int(known_patches.sum()) < MIN_SOURCES or min(image.shape[:2]) < 2 * r + 2:
        return telea
    rng = np.random.default_rng(seed)

    images, holes = _pyramid(image, hole, r)
    coarsest = len(images) - 1
    level_image = telea if coarsest == 0 else cv2.resize(
        telea, images[-1].shape[1::-1], interpolation=cv2.INTER_AREA)
    state = None
    for level in range(coarsest, -1, -1):
        lvl = _Level(images[level], holes[level], r)
        if level != coarsest:
            # Start from the coarser answer: its field, upsampled, and its colours as a guess.
            guess = cv2.resize(level_image, lvl.size[::-1], interpolation=cv2.INTER_LINEAR)
            lvl.set_hole_pixels(guess)
            lvl.upsample_field(state, rng)
            lvl.vote(uniform=True)
        else:
            lvl.set_hole_pixels(level_image)
            lvl.random_field(rng)
        searching = lvl.hole_count <= search_pixels
        em_steps = max(1, iterations - level) if level < coarsest else iterations + 2
        for step in range(em_steps if searching else 0):
            lvl.compute_features(rng, refit=step == 0)
            lvl.search(rng, passes=2 if step == 0 else 1)
            lvl.vote()
        level_image = lvl.result()
        state = lvl
    return level_image


def _pyramid(image: np.ndarray, hole: np.ndarray, r: int) -> tuple[list, list]:
    """Halve until the hole is about a patch wide, keeping enough known patches."""
    radius = float(cv2.distanceTransform(hole.astype(np.uint8), cv2.DIST_L2, 3).max())
    wanted = max(0, math.ceil(math.log2(max(radius, 1.0) / r))) if radius > r else 0
    images, holes = [image.astype(np.float32)], [hole]
    for _ in range(wanted):
        h, w = holes[-1].shape
        if min(h, w) // 2 < 6 * r:
            break
        small_hole = cv2.resize(holes[-1].astype(np.uint8), (w // 2, h // 2), interpolation=cv2.INTER_AREA) > 0
        known = cv2.erode((~small_hole).astype(np.uint8), np.ones((2 * r + 1, 2 * r + 1), np.uint8))
        if int(known.sum()) < MIN_SOURCES * 4:
            break
        # A coarse pixel is hole if any of its fine pixels is, so defect colours never leak in.
        images.append(cv2.resize(images[-1], (w // 2, h // 2), interpolation=cv2.INTER_AREA))
        holes.append(small_hole)
    return images, holes


class _Level:
    """One pyramid level, padded by the patch radius so every patch is inside the array.

    The nearest-neighbour field lives in two int32 maps (row, col of the source patch
    centre, in padded coordinates); outside the targets it is the identity, so known
    pixels propagate themselves into the hole's border.
    """

    def __init__(self, image: np.ndarray, hole: np.ndarray, r: int):
        self.r = r
        h, w = hole.shape
        self.size = (h, w)
        self.image = cv2.copyMakeBorder(image, r, r, r, r, cv2.BORDER_REFLECT_101)
        self.hp, self.wp = self.image.shape[:2]
        hole_p = cv2.copyMakeBorder(hole.astype(np.uint8), r, r, r, r, cv2.BORDER_REFLECT_101)
        inside = np.zeros((self.hp, self.wp), bool)
        inside[r:r + h, r:r + w] = True
        square = np.ones((2 * r + 1, 2 * r + 1), np.uint8)
        self.source_ok = (cv2.erode(1 - hole_p, square, borderType=cv2.BORDER_CONSTANT, borderValue=0) > 0) & inside
        self.source_idx = np.flatnonzero(self.source_ok).astype(np.int64)
        targets = (cv2.dilate(hole_p, square) > 0) & inside
        self.t_idx = np.flatnonzero(targets).astype(np.int64)
        self.ty, self.tx = np.divmod(self.t_idx, self.wp)
        self.h_idx = np.flatnonzero((hole_p > 0) & inside).astype(np.int64)
        self.hole_count = len(self.h_idx)
        yy, xx = np.mgrid[0:self.hp, 0:self.wp]
        self.nnf_y = yy.astype(np.int32).ravel()
        self.nnf_x = xx.astype(np.int32).ravel()
        self.dist = np.full(self.hp * self.wp, np.inf, np.float32)
        self.features = None
        self.basis = None

    # --- filling the hole -------------------------------------------------------------

    def set_hole_pixels(self, rgb: np.ndarray) -> None:
        r, (h, w) = self.r, self.size
        flat = self.image.reshape(-1, 3)
        flat[self.h_idx] = _pad(rgb.astype(np.float32), r).reshape(-1, 3)[self.h_idx]
        self._refresh_border()

    def _refresh_border(self) -> None:
        # The padding mirrors the image, including the current guess inside the hole.
        r, (h, w) = self.r, self.size
        self.image[:] = _pad(np.ascontiguousarray(self.image[r:r + h, r:r + w]), r)

    def result(self) -> np.ndarray:
        r, (h, w) = self.r, self.size
        return np.clip(np.rint(self.image[r:r + h, r:r + w]), 0, 255).astype(np.uint8)

    # --- the field --------------------------------------------------------------------

    def random_field(self, rng: np.random.Generator) -> None:
        pick = self.source_idx[rng.integers(0, len(self.source_idx), len(self.t_idx))]
        self.nnf_y[self.t_idx], self.nnf_x[self.t_idx] = np.divmod(pick, self.wp)
        self.dist[self.t_idx] = np.inf

    def upsample_field(self, coarse: "_Level", rng: np.random.Generator) -> None:
        r = self.r
        oy, ox = self.ty - r, self.tx - r
        cy = np.minimum(oy // 2, coarse.size[0] - 1) + r
        cx = np.minimum(ox // 2, coarse.size[1] - 1) + r
        cidx = cy * coarse.wp + cx
        sy = 2 * (coarse.nnf_y[cidx] - r) + (oy & 1) + r
        sx = 2 * (coarse.nnf_x[cidx] - r) + (ox & 1) + r
        ok = self._valid(sy, sx)
        fallback = self.source_idx[rng.integers(0, len(self.source_idx), int((~ok).sum()))]
        fy, fx = np.divmod(fallback, self.wp)
        sy[~ok], sx[~ok] = fy, fx
        self.nnf_y[self.t_idx], self.nnf_x[self.t_idx] = sy, sx
        self.dist[self.t_idx] = np.inf

    def _valid(self, sy: np.ndarray, sx: np.ndarray) -> np.ndarray:
        ok = (sy >= 0) & (sy < self.hp) & (sx >= 0) & (sx < self.wp)
        ok[ok] = self.source_ok.ravel()[sy[ok] * self.wp + sx[ok]]
        return ok

    # --- patch features ---------------------------------------------------------------

    def compute_features(self, rng: np.random.Generator, *, refit: bool) -> None:
        if refit or self.basis is None:
            self.basis = self._fit_basis(rng)
            self.features = self._project(0, self.hp, 0, self.wp).reshape(-1, len(self.basis))
        else:
            # Only patches centred on targets changed; sources are fully known.
            r = self.r
            y0, y1, x0, x1 = self.ty.min(), self.ty.max() + 1, self.tx.min(), self.tx.max() + 1
            part = self._project(y0 - r, y1 + r, x0 - r, x1 + r)
            self.features.reshape(self.hp, self.wp, -1)[y0:y1, x0:x1] = part[r:-r, r:-r]
        self.dist[self.t_idx] = self._distance(self.t_idx, self.nnf_y[self.t_idx], self.nnf_x[self.t_idx])

    def _fit_basis(self, rng: np.random.Generator) -> np.ndarray:
        r, k = self.r, 2 * self.r + 1
        sample = self.source_idx[rng.choice(len(self.source_idx), min(PCA_SAMPLES, len(self.source_idx)), replace=False)]
        sy, sx = np.divmod(sample, self.wp)
        dy, dx = np.mgrid[-r:r + 1, -r:r + 1]
        patches = self.image[sy[:, None, None] + dy, sx[:, None, None] + dx].reshape(len(sample), -1)
        patches -= patches.mean(axis=0)
        # Eigenvectors of the 147x147 covariance: same basis as an SVD of the samples, 10x cheaper.
        _, vectors = np.linalg.eigh(patches.T @ patches)
        return np.ascontiguousarray(vectors[:, ::-1][:, :FEATURES].T).reshape(-1, k, k, 3).astype(np.float32)

    def _project(self, y0: int, y1: int, x0: int, x1: int) -> np.ndarray:
        """(y1-y0, x1-x0, FEATURES): each pixel's patch in the PCA basis (a correlation)."""
        part = self.image[y0:y1, x0:x1]
        channels = [np.ascontiguousarray(part[:, :, c]) for c in range(3)]
        out = np.empty(part.shape[:2] + (len(self.basis),), np.float32)
        for j, kernel in enumerate(self.basis):
            acc = cv2.filter2D(channels[0], -1, kernel[:, :, 0], borderType=cv2.BORDER_REFLECT_101)
            acc += cv2.filter2D(channels[1], -1, kernel[:, :, 1], borderType=cv2.BORDER_REFLECT_101)
            acc += cv2.filter2D(channels[2], -1, kernel[:, :, 2], borderType=cv2.BORDER_REFLECT_101)
            out[:, :, j] = acc
        return out

    def _distance(self, t_idx: np.ndarray, sy: np.ndarray, sx: np.ndarray) -> np.ndarray:
        diff = self.features[t_idx] - self.features[sy.astype(np.int64) * self.wp + sx]
        return np.einsum("ij,ij->i", diff, diff)

    # --- PatchMatch -------------------------------------------------------------------

    def search(self, rng: np.random.Generator, *, passes: int) -> None:
        span = max(self.hp, self.wp)
        for _ in range(passes):
            for jump in JUMPS:
                for dy, dx in DIRECTIONS:
                    # Neighbour's match, shifted back: coherent copies grow across the hole.
                    ny = np.clip(self.ty - dy * jump, 0, self.hp - 1)
                    nx = np.clip(self.tx - dx * jump, 0, self.wp - 1)
                    nidx = ny * self.wp + nx
                    self._try(self.nnf_y[nidx] + dy * jump, self.nnf_x[nidx] + dx * jump)
            pick = self.source_idx[rng.integers(0, len(self.source_idx), len(self.t_idx))]
            self._try(*np.divmod(pick, self.wp))
            radius = span
            while radius >= 1:
                sy = self.nnf_y[self.t_idx] + rng.integers(-radius, radius + 1, len(self.t_idx))
                sx = self.nnf_x[self.t_idx] + rng.integers(-radius, radius + 1, len(self.t_idx))
                self._try(sy, sx)
                radius //= 2

    def _try(self, sy: np.ndarray, sx: np.ndarray) -> None:
        ok = self._valid(sy, sx)
        t = self.t_idx[ok]
        sy, sx = sy[ok], sx[ok]
        d = self._distance(t, sy, sx)
        better = d < self.dist[t]
        t = t[better]
        self.nnf_y[t], self.nnf_x[t], self.dist[t] = sy[better], sx[better], d[better]

    # --- voting -----------------------------------------------------------------------

    def vote(self, *, uniform: bool = False) -> None:
        """Each hole pixel := weighted mean of what every overlapping patch's match says."""
        r, wp = self.r, self.wp
        weight = np.zeros(self.hp * wp, np.float32)
        if uniform:
            weight[self.t_idx] = 1.0
        else:
            d = self.dist[self.t_idx]
            scale = VOTE_SCALE * float(np.percentile(d, VOTE_PCT)) + 1e-6
            weight[self.t_idx] = np.exp(-d / scale)
        flat = self.image.reshape(-1, 3)
        hy, hx = np.divmod(self.h_idx, wp)
        acc = np.zeros((len(self.h_idx), 3), np.float32)
        total = np.zeros(len(self.h_idx), np.float32)
        for dy in range(-r, r + 1):
            for dx in range(-r, r + 1):
                centre = (hy - dy) * wp + (hx - dx)
                w = weight[centre]
                src = (self.nnf_y[centre] + dy).astype(np.int64) * wp + (self.nnf_x[centre] + dx)
                acc += w[:, None] * flat[src]
                total += w
        filled = total > 0
        flat[self.h_idx[filled]] = acc[filled] / total[filled, None]
        self._refresh_border()


def _pad(rgb: np.ndarray, r: int) -> np.ndarray:
    return cv2.copyMakeBorder(rgb, r, r, r, r, cv2.BORDER_REFLECT_101)


PATCH = PatchEngine()
