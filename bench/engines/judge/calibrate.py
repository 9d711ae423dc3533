"""Calibrate the worker's fill checks on fills made bad ON PURPOSE, and on the truth.

    .venv/bin/python -m bench.engines.judge.calibrate

On the 20 shared photos, with common.py's seeded object blob (3-15 % of the photo)
and a larger one (20 %), the hole is filled six ways:
  truth     the untouched photo (every flag it raises is a false alarm)
  smear     the truth blurred hard inside the hole (what diffusion leaves)
  noisy     the truth plus strong grain (sigma 30 grey levels)
  facets    flat triangular wedges fanning out from the hole's centre, each the colour
            of the ring where it meets the border (the 12 MP cat's faceted fill)
  foreign   wood grain (brown stripes) pasted in (the saucer with wood grain)
  dotted    a smooth smear with a fine regular dot pattern on it (the screen door)
and repairapp.diff's checks and flags are computed on each. Prints, per fill kind, the
share of cases each flag fires on and the medians of the figures; writes
bench/engines/judge/results/calibrate.json|txt.
"""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np

from bench.engines import common
from repairapp import diff

RESULTS = Path(__file__).resolve().parent / "results"

KINDS = ("truth", "smear", "noisy", "facets", "foreign", "dotted")
CODES = ("smear", "blur", "detail", "pattern", "foreign", "seam")
FIGURES = ("seam_score", "texture_ratio", "structure_ratio", "periodicity", "foreign_share")


def facets(truth: np.ndarray, mask: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    out = truth.copy()
    ys, xs = common.bbox(mask)
    cy, cx = (ys.start + ys.stop) / 2, (xs.start + xs.stop) / 2
    radius = max(ys.stop - ys.start, xs.stop - xs.start)
    cuts = np.sort(rng.uniform(0, 2 * np.pi, 9))
    border = cv2.dilate(mask, np.ones((7, 7), np.uint8)) > 0
    border &= mask == 0
    by, bx = np.nonzero(border)
    angles_b = np.arctan2(by - cy, bx - cx) % (2 * np.pi)
    for a0, a1 in zip(cuts, np.roll(cuts, -1), strict=True):
        span = (a1 - a0) % (2 * np.pi)
        pts = np.array([[cx, cy]] + [[cx + 2 * radius * np.cos(a0 + t * span), cy + 2 * radius * np.sin(a0 + t * span)]
                                     for t in np.linspace(0, 1, 8)], np.int32)
        wedge = np.zeros_like(mask)
        cv2.fillPoly(wedge, [pts], 255)
        near = ((angles_b - a0) % (2 * np.pi)) < span
        colour = truth[by[near], bx[near]].mean(axis=0) if near.any() else truth[mask == 0].mean(axis=0)
        # A facet shades from its apex to the border, as interpolated triangles do.
        out[(wedge > 0) & (mask > 0)] = colour
    shade = cv2.GaussianBlur(out.astype(np.float32), (0, 0), 1.0)
    return np.where(mask[..., None] > 0, shade, truth).astype(np.uint8)


def wood(shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    warp = 6 * np.sin(yy / 23.0 + rng.uniform(0, 6)) + 3 * np.sin(yy / 7.0)
    grain = 0.5 + 0.5 * np.sin((xx + warp) / 2.5)
    light, dark = np.array([176, 120, 66], np.float32), np.array([112, 62, 28], np.float32)
    return (dark + grain[..., None] * (light - dark)).astype(np.uint8)


def made_on_purpose(kind: str, truth: np.ndarray, mask: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    hole = mask[..., None] > 0
    if kind == "truth":
        return truth
    if kind == "smear":
        return np.where(hole, cv2.blur(truth, (41, 41)), truth)
    if kind == "noisy":
        noisy = truth.astype(np.float32) + rng.normal(0, 30, truth.shape[:2])[..., None]
        return np.where(hole, np.clip(noisy, 0, 255), truth).astype(np.uint8)
    if kind == "facets":
        return facets(truth, mask, rng)
    if kind == "foreign":
        return np.where(hole, wood(truth.shape[:2], rng), truth)
    # dotted: a smear with a 3 px dot lattice of +-18 levels, as an upsampled pyramid leaves.
    yy, xx = np.mgrid[0:truth.shape[0], 0:truth.shape[1]]
    dots = np.where((yy % 3 == 0) & (xx % 3 == 0), 18.0, -2.0)[..., None]
    dotted = np.clip(cv2.blur(truth, (41, 41)).astype(np.float32) + dots, 0, 255).astype(np.uint8)
    return np.where(hole, dotted, truth)


def main() -> None:
    rows = []
    for index, (name, truth) in enumerate(common.photos()):
        for size, area in (("blob", None), ("large", 0.2)):
            rng = np.random.default_rng([index, 7, 2026])
            mask = cv2.dilate(common.object_mask(truth.shape[:2], rng, area=area), np.ones((5, 5), np.uint8))
            for kind in KINDS:
                fill = made_on_purpose(kind, truth, mask, rng)
                checks = {"seam_score": diff.seam_score(fill, mask), "texture_ratio": diff.texture_ratio(fill, mask),
                          "structure_ratio": diff.structure_ratio(fill, mask),
                          "periodicity": diff.periodicity(fill, mask), "foreign_share": diff.foreign_share(fill, mask)}
                flags = [code for code, _ in diff.fill_flags(**checks)]
                rows.append({"photo": name, "size": size, "kind": kind, **checks, "flags": flags})
    lines = ["share of cases flagged (any flag, then each), and medians; 40 cases per kind",
             f"{'kind':8s} {'any':>5s} " + " ".join(f"{c:>8s}" for c in CODES)
             + "  " + " ".join(f"{f:>15s}" for f in FIGURES)]
    summary = {}
    for kind in KINDS:
        group = [r for r in rows if r["kind"] == kind]
        entry = {"any": np.mean([bool(r["flags"]) for r in group])}
        entry |= {c: np.mean([c in r["flags"] for r in group]) for c in CODES}
        for f in FIGURES:
            values = [r[f] for r in group if r[f] is not None]
            entry[f] = float(np.median(values)) if values else None
        summary[kind] = entry
        lines.append(f"{kind:8s} {entry['any']:5.2f} " + " ".join(f"{entry[c]:8.2f}" for c in CODES) + "  "
                     + " ".join(f"{'—':>15s}" if entry[f] is None else f"{entry[f]:15.3f}" for f in FIGURES))
    text = "\n".join(lines) + "\n"
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "calibrate.json").write_text(json.dumps({"summary": summary, "rows": rows}, indent=1))
    (RESULTS / "calibrate.txt").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
