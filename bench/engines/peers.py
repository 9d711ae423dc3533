"""Peers in the same run: pypatchmatch and IOPaint's cv2 engine, each from its own venv.

    # once, outside the project's venv (never install peers into .venv):
    python3 -m venv /tmp/peers-venv && /tmp/peers-venv/bin/pip install pypatchmatch
    python3 -m venv /tmp/iopaint-venv && /tmp/iopaint-venv/bin/pip install torch==2.13.0 \\
        && /tmp/iopaint-venv/bin/pip install iopaint
    .venv/bin/python -m bench.engines.peers [--limit N]

Quality: every peer gets the photos and masks of quality.py, grown by the
pipeline's default dilation, so it fills exactly the pixels our engines fill, and is
scored by the same code. pypatchmatch runs with patch_size=3 (7x7 patches, as ours);
our `patch` runs on the same cases in the same run (wall and CPU time) for the ratio.
Speed: the 0.5 and 2 MP cases of speed.py (pypatchmatch, one run each) and
IOPaint's CLI on a batch, start-up (measured on a one-image batch) subtracted.
Writes bench/engines/results/peers.json.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

from bench.engines import common
from bench.engines import speed
from repairapp import imaging
from repairapp.engines import pipeline

PYPATCHMATCH_CHILD = r"""
import json, sys, time
import numpy as np
from PIL import Image
from patchmatch import patch_match
jobs = json.load(open(sys.argv[1]))
out = []
for job in jobs:
    rgb = np.asarray(Image.open(job["image"]).convert("RGB"))
    mask = np.asarray(Image.open(job["mask"]).convert("L"))
    started, cpu = time.perf_counter(), time.process_time()
    filled = patch_match.inpaint(rgb, mask, patch_size=job["patch_size"])
    out.append([time.perf_counter() - started, time.process_time() - cpu])
    Image.fromarray(filled).save(job["output"])
