"""The one contract every inpainting engine follows.

An engine receives an RGB uint8 image of shape (H, W, 3) and a mask of shape (H, W),
uint8, 255 = fill and 0 = keep, and returns an RGB uint8 array of shape (H, W, 3).
Engines only write their core (`_fill`); `Engine.inpaint` checks the inputs and then
composites, so that every pixel outside the mask is bit-identical to the input
whatever the core did.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np


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
    """Subclasses set name, description, params and implement _fill."""

    name: str = ""
    description: str = ""
    params: tuple[Param, ...] = field(default_factory=tuple)

    def resolve_params(self, given: dict | None) -> dict:
        """Defaults filled in, types coerced; an unknown key is an error naming the known ones."""
        given = dict(given or {})
        known = {p.name: p for p in self.params}
        unknown = sorted(set(given) - set(known))
        if unknown:
            names = ", ".join(known) or "none"
            raise EngineError(f"engine {self.name!r} has no parameter {', '.join(unknown)} (known: {names})")
        return {name: p.coerce(given.get(name, p.default)) for name, p in known.items()}

    def inpaint(self, image: np.ndarray, mask: np.ndarray, *, seed: int = 0, **params) -> np.ndarray:
        check_inputs(image, mask)
        if not mask.any():
            return image.copy()
        resolved = self.resolve_params(params)
        filled = self._fill(image, mask, seed=seed, **resolved)
        if filled.shape != image.shape or filled.dtype != np.uint8:
            raise RuntimeError(f"engine {self.name!r} returned {filled.dtype} {filled.shape}, expected uint8 {image.shape}")
        return composite(image, filled, mask)

    def _fill(self, image: np.ndarray, mask: np.ndarray, *, seed: int, **params) -> np.ndarray:
        raise NotImplementedError
