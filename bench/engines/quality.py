"""Fill quality of the engines on the 20 reference photos, per mask kind.

    .venv/bin/python -m bench.engines.quality                       # all engines, all kinds
    .venv/bin/python -m bench.engines.quality --engines auto --kinds strokes --limit 5

Every engine runs through `pipeline.repair` with the same dilate/feather, so the
figures are what a user gets. Writes bench/engines/results/quality.json (one row per
photo, kind and engine) and prints the medians.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from bench.engines import common
from repairapp.engines import pipeline

FIGURES = ("psnr", "ssim", "texture", "seam", "changed_outside", "ms")


def run(engines: list[str], kinds: list[str], limit: int, dilate: int, feather: int, params: dict) -> list[dict]:
    rows = []
    for index, (name, truth) in enumerate(common.photos()[:limit]):
        for kind in kinds:
            damaged, mask = common.case(name, truth, kind, index)
            for engine in engines:
                started = time.perf_counter()
                result = pipeline.repair(damaged, mask, engine=engine, dilate=dilate, feather=feather,
                                         seed=0, params=params.get(engine))
                row = common.scores(result.rgb, truth, mask, result.mask, damaged)
                row.update(photo=name, kind=kind, engine=engine, ms=1000 * (time.perf_counter() - started),
                           area=float((mask > 0).mean()))
                rows.append(row)
    return rows


def medians(rows: list[dict]) -> dict:
    table = {}
    for row in rows:
        table.setdefault((row["kind"], row["engine"]), []).append(row)
    return {
        f"{kind}/{engine}": {f: float(np.median([r[f] for r in group])) for f in FIGURES}
        | {"changed_outside_max": max(r["changed_outside"] for r in group), "n": len(group)}
        for (kind, engine), group in table.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engines", default="telea,ns,patch,auto")
    parser.add_argument("--kinds", default=",".join(common.MASK_KINDS))
    parser.add_argument("--limit", type=int, default=20, help="first N photos")
    parser.add_argument("--dilate", type=int, default=pipeline.DEFAULT_DILATE)
    parser.add_argument("--feather", type=int, default=pipeline.DEFAULT_FEATHER)
    parser.add_argument("--params", default="{}", help='JSON per engine, e.g. {"auto": {"thin_radius": 6}}')
    parser.add_argument("--out", default=str(common.RESULTS / "quality.json"), help="'' to skip writing")
    args = parser.parse_args()
    rows = run(args.engines.split(","), args.kinds.split(","), args.limit, args.dilate, args.feather,
               json.loads(args.params))
    table = medians(rows)
    print(f"{'kind/engine':20s} " + " ".join(f"{f:>9s}" for f in FIGURES) + "  outside_max")
    for key, med in table.items():
        print(f"{key:20s} " + " ".join(f"{med[f]:9.3f}" for f in FIGURES) + f"  {med['changed_outside_max']}")
    if args.out:
        common.RESULTS.mkdir(parents=True, exist_ok=True)
        with open(args.out, "w") as fh:
            json.dump({"args": vars(args), "medians": table, "rows": rows}, fh, indent=1)


if __name__ == "__main__":
    main()
