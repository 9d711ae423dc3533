"""Blind side-by-side sheets of a run, for judging fills by looking.

    .venv/bin/python -m bench.engines.judge.montage RUNDIR [--sets places,objects] [--rows 6] [--tile 256]

Per case one row: the photo with the hole outlined | every candidate that filled it, in
a shuffled order, labelled A, B, C... | the truth. The shuffle is seeded by the case's
name, so the same run gives the same letters; which letter is which candidate is written
to RUNDIR/montages/key.json only, never in the picture. Every row is cropped to the
hole's largest part with some context and small holes are zoomed (up to 4x), so the
fill itself can be seen; "(part)" after the case's name says the hole has other parts.
Where the view is shrunk more than 2x (large photos), a second strip shows the middle
of the hole at 100 %.
Writes RUNDIR/montages/SET-NN.jpg (at most ROWS rows, about HEIGHT px per sheet) and RUNDIR/montages/judgements.md,
a judgement file with one empty section per case (format: bench/engines/judge/judgements.md).
"""

from __future__ import annotations

import argparse
import json
import string
import zlib
from pathlib import Path

import cv2
import numpy as np

from bench.engines import common
from bench.engines.judge.cases import load_run, read_rgb

OUTLINE = (0, 255, 255)
LABEL_H = 26
GAP = 6


