"""`manage.py repair` in batch against a plain OpenCV loop, both as whole processes.

    .venv/bin/python -m bench.e2e.batch_vs_loop [--runs 3] [--masks freeform|blob] [--profile]

Ours:  manage.py repair --input-dir DIR --mask-dir DIR --out-dir OUT --engine telea --dilate 0 --feather 0
Loop:  bench/e2e/plain_loop.py DIR MASKDIR OUT --radius R   (imread, inpaint TELEA, imwrite PNG)
R is our telea engine's default radius, read from repairapp/engines/opencv.py.

Both run on the same folder (the 20 photos of ../shared/data/places2_512_freeform with
their free-form masks, or with `--masks blob` a seeded 5 % blob per photo), start-up
included, alternating which goes first, `--runs` times each; the table gives medians of
wall time and of CPU time (user + sys of the child, less sensitive to other load).
"Start-up" rows time each side doing no work: `manage.py repair --engine nope` (Django
set-up and the engine registry, then a CommandError) and `python -c "import cv2"`.
The outputs are compared pixel by pixel. With --profile (or when ours is over 1.2x the
loop) our batch is run once more under cProfile and the top functions are printed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

from bench import DATA, REPO
from bench.e2e.latency import blob_mask

RESULTS = Path(__file__).resolve().parent / "results"
PY = sys.executable
TARGET = 1.2
TIMEOUT = 600


def telea_radius() -> int:
    from repairapp.engines.opencv import RADIUS

    return int(RADIUS.default)


def timed(cmd: list[str], env: dict, *, check: bool = True) -> tuple[float, float]:
    """(wall s, cpu s) of one whole child process; raises if it fails."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=TIMEOUT)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if check and done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def blob_masks(photo_dir: Path, out: Path) -> None:
    """A seeded ~5 % blob per photo (the e2e benchmark's blob, at the photo's size)."""
    out.mkdir(parents=True)
    for i, photo in enumerate(sorted(photo_dir.glob("*.jpg"))):
        h, w = cv2.imread(str(photo)).shape[:2]
        mask = blob_mask((w, h), seed=i)
        cv2.imwrite(str(out / f"{photo.stem}.png"), np.where(mask >= 128, 255, 0).astype(np.uint8))


def compare(ours: Path, loop: Path) -> dict:
    differing, worst, files = 0, 0, 0
    for path in sorted(loop.glob("*.png")):
        a, b = cv2.imread(str(ours / path.name)), cv2.imread(str(path))
        files += 1
        delta = np.abs(a.astype(np.int16) - b.astype(np.int16)).max(axis=2)
        differing += int(np.count_nonzero(delta))
        worst = max(worst, int(delta.max()))
    return {"files": files, "pixels_differing": differing, "max_abs_diff": worst}


