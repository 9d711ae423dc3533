"""Figures for every case and candidate of a run, and their medians per case set.

    .venv/bin/python -m bench.engines.judge.metrics RUNDIR --name before

Against the truth (bench/engines/common.py): PSNR and SSIM in the hole's box, texture ratio and
seam ratio. Ghost and hole dependence (with --ungreyed RUN2, a run of the same candidates on the
photo with the object still under the mask): how far the fill changes with what lies
under the hole (max grey levels), and how much that change looks like the object
(correlation with pasted-minus-truth: 1 = the object shows through, 0 = none).
Without the truth, as the worker computes them (repairapp.diff): seam score, texture
ratio against the ring, structure ratio (mid-scale detail against the ring), periodicity (the fill's strongest high-pass spectral peak ÷ the
surroundings'), foreign share (the share of the fill in colours found nowhere around
it), and the flags the worker would raise. The truth itself is scored as a candidate
("truth") for those, so a flag it raises is a false alarm.
Writes bench/engines/judge/results/metrics-NAME.json (every row, medians) and metrics-NAME.txt (medians).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import cv2
import numpy as np

from bench.engines import common
from bench.engines.judge.cases import load_run, read_rgb
from repairapp import diff

RESULTS = Path(__file__).resolve().parent / "results"

FIELDS = ("psnr", "ssim", "texture", "seam", "ghost", "hole_dependence", "check_seam", "check_texture", "structure", "periodicity",
          "foreign",
          "flagged", "wall_s")


def ghost(ungreyed: np.ndarray, greyed: np.ndarray, truth: np.ndarray, image: np.ndarray,
          mask: np.ndarray) -> tuple[float, int]:
    """(ghost, hole dependence) of one candidate on one object case, from its fill of the
    photo with the object under the mask (`ungreyed`) and of the greyed input (`greyed`).
    Ghost: the correlation, inside the hole, of what the object's pixels changed in the
    fill with what the object added to the truth — 1 = the object shows through, 0 = no
    trace of it (exactly 0 when the fill ignores the hole's pixels). Hole dependence:
    the largest difference between the two fills, in grey levels."""
    hole = mask > 0
    change = (ungreyed.astype(np.float64) - greyed)[hole].ravel()
    added = (image.astype(np.float64) - truth)[hole].ravel()
    dependence = int(np.abs(change).max()) if change.size else 0
    change, added = change - change.mean(), added - added.mean()
    denominator = np.sqrt((change ** 2).sum() * (added ** 2).sum())
    return (float((change * added).sum() / denominator) if denominator > 0 else 0.0), dependence


def score(out: np.ndarray, case: dict, truth: np.ndarray, image: np.ndarray, mask: np.ndarray,
          ungreyed: np.ndarray | None) -> dict:
    ys, xs = common.bbox(mask)
    ghosted = ghost(ungreyed, out, truth, image, mask) if ungreyed is not None else (None, None)
    checks = {"seam_score": diff.seam_score(out, mask), "texture_ratio": diff.texture_ratio(out, mask),
              "structure_ratio": diff.structure_ratio(out, mask), "periodicity": diff.periodicity(out, mask), "foreign_share": diff.foreign_share(out, mask)}
    return {
        "psnr": common.psnr(out[ys, xs], truth[ys, xs]),
        "ssim": common.ssim(out[ys, xs], truth[ys, xs]),
        "texture": common.texture_ratio(out, truth, mask),
        "seam": common.seam_ratio(out, truth, mask),
        "ghost": ghosted[0],
        "hole_dependence": ghosted[1],
        "check_seam": checks["seam_score"],
        "check_texture": checks["texture_ratio"],
        "structure": checks["structure_ratio"],
        "periodicity": checks["periodicity"],
        "foreign": checks["foreign_share"],
        "flags": [code for code, _ in diff.fill_flags(**checks)],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run", type=Path)
    parser.add_argument("--name", required=True, help="results go to bench/engines/judge/results/metrics-NAME.json|txt")
    parser.add_argument("--sets", default=None)
    parser.add_argument("--ungreyed", type=Path, default=None,
                        help="a run of the same cases and candidate names made with run.py --ungreyed: "
                             "gives the ghost and hole-dependence figures")
    args = parser.parse_args()
    record, cases_dir, cases = load_run(args.run, args.sets)
    rows = []
    for case in cases:
        folder = cases_dir / case["set"] / case["case"]
        truth, image = read_rgb(folder / "truth.png"), read_rgb(folder / "image.png")
        mask = cv2.imread(str(folder / "mask.png"), cv2.IMREAD_GRAYSCALE)
        case_id = f"{case['set']}/{case['case']}"
        if not any(case_id in times for times in record["times"].values()):
            continue  # a case this run did not fill
        for name in [*sorted(record["candidates"]), "truth"]:
            path = folder / "truth.png" if name == "truth" else args.run / name / case["set"] / f"{case['case']}.png"
            if not path.exists():
                continue
            other = args.ungreyed / name / case["set"] / f"{case['case']}.png" if args.ungreyed else None
            row = score(read_rgb(path), case, truth, image, mask,
                        read_rgb(other) if other is not None and other.exists() else None)
            timing = record["times"].get(name, {}).get(case_id)
            row.update(case=case_id, set=case["set"], kind=case["kind"], candidate=name,
                       flagged=bool(row["flags"]), wall_s=timing[0] if timing else None,
                       cpu_s=timing[1] if timing else None)
            rows.append(row)
    groups = {}
    for row in rows:
        groups.setdefault((row["set"], row["candidate"]), []).append(row)
    medians = {}
    for (set_name, name), group in sorted(groups.items()):
        entry = {"n": len(group)}
        for field in FIELDS:
            values = [float(r[field]) for r in group if r[field] is not None]
            entry[field] = float(np.mean(values) if field == "flagged" else np.median(values)) if values else None
        entry["flag_counts"] = {code: sum(code in r["flags"] for r in group)
                                for code in sorted({c for r in group for c in r["flags"]})}
        medians[f"{set_name}/{name}"] = entry
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"metrics-{args.name}.json").write_text(
        json.dumps({"run": str(args.run), "candidates": record["candidates"], "medians": medians, "rows": rows},
                   indent=1))
    lines = [f"medians per set and candidate (flagged = share of cases), run {args.run}",
             f"{'set/candidate':28s} " + " ".join(f"{f:>13s}" for f in FIELDS) + "  flags"]
    for key, entry in medians.items():
        cells = ["—" if entry[f] is None else f"{entry[f]:.3f}" for f in FIELDS]
        lines.append(f"{key:28s} " + " ".join(f"{c:>13s}" for c in cells)
                     + "  " + ", ".join(f"{k} {v}" for k, v in entry["flag_counts"].items()))
    text = "\n".join(lines) + "\n"
    (RESULTS / f"metrics-{args.name}.txt").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
