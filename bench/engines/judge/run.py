"""Run candidate fills on every case of a case folder and keep their outputs as PNG.

    .venv/bin/python -m bench.engines.judge.run --cases /tmp/judge-cases --out /tmp/judge-run \\
        --candidate main-auto=repo:/work/main:auto --candidate main-patch=repo:/work/main:patch \\
        --candidate telea=telea --candidate pypatchmatch=pypatchmatch --candidate migan=migan

A candidate is NAME=SPEC:
  repo:PATH:ENGINE  our pipeline from the checkout at PATH, in a child process with that
                    checkout's own .venv (or this python): repairapp.engines.pipeline.repair(
                    input, mask, engine=ENGINE, dilate=0, feather=0, seed=0)
  telea             cv2.inpaint(input, mask, 5, INPAINT_TELEA) (the project's radius)
  pypatchmatch      patch_match.inpaint(input, mask, patch_size=3) in --peers-python's venv
                    (never install it into the project's .venv)
  migan             MI-GAN's stored result (places only), pasted into the input inside
                    the mask, so every candidate keeps the pixels outside the hole
Every candidate sees input.png, the photo with the hole greyed out, and the case's mask
(with --ungreyed: image.png, the hole's pixels left in, as a real job gets them; a fill
that depends on them leaves a ghost of the removed object, metrics.py's ghost figure).
Writes RUNDIR/NAME/SET/CASE.png and RUNDIR/run.json (specs, per case wall and CPU s).
--sets and --max-mp (per candidate: NAME=MP) limit what is run; a case a candidate
cannot or was told not to run has no output and is left out of its figures.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

from bench.engines import common
from bench.engines.judge.cases import read_rgb

# One child per candidate and run: it reads a list of jobs and prints [wall, cpu] per job.
REPO_CHILD = r"""
import json, sys, time
import cv2, numpy as np
from repairapp.engines import pipeline
jobs, engine = json.load(open(sys.argv[1])), sys.argv[2]
times = []
for job in jobs:
    rgb = cv2.cvtColor(cv2.imread(job["input"]), cv2.COLOR_BGR2RGB)
    mask = cv2.imread(job["mask"], cv2.IMREAD_GRAYSCALE)
    wall, cpu = time.perf_counter(), time.process_time()
    out = pipeline.repair(rgb, mask, engine=engine, dilate=0, feather=0, seed=0).rgb
    times.append([time.perf_counter() - wall, time.process_time() - cpu])
    cv2.imwrite(job["output"], cv2.cvtColor(out, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_PNG_COMPRESSION, 1])
    print(json.dumps(times[-1]), flush=True)
"""

PYPATCHMATCH_CHILD = r"""
import json, sys, time
import numpy as np
from PIL import Image
from patchmatch import patch_match
jobs = json.load(open(sys.argv[1]))
for job in jobs:
    rgb = np.asarray(Image.open(job["input"]).convert("RGB"))
    mask = np.asarray(Image.open(job["mask"]).convert("L"))
    wall, cpu = time.perf_counter(), time.process_time()
    out = patch_match.inpaint(rgb, mask, patch_size=3)
    times = [time.perf_counter() - wall, time.process_time() - cpu]
    Image.fromarray(out).save(job["output"], compress_level=1)
    print(json.dumps(times), flush=True)
