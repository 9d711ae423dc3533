"""Engine time and peak memory by photo size and mask area.

    .venv/bin/python -m bench.engines.speed                      # everything (~15 min on 2 cores)
    .venv/bin/python -m bench.engines.speed --engines auto --sizes 12 --areas 0.02

Photos of 0.5, 2, 12 and 24 MP are made by tiling four reference photos 2x2 and
resizing to 4:3; masks are object-sized blobs (the case where `auto` copies patches,
its slow path) drawn at 512 px from a fixed seed and scaled up. Each case runs in its
own process so its peak memory (ru_maxrss above what the photo and mask already
took) is its own. Times are medians of `--repeats` runs of `pipeline.repair`
(timings["engine"]: grouping, crops, fill, feather), and the CPU time of the whole
repair(): the machine is shared, and CPU time depends least on the load (the load
average is recorded with every case). Writes bench/engines/results/speed.json.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

import cv2
import numpy as np

from bench.engines import common

SIZES = {0.5: (816, 612), 2: (1632, 1224), 12: (4000, 3000), 24: (6000, 4000)}


def photo(mp: float) -> np.ndarray:
    tiles = [rgb for _, rgb in common.photos()[:4]]
    mosaic = np.vstack([np.hstack(tiles[:2]), np.hstack(tiles[2:])])
    return cv2.resize(mosaic, SIZES[mp], interpolation=cv2.INTER_LINEAR)


def blob_mask(mp: float, area: float) -> np.ndarray:
    w, h = SIZES[mp]
    small = common.object_mask((384, 512), np.random.default_rng([int(area * 1000), 7]), area=area)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_NEAREST)


def measure(engine: str, mp: float, area: float, repeats: int) -> dict:
    """Runs in a child process: median time and peak memory for one case."""
    from repairapp.engines import pipeline

    rgb, mask = photo(mp), blob_mask(mp, area)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    engine_s, total_s, cpu_s = [], [], []
    for _ in range(repeats):
        started, cpu_started = time.perf_counter(), time.process_time()
        result = pipeline.repair(rgb, mask, engine=engine, seed=0)
        total_s.append(time.perf_counter() - started)
        cpu_s.append(time.process_time() - cpu_started)
        engine_s.append(result.timings["engine"])
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "engine": engine, "mp": mp, "area": area, "repeats": repeats,
        "engine_ms": 1000 * float(np.median(engine_s)), "total_ms": 1000 * float(np.median(total_s)),
        "cpu_ms": 1000 * float(np.median(cpu_s)), "load": os.getloadavg()[0],
        "peak_extra_mb": (peak - before) / 1024, "photo_mb": rgb.nbytes / 2**20,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engines", default="telea,ns,patch,auto")
    parser.add_argument("--sizes", default="0.5,2,12,24", help="megapixels, from " + ",".join(map(str, SIZES)))
    parser.add_argument("--areas", default="0.01,0.05,0.15")
    parser.add_argument("--extra", default="12:0.02", help="more size:area cases, comma-separated")
    parser.add_argument("--out", default=str(common.RESULTS / "speed.json"))
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        engine, mp, area, repeats = args.child.split(":")
        print(json.dumps(measure(engine, float(mp), float(area), int(repeats))))
        return
    cases = [(float(mp), float(a)) for mp in args.sizes.split(",") for a in args.areas.split(",")]
    cases += [tuple(map(float, c.split(":"))) for c in args.extra.split(",") if c]
    rows = []
    for mp, area in cases:
        for engine in args.engines.split(","):
            repeats = 3 if mp <= 2 else 1
            mp_key = 0.5 if mp == 0.5 else int(mp)
            out = subprocess.run([sys.executable, "-m", "bench.engines.speed", "--child", f"{engine}:{mp_key}:{area}:{repeats}"],
                                 cwd=common.REPO, capture_output=True, text=True, check=True)
            row = json.loads(out.stdout.strip().splitlines()[-1])
            rows.append(row)
            print(f"{engine:6s} {mp:5.1f} MP {area * 100:5.2f} %  engine {row['engine_ms']:7.0f} ms  "
                  f"total {row['total_ms']:7.0f} ms  cpu {row['cpu_ms']:7.0f} ms  peak +{row['peak_extra_mb']:5.0f} MB"
                  f"  load {row['load']:.1f}", flush=True)
    if args.out:
        common.RESULTS.mkdir(parents=True, exist_ok=True)
        with open(args.out, "w") as fh:
            json.dump({"args": vars(args), "rows": rows}, fh, indent=1)


if __name__ == "__main__":
    main()
