"""Find text: how much rendered text it finds, how much else it marks, and the repair after it.

    .venv/bin/python -m bench.engines.textfind [--limit N] [--variants K] [--salt S] [--jpeg Q] [--no-repair]

For each photo, K text overlays are drawn from fixed seeds (timestamps, captions,
watermark words; white, black or coloured; with or without outline; some 70 % opaque).
- text pixels: coverage >= 0.25 (visibly changed); the faint anti-aliased fringe
  (0 < coverage < 0.25) counts neither as found nor as extra;
- recall: share of text pixels in the proposed mask; extra: proposed pixels the text
  never touched, as a share of the text's area; per overlay (median, mean, 10th
  percentile) and pooled over all overlays (sum of found text px / sum of text px, sum
  of extra px / sum of text px), where large overlays weigh more;
- PSNR after removal: `repair(engine="auto")` with the proposed mask vs the untouched
  photo, in the text's bounding box and over the whole photo;
- false area on the untouched photos: proposed pixels / photo pixels.
Writes bench/engines/results/textfind.json.

`--salt` changes the overlays' seeds (77, the default, is the standard bench): tune on
another salt and check on 77, so the detector is not fitted to 60 particular overlays.
`--no-repair` skips the repair and its PSNR figures (for quick runs of the detector).
`--jpeg Q` saves the damaged photo (and the untouched one, for the false-area check) as a
JPEG of quality Q (OpenCV, 4:2:0 chroma) and detects on the decoded picture, as when a
user uploads a photo with a burned-in timestamp; recall, extra and the repair are still
measured against the PNG-exact overlay and the untouched photo.
`--classical` measures the classical finder alone (the figures before issue 15: see
"Text: find, read, check" in bench/README.md for the detector's). `ms` is wall time; `cpu_ms` is find_text's CPU time (time.process_time), steadier when
other jobs share the cores.
"""

from __future__ import annotations

import argparse
import json
import time

import cv2
import numpy as np

from bench.engines import common
from repairapp.engines import pipeline
from repairapp import textfind


def jpeg(rgb: np.ndarray, quality: int | None) -> np.ndarray:
    """`rgb` after a round trip through a JPEG of `quality` (None: unchanged)."""
    if quality is None:
        return rgb
    ok, data = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return cv2.cvtColor(cv2.imdecode(data, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=20)
    parser.add_argument("--variants", type=int, default=3)
    parser.add_argument("--salt", type=int, default=77, help="seed salt of the overlays (77: the standard bench)")
    parser.add_argument("--jpeg", type=int, default=None, metavar="Q", help="detect on a JPEG of quality Q of the damaged photo")
    parser.add_argument("--no-repair", action="store_true", help="skip the repair and its PSNR figures")
    parser.add_argument("--classical", action="store_true", help="the classical finder alone (the fallback; the figures above issue 15)")
    parser.add_argument("--out", default=str(common.RESULTS / "textfind.json"))
    args = parser.parse_args()
    find_text = textfind.classical_find_text if args.classical else textfind.find_text
    rows, clean = [], []
    for index, (name, truth) in enumerate(common.photos()[:args.limit]):
        started = time.perf_counter()
        clean.append(float((find_text(jpeg(truth, args.jpeg)) > 0).mean()))
        clean_ms = 1000 * (time.perf_counter() - started)
        for variant in range(args.variants):
            rng = np.random.default_rng([index, variant, args.salt])
            damaged, coverage = common.render_text(truth, rng)
            damaged = jpeg(damaged, args.jpeg)
            started, cpu = time.perf_counter(), time.process_time()
            proposed = find_text(damaged) > 0
            ms, cpu_ms = 1000 * (time.perf_counter() - started), 1000 * (time.process_time() - cpu)
            text = coverage >= 0.25
            untouched = coverage == 0
            found = float((proposed & text).sum() / text.sum())
            extra = float((proposed & untouched).sum() / text.sum())
            row = {"photo": name, "variant": variant, "recall": found, "extra": extra, "text_px": int(text.sum())}
            if not args.no_repair:
                result = pipeline.repair(damaged, proposed.astype(np.uint8) * 255, engine="auto")
                ys, xs = common.bbox(coverage > 0)
                row.update(
                    psnr_box=common.psnr(result.rgb[ys, xs], truth[ys, xs]),
                    psnr_photo=common.psnr(result.rgb, truth),
                    psnr_box_before=common.psnr(damaged[ys, xs], truth[ys, xs]),
                )
            row.update(ms=ms, cpu_ms=cpu_ms, clean_ms=clean_ms)
            rows.append(row)
    summary = {key: float(np.median([r[key] for r in rows])) for key in rows[0] if key not in ("photo", "variant", "text_px")}
    text_px = np.array([r["text_px"] for r in rows], np.float64)
    summary.update(
        recall_pooled=float(np.dot([r["recall"] for r in rows], text_px) / text_px.sum()),
        extra_pooled=float(np.dot([r["extra"] for r in rows], text_px) / text_px.sum()),
        recall_mean=float(np.mean([r["recall"] for r in rows])),
        extra_mean=float(np.mean([r["extra"] for r in rows])),
        recall_p10=float(np.percentile([r["recall"] for r in rows], 10)),
        clean_false_area_median=float(np.median(clean)), clean_false_area_max=float(np.max(clean)),
        clean_photos_marked=int(sum(a > 0 for a in clean)), n=len(rows),
    )
    for key, value in summary.items():
        print(f"{key:24s} {value:10.4f}")
    if args.out:
        common.RESULTS.mkdir(parents=True, exist_ok=True)
        with open(args.out, "w") as fh:
            json.dump({"args": vars(args), "summary": summary, "rows": rows, "clean_false_area": clean}, fh, indent=1)


if __name__ == "__main__":
    main()
