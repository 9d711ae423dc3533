"""The awkward case for crops: one long brush stroke across a big photo.

    .venv/bin/python -m bench.engines.longstroke [--mp 12] [--width 60] [--repeats 3]

A 60 px polyline from corner to corner of the 12 MP photo of speed.py (2.2 %
of the photo): its group's bounding box is nearly the whole photo, so whatever a fill
does per crop pixel rather than per hole pixel shows here (patch and auto fill such a
sparse group tile by tile, `pipeline.TILE`). Prints wall and CPU time (medians, and the
range of the engine stage over the runs) of `pipeline.repair` and its engine stage, and
the PSNR inside the applied mask: the stroke is drawn on the untouched photo, which is
the truth.
"""

from __future__ import annotations

import argparse
import os
import time

import cv2
import numpy as np

from bench.engines import common
from bench.engines import speed
from repairapp.engines import pipeline


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mp", type=int, default=12, choices=[2, 12, 24])
    parser.add_argument("--width", type=int, default=60)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--engines", default="telea,patch,auto")
    args = parser.parse_args()
    rgb = speed.photo(args.mp)
    h, w = rgb.shape[:2]
    corners = np.array([(0.05, 0.1), (0.38, 0.3), (0.65, 0.5), (0.95, 0.9)]) * (w, h)
    mask = np.zeros((h, w), np.uint8)
    cv2.polylines(mask, [corners.astype(np.int32)], False, 255, args.width)
    print(f"{args.mp} MP, {args.width} px stroke, {100 * (mask > 0).mean():.1f} % of the photo, "
          f"{args.repeats} runs, load {os.getloadavg()[0]:.1f}", flush=True)
    for engine in args.engines.split(","):
        wall, cpu, stage = [], [], []
        for _ in range(args.repeats):
            started, cpu_started = time.perf_counter(), time.process_time()
            result = pipeline.repair(rgb, mask, engine=engine, seed=0)
            wall.append(time.perf_counter() - started)
            cpu.append(time.process_time() - cpu_started)
            stage.append(result.timings["engine"])
        inside = result.mask > 0
        print(f"{engine:6s} engine {1000 * np.median(stage):6.0f} ms ({1000 * min(stage):.0f}-{1000 * max(stage):.0f})"
              f"  repair wall {1000 * np.median(wall):6.0f} ms  cpu {1000 * np.median(cpu):6.0f} ms"
              f"  psnr in mask {common.psnr(result.rgb[inside], rgb[inside]):.2f} dB", flush=True)


if __name__ == "__main__":
    main()