def view_box(mask: np.ndarray) -> tuple[slice, slice, bool]:
    """(rows, cols, whole) of the part of the photo a row shows: the box of the hole's
    largest part (parts closer than 24 px count as one, so a caption's letters stay
    together) with half its shorter side (at least 16 px) of context around it. `whole`
    is False when other parts of the hole lie outside the view."""
    merged = cv2.dilate((mask > 0).astype(np.uint8), np.ones((25, 25), np.uint8))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(merged)
    if count > 2:
        sizes = [int(((labels == i) & (mask > 0)).sum()) for i in range(1, count)]
        part = (labels == 1 + int(np.argmax(sizes))) & (mask > 0)
    else:
        part = mask > 0
    ys, xs = common.bbox(part.astype(np.uint8))
    pad = max(16, min(ys.stop - ys.start, xs.stop - xs.start) // 2)
    h, w = mask.shape
    rows = slice(max(0, ys.start - pad), min(h, ys.stop + pad))
    cols = slice(max(0, xs.start - pad), min(w, xs.stop + pad))
    return rows, cols, count <= 2


def tile(rgb: np.ndarray, label: str, size: tuple[int, int]) -> np.ndarray:
    width, height = size
    zoomed = rgb.shape[1] < width
    small = cv2.resize(rgb, (width, height), interpolation=cv2.INTER_NEAREST if zoomed else cv2.INTER_AREA)
    head = np.full((LABEL_H, width, 3), 255, np.uint8)
    cv2.putText(head, label, (6, LABEL_H - 8), cv2.FONT_HERSHEY_SIMPLEX, 0.55, (20, 20, 20), 1, cv2.LINE_AA)
    return np.vstack([head, small])


def letters_for(case_id: str, names: list[str]) -> dict[str, str]:
    """{letter: candidate} in an order seeded by the case's id (stable across runs)."""
    rng = np.random.default_rng(zlib.crc32(case_id.encode()))
    order = [names[i] for i in rng.permutation(len(names))]
    return dict(zip(string.ascii_uppercase, order, strict=False))


def strip(images: list[np.ndarray], labels: list[str], ys: slice, xs: slice, tile_size: tuple[int, int]) -> np.ndarray:
    """The crop (ys, xs) of every image, as labelled tiles side by side."""
    gap = np.full((tile_size[1] + LABEL_H, GAP, 3), 255, np.uint8)
    parts = []
    for image, label in zip(images, labels, strict=True):
        parts += [tile(image[ys, xs], label, tile_size), gap]
    return np.hstack(parts[:-1])


def row_for(case: dict, cases_dir: Path, run: Path, names: list[str], size: int) -> tuple[np.ndarray, dict] | None:
    """One case's row and its key; None when no candidate filled this case."""
    case_id = f"{case['set']}/{case['case']}"
    present = [n for n in names if (run / n / case["set"] / f"{case['case']}.png").exists()]
    if not present:
        return None
    folder = cases_dir / case["set"] / case["case"]
    mask = cv2.imread(str(folder / "mask.png"), cv2.IMREAD_GRAYSCALE)
    ys, xs, whole = view_box(mask)
    crop_h, crop_w = ys.stop - ys.start, xs.stop - xs.start
    # Small holes are zoomed (up to 4x), wide ones (a caption) get a wide tile.
    zoom = min(1.5 * size / crop_w, size / crop_h, 4.0)
    tile_size = (max(int(round(crop_w * zoom)), 150), int(round(crop_h * zoom)))
    shown = read_rgb(folder / "image.png")
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    cv2.drawContours(shown, contours, -1, OUTLINE, max(1, int(round(1.5 / zoom))), cv2.LINE_AA)
    key = letters_for(case_id, present)
    images = [shown] + [read_rgb(run / n / case["set"] / f"{case['case']}.png") for n in key.values()]
    images.append(read_rgb(folder / "truth.png"))
    short = case["case"].removeprefix("Places365_val_")
    labels = [f"{short} {100 * case['hole']:.0f}%{'' if whole else ' (part)'}", *key, "truth"]
    row = strip(images, labels, ys, xs, tile_size)
    if zoom < 0.5:
        # Shrunk more than 2x, a fine pattern (dots, grain, facets) cannot show: add the
        # middle of the hole at 100 %.
        rows, cols = np.nonzero(mask)
        cy, cx = int(np.median(rows)), int(np.median(cols))
        side = tile_size[1]
        top = int(np.clip(cy - side // 2, 0, mask.shape[0] - side))
        left = int(np.clip(cx - side // 2, 0, mask.shape[1] - side))
        detail = strip(images, ["100 %", *key, "truth"], slice(top, top + side), slice(left, left + side),
                       (side, side))
        width = max(row.shape[1], detail.shape[1])
        row, detail = (np.hstack([r, np.full((r.shape[0], width - r.shape[1], 3), 255, np.uint8)])
                       for r in (row, detail))
        row = np.vstack([row, np.full((GAP, width, 3), 255, np.uint8), detail])
    return row, key


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run", type=Path)
    parser.add_argument("--sets", default=None)
    parser.add_argument("--rows", type=int, default=6)
    parser.add_argument("--tile", type=int, default=256, help="tile height (px) for a square crop")
    parser.add_argument("--height", type=int, default=1200, help="a sheet's height (px), about")
    parser.add_argument("--quality", type=int, default=88, help="JPEG quality of the sheets")
    args = parser.parse_args()
    record, cases_dir, cases = load_run(args.run, args.sets)
    names = sorted(record["candidates"])
    out = args.run / "montages"
    out.mkdir(exist_ok=True)
    keys, sheets = {}, {}
    for case in cases:
        made = row_for(case, cases_dir, args.run, names, args.tile)
        if made is None:
            continue
        row, key = made
        keys[f"{case['set']}/{case['case']}"] = key
        sheets.setdefault(case["set"], []).append(row)
    for set_name, rows in sheets.items():
        width = max(r.shape[1] for r in rows)
        rows = [np.hstack([r, np.full((r.shape[0], width - r.shape[1], 3), 255, np.uint8)]) for r in rows]
        # Sheets of at most --rows rows and about --height px, readable in a file viewer.
        chunks, chunk = [], []
        for r in rows:
            if chunk and (len(chunk) == args.rows or sum(c.shape[0] for c in chunk) + r.shape[0] > args.height):
                chunks.append(chunk)
                chunk = []
            chunk.append(r)
        chunks.append(chunk)
        for number, chunk in enumerate(chunks, 1):
            spaced = []
            for r in chunk:
                spaced += [r, np.full((2 * GAP, width, 3), 255, np.uint8)]
            path = out / f"{set_name}-{number:02d}.jpg"
            cv2.imwrite(str(path), cv2.cvtColor(np.vstack(spaced[:-1]), cv2.COLOR_RGB2BGR),
                        [cv2.IMWRITE_JPEG_QUALITY, args.quality])
            print(path)
    (out / "key.json").write_text(json.dumps(keys, indent=1))
    template = ["# Judgements", "", f"Run: `{args.run}`. Format: bench/engines/judge/judgements.md.", ""]
    for case_id, key in keys.items():
        template += [f"## {case_id}", f"candidates: {', '.join(key)}", "accept: ", "rank: ", "reason: ", ""]
    judgements = out / "judgements.md"
    if not judgements.exists():  # never overwrite judgements already written
        judgements.write_text("\n".join(template))
    print(out / "key.json")


if __name__ == "__main__":
    main()
