"""Blind sheets for judging two fills of the same stroke holes, row by row.

    .venv/bin/python -m bench.engines.judge.pairs --run RUN --cases CASES/small \\
        --first main --second new --key 222 --out /tmp/blind [--kind -strokes]

RUN/NAME/small/CASE.png are the fills (bench.engines.judge.run or
bench.engines.strokeprobe --save), CASES/CASE/ holds mask.png and truth.png. Each row:
the truth with the hole outlined | X | Y | the truth, cropped 140 px around the densest
part of the mask and enlarged 2.4x; a second crop where the two fills differ most (the
same for either order) when it lies elsewhere. Which fill is X is drawn from the seeded
key and written only to OUT/key.json: write the verdicts before reading it.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import cv2
import numpy as np

CROP = 140
ZOOM = 2.4


def _tiles(images: list[np.ndarray], y0: int, x0: int, frame: int) -> np.ndarray:
    tiles = [cv2.resize(im[y0:y0 + CROP, x0:x0 + CROP], None, fx=ZOOM, fy=ZOOM, interpolation=cv2.INTER_NEAREST)
             for im in images]
    return np.hstack([np.pad(t, ((4, 4), (4, 4), (0, 0)), constant_values=frame) for t in tiles])


def _corner(score: np.ndarray) -> tuple[int, int]:
    """Top left of the CROP x CROP window with the largest `score` summed over it."""
    summed = cv2.boxFilter(score.astype(np.float32), -1, (CROP, CROP), normalize=False)
    cy, cx = np.unravel_index(np.argmax(summed), summed.shape)
    h, w = score.shape
    return int(np.clip(cy - CROP // 2, 0, h - CROP)), int(np.clip(cx - CROP // 2, 0, w - CROP))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run", required=True)
    parser.add_argument("--cases", required=True)
    parser.add_argument("--first", required=True)
    parser.add_argument("--second", required=True)
    parser.add_argument("--key", type=int, required=True, help="the seed of the shuffle")
    parser.add_argument("--kind", default="-strokes", help="cases whose name contains this")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    run, cases, out = Path(args.run), Path(args.cases), Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    names = sorted(p.name for p in cases.iterdir() if args.kind in p.name)
    rng = np.random.default_rng(args.key)
    key, rows = {}, []
    for i, name in enumerate(names):
        mask = cv2.imread(str(cases / name / "mask.png"), cv2.IMREAD_GRAYSCALE) > 127
        truth = cv2.imread(str(cases / name / "truth.png"))
        first = cv2.imread(str(run / args.first / "small" / f"{name}.png"))
        second = cv2.imread(str(run / args.second / "small" / f"{name}.png"))
        swap = bool(rng.integers(2))
        key[f"{i:02d}"] = {"case": name, "X": args.second if swap else args.first, "Y": args.first if swap else args.second}
        x, y = (second, first) if swap else (first, second)
        outlined = truth.copy()
        contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_LIST, cv2.CHAIN_APPROX_NONE)
        cv2.drawContours(outlined, contours, -1, (0, 255, 255), 1)
        y0, x0 = _corner(mask)
        row = _tiles([outlined, x, y, truth], y0, x0, 255)
        dy, dx = _corner(np.abs(first.astype(np.float32) - second).sum(axis=2))
        if abs(dy - y0) + abs(dx - x0) > 40:
            row = np.vstack([row, _tiles([outlined, x, y, truth], dy, dx, 200)])
        cv2.putText(row, f"{i:02d}", (10, 30), cv2.FONT_HERSHEY_SIMPLEX, 1, (0, 0, 255), 2)
        for j, letter in enumerate("XY"):
            cv2.putText(row, letter, (344 * (j + 1) + 10, 30), cv2.FONT_HERSHEY_SIMPLEX, 1, (0, 0, 255), 2)
        rows.append(row)
    for start in range(0, len(rows), 3):
        cv2.imwrite(str(out / f"sheet-{start:02d}.png"), np.vstack(rows[start:start + 3]))
    with open(out / "key.json", "w") as fh:
        json.dump(key, fh, indent=1)
    print(f"{len(rows)} rows, {out}/sheet-*.png; verdicts first, then {out}/key.json")


if __name__ == "__main__":
    main()
