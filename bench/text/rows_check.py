"""Text: the bench's rows for chosen overlays only (issue 15) — to measure a change on the
overlays an earlier run found under half, without a full run of every salt.

    .venv/bin/python -m bench.text.rows_check --below 0.5 --salts 15,16,17 --out rows.json
    .venv/bin/python -m bench.text.rows_check --clean --out clean.json

`--below R`: the overlays whose recall was under R in the merged sixth pass's result files
(`results/find_read_check_merged6*.json`), drawn again with the same seeds
(`find_read_check.style` / `render`) and measured as `find_read_check` measures a row;
`--clean`: the pixels proposed on the text-free photos, PNG and JPEG q75. Rows only, no
summary: compare them with the earlier run's rows of the same overlays.
"""

from __future__ import annotations

import argparse
import json

import numpy as np

from bench.engines import common
from bench.text import find_read_check as bench
from repairapp import textfind


def merged_rows(salt: int) -> list[dict]:
    name = "find_read_check_merged6.json" if salt == 15 else f"find_read_check_merged6_salt{salt}.json"
    return json.loads((bench.RESULTS / name).read_text())["rows"]


def row(photos, salt: int, index: int, variant: int, fmt: str) -> dict:
    rng = np.random.default_rng([index, variant, salt])
    s = bench.style(rng)
    damaged, coverage = bench.render(photos[index][1], s, rng)
    seen = damaged if fmt == "png" else bench.jpeg(damaged, 75)
    found = textfind.find_lines(seen)
    proposed = found.mask > 0
    text, untouched = coverage >= 0.25, coverage == 0
    read = bench.read_words(found, coverage).replace(" ", "")
    truth = s["text"].replace(" ", "")
    return {"salt": salt, "photo": photos[index][0], "variant": variant, "format": fmt, **s,
            "recall": float((proposed & text).sum() / text.sum()),
            "extra": float((proposed & untouched).sum() / text.sum()), "text_px": int(text.sum()),
            "read": read, "char_errors": min(bench.edit_distance(read, truth), len(truth)), "chars": len(truth),
            "reasons": [line.reason for line in found.lines]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--below", type=float, default=0.5)
    parser.add_argument("--salts", default="15,16,17")
    parser.add_argument("--clean", action="store_true")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    photos = common.photos()[:20]
    index = {name: i for i, (name, _) in enumerate(photos)}
    rows = []
    if args.clean:
        for name, truth in photos:
            for fmt in ("png", "jpeg75"):
                seen = truth if fmt == "png" else bench.jpeg(truth, 75)
                rows.append({"photo": name, "format": fmt, "pixels": int((textfind.find_text(seen) > 0).sum())})
    else:
        for salt in map(int, args.salts.split(",")):
            for old in merged_rows(salt):
                if old["recall"] < args.below:
                    rows.append(row(photos, salt, index[old["photo"]], old["variant"], old["format"]))
                    print(salt, old["photo"], old["variant"], old["format"], f"{old['recall']:.2f} -> {rows[-1]['recall']:.2f}", flush=True)
    with open(args.out, "w") as fh:
        json.dump(rows, fh, indent=1)


if __name__ == "__main__":
    main()
