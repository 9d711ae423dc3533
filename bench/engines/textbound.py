"""How high can PSNR in the text's box go? The fill's bound, with the mask made perfect.

    .venv/bin/python -m bench.engines.textbound

The Find text target asks for >= 34 dB in the text's bounding box after removal. This
script takes the mask out of the question: on the 60 overlays of textfind.py
(same seeds) it repairs with the *exact* text mask (coverage >= 0.5, the default
dilation) and then with an oracle that no method can beat with a given fill: every
pixel the text only partly covers is restored to the truth (perfect un-blending of the
anti-aliased edge, and of 70 %-opaque text, which has no fully covered pixel), and only
the fully covered core (coverage >= 0.99) is filled, by each engine, with dilate 0.
Medians over the overlays; the 70 %-opaque ones are counted as perfect (+inf) in the
oracle's "all" median.
Writes bench/engines/results/textbound.json.
"""

from __future__ import annotations

import json

import numpy as np

from bench.engines import common
from repairapp.engines import pipeline

ENGINES = ("telea", "ns", "patch", "auto")


def main() -> None:
    rows = []
    for index, (name, truth) in enumerate(common.photos()):
        for variant in range(3):
            rng = np.random.default_rng([index, variant, 77])
            damaged, coverage = common.render_text(truth, rng)
            ys, xs = common.bbox(coverage > 0)
            core = coverage >= 0.99
            row = {"photo": name, "variant": variant, "opaque": bool(core.any())}
            exact = np.where(coverage >= 0.5, 255, 0).astype(np.uint8)
            touched = np.where(coverage > 0, 255, 0).astype(np.uint8)
            for engine in ENGINES:
                out = pipeline.repair(damaged, exact, engine=engine).rgb
                row[f"exact_{engine}"] = common.psnr(out[ys, xs], truth[ys, xs])
                if core.any():
                    filled = pipeline.repair(damaged, touched, engine=engine, dilate=0, feather=0).rgb
                    oracle = truth.copy()
                    oracle[core] = filled[core]
                    row[f"oracle_{engine}"] = common.psnr(oracle[ys, xs], truth[ys, xs])
                else:
                    row[f"oracle_{engine}"] = float("inf")
            rows.append(row)
    summary = {}
    for key in rows[0]:
        if key.startswith(("exact_", "oracle_")):
            summary[key] = float(np.median([r[key] for r in rows]))
            if key.startswith("oracle_"):
                summary[key + "_opaque"] = float(np.median([r[key] for r in rows if r["opaque"]]))
    summary["n"], summary["opaque"] = len(rows), sum(r["opaque"] for r in rows)
    for key, value in summary.items():
        print(f"{key:22s} {value:8.2f}")
    with open(common.RESULTS / "textbound.json", "w") as fh:
        json.dump({"summary": summary, "rows": rows}, fh, indent=1)


if __name__ == "__main__":
    main()
