"""The one contract every inpainting engine follows.

An engine receives an RGB uint8 image of shape (H, W, 3) and a mask of shape (H, W),
uint8, 255 = fill and 0 = keep, and returns an RGB uint8 array of shape (H, W, 3).
Engines only write their core (`_fill`) and say what they need; `Engine.inpaint`
checks the inputs, crops around the mask for an engine whose cost follows its crop
(`crops`, `crop_margin`), hands a splitting engine its parts (`split`), and
composites, so that every pixel outside the mask is bit-identical to the input
whatever the core did. The pipeline asks the same questions (`context`, `crops`,
`split`) for its crops and tiles, never an engine's type.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import cv2
import numpy as np

from . import regions

# Diffusion reads only a few px around the hole.
DIFFUSION_CONTEXT = 16


class EngineError(ValueError):
    """Bad engine name or parameters; the message is shown to the user."""


@dataclass(frozen=True)
class Param:
    """A typed engine parameter with a default and a one-line description."""

    name: str
    type: type
    default: object
    description: str
    minimum: float | None = None
    maximum: float | None = None

    def coerce(self, value: object) -> object:
        try:
            value = self.type(value)
        except (TypeError, ValueError):
            raise EngineError(f"{self.name} must be a {self.type.__name__}, not {value!r}") from None
        if self.minimum is not None and value < self.minimum:
            raise EngineError(f"{self.name} must be at least {self.minimum}, not {value}")
        if self.maximum is not None and value > self.maximum:
            raise EngineError(f"{self.name} must be at most {self.maximum}, not {value}")
        return value


def check_inputs(image: np.ndarray, mask: np.ndarray) -> None:
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"image must be RGB uint8 (H, W, 3), got {getattr(image, 'dtype', type(image))} {getattr(image, 'shape', '')}")
    if not isinstance(mask, np.ndarray) or mask.dtype != np.uint8 or mask.shape != image.shape[:2]:
        raise ValueError(f"mask must be uint8 (H, W) = {image.shape[:2]}, got {getattr(mask, 'dtype', type(mask))} {getattr(mask, 'shape', '')}")


def composite(image: np.ndarray, filled: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Masked pixels from `filled`, every other pixel from `image`, bit for bit."""
    out = image.copy()
    paste(out, filled, mask > 0)
    return out


def paste(dst: np.ndarray, src: np.ndarray, where: np.ndarray) -> None:
    """dst[where] = src[where], in place; dst may be a view. Shapes (H, W, 3), (H, W, 3), (H, W) bool or uint8 (nonzero = copy).

    cv2.copyTo is ~10x faster than np.where, boolean indexing or np.copyto(where=) on a
    12 MP frame (8 vs 60-100 ms), which a long stroke's crop nearly is.
    """
    out = cv2.copyTo(src, where.view(np.uint8) if where.dtype == bool else where, dst)
    if out is not dst:  # OpenCV had to reallocate: copy back (not expected for uint8 views)
        dst[...] = out


@dataclass
class Engine:
    """Subclasses set name, description, params and implement _fill; the rest is shared."""

    name: str = ""
    description: str = ""
    params: tuple[Param, ...] = field(default_factory=tuple)

    # Whether the fill costs per pixel it is given (patch search: its pyramid, padding
    # and field) rather than per masked pixel (diffusion). Such an engine is always
    # given a crop around the mask, never a whole photo, and the pipeline fills a sparse
    # group (one long stroke across the photo) tile by tile.
    crops: ClassVar[bool] = False

    def context(self, height: int, width: int) -> int:
        """Known pixels (px) to keep on each side of a hole of this size filled in a crop."""
        return DIFFUSION_CONTEXT

    def crop_margin(self, height: int, width: int, params: dict) -> int:
        """The margin of `inpaint`'s crop around the mask's box (for `crops` engines)."""
        return self.context(height, width)

    def split(self, mask: np.ndarray, params: dict) -> np.ndarray | None:
        """(H, W) bool: the pixels of `mask` (H, W) this engine fills its second way, or
        None (the default) when it fills every pixel one way.

        Judged from the mask as drawn; the pipeline grows the parts with the mask.
        """
        return None

    def resolve_params(self, given: dict | None) -> dict:
        """Defaults filled in, types coerced; an unknown key is an error naming the known ones."""
        given = dict(given or {})
        known = {p.name: p for p in self.params}
        unknown = sorted(set(given) - set(known))
        if unknown:
            names = ", ".join(known) or "none"
            raise EngineError(f"engine {self.name!r} has no parameter {', '.join(unknown)} (known: {names})")
        return {name: p.coerce(given.get(name, p.default)) for name, p in known.items()}

    def inpaint(self, image: np.ndarray, mask: np.ndarray, *, seed: int = 0, split: np.ndarray | None = None,
                **params) -> np.ndarray:
        """Fill `mask` in `image`. `split` (H, W) bool overrides the engine's own `split` of the mask."""
        check_inputs(image, mask)
        if split is not None and split.shape != mask.shape:
            raise ValueError(f"split must be (H, W) = {mask.shape}, got {split.shape}")
        if not mask.any():
            return image.copy()
        resolved = self.resolve_params(params)
        if split is None:
            split = self.split(mask, resolved)
        if not self.crops:
            filled = self._checked_fill(image, mask, split, seed=seed, params=resolved)
        else:
            # Given a pipeline's crop, this is mostly that crop again; it differs when a
            # tile's crop holds less of the mask than its box (or `margin` is set).
            rows, cols = np.nonzero(mask.any(axis=1))[0], np.nonzero(mask.any(axis=0))[0]
            box = (rows[0], rows[-1] + 1, cols[0], cols[-1] + 1)
            margin = self.crop_margin(box[1] - box[0], box[3] - box[2], resolved)
            y0, y1, x0, x1 = regions.grow(box, margin, mask.shape)
            inner = self._checked_fill(
                image[y0:y1, x0:x1], mask[y0:y1, x0:x1], None if split is None else split[y0:y1, x0:x1],
                seed=seed, params=resolved)
            # Copied once the fill is done, so the copy is not alive beside the engine's
            # buffers (46 MB of a 24 MP photo's 15 % blob's peak).
            filled = image.copy()
            filled[y0:y1, x0:x1] = inner
        return composite(image, filled, mask)

    def _checked_fill(self, image: np.ndarray, mask: np.ndarray, split: np.ndarray | None, *, seed: int,
                      params: dict) -> np.ndarray:
        parts = {} if split is None else {"split": split}
        filled = self._fill(image, mask, seed=seed, **parts, **params)
        if filled.shape != image.shape or filled.dtype != np.uint8:
            raise RuntimeError(f"engine {self.name!r} returned {filled.dtype} {filled.shape}, expected uint8 {image.shape}")
        return filled

    def _fill(self, image: np.ndarray, mask: np.ndarray, *, seed: int, **params) -> np.ndarray:
        """The engine's core: (H, W, 3) uint8 out; pixels outside `mask` may be anything.

        An engine whose `split` returns parts is also given them, as `split`.
        """
        raise NotImplementedError