def breakdown(images: Path, masks: Path, radius: int, out: Path, repeats: int = 3) -> tuple[dict, dict]:
    """Per-stage seconds summed over the photos, in this process, both sides, best of
    `repeats` per photo and stage (the minimum is the least disturbed by other load)."""
    from repairapp import imaging
    from repairapp.engines import opencv, pipeline
    from repairapp.cli import write_atomically

    out.mkdir(parents=True, exist_ok=True)
    real_inpaint = cv2.inpaint
    spent = {"inpaint": 0.0}

    def counted_inpaint(*a, **k):
        t0 = time.perf_counter()
        try:
            return real_inpaint(*a, **k)
        finally:
            spent["inpaint"] += time.perf_counter() - t0

    ours = dict.fromkeys(("read+decode", "inpaint (cv2)", "pipeline around it", "encode PNG", "write"), 0.0)
    loop = dict.fromkeys(("read+decode", "inpaint (cv2)", "encode+write PNG"), 0.0)
    for photo in sorted(images.glob("*.jpg")):
        mask_path = masks / f"{photo.stem}.png"
        best_ours = dict.fromkeys(ours, float("inf"))
        best_loop = dict.fromkeys(loop, float("inf"))
        for _ in range(repeats):
            t0 = time.perf_counter()
            decoded = imaging.decode_photo(photo.read_bytes())
            mask = imaging.decode_mask(mask_path.read_bytes(), size=(decoded.width, decoded.height))
            t1 = time.perf_counter()
            spent["inpaint"] = 0.0
            opencv.cv2.inpaint = counted_inpaint
            try:
                result = pipeline.repair(decoded.rgb, mask, engine="telea", dilate=0, feather=0)
            finally:
                opencv.cv2.inpaint = real_inpaint
            t2 = time.perf_counter()
            data = imaging.encode_png(result.rgb, decoded.alpha)
            t3 = time.perf_counter()
            write_atomically(out / f"ours-{photo.stem}.png", data)
            t4 = time.perf_counter()
            for key, value in (("read+decode", t1 - t0), ("inpaint (cv2)", spent["inpaint"]),
                               ("pipeline around it", t2 - t1 - spent["inpaint"]), ("encode PNG", t3 - t2),
                               ("write", t4 - t3)):
                best_ours[key] = min(best_ours[key], value)
            t0 = time.perf_counter()
            img = cv2.imread(str(photo))
            m = cv2.imread(str(mask_path), cv2.IMREAD_GRAYSCALE)
            t1 = time.perf_counter()
            filled = cv2.inpaint(img, m, radius, cv2.INPAINT_TELEA)
            t2 = time.perf_counter()
            cv2.imwrite(str(out / f"loop-{photo.stem}.png"), filled)
            t3 = time.perf_counter()
            for key, value in (("read+decode", t1 - t0), ("inpaint (cv2)", t2 - t1), ("encode+write PNG", t3 - t2)):
                best_loop[key] = min(best_loop[key], value)
        for key in ours:
            ours[key] += best_ours[key]
        for key in loop:
            loop[key] += best_loop[key]
    return ours, loop


