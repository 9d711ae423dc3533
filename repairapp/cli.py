"""`python manage.py repair`: repair one photo or a folder locally — no Redis, no
database, not even Django — with the same pixels as the worker.

    python manage.py repair --input photo.jpg --mask mask.png --out fixed.png [--engine auto] [--dilate N]
    python manage.py repair --input damaged.jpg --mask mask.png --mode inpaint --out fixed.jpg [--quality 92]
    python manage.py repair --input-dir DIR --mask-dir DIR --out-dir DIR [--engine ...]
    python manage.py repair --input photo.jpg --find-text --out fixed.png      (or --input-dir/--out-dir)

manage.py hands `repair` straight to `main()` before Django starts: loading every app
(admin, django-rq, redis, the ORM) tripled the command's start-up, which on a folder of
small photos is most of its time (bench/README.md, "batch repair vs a plain loop").
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from . import imaging, textfind, textring
from .engines import DEFAULT_ENGINE, EngineError, get, names, pipeline
from .env import envint

PHOTO_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp"}
MASK_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp")
# The API's and ingest's modes; this command reads the same words.
MODES = ("inpaint", "remove_text")
DESCRIPTION = "Repair a photo (or a folder of photos) locally with a mask: white (>127) = remove."


class CliError(Exception):
    """A mistake in the call or its files; printed as one line, exit status 1."""


def build_parser(parser: argparse.ArgumentParser | None = None) -> argparse.ArgumentParser:
    parser = parser or argparse.ArgumentParser(prog="manage.py repair", description=DESCRIPTION)
    single = parser.add_argument_group("one photo")
    single.add_argument("--input", type=Path, help="the photo (JPEG, PNG or WebP)")
    single.add_argument("--mask", type=Path, help="the mask, same size as the upright photo")
    single.add_argument("--out", type=Path,
                        help="where to write the repaired photo; its extension picks PNG (.png), JPEG (.jpg, .jpeg) "
                             "or WebP (.webp)")
    single.add_argument("--quality", type=int, default=imaging.DEFAULT_EXPORT_QUALITY,
                        help=f"JPEG or WebP quality, 1-100 (default {imaging.DEFAULT_EXPORT_QUALITY}); PNG is lossless")
    batch = parser.add_argument_group("a folder")
    batch.add_argument("--input-dir", type=Path)
    batch.add_argument("--mask-dir", type=Path, help="masks matched to photos by file stem")
    batch.add_argument("--out-dir", type=Path)
    parser.add_argument("--find-text", action="store_true",
                        help="find overlaid text (timestamps, captions, watermark words) and remove it; no masks")
    parser.add_argument("--mode", choices=MODES, default=None,
                        help="inpaint: fill the mask (default); remove_text: the same as --find-text (as ingest and "
                             "the API's mode)")
    parser.add_argument("--engine", default=DEFAULT_ENGINE, help=f"one of: {', '.join(names())}")
    parser.add_argument("--dilate", type=int, default=pipeline.DEFAULT_DILATE, help="grow the mask by N px")
    parser.add_argument("--feather", type=int, default=pipeline.DEFAULT_FEATHER,
                        help="blend width in px at the seam, inside the mask")
    parser.add_argument("--seed", type=int, default=0, help="seed for engines that sample")
    return parser


def repair_file(photo_path: Path, mask_path: Path | None, out_path: Path, *, engine: str, dilate: int, feather: int,
                seed: int, max_pixels: int, quality: int = imaging.DEFAULT_EXPORT_QUALITY) -> dict:
    """Repair one file; raise ValueError (ImageError, EngineError) with a readable reason.

    Without a mask, Find text proposes one, as the API's mode=remove_text does. The
    output's extension picks its format (imaging.export_format_for).
    """
    fmt = imaging.export_format_for(out_path.name)
    photo = imaging.decode_photo(photo_path.read_bytes(), max_pixels=max_pixels)
    if mask_path is None:
        mask = textfind.find_text(photo.rgb)
        if not mask.any():
            raise ValueError("no text found in the photo, nothing to remove")
        mask = textring.grow_over_ringing(photo.rgb, mask, photo.source_format, dilate=dilate)  # as the worker does
    else:
        mask = imaging.decode_mask(mask_path.read_bytes(), size=(photo.width, photo.height), max_pixels=max_pixels)
    result = pipeline.repair(photo.rgb, mask, engine=engine, dilate=dilate, feather=feather, seed=seed)
    repaired = imaging.Photo(rgb=result.rgb, alpha=photo.alpha, source_format=photo.source_format)
    write_atomically(out_path, imaging.encode_export(repaired, fmt, quality=quality))
    return {"pixels": int((result.mask > 0).sum()), "format": fmt, **result.timings}


def write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def find_mask(mask_dir: Path, stem: str) -> Path | None:
    for suffix in MASK_SUFFIXES:
        candidate = mask_dir / f"{stem}{suffix}"
        if candidate.is_file():
            return candidate
    return None


def run(opts: argparse.Namespace, *, out=sys.stdout, err=sys.stderr) -> int:
    """Carry out a parsed call; returns the exit status, raises CliError on a bad call."""
    try:
        get(opts.engine)
    except EngineError as exc:
        raise CliError(str(exc)) from None
    common = {"engine": opts.engine, "dilate": opts.dilate, "feather": opts.feather, "seed": opts.seed,
              "max_pixels": envint("MAX_IMAGE_PIXELS", imaging.DEFAULT_MAX_PIXELS, minimum=1)}
    if opts.mode == "remove_text":
        opts.find_text = True
    elif opts.mode == "inpaint" and opts.find_text:
        raise CliError("--mode inpaint fills a mask you give; --find-text is --mode remove_text")
    if opts.find_text and (opts.mask or opts.mask_dir):
        raise CliError("--find-text finds the mask itself (so does --mode remove_text): give no --mask or --mask-dir with it")
    if opts.input_dir or opts.mask_dir or opts.out_dir:
        if not (opts.input_dir and opts.out_dir and (opts.mask_dir or opts.find_text)):
            raise CliError("--input-dir, --mask-dir (or --find-text) and --out-dir go together")
        return _batch(opts.input_dir, opts.mask_dir, opts.out_dir, out=out, err=err, **common)
    if not (opts.input and opts.out and (opts.mask or opts.find_text)):
        raise CliError("give --input, --mask (or --find-text) and --out (or --input-dir, --mask-dir and --out-dir)")
    for flag in ("input", "mask"):
        if getattr(opts, flag) is not None and not getattr(opts, flag).is_file():
            raise CliError(f"--{flag} {getattr(opts, flag)}: no such file")
    try:  # a name whose format will not be written is refused before any work
        fmt = imaging.export_format_for(opts.out.name)
    except imaging.ImageError as exc:
        raise CliError(f"--out {exc}") from None
    if not 1 <= opts.quality <= 100:
        raise CliError(f"--quality {opts.quality}: use 1 to 100")
    started = time.perf_counter()
    try:
        stats = repair_file(opts.input, opts.mask, opts.out, quality=opts.quality, **common)
    except (ValueError, OSError) as exc:
        raise CliError(f"{opts.input}: {exc}") from None
    written = "PNG (lossless)" if fmt == "png" else f"{'JPEG' if fmt == 'jpeg' else 'WebP'} quality {opts.quality}"
    print(f"{opts.out}: {written}, {stats['pixels']} px filled with {opts.engine} in "
          f"{time.perf_counter() - started:.2f} s", file=out)
    return 0


def _batch(input_dir: Path, mask_dir: Path | None, out_dir: Path, *, out, err, **common) -> int:
    """Repair every photo in `input_dir`; without `mask_dir`, Find text proposes each mask."""
    for flag, folder in (("--input-dir", input_dir), ("--mask-dir", mask_dir)):
        if folder is not None and not folder.is_dir():
            raise CliError(f"{flag} {folder}: no such folder")
    photos = sorted(p for p in input_dir.iterdir() if p.suffix.lower() in PHOTO_SUFFIXES and p.is_file())
    if not photos:
        raise CliError(f"{input_dir} holds no JPEG, PNG or WebP photos")
    failures: list[tuple[str, str]] = []
    started = time.perf_counter()
    tty = err.isatty()
    for index, photo_path in enumerate(photos, 1):
        mask_path = find_mask(mask_dir, photo_path.stem) if mask_dir else None
        try:
            if mask_dir and mask_path is None:
                raise ValueError(f"no mask named {photo_path.stem}.png in {mask_dir}")
            repair_file(photo_path, mask_path, out_dir / f"{photo_path.stem}.png", **common)
        except (ValueError, OSError) as exc:
            failures.append((photo_path.name, str(exc)))
        if tty:  # a redrawn bar is noise in a log file
            filled = 30 * index // len(photos)
            err.write(f"\r[{'#' * filled}{'-' * (30 - filled)}] {index}/{len(photos)} {photo_path.name[:40]:<40}")
            err.flush()
    if tty:
        err.write("\n")
    for name, reason in failures:
        print(f"FAILED {name}: {reason}", file=err)
    elapsed = time.perf_counter() - started
    done = len(photos) - len(failures)
    print(f"{done} repaired, {len(failures)} failed, {len(photos)} photos in {elapsed:.2f} s -> {out_dir}", file=out)
    return 1 if failures else 0


def main(argv: list[str]) -> int:
    opts = build_parser().parse_args(argv)
    try:
        return run(opts)
    except CliError as exc:
        print(f"CommandError: {exc}", file=sys.stderr)
        return 1