"""


def write_rgb(path: Path, rgb: np.ndarray) -> None:
    cv2.imwrite(str(path), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_PNG_COMPRESSION, 1])


def run_child(command: list[str], script: str, jobs: list[dict], *, cwd: str | None = None,
              env: dict | None = None) -> list[list[float]]:
    with tempfile.TemporaryDirectory(prefix="judge-") as tmp:
        manifest, child = Path(tmp) / "jobs.json", Path(tmp) / "child.py"
        manifest.write_text(json.dumps(jobs))
        child.write_text(script)
        done = subprocess.run([*command[:1], str(child), str(manifest), *command[1:]], cwd=cwd, env=env,
                              capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"candidate failed:\n{done.stderr[-3000:]}")
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("[")]


def run_repo(spec: str, jobs: list[dict]) -> list[list[float]]:
    _, path, engine = spec.split(":", 2)
    repo = Path(path).resolve()
    python = repo / ".venv" / "bin" / "python"
    env = dict(os.environ, PYTHONPATH=str(repo))
    return run_child([str(python if python.exists() else sys.executable), engine], REPO_CHILD, jobs,
                     cwd=str(repo), env=env)


def run_telea(jobs: list[dict]) -> list[list[float]]:
    times = []
    for job in jobs:
        bgr, mask = cv2.imread(job["input"]), cv2.imread(job["mask"], cv2.IMREAD_GRAYSCALE)
        wall, cpu = time.perf_counter(), time.process_time()
        out = cv2.inpaint(bgr, mask, 5, cv2.INPAINT_TELEA)
        times.append([time.perf_counter() - wall, time.process_time() - cpu])
        cv2.imwrite(job["output"], out, [cv2.IMWRITE_PNG_COMPRESSION, 1])
    return times


def run_migan(jobs: list[dict]) -> list[list[float] | None]:
    for job in jobs:
        stored = read_rgb(common.DATA / "migan_results" / f"{job['photo']}.png")
        out = read_rgb(Path(job["input"]))
        hole = cv2.imread(job["mask"], cv2.IMREAD_GRAYSCALE) > 0
        out[hole] = stored[hole]
        write_rgb(Path(job["output"]), out)
    return [None] * len(jobs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", required=True, type=Path)
    parser.add_argument("--candidate", action="append", required=True, metavar="NAME=SPEC")
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--sets", default=None, help="comma-separated sets (default: all in the folder)")
    parser.add_argument("--max-mp", action="append", default=[], metavar="NAME=MP",
                        help="skip cases above MP megapixels for that candidate (e.g. pypatchmatch=4)")
    parser.add_argument("--ungreyed", action="store_true",
                        help="give candidates image.png, the hole's pixels left in (what a real job sees), "
                             "to measure a ghost of what lies under the mask")
    parser.add_argument("--peers-python", default="/tmp/peers-venv/bin/python")
    args = parser.parse_args()

    cases = json.loads((args.cases / "cases.json").read_text())
    if args.sets:
        cases = [c for c in cases if c["set"] in args.sets.split(",")]
    limits = {name: float(mp) for name, mp in (item.split("=", 1) for item in args.max_mp)}
    args.out.mkdir(parents=True, exist_ok=True)
    record_path = args.out / "run.json"
    record = json.loads(record_path.read_text()) if record_path.exists() else {"candidates": {}, "times": {}}
    record["cases"] = str(args.cases.resolve())

    for item in args.candidate:
        name, spec = item.split("=", 1)
        chosen = [c for c in cases
                  if (spec != "migan" or c["set"] == "places")
                  and c["width"] * c["height"] / 1e6 <= limits.get(name, float("inf"))]
        jobs = []
        for c in chosen:
            folder = args.cases / c["set"] / c["case"]
            output = args.out / name / c["set"] / f"{c['case']}.png"
            output.parent.mkdir(parents=True, exist_ok=True)
            jobs.append({"input": str(folder / ("image.png" if args.ungreyed else "input.png")), "mask": str(folder / "mask.png"),
                         "output": str(output), "photo": c["photo"]})
        started = time.perf_counter()
        if spec.startswith("repo:"):
            times = run_repo(spec, jobs)
        elif spec == "telea":
            times = run_telea(jobs)
        elif spec == "pypatchmatch":
            times = run_child([args.peers_python], PYPATCHMATCH_CHILD, jobs)
        elif spec == "migan":
            times = run_migan(jobs)
        else:
            raise SystemExit(f"unknown candidate spec {spec!r} (repo:PATH:ENGINE, telea, pypatchmatch, migan)")
        record["candidates"][name] = spec
        record["times"][name] = {f"{c['set']}/{c['case']}": t for c, t in zip(chosen, times, strict=True)}
        walls = [t[0] for t in times if t]
        print(f"{name:16s} {spec:28s} {len(jobs):4d} cases  {time.perf_counter() - started:7.1f} s"
              + (f"  median {np.median(walls):.3f} s/case" if walls else ""), flush=True)
        record_path.write_text(json.dumps(record, indent=1))


if __name__ == "__main__":
    main()
