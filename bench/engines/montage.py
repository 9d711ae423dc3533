"""Side-by-side montages: input with the mask outlined | Telea | patch | auto | truth.

    .venv/bin/python -m bench.engines.montage

One PNG per mask kind in bench/engines/montages/, 256 px tiles, from the same seeded cases as
quality.py (with the pipeline's default dilate and feather).
"""

from __future__ import annotations

import cv2
import numpy as np

from bench.engines import common
from repairapp.engines import pipeline

TILE = 256
PICKS = {"strokes": (3, 12), "objects": (1, 6), "text": (2, 7), "freeform": (10,)}


def tile(rgb: np.ndarray, label: str) -> np.ndarray:
    small = cv2.resize(rgb, (TILE, TILE), interpolation=cv2.INTER_AREA)
    cv2.rectangle(small, (0, 0), (8 + 9 * len(label), 18), (0, 0, 0), -1)
    cv2.putText(small, label, (4, 13), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (255, 255, 255), 1, cv2.LINE_AA)
    return small


def main() -> None:
    common.MONTAGES.mkdir(parents=True, exist_ok=True)
    photos = common.photos()
    for kind, indices in PICKS.items():
        rows = []
        for index in indices:
            name, truth = photos[index]
            damaged, mask = common.case(name, truth, kind, index)
            shown = damaged.copy()
            contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
            cv2.drawContours(shown, contours, -1, (0, 255, 0), 2)
            row = [tile(shown, "input + mask")]
            for engine in ("telea", "patch", "auto"):
                row.append(tile(pipeline.repair(damaged, mask, engine=engine, seed=0).rgb, engine))
            row.append(tile(truth, "truth"))
            rows.append(np.hstack(row))
        path = common.MONTAGES / f"{kind}.png"
        cv2.imwrite(str(path), cv2.cvtColor(np.vstack(rows), cv2.COLOR_RGB2BGR), [cv2.IMWRITE_PNG_COMPRESSION, 9])
        print(path.relative_to(common.REPO))


if __name__ == "__main__":
    main()
