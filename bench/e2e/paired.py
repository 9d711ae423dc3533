"""Two checkouts' pipeline.repair in one process, alternating: CPU a repair and the ratio per round.

    .venv/bin/python -m bench.e2e.paired --base /tmp/main-checkout --size 2mp --mask-percent 5 --rounds 16

On a shared machine whose load swings, whole processes of one checkout and then the
other compare minutes of different load; here each round repairs the same photo and mask
(stages.py's inputs, the worker's dilate 3 and feather 2, engine `auto`) with this
checkout's code and with BASE's (a `git archive` of another commit), in alternating
order, and reports the median of the per-round CPU ratios (this / base) with their
range. The two fills must be the same array, or it stops (unless `--different`: a change
that changes pixels, judged by looking instead). `--functions` also sums the
CPU of the patch engine's main steps for each side (a few per cent of overhead on both).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np


def _load(root: str):
    """repairapp's imaging and pipeline from the checkout at `root`, as a fresh import."""
    for name in [name for name in sys.modules if name == "repairapp" or name.startswith("repairapp.")]:
        del sys.modules[name]
    sys.path.insert(0, root)
    try:
        from repairapp import imaging
        from repairapp.engines import pipeline
    finally:
        sys.path.remove(root)
    if not os.path.abspath(pipeline.__file__).startswith(os.path.abspath(root)):
        raise SystemExit(f"imported {pipeline.__file__}, not the checkout at {root}")
    return imaging, pipeline


# The patch engine's steps timed with --functions: _Level methods, then module functions.
_METHODS = ("__init__", "compute_features", "_distances", "search", "vote", "vote_best", "fuse")
_FUNCTIONS = ("_pyramid", "_compact_refill", "_project")


def _time_steps(patch, side: str, spent: dict) -> None:
    """Wrap the steps of `patch` (one checkout's module) to add their CPU to spent[(side, step)]."""
    def timed(function, step):
        def wrapper(*args, **kwargs):
            start = time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                spent[side, step] = spent.get((side, step), 0.0) + time.process_time() - start
        return wrapper

    for step in _METHODS:
        setattr(patch._Level, step, timed(getattr(patch._Level, step), step))
    for step in _FUNCTIONS:
        setattr(patch, step, timed(getattr(patch, step), step))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", required=True, help="the other checkout's root")
    parser.add_argument("--size", default="2mp")
    parser.add_argument("--mask-percent", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=16)
    parser.add_argument("--functions", action="store_true", help="also time the patch engine's steps")
    parser.add_argument("--different", action="store_true",
                        help="the fills may differ (a change of pixels, judged by looking elsewhere)")
    args = parser.parse_args()
    here = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from bench.e2e.stages import inputs

    version, mask_png = inputs(args.size, args.mask_percent)
    spent: dict = {}
    _, base = _load(args.base)
    if args.functions:
        _time_steps(sys.modules["repairapp.engines.patch"], "base", spent)
    imaging, ours = _load(here)
    if args.functions:
        _time_steps(sys.modules["repairapp.engines.patch"], "this", spent)
    photo = imaging.decode_stored(version)
    mask = imaging.decode_mask(mask_png, size=(photo.width, photo.height))
    cpu = {"this": [], "base": []}
    fills = {}
    for index in range(args.rounds):
        order = (("this", ours), ("base", base)) if index % 2 == 0 else (("base", base), ("this", ours))
        for name, pipeline in order:
            start = time.process_time()
            fills[name] = pipeline.repair(photo.rgb, mask, engine="auto", dilate=3, feather=2).rgb
            cpu[name].append(time.process_time() - start)
        if not args.different and not np.array_equal(fills["this"], fills["base"]):
            raise SystemExit("the two checkouts' fills differ")
    ratios = sorted(a / b for a, b in zip(cpu["this"], cpu["base"]))
    for name, values in cpu.items():
        values = sorted(values)
        print(f"{name}: CPU a repair, median {values[len(values) // 2]:.3f} s (min {values[0]:.3f})")
    for step in _METHODS + _FUNCTIONS if args.functions else ():
        this, other = spent.get(("this", step), 0.0) / args.rounds, spent.get(("base", step), 0.0) / args.rounds
        print(f"  {step:18} this {this:.4f} s  base {other:.4f} s  x{this / other if other else 0:.2f}")
    print(f"this / base, per round: median x{ratios[len(ratios) // 2]:.2f} ({ratios[0]:.2f}-{ratios[-1]:.2f}), "
          f"{args.rounds} rounds, {'fills allowed to differ' if args.different else 'the same fill in every one'}; "
          f"load {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
