"""Case sets for judging fills: the truth known, the hole greyed out before any engine sees it.

    .venv/bin/python -m bench.engines.judge.cases --out /tmp/judge-cases [--sets places,objects,small,large]

Every case is a folder DIR/SET/CASE/ holding
  image.png   what the user would upload (the photo with the pasted object or the text)
  mask.png    the hole, white (255) = fill; already grown where a brush would be, so
              candidates run with dilate 0
  truth.png   the untouched photo
  input.png   image.png with the hole painted flat grey: all a candidate ever sees
and DIR/cases.json lists them (set, case, photo, kind, size, hole share, hole box).

Sets (fixed seeds, so the same folder comes out every time):
  places   the 20 places2 photos with their published free-form masks (45-84 % of the
           photo); MI-GAN's stored result is a candidate on these.
  objects  object removal with a known truth: a real object cut from another photo (a
           GrabCut segment of a seeded box) pasted onto the photo; the mask is the pasted
           segment grown by OBJECT_GROW px, the truth the photo without it. A fill that
           keeps a ghost of the object shows in metrics.py's ghost figure.
  small    common.py's seeded strokes, object blobs and rendered text on the 20
           photos (the masks grown by the pipeline's default 2 px, as a job would).
  large    4 mosaics of 2x2 photos resized to 4 MP and 12 MP with a proportional blob
           (5 % of the photo): "the same quality at every size".
  swapped  a held-out large-hole set: photo i with the free-form mask of photo
           (i + SWAP_OFFSET) % 20, every other case's mask turned (mirrored left-right,
           then transposed), so some holes run up and down the photo: the masks and
           photos were judged before, these pairs were not.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import cv2
import numpy as np

from bench.engines import common

SETS = ("places", "objects", "small", "large", "swapped", "swapped2", "objects2")
GREY = (128, 128, 128)
OBJECT_GROW = 3
SMALL_GROW = 2  # the pipeline's default dilate: what a job would fill
SEED = 2026
SWAP_OFFSET = 7  # coprime with 20: every photo gets another photo's mask, each mask used once
SWAP2_OFFSET = 13  # coprime with 20 too, and no pair repeats swapped's
OBJECTS_STREAM = 1
OBJECTS2_STREAM = 2  # the third word of objects' rng seed: another stream, other objects


def read_rgb(path: Path) -> np.ndarray:
    return cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)


def load_run(run: Path, sets: str | None) -> tuple[dict, Path, list[dict]]:
    """(run.json, the case folder it was run on, its cases, only `sets` if given)."""
    record = json.loads((run / "run.json").read_text())
    cases_dir = Path(record["cases"])
    cases = json.loads((cases_dir / "cases.json").read_text())
    if sets:
        cases = [c for c in cases if c["set"] in sets.split(",")]
    return record, cases_dir, cases


def grow(mask: np.ndarray, px: int) -> np.ndarray:
    if px <= 0:
        return mask.copy()
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * px + 1, 2 * px + 1))
    return cv2.dilate(mask, disc)


def greyed(image: np.ndarray, mask: np.ndarray) -> np.ndarray:
    out = image.copy()
    out[mask > 0] = GREY
    return out


def write_case(root: Path, set_name: str, case: str, *, image: np.ndarray, mask: np.ndarray,
               truth: np.ndarray, photo: str, kind: str, extra: dict | None = None) -> dict:
    folder = root / set_name / case
    folder.mkdir(parents=True, exist_ok=True)
    mask = np.where(mask > 0, 255, 0).astype(np.uint8)
    for name, rgb in (("image", image), ("truth", truth), ("input", greyed(image, mask))):
        cv2.imwrite(str(folder / f"{name}.png"), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_PNG_COMPRESSION, 3])
    cv2.imwrite(str(folder / "mask.png"), mask)
    ys, xs = common.bbox(mask)
    return {"set": set_name, "case": case, "photo": photo, "kind": kind,
            "height": int(mask.shape[0]), "width": int(mask.shape[1]),
            "hole": float((mask > 0).mean()),
            "box": [int(xs.start), int(ys.start), int(xs.stop - xs.start), int(ys.stop - ys.start)]} | (extra or {})


def places(root: Path, photos) -> list[dict]:
    return [write_case(root, "places", name, image=rgb, mask=common.freeform_mask(name), truth=rgb,
                       photo=name, kind="freeform") for name, rgb in photos]


def swapped(root: Path, photos) -> list[dict]:
    """Each photo with another photo's free-form mask; odd cases' masks turned.

    Even cases mirror the mask left-right, odd ones transpose it (rows become columns), so
    a hole that ran across a photo now runs down another: a guess that favours rows is
    tried on vertical structure too.
    """
    out = []
    for index, (name, rgb) in enumerate(photos):
        donor = photos[(index + SWAP_OFFSET) % len(photos)][0]
        mask = common.freeform_mask(donor)
        turn = "mirrored" if index % 2 == 0 else "transposed"
        mask = np.ascontiguousarray(mask[:, ::-1] if turn == "mirrored" else mask.T)
        out.append(write_case(root, "swapped", name, image=rgb, mask=mask, truth=rgb, photo=name,
                              kind=f"freeform-{turn}", extra={"mask_of": donor}))
    return out


def swapped2(root: Path, photos) -> list[dict]:
    """Held out again: each photo with the mask of photo (i + SWAP2_OFFSET) % 20, turned anew.

    Even cases flip the mask upside down, odd ones rotate it 90 degrees (np.rot90), so the
    holes lie differently from both `places` and `swapped`, which the engine was tuned on.
    """
    out = []
    for index, (name, rgb) in enumerate(photos):
        donor = photos[(index + SWAP2_OFFSET) % len(photos)][0]
        mask = common.freeform_mask(donor)
        turn = "flipped" if index % 2 == 0 else "rotated"
        mask = np.ascontiguousarray(mask[::-1] if turn == "flipped" else np.rot90(mask))
        out.append(write_case(root, "swapped2", name, image=rgb, mask=mask, truth=rgb, photo=name,
                              kind=f"freeform-{turn}", extra={"mask_of": donor}))
    return out


def cut_object(donor: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """(h, w) uint8 0/255 mask of one object-shaped segment of `donor`, cropped to its box.

    GrabCut in a seeded box separates what stands out from the box's border (a person,
    a bench, a rock, a patch of sky...): a real object's outline and its real texture,
    not a synthetic blob. Boxes whose segment is too small or too ragged are redrawn.
    """
    h, w = donor.shape[:2]
    bgr = cv2.cvtColor(donor, cv2.COLOR_RGB2BGR)
    for attempt in range(40):
        bw, bh = int(rng.uniform(0.2, 0.45) * w), int(rng.uniform(0.2, 0.45) * h)
        x, y = int(rng.integers(0, w - bw)), int(rng.integers(0, h - bh))
        labels = np.zeros((h, w), np.uint8)
        cv2.setRNGSeed(int(rng.integers(1 << 30)))
        cv2.grabCut(bgr, labels, (x, y, bw, bh), np.zeros((1, 65)), np.zeros((1, 65)), 4, cv2.GC_INIT_WITH_RECT)
        fg = np.isin(labels, (cv2.GC_FGD, cv2.GC_PR_FGD)).astype(np.uint8)
        fg = cv2.morphologyEx(fg, cv2.MORPH_OPEN, np.ones((5, 5), np.uint8))
        count, comp, stats, _ = cv2.connectedComponentsWithStats(fg)
        if count < 2:
            continue
        biggest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
        seg = np.where(comp == biggest, 255, 0).astype(np.uint8)
        # Fill the segment's inner holes: an object is cut whole.
        contours, _ = cv2.findContours(seg, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
        seg = cv2.drawContours(np.zeros_like(seg), contours, -1, 255, -1)
        area = (seg > 0).sum() / (h * w)
        solidity = (seg > 0).sum() / max(bw * bh, 1)
        if 0.02 <= area <= 0.12 and solidity >= 0.3:
            ys, xs = common.bbox(seg)
            return seg[ys, xs], (ys, xs)
    raise RuntimeError("no object-shaped segment found")


def objects(root: Path, photos, set_name: str = "objects", stream: int = OBJECTS_STREAM) -> list[dict]:
    out = []
    for index, (name, truth) in enumerate(photos):
        rng = np.random.default_rng([index, SEED, stream])
        donor_index = (index + 1 + int(rng.integers(len(photos) - 1))) % len(photos)
        donor_name, donor = photos[donor_index]
        seg, (ys, xs) = cut_object(donor, rng)
        h, w = truth.shape[:2]
        sh, sw = seg.shape
        top = int(rng.integers(OBJECT_GROW, h - sh - OBJECT_GROW))
        left = int(rng.integers(OBJECT_GROW, w - sw - OBJECT_GROW))
        pasted = np.zeros((h, w), np.uint8)
        pasted[top:top + sh, left:left + sw] = seg
        image = truth.copy()
        region = image[top:top + sh, left:left + sw]
        region[seg > 0] = donor[ys, xs][seg > 0]
        out.append(write_case(root, set_name, name, image=image, mask=grow(pasted, OBJECT_GROW), truth=truth,
                              photo=name, kind="pasted", extra={"donor": donor_name}))
    return out


def objects2(root: Path, photos) -> list[dict]:
    """Held out: `objects` drawn from another seed stream, so other objects land on other places."""
    return objects(root, photos, "objects2", OBJECTS2_STREAM)


def small(root: Path, photos) -> list[dict]:
    out = []
    for index, (name, truth) in enumerate(photos):
        for kind in ("strokes", "objects", "text"):
            damaged, drawn = common.case(name, truth, kind, index)
            if kind != "text":
                damaged = truth  # common.py paints them magenta; the greyed input hides it anyway
            out.append(write_case(root, "small", f"{name}-{kind}", image=damaged, mask=grow(drawn, SMALL_GROW),
                                  truth=truth, photo=name, kind=kind))
    return out


def large(root: Path, photos) -> list[dict]:
    out = []
    for index in range(4):
        rng = np.random.default_rng([index, SEED, 4])
        picks = rng.choice(len(photos), 4, replace=False)
        tiles = [photos[i][1] for i in picks]
        mosaic = np.vstack([np.hstack(tiles[:2]), np.hstack(tiles[2:])])
        blob = common.object_mask(mosaic.shape[:2], rng, area=0.05)
        for mp, side in ((4, 2048), (12, 3456)):
            truth = cv2.resize(mosaic, (side, side), interpolation=cv2.INTER_LANCZOS4)
            mask = cv2.resize(blob, (side, side), interpolation=cv2.INTER_NEAREST)
            out.append(write_case(root, "large", f"mosaic{index}-{mp}mp", image=truth, mask=mask, truth=truth,
                                  photo="+".join(photos[i][0] for i in picks), kind=f"{mp}mp"))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--sets", default="places,objects,small")
    args = parser.parse_args()
    photos = common.photos()
    manifest = args.out / "cases.json"
    cases = json.loads(manifest.read_text()) if manifest.exists() else []
    for set_name in args.sets.split(","):
        if set_name not in SETS:
            raise SystemExit(f"unknown set {set_name!r}; sets: {', '.join(SETS)}")
        cases = [c for c in cases if c["set"] != set_name] + globals()[set_name](args.out, photos)
        print(f"{set_name}: {sum(c['set'] == set_name for c in cases)} cases", flush=True)
    manifest.write_text(json.dumps(cases, indent=1))
    print(manifest)


if __name__ == "__main__":
    main()