print(json.dumps(out))
"""


def write_rgb(path: Path, rgb: np.ndarray) -> None:
    cv2.imwrite(str(path), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_PNG_COMPRESSION, 1])


def read_rgb(path: Path) -> np.ndarray:
    return cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)


def run_pypatchmatch(python: str, items: list[tuple[Path, Path, Path]], patch_size: int, work: Path) -> list[float]:
    manifest = work / f"pm-{time.monotonic_ns()}.json"
    manifest.write_text(json.dumps([{"image": str(i), "mask": str(m), "output": str(o), "patch_size": patch_size}
                                    for i, m, o in items]))
    script = work / "pm_child.py"
    script.write_text(PYPATCHMATCH_CHILD)
    done = subprocess.run([python, str(script), str(manifest)], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_iopaint(iopaint: str, images: Path, masks: Path, output: Path) -> float:
    output.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    subprocess.run([iopaint, "run", "--model=cv2", "--device=cpu", f"--image={images}", f"--mask={masks}",
                    f"--output={output}"], capture_output=True, text=True, check=True)
    return time.perf_counter() - started


def quality(args, work: Path) -> dict:
    images, masks = work / "q-images", work / "q-masks"
    images.mkdir()
    masks.mkdir()
    cases = []
    for index, (name, truth) in enumerate(common.photos()[:args.limit]):
        for kind in args.kinds.split(","):
            damaged, mask = common.case(name, truth, kind, index)
            effective = imaging.dilate_mask(mask, pipeline.DEFAULT_DILATE)
            stem = f"{name}-{kind}"
            write_rgb(images / f"{stem}.png", damaged)
            cv2.imwrite(str(masks / f"{stem}.png"), effective)
            cases.append((stem, kind, truth, damaged, mask, effective))
    rows = []
    pm_out = work / "q-pm"
    pm_out.mkdir()
    pm_times = run_pypatchmatch(args.pypatchmatch_python,
                                [(images / f"{s}.png", masks / f"{s}.png", pm_out / f"{s}.png") for s, *_ in cases],
                                3, work)
    io_out = work / "q-iopaint"
    # IOPaint is optional: its venv is large (torch) and only its cv2 engine is compared.
    io_total = run_iopaint(args.iopaint, images, masks, io_out) if Path(args.iopaint).exists() else None
    for (stem, kind, truth, damaged, mask, effective), (pm_s, pm_cpu) in zip(cases, pm_times, strict=True):
        # Ours on the same case in the same run, for a speed ratio under the same load.
        started, cpu = time.perf_counter(), time.process_time()
        ours = pipeline.repair(damaged, mask, engine="patch", seed=0).rgb
        ours_s, ours_cpu = time.perf_counter() - started, time.process_time() - cpu
        for peer, out, ms, cpu_ms in (
            ("pypatchmatch", read_rgb(pm_out / f"{stem}.png"), 1000 * pm_s, 1000 * pm_cpu),
            ("iopaint-cv2", read_rgb(io_out / f"{stem}.png") if io_total is not None else None, None, None),
            ("patch-same-run", ours, 1000 * ours_s, 1000 * ours_cpu),
        ):
            if out is None:
                continue
            row = common.scores(out, truth, mask, effective, damaged)
            row.update(photo=stem, kind=kind, engine=peer, ms=ms, cpu_ms=cpu_ms)
            rows.append(row)
    table = {}
    for row in rows:
        table.setdefault(f"{row['kind']}/{row['engine']}", []).append(row)
    medians = {key: {f: float(np.median([r[f] for r in group if r[f] is not None] or [np.nan]))
                     for f in ("psnr", "ssim", "texture", "seam", "changed_outside", "ms", "cpu_ms")}
               | {"changed_outside_max": max(r["changed_outside"] for r in group), "n": len(group)}
               for key, group in table.items()}
    medians["iopaint_batch_s"] = io_total
    return {"medians": medians, "rows": rows}


def timing(args, work: Path) -> list[dict]:
    rows = []
    one = work / "t-one"
    for mp in (float(s) for s in args.sizes.split(",")):
        mp_key = 0.5 if mp == 0.5 else int(mp)
        rgb = speed.photo(mp_key)
        for area in (float(a) for a in args.areas.split(",")):
            mask = speed.blob_mask(mp_key, area)
            stem = f"{mp_key}mp-{int(area * 100)}"
            for folder in ("t-images", "t-masks"):
                (work / folder).mkdir(exist_ok=True)
            write_rgb(work / "t-images" / f"{stem}.png", rgb)
            cv2.imwrite(str(work / "t-masks" / f"{stem}.png"), mask)
            if mp <= args.pypatchmatch_max_mp:
                (work / "t-pm").mkdir(exist_ok=True)
                [(seconds, _)] = run_pypatchmatch(args.pypatchmatch_python, [(work / "t-images" / f"{stem}.png",
                                             work / "t-masks" / f"{stem}.png", work / "t-pm" / f"{stem}.png")], 3, work)
                rows.append({"engine": "pypatchmatch", "mp": mp, "area": area, "engine_ms": 1000 * seconds})
                print(f"pypatchmatch {mp:5.1f} MP {area * 100:3.0f} %  {1000 * seconds:9.0f} ms", flush=True)
    # IOPaint: the whole batch, less the start-up of a one-image batch.
    (one / "images").mkdir(parents=True)
    (one / "masks").mkdir()
    first = sorted((work / "t-images").glob("*.png"))[0]
    (one / "images" / first.name).write_bytes(first.read_bytes())
    (one / "masks" / first.name).write_bytes((work / "t-masks" / first.name).read_bytes())
    startup = run_iopaint(args.iopaint, one / "images", one / "masks", one / "out")
    batch = run_iopaint(args.iopaint, work / "t-images", work / "t-masks", work / "t-iopaint")
    count = len(list((work / "t-images").glob("*.png")))
    rows.append({"engine": "iopaint-cv2", "batch_s": batch, "startup_s": startup, "images": count,
                 "per_image_ms": 1000 * (batch - startup) / max(count - 1, 1),
                 "note": "CLI batch incl. PNG decode/encode; start-up = one-image batch"})
    print(f"iopaint-cv2 batch of {count}: {batch:.1f} s, start-up {startup:.1f} s", flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=20)
    parser.add_argument("--kinds", default="strokes,objects,text")
    parser.add_argument("--sizes", default="0.5,2")
    parser.add_argument("--areas", default="0.01,0.05,0.15")
    parser.add_argument("--pypatchmatch-max-mp", type=float, default=2)
    parser.add_argument("--pypatchmatch-python", default="/tmp/peers-venv/bin/python")
    parser.add_argument("--iopaint", default="/tmp/iopaint-venv/bin/iopaint")
    parser.add_argument("--skip-timing", action="store_true")
    parser.add_argument("--out", default=str(common.RESULTS / "peers.json"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="engines-peers-") as tmp:
        work = Path(tmp)
        result = {"args": vars(args), "quality": quality(args, work)}
        for key, med in result["quality"]["medians"].items():
            if isinstance(med, dict):
                print(f"{key:24s} " + " ".join(f"{f} {med[f]:.3f}" for f in ("psnr", "ssim", "texture", "seam", "ms"))
                      + f" outside_max {med['changed_outside_max']}", flush=True)
        if not args.skip_timing:
            result["timing"] = timing(args, work)
    if args.out:
        common.RESULTS.mkdir(parents=True, exist_ok=True)
        with open(args.out, "w") as fh:
            json.dump(result, fh, indent=1)


if __name__ == "__main__":
    main()
