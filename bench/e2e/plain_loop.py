"""The baseline for `manage.py repair` in batch: a plain OpenCV loop, nothing else.

    .venv/bin/python bench/e2e/plain_loop.py INPUT_DIR MASK_DIR OUT_DIR [--radius 5]

For each photo: cv2.imread, the mask with the same stem (.png) as grey, cv2.inpaint
with INPAINT_TELEA, cv2.imwrite PNG (OpenCV's default PNG compression level, 1).
The radius default is the one our telea engine uses (repairapp/engines/opencv.py).
"""

import argparse
import sys
import time
from pathlib import Path

import cv2


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("input_dir", type=Path)
    parser.add_argument("mask_dir", type=Path)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--radius", type=int, default=5)
    args = parser.parse_args()
    args.out_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    photos = sorted(p for p in args.input_dir.iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
    for photo in photos:
        img = cv2.imread(str(photo))
        mask = cv2.imread(str(args.mask_dir / f"{photo.stem}.png"), cv2.IMREAD_GRAYSCALE)
        out = cv2.inpaint(img, mask, args.radius, cv2.INPAINT_TELEA)
        cv2.imwrite(str(args.out_dir / f"{photo.stem}.png"), out)
    print(f"{len(photos)} photos in {time.perf_counter() - started:.2f} s -> {args.out_dir}", file=sys.stderr)


if __name__ == "__main__":
    main()
