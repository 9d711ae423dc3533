"""Markdown tables for bench/README.md from the results/*.json of the engine benchmarks.

    .venv/bin/python -m bench.engines.report
"""

from __future__ import annotations

import json

import numpy as np

from bench.engines import common


def load(name: str) -> dict | None:
    path = common.RESULTS / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def quality_table(quality: dict, peers: dict | None) -> None:
    medians = dict(quality["medians"])
    if peers:
        medians.update({k: v for k, v in peers["quality"]["medians"].items() if isinstance(v, dict)})
    print("| mask kind | engine | PSNR box (dB) | Δ vs telea | SSIM box | texture | seam | changed outside (max) | ms/photo |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for kind in common.MASK_KINDS:
        base = medians.get(f"{kind}/telea")
        for engine in ("telea", "ns", "patch", "auto", "pypatchmatch", "patch-same-run", "iopaint-cv2"):
            m = medians.get(f"{kind}/{engine}")
            if not m:
                continue
            delta = m["psnr"] - base["psnr"] if base else float("nan")
            ms = "–" if np.isnan(m["ms"]) else f"{m['ms']:.0f}"
            bold = "**" if engine == "auto" else ""
            print(f"| {kind} | {bold}{engine}{bold} | {m['psnr']:.2f} | {delta:+.2f} | {m['ssim']:.3f} | "
                  f"{m['texture']:.2f} | {m['seam']:.2f} | {m['changed_outside_max']} | {ms} |")
    if peers:
        print("\nSame run, same cases, medians per photo (wall / CPU ms): " + "; ".join(
            f"{kind}: patch {medians[f'{kind}/patch-same-run']['ms']:.0f} / {medians[f'{kind}/patch-same-run']['cpu_ms']:.0f}, "
            f"pypatchmatch {medians[f'{kind}/pypatchmatch']['ms']:.0f} / {medians[f'{kind}/pypatchmatch']['cpu_ms']:.0f} "
            f"(**{medians[f'{kind}/pypatchmatch']['cpu_ms'] / medians[f'{kind}/patch-same-run']['cpu_ms']:.1f}x** CPU)"
            for kind in ("strokes", "objects", "text") if f"{kind}/patch-same-run" in medians))
    rows = quality["rows"]
    print()
    print("Median over photos of the per-photo PSNR difference auto − telea: " + ", ".join(
        f"{kind} {np.median([a['psnr'] - t['psnr'] for a in rows for t in rows if a['kind'] == kind == t['kind'] and a['photo'] == t['photo'] and a['engine'] == 'auto' and t['engine'] == 'telea']):+.2f} dB"
        for kind in common.MASK_KINDS))


def speed_table(speed: dict, peers: dict | None) -> None:
    rows = speed["rows"]
    engines = sorted({r["engine"] for r in rows}, key=["telea", "ns", "patch", "auto"].index)
    pm = {(r["mp"], r["area"]): r["engine_ms"] for r in (peers or {}).get("timing", []) if r["engine"] == "pypatchmatch"}
    header = " | ".join(f"{e} ms" for e in engines) + (" | pypatchmatch ms" if pm else "")
    print(f"| photo | mask | {header} | auto CPU ms (whole repair) | peak extra MB ({'/'.join(engines)}) | load |")
    print("| --- | --- |" + " --- |" * (len(engines) + (1 if pm else 0)) + " --- | --- | --- |")
    cases = sorted({(r["mp"], r["area"]) for r in rows})
    for mp, area in cases:
        by = {r["engine"]: r for r in rows if r["mp"] == mp and r["area"] == area}
        cells = " | ".join(f"{by[e]['engine_ms']:.0f}" if e in by else "–" for e in engines)
        if pm:
            cells += " | " + (f"{pm[(mp, area)]:.0f}" if (mp, area) in pm else "–")
        mem = "/".join(f"{by[e]['peak_extra_mb']:.0f}" if e in by else "–" for e in engines)
        cpu = f"{by['auto']['cpu_ms']:.0f}" if "auto" in by and "cpu_ms" in by["auto"] else "–"
        load = max((by[e].get("load", 0) for e in by), default=0)
        print(f"| {mp:g} MP | {area * 100:g} % | {cells} | {cpu} | {mem} | {load:.1f} |")
    io = [r for r in (peers or {}).get("timing", []) if r["engine"] == "iopaint-cv2"]
    if io:
        r = io[0]
        print(f"\nIOPaint cv2 CLI: batch of {r['images']} photos {r['batch_s']:.1f} s, start-up (one-photo batch) "
              f"{r['startup_s']:.1f} s, ≈ {r['per_image_ms']:.0f} ms per photo after start-up.")


def textfind_table(textfind: dict) -> None:
    s = textfind["summary"]
    rows = (
        ("text pixels found, median (mean; 10th percentile)",
         f"{s['recall']:.3f} ({s['recall_mean']:.3f}; {s['recall_p10']:.3f})"),
        ("extra area / text area, median (mean)", f"{s['extra']:.3f} ({s['extra_mean']:.3f})"),
        ("PSNR in the text's box after removal, median (before: damaged)",
         f"{s['psnr_box']:.2f} dB ({s['psnr_box_before']:.2f} dB)"),
        ("PSNR over the photo after removal, median", f"{s['psnr_photo']:.2f} dB"),
        ("find_text ms per 512x512 photo, median", f"{s['ms']:.0f}"),
        ("untouched photos with any pixel marked (of 20)", f"{int(s['clean_photos_marked'])}"),
        ("largest share of an untouched photo marked", f"{100 * s['clean_false_area_max']:.2f} %"),
    )
    print("| figure | value |")
    print("| --- | --- |")
    for label, value in rows:
        print(f"| {label} | {value} |")
    print(f"\n{s['n']:.0f} overlays.")


def main() -> None:
    quality, speed, textfind, peers = load("quality"), load("speed"), load("textfind"), load("peers")
    crop = load("speed-crop")
    if quality:
        print("### Quality\n")
        quality_table(quality, peers)
    if speed:
        print("\n### Speed\n")
        speed_table(speed, peers)
    if crop:
        print("\n### The same mask on bigger photos\n")
        speed_table(crop, None)
    if textfind:
        print("\n### Find text\n")
        textfind_table(textfind)


if __name__ == "__main__":
    main()
