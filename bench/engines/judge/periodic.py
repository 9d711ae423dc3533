"""The periodicity check on large photos: real fills with a fine dot pattern added.

    .venv/bin/python -m bench.engines.judge.cases --out /tmp/judge-cases --sets large
    .venv/bin/python -m bench.engines.judge.run --cases /tmp/judge-cases --out /tmp/judge-run-large \\
        --sets large --candidate auto=repo:.:auto
    .venv/bin/python -m bench.engines.judge.periodic /tmp/judge-run-large --candidate auto \\
        [--before /tmp/judge-base]
    .venv/bin/python -m bench.engines.judge.periodic /tmp/judge-run --sets places --name places \\
        [--before /tmp/judge-base]
    .venv/bin/python -m bench.engines.judge.periodic --cost [--before /tmp/judge-base]

Every fill of the run's candidates (--candidate, repeated: only those) and the truth (a
flag on it is a false alarm) is scored as it is. On the `large` set (4 mosaics at 4 and
12 MP, a 5 % blob) each candidate's fill is also scored with a dot grid of ±16 grey
levels added inside the mask (a bright dot every 2 px, every 3 px, and every 2 px down by
3 across, the rest darkened so the mean stays): the screen door an upsampled pyramid
leaves, which an editor sees at 100 %. Prints and writes
bench/engines/judge/results/periodic-NAME.json|txt: periodicity and whether the pattern
flag fires, per case and fill, and the counts. --before PATH scores the same with PATH's
repairapp/diff.py (a `git archive` of main, say) beside this checkout's.

--cost: CPU seconds of one diff.periodicity call on a 24 MP photo (6000×4000, a fine
stone-like grain) with a 15 % blob, the median of --calls calls.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import time
from pathlib import Path
from types import ModuleType

import cv2
import numpy as np

from bench.engines import common
from bench.engines.judge.cases import load_run, read_rgb
from repairapp import diff

RESULTS = Path(__file__).resolve().parent / "results"

GRIDS = {"2x2": (2, 2), "3x3": (3, 3), "2x3": (2, 3)}  # (rows, columns) between dots
DOT = 16.0  # grey levels: faint, yet a regular screen door at 100 %


def dotted(fill: np.ndarray, mask: np.ndarray, grid: tuple[int, int]) -> np.ndarray:
    """`fill` with a dot every grid[0] rows and grid[1] columns inside the mask: +DOT on the
    dots, the rest darkened so the fill's mean colour stays."""
    yy, xx = np.mgrid[0:fill.shape[0], 0:fill.shape[1]]
    on = (yy % grid[0] == 0) & (xx % grid[1] == 0)
    dots = np.where(on, DOT, -DOT / (grid[0] * grid[1] - 1)).astype(np.float32)
    out = fill.copy()
    hole = mask > 0
    out[hole] = np.clip(fill[hole].astype(np.float32) + dots[hole][:, None], 0, 255).astype(np.uint8)
    return out


def group_of(fill_name: str) -> str:
    """"auto+dots2x3" -> "auto+dots": the dotted fills are counted together."""
    return fill_name.split("+")[0] + ("+dots" if "+dots" in fill_name else "")


def diff_from(checkout: Path) -> ModuleType:
    """repairapp/diff.py of another checkout (pure numpy, so it loads on its own)."""
    spec = importlib.util.spec_from_file_location("diff_before", checkout / "repairapp" / "diff.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks itself up there
    spec.loader.exec_module(module)
    return module


def cost(checks: dict[str, ModuleType], calls: int) -> None:
    rng = np.random.default_rng(24)
    height, width = 4000, 6000
    noise = rng.normal(0, 22, (height + 1, width + 1)).astype(np.float32)
    grain = (noise[:-1, :-1] + noise[1:, :-1] + noise[:-1, 1:] + noise[1:, 1:]) / 2
    photo = np.clip(np.array([95, 110, 140], np.float32) + grain[..., None], 0, 255).astype(np.uint8)
    mask = common.object_mask((height, width), rng, area=0.15)
    seconds = {name: [] for name in checks}
    values = {}
    for _ in range(calls):  # the checkouts in turn, call by call, so a change of load hits both
        for name, module in checks.items():
            start = time.process_time()
            values[name] = module.periodicity(photo, mask)
            seconds[name].append(time.process_time() - start)
    for name, times in seconds.items():
        print(f"{name}: periodicity {values[name]:.3f}, CPU s per call median {np.median(times):.3f} "
              f"(min {min(times):.3f}, max {max(times):.3f}, {calls} calls)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run", type=Path, nargs="?")
    parser.add_argument("--candidate", action="append", default=None, help="default: every candidate of the run")
    parser.add_argument("--sets", default="large")
    parser.add_argument("--name", default="large", help="results go to results/periodic-NAME.json|txt")
    parser.add_argument("--before", type=Path, default=None, help="a checkout whose repairapp/diff.py to score beside")
    parser.add_argument("--cost", action="store_true")
    parser.add_argument("--calls", type=int, default=5)
    args = parser.parse_args()
    checks = {"this": diff} | ({"before": diff_from(args.before)} if args.before else {})
    if args.cost:
        cost(checks, args.calls)
        return
    record, cases_dir, cases = load_run(args.run, args.sets)
    candidates = args.candidate or sorted(record["candidates"])
    rows = []
    for case in cases:
        folder = cases_dir / case["set"] / case["case"]
        mask = cv2.imread(str(folder / "mask.png"), cv2.IMREAD_GRAYSCALE)
        fills = {"truth": read_rgb(folder / "truth.png")}
        for candidate in candidates:
            path = args.run / candidate / case["set"] / f"{case['case']}.png"
            if not path.exists():
                continue
            fills[candidate] = read_rgb(path)
            if case["set"] == "large":
                fills |= {f"{candidate}+dots{grid}": dotted(fills[candidate], mask, shape)
                          for grid, shape in GRIDS.items()}
        for fill_name, image in fills.items():
            row = {"case": f"{case['set']}/{case['case']}", "fill": fill_name}
            for name, module in checks.items():
                value = module.periodicity(image, mask)
                row[name] = value
                row[f"{name}_flagged"] = value is not None and value > module.PERIODIC_FLAG
            rows.append(row)
            print(json.dumps(row), flush=True)
    lines = [f"periodicity (flag above {diff.PERIODIC_FLAG:g}) per case and fill; run {args.run}",
             f"{'case':34s} {'fill':18s} " + " ".join(f"{name:>10s}" for name in checks)]
    for row in rows:
        lines.append(f"{row['case']:34s} {row['fill']:18s} " + " ".join(
            f"{'—' if row[n] is None else format(row[n], '.2f'):>9s}{'*' if row[f'{n}_flagged'] else ' '}"
            for n in checks))
    for name in sorted({group_of(row["fill"]) for row in rows}):
        group = [row for row in rows if group_of(row["fill"]) == name]
        lines.append(f"flagged, {name}: " + ", ".join(
            f"{check} {sum(r[f'{check}_flagged'] for r in group)}/{len(group)}" for check in checks))
    text = "\n".join(lines) + "\n"
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"periodic-{args.name}.json").write_text(json.dumps({"run": str(args.run), "rows": rows}, indent=1))
    (RESULTS / f"periodic-{args.name}.txt").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