def profile(cmd: list[str], env: dict, prof_path: Path) -> str:
    import pstats
    import io

    subprocess.run([PY, "-m", "cProfile", "-o", str(prof_path), *cmd[1:]], cwd=REPO, env=env, check=True,
                   capture_output=True, timeout=TIMEOUT)
    out = io.StringIO()
    stats = pstats.Stats(str(prof_path), stream=out)
    stats.sort_stats("cumulative").print_stats(30)
    stats.sort_stats("tottime").print_stats(20)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--masks", choices=("freeform", "blob"), default="freeform")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--breakdown", action="store_true", help="also time each stage of both sides in-process")
    parser.add_argument("--out", default=None, help="results name under bench/e2e/results/ (default batch_vs_loop-<masks>)")
    args = parser.parse_args()
    out_name = args.out or f"batch_vs_loop-{args.masks}"
    radius = telea_radius()
    images = (DATA / "images").resolve()
    tmp = Path(tempfile.mkdtemp(prefix="repairapp-batch-"))
    env = {**os.environ, "DEBUG": "1"}  # settings refuse to start without DEBUG or a SECRET_KEY
    env.pop("DJANGO_SETTINGS_MODULE", None)
    RESULTS.mkdir(parents=True, exist_ok=True)
    try:
        if args.masks == "blob":
            masks = tmp / "masks"
            blob_masks(images, masks)
        else:
            masks = (DATA / "masks").resolve()

        def ours_cmd(out):
            return [PY, "manage.py", "repair", "--input-dir", str(images), "--mask-dir", str(masks), "--out-dir", str(out),
                    "--engine", "telea", "--dilate", "0", "--feather", "0"]

        def loop_cmd(out):
            return [PY, "bench/e2e/plain_loop.py", str(images), str(masks), str(out), "--radius", str(radius)]

        startup = {"ours": [PY, "manage.py", "repair", "--engine", "nope"], "loop": [PY, "-c", "import cv2"]}
        load_start = os.getloadavg()
        samples = {k: [] for k in ("ours", "loop", "ours_startup", "loop_startup")}
        for run in range(args.runs):
            order = ("ours", "loop") if run % 2 == 0 else ("loop", "ours")
            for side in order:
                out = tmp / f"{side}-{run}"
                wall, cpu = timed((ours_cmd if side == "ours" else loop_cmd)(out), env)
                samples[side].append((wall, cpu))
                print(f"run {run} {side:4}: wall {wall:.2f} s, cpu {cpu:.2f} s", flush=True)
            for side in order:
                # `--engine nope` ends in a CommandError (exit 1) once Django and the engines are loaded.
                samples[f"{side}_startup"].append(timed(startup[side], env, check=False))
        pixels = compare(tmp / "ours-0", tmp / "loop-0")
        load_end = os.getloadavg()

        med = {k: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v)) for k, v in samples.items()}
        ratio_wall, ratio_cpu = med["ours"][0] / med["loop"][0], med["ours"][1] / med["loop"][1]
        lines = [
            "| what | wall s (median) | cpu s (median) | runs (wall) |",
            "| --- | --- | --- | --- |",
        ]
        labels = {"ours": "manage.py repair (batch, telea, dilate 0, feather 0)", "loop": f"plain cv2 loop (TELEA, radius {radius})",
                  "ours_startup": "start-up only: manage.py repair --engine nope", "loop_startup": "start-up only: python -c 'import cv2'"}
        for key, label in labels.items():
            lines.append(f"| {label} | {med[key][0]:.2f} | {med[key][1]:.2f} | "
                         f"{', '.join(f'{w:.2f}' for w, _ in samples[key])} |")
        verdict = "within" if ratio_wall <= TARGET else "OVER"
        summary = (f"ratio ours / loop: wall {ratio_wall:.2f}x, cpu {ratio_cpu:.2f}x ({verdict} the {TARGET}x target); "
                   f"outputs: {pixels['pixels_differing']} pixels differ over {pixels['files']} files "
                   f"(max |diff| {pixels['max_abs_diff']})")
        date = dt.datetime.now().isoformat(timespec="seconds")
        command = " ".join([".venv/bin/python", "-m", "bench.e2e.batch_vs_loop", *sys.argv[1:]])
        cpu_model = next(l.split(":", 1)[1].strip() for l in Path("/proc/cpuinfo").read_text().splitlines()
                         if l.startswith("model name"))
        header = (f"# {date}  {command}\n# {cpu_model}, {os.cpu_count()} cores; load "
                  f"{' '.join(f'{x:.2f}' for x in load_start)} at start, {' '.join(f'{x:.2f}' for x in load_end)} at end; "
                  f"masks: {args.masks}, 20 photos 512x512\n")
        text = header + "\n".join(lines) + "\n\n" + summary + "\n"
        report = {"date": date, "command": command, "cpu": cpu_model, "nproc": os.cpu_count(), "loadavg_start": load_start,
                  "loadavg_end": load_end, "masks": args.masks, "radius": radius, "samples": samples,
                  "medians": med, "ratio_wall": ratio_wall, "ratio_cpu": ratio_cpu, "pixels": pixels}
        if args.breakdown:
            ours_stages, loop_stages = breakdown(images, masks, radius, tmp / "breakdown")
            text += "\nIn-process stages, seconds summed over the 20 photos (best of 3 per photo):\n"
            text += "| side | " + " | ".join(["stage", "s"]) + " |\n| --- | --- | --- |\n"
            for side, stages in (("ours", ours_stages), ("loop", loop_stages)):
                for key, value in stages.items():
                    text += f"| {side} | {key} | {value:.3f} |\n"
                text += f"| {side} | **sum** | {sum(stages.values()):.3f} |\n"
            report["breakdown"] = {"ours": ours_stages, "loop": loop_stages}
        if args.profile or ratio_wall > TARGET:
            top = profile(ours_cmd(tmp / "ours-prof"), env, tmp / "ours.prof")
            (RESULTS / f"{out_name}_profile.txt").write_text(top)
            text += f"\ncProfile of our batch: bench/e2e/results/{out_name}_profile.txt\n"
        (RESULTS / f"{out_name}.json").write_text(json.dumps(report, indent=1))
        (RESULTS / f"{out_name}.txt").write_text(text)
        print(text)
    except KeyboardInterrupt:
        print("interrupted; cleaning up", file=sys.stderr)
        sys.exit(130)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
