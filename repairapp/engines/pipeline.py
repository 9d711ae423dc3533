"""One repair, from decoded arrays to the composited result.

This is what the worker, the `repair` command and the benchmarks call, so that all
three produce the same pixels for the same inputs.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from .. import imaging
from . import DEFAULT_ENGINE, get
from .base import EngineError, check_inputs

DEFAULT_DILATE = 0
MAX_DILATE = 64


@dataclass
class RepairResult:
    rgb: np.ndarray            # (H, W, 3) uint8, unmasked pixels identical to the input
    mask: np.ndarray           # (H, W) uint8, the mask actually applied (after dilation)
    timings: dict = field(default_factory=dict)  # seconds per stage


def repair(
    image: np.ndarray,
    mask: np.ndarray,
    *,
    engine: str = DEFAULT_ENGINE,
    dilate: int = DEFAULT_DILATE,
    seed: int = 0,
    params: dict | None = None,
) -> RepairResult:
    """Inpaint `mask` (255 = fill) in `image`; raise EngineError/ValueError on bad input."""
    check_inputs(image, mask)
    if not 0 <= int(dilate) <= MAX_DILATE:
        raise EngineError(f"dilate must be between 0 and {MAX_DILATE} px, not {dilate}")
    chosen = get(engine)
    started = time.perf_counter()
    effective = imaging.dilate_mask(mask, int(dilate))
    filled = chosen.inpaint(image, effective, seed=seed, **(params or {}))
    return RepairResult(rgb=filled, mask=effective, timings={"engine": time.perf_counter() - started})
