"""Stroke holes only: `auto` against Telea on strokes drawn with chosen seeds.

    .venv/bin/python -m bench.engines.strokeprobe --seeds 7,8,9 --out /tmp/tune.json     # the tuning set
    .venv/bin/python -m bench.engines.strokeprobe --seeds 2026 --out /tmp/bench.json     # the bench's own strokes
    .venv/bin/python -m bench.engines.strokeprobe --seeds 11 --save /tmp/run11 --label new  # fills to look at
    .venv/bin/python -m bench.engines.strokeprobe --seeds 7,8,9 --set GUIDE_WEIGHT=2.0   # a patch constant changed

Photo i gets `common.stroke_mask` drawn from the seed [i, 0, SEED] (seed 2026 gives the
strokes of `bench.engines.quality`), the hole painted over, and `pipeline.repair` with
its defaults (dilate 2, feather 2). Prints the median and mean of the per-case PSNR
difference to Telea (in the stroke's box), the difference of the two medians (what the
issue's target uses), and the texture and seam medians. With --save, writes each fill to
SAVE/LABEL/small/CASE.png and the cases (the applied mask, the truth) to
SAVE/cases/small/CASE/ for bench.engines.judge.pairs.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import cv2
import numpy as np

from bench.engines import common
from repairapp.engines import patch, pipeline


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", default="7,8,9")
    parser.add_argument("--out", default="", help="JSON with every case's figures")
    parser.add_argument("--save", default="", help="a folder for the fills and cases")
    parser.add_argument("--label", default="auto")
    parser.add_argument("--set", action="append", default=[], help="NAME=VALUE: a constant of repairapp.engines.patch")
    args = parser.parse_args()
    for assignment in args.set:
        name, value = assignment.split("=")
        setattr(patch, name, type(getattr(patch, name))(value))
    rows, cpu = [], 0.0
    for index, (name, truth) in enumerate(common.photos()):
        for seed in (int(s) for s in args.seeds.split(",")):
            mask = common.stroke_mask(truth.shape[:2], np.random.default_rng([index, 0, seed]))
            damaged = truth.copy()
            damaged[mask > 0] = (255, 0, 255)
            row = {"photo": name, "seed": seed}
            for engine in ("auto", "telea"):
                started = time.process_time()
                result = pipeline.repair(damaged, mask, engine=engine, seed=0)
                if engine == "auto":
                    cpu += time.process_time() - started
                scores = common.scores(result.rgb, truth, mask, result.mask, damaged)
                row[engine] = {k: scores[k] for k in ("psnr", "texture", "seam")}
                if args.save and engine == "auto":
                    case = f"{name}-strokes-{seed}"
                    fills = Path(args.save) / args.label / "small"
                    fills.mkdir(parents=True, exist_ok=True)
                    cv2.imwrite(str(fills / f"{case}.png"), cv2.cvtColor(result.rgb, cv2.COLOR_RGB2BGR))
                    folder = Path(args.save) / "cases" / "small" / case
                    folder.mkdir(parents=True, exist_ok=True)
                    cv2.imwrite(str(folder / "mask.png"), np.where(result.mask > 0, 255, 0).astype(np.uint8))
                    cv2.imwrite(str(folder / "truth.png"), cv2.cvtColor(truth, cv2.COLOR_RGB2BGR))
            rows.append(row)
    delta = np.array([r["auto"]["psnr"] - r["telea"]["psnr"] for r in rows])
    summary = {
        "cases": len(rows),
        "dpsnr_median": float(np.median(delta)),
        "dpsnr_mean": float(delta.mean()),
        "difference_of_medians": float(np.median([r["auto"]["psnr"] for r in rows])
                                       - np.median([r["telea"]["psnr"] for r in rows])),
        "texture_median": float(np.median([r["auto"]["texture"] for r in rows])),
        "seam_median": float(np.median([r["auto"]["seam"] for r in rows])),
        "auto_cpu_s": cpu,
    }
    print(json.dumps(summary))
    if args.out:
        with open(args.out, "w") as fh:
            json.dump({"args": vars(args), "summary": summary, "rows": rows}, fh, indent=1)


if __name__ == "__main__":
    main()
