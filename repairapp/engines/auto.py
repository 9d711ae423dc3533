"""The default engine: diffusion for thin marks, patches for anything wider.

Each connected mask component is measured by its inscribed radius (the largest disc
that fits inside it, from a distance transform). Diffusion is exact enough across a
stroke a few pixels wide and costs almost nothing; across anything wider it leaves a
smooth smear, and copying patches keeps the texture. The threshold was measured on the
bench photos (bench/README.md, "Engines").

Shapes: image (H, W, 3) uint8 RGB, mask (H, W) uint8 with 255 = fill; out (H, W, 3) uint8.
"""

from __future__ import annotations

import cv2
import numpy as np

from . import regions
from .base import Engine, Param
from .patch import ITERATIONS, PATCH

# Measured on the bench text overlays and strokes, hole greyed out (bench/README.md,
# "Engines"): at 4 px, bold and outlined captions (glyph masks 4.2-8.6 px deep) went to
# patches and lost 0.8 dB in the text's box against Telea; at 6 px auto equals Telea on
# text, and strokes (10-40 px wide) are unchanged; 8 px gained nothing more.
THIN_RADIUS = Param(
    "thin_radius", float, 6.0,
    "components whose inscribed radius (px) is at most this are diffused, wider ones get patches", 0, 1000,
)
TELEA_RADIUS = 5


def wide_components(mask: np.ndarray, *, thin_radius: float) -> np.ndarray:
    """(H, W) bool: the pixels of mask components too wide to diffuse."""
    count, labels = regions.components(mask)
    if count == 0:
        return np.zeros(mask.shape, bool)
    # A component is wide if any of its pixels is deeper than thin_radius.
    deep = regions.inscribed_radius(mask) > thin_radius
    wide_labels = np.bincount(labels[deep], minlength=count + 1) > 0
    wide_labels[0] = False
    return wide_labels[labels]


class AutoEngine(Engine):
    # Its wide parts go to patch search, whose cost follows the crop.
    crops = True

    def __init__(self):
        super().__init__(
            name="auto",
            description="Telea on thin strokes and text, patch search on wider regions (the default)",
            params=(THIN_RADIUS, ITERATIONS),
        )

    def context(self, height: int, width: int) -> int:
        return PATCH.context(height, width)

    def split(self, mask: np.ndarray, params: dict) -> np.ndarray:
        """The wide components, which get patches. The pipeline judges them on the mask as
        drawn, before dilation: dilating text merges its letters into blobs that look
        wide but are not."""
        return wide_components(mask, thin_radius=params["thin_radius"])

    def _fill(self, image, mask, *, seed, split, thin_radius, iterations):
        """Diffuse the pixels of `mask` outside `split` (H, W) bool, patch those in it."""
        out = image
        if np.count_nonzero(mask) > np.count_nonzero(split):
            # Telea sees the whole mask so it never draws from the defect inside a wide hole;
            # its result is then the context the patch search copies from.
            out = cv2.inpaint(image, mask, TELEA_RADIUS, cv2.INPAINT_TELEA)
        if split.any():
            out = PATCH.inpaint(out, split.astype(np.uint8) * 255, seed=seed, iterations=iterations)
        return out


AUTO = AutoEngine()
