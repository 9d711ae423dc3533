"""The worker's stages in one process, without the database or the queue: CPU and wall s each.

    .venv/bin/python -m bench.e2e.stages --size 12mp --mask-percent 2 [--repeats 3] [--profile FILE]
    .venv/bin/python -m bench.e2e.stages --size 2mp --engine-only --repeats 3

Inputs as latency.py makes them (the same photo, upscaled; the same seeded blob), in the
forms the worker reads: the version as this checkout's imaging.encode_png writes it, the
mask as the view stores it (imaging.encode_mask of the decoded canvas PNG). The stages
run one after another as repairapp/jobs.py's did before they ran side by side (decode
photo, decode mask, engine, diff and checks, encode version, heatmap and thumbnail), so
each stage's CPU time is its own; what the worker's threads save is wall time only.
`--engine-only` runs pipeline.repair alone (what the paired whole-process runs in
bench/README.md, "Fourth pass", time). `--profile FILE` writes cProfile's statistics
(CPU clock) of the repeats, sorted by own time.

Run as a file (python /path/to/bench/e2e/stages.py ...) from another checkout's root, it
measures that checkout's repairapp: the current directory comes first on the path.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

if __package__ in (None, ""):
    sys.path.insert(0, os.getcwd())
    sys.path.insert(1, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from bench.e2e.latency import SIZES, blob_mask, canvas_png, jpeg_bytes, upscaled_photo  # noqa: E402


def inputs(size: str, percent: float, photo: str = "Places365_val_00001629") -> tuple[bytes, bytes]:
    """(version PNG, stored mask PNG) as the worker reads them."""
    from repairapp import imaging

    wh = SIZES[size]
    version = imaging.encode_png(imaging.decode_photo(jpeg_bytes(upscaled_photo(photo, wh))).rgb)
    mask = imaging.encode_mask(imaging.decode_mask(canvas_png(blob_mask(wh, fraction=percent / 100)), size=wh))
    return version, mask


def stages(version: bytes, mask_png: bytes, *, engine_only: bool) -> dict[str, tuple[float, float]]:
    from repairapp import diff, imaging
    from repairapp.engines import pipeline

    out: dict[str, tuple[float, float]] = {}
    cpu, wall = time.process_time(), time.perf_counter()

    def lap(stage):
        nonlocal cpu, wall
        c, w = time.process_time(), time.perf_counter()
        out[stage] = (c - cpu, w - wall)
        cpu, wall = c, w

    photo = imaging.decode_stored(version)
    mask = imaging.decode_mask(mask_png, size=(photo.width, photo.height))
    lap("decode")
    result = pipeline.repair(photo.rgb, mask, engine="auto", dilate=3, feather=2)
    lap("engine")
    if engine_only:
        return out
    changed = diff.changed_pixels(photo.rgb, result.rgb)
    diff.figures(photo.rgb, result.rgb, result.mask, changed=changed, painted=mask)
    heat = diff.heatmap(photo.rgb, result.rgb, changed=changed)
    for check in (diff.seam_score, diff.texture_ratio, diff.structure_ratio, diff.periodicity, diff.foreign_share):
        check(result.rgb, result.mask)
    lap("diff")
    imaging.encode_png(result.rgb, photo.alpha)
    lap("encode version")
    imaging.encode_jpeg(heat)
    imaging.encode_thumbnail(result.rgb, photo.alpha)
    lap("encode heatmap, thumbnail")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="12mp", choices=sorted(SIZES))
    parser.add_argument("--mask-percent", type=float, default=2.0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--engine-only", action="store_true")
    parser.add_argument("--profile", default=None, help="write cProfile's statistics here")
    args = parser.parse_args()
    version, mask = inputs(args.size, args.mask_percent)
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile(time.process_time)
    runs = []
    for _ in range(args.repeats):
        if profiler:
            profiler.enable()
        runs.append(stages(version, mask, engine_only=args.engine_only))
        if profiler:
            profiler.disable()
    if not runs:  # --repeats 0: what a process costs before any stage (imports, inputs)
        return
    for stage in runs[0]:
        cpus = sorted(run[stage][0] for run in runs)
        walls = sorted(run[stage][1] for run in runs)
        print(f"{stage:28} cpu {cpus[len(cpus) // 2]:.3f} s (min {cpus[0]:.3f})  wall {walls[len(walls) // 2]:.3f} s")
    total = sorted(sum(c for c, _ in run.values()) for run in runs)
    print(f"{'total':28} cpu {total[len(total) // 2]:.3f} s (min {total[0]:.3f}); load {os.getloadavg()[0]:.1f}")
    if profiler:
        import pstats

        with open(args.profile, "w") as fh:
            pstats.Stats(profiler, stream=fh).sort_stats("tottime").print_stats(40)


if __name__ == "__main__":
    main()
