"""Blind side-by-side sheets of a run, for judging fills by looking.

    .venv/bin/python bench/judge/montage.py RUNDIR [--sets places,objects] [--rows 4] [--tile 300]

Per case one row: the photo with the hole outlined | every candidate that filled it, in
a shuffled order, labelled A, B, C... | the truth. The shuffle is seeded by the case's
name, so the same run gives the same letters; which letter is which candidate is written
to RUNDIR/montages/key.json only, never in the picture. Small holes are cropped to the
hole's box (with context around it) and zoomed, so the fill itself can be seen.
Writes RUNDIR/montages/SET-NN.jpg (ROWS rows per sheet) and RUNDIR/montages/judgements.md,
a judgement file with one empty section per case (format: bench/judge/judgements.md).
"""

from __future__ import annotations

import argparse
import json
import string
import sys
import zlib
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import engines_common as common  # noqa: E402

OUTLINE = (0, 255, 255)
LABEL_H = 26
GAP = 6


def read_rgb(path: Path) -> np.ndarray:
    return cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)


def view_box(mask: np.ndarray) -> tuple[slice, slice]:
    """A square around the hole's box with as much context again around it (at least
    96 px), inside the image: small holes get zoomed, large ones show the whole photo."""
    ys, xs = common.bbox(mask)
    h, w = mask.shape
    side = max(ys.stop - ys.start, xs.stop - xs.start)
    side = min(max(2 * side, 96), h, w)
    cy, cx = (ys.start + ys.stop) // 2, (xs.start + xs.stop) // 2
    top = int(np.clip(cy - side // 2, 0, h - side))
    left = int(np.clip(cx - side // 2, 0, w - side))
    return slice(top, top + side), slice(left, left + side)


def tile(rgb: np.ndarray, label: str, size: int) -> np.ndarray:
    scaled = rgb.shape[0] < size
    small = cv2.resize(rgb, (size, size), interpolation=cv2.INTER_NEAREST if scaled else cv2.INTER_AREA)
    head = np.full((LABEL_H, size, 3), 255, np.uint8)
    cv2.putText(head, label, (6, LABEL_H - 8), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (20, 20, 20), 1, cv2.LINE_AA)
    return np.vstack([head, small])


def letters_for(case_id: str, names: list[str]) -> dict[str, str]:
    """{letter: candidate} in an order seeded by the case's id (stable across runs)."""
    rng = np.random.default_rng(zlib.crc32(case_id.encode()))
    order = [names[i] for i in rng.permutation(len(names))]
    return dict(zip(string.ascii_uppercase, order, strict=False))


def row_for(case: dict, cases_dir: Path, run: Path, names: list[str], size: int) -> tuple[np.ndarray, dict]:
    case_id = f"{case['set']}/{case['case']}"
    folder = cases_dir / case["set"] / case["case"]
    mask = cv2.imread(str(folder / "mask.png"), cv2.IMREAD_GRAYSCALE)
    ys, xs = view_box(mask)
    zoom = size / (ys.stop - ys.start)
    shown = read_rgb(folder / "image.png")[ys, xs].copy()
    contours, _ = cv2.findContours(mask[ys, xs], cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    cv2.drawContours(shown, contours, -1, OUTLINE, max(1, int(round(1.5 / zoom))), cv2.LINE_AA)
    present = [n for n in names if (run / n / case["set"] / f"{case['case']}.png").exists()]
    key = letters_for(case_id, present)
    pct = 100 * case["hole"]
    tiles = [tile(shown, f"{case['case'][:26]}  {pct:.0f}%", size)]
    for letter, name in key.items():
        tiles.append(tile(read_rgb(run / name / case["set"] / f"{case['case']}.png")[ys, xs], letter, size))
    tiles.append(tile(read_rgb(folder / "truth.png")[ys, xs], "truth", size))
    gap = np.full((size + LABEL_H, GAP, 3), 255, np.uint8)
    parts = []
    for t in tiles:
        parts += [t, gap]
    return np.hstack(parts[:-1]), key


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run", type=Path)
    parser.add_argument("--sets", default=None)
    parser.add_argument("--rows", type=int, default=4)
    parser.add_argument("--tile", type=int, default=300)
    parser.add_argument("--quality", type=int, default=88, help="JPEG quality of the sheets")
    args = parser.parse_args()
    record = json.loads((args.run / "run.json").read_text())
    cases_dir = Path(record["cases"])
    cases = json.loads((cases_dir / "cases.json").read_text())
    if args.sets:
        cases = [c for c in cases if c["set"] in args.sets.split(",")]
    names = sorted(record["candidates"])
    out = args.run / "montages"
    out.mkdir(exist_ok=True)
    keys, sheets = {}, {}
    for case in cases:
        row, key = row_for(case, cases_dir, args.run, names, args.tile)
        keys[f"{case['set']}/{case['case']}"] = key
        sheets.setdefault(case["set"], []).append(row)
    for set_name, rows in sheets.items():
        width = max(r.shape[1] for r in rows)
        rows = [np.hstack([r, np.full((r.shape[0], width - r.shape[1], 3), 255, np.uint8)]) for r in rows]
        for number, start in enumerate(range(0, len(rows), args.rows), 1):
            chunk = rows[start:start + args.rows]
            spaced = []
            for r in chunk:
                spaced += [r, np.full((2 * GAP, width, 3), 255, np.uint8)]
            path = out / f"{set_name}-{number:02d}.jpg"
            cv2.imwrite(str(path), cv2.cvtColor(np.vstack(spaced[:-1]), cv2.COLOR_RGB2BGR),
                        [cv2.IMWRITE_JPEG_QUALITY, args.quality])
            print(path)
    (out / "key.json").write_text(json.dumps(keys, indent=1))
    template = ["# Judgements", "", f"Run: `{args.run}`. Format: bench/judge/judgements.md.", ""]
    for case_id, key in keys.items():
        template += [f"## {case_id}", f"candidates: {', '.join(key)}", "accept: ", "rank: ", "reason: ", ""]
    judgements = out / "judgements.md"
    if not judgements.exists():  # never overwrite judgements already written
        judgements.write_text("\n".join(template))
    print(out / "key.json")


if __name__ == "__main__":
    main()
