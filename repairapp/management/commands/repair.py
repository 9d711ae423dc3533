"""Repair one photo or a folder locally: no Redis, no database, the same pixels as the worker.

    python manage.py repair --input photo.jpg --mask mask.png --out fixed.png [--engine telea] [--dilate N]
    python manage.py repair --input-dir DIR --mask-dir DIR --out-dir DIR [--engine ...]
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ... import imaging
from ...engines import DEFAULT_ENGINE, EngineError, get, names, pipeline

PHOTO_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp"}
MASK_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp")


def repair_file(photo_path: Path, mask_path: Path, out_path: Path, *, engine: str, dilate: int, feather: int,
                seed: int) -> dict:
    """Repair one file; raise ValueError (ImageError, EngineError) with a readable reason."""
    photo = imaging.decode_photo(photo_path.read_bytes(), max_pixels=settings.MAX_IMAGE_PIXELS)
    mask = imaging.decode_mask(mask_path.read_bytes(), size=(photo.width, photo.height),
                               max_pixels=settings.MAX_IMAGE_PIXELS)
    result = pipeline.repair(photo.rgb, mask, engine=engine, dilate=dilate, feather=feather, seed=seed)
    _write_atomically(out_path, imaging.encode_png(result.rgb, photo.alpha))
    return {"pixels": int((result.mask > 0).sum()), **result.timings}


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _find_mask(mask_dir: Path, stem: str) -> Path | None:
    for suffix in MASK_SUFFIXES:
        candidate = mask_dir / f"{stem}{suffix}"
        if candidate.is_file():
            return candidate
    return None


class Command(BaseCommand):
    help = "Repair a photo (or a folder of photos) locally with a mask: white (>127) = remove."
    requires_system_checks: list = []

    def add_arguments(self, parser):
        single = parser.add_argument_group("one photo")
        single.add_argument("--input", type=Path, help="the photo (JPEG, PNG or WebP)")
        single.add_argument("--mask", type=Path, help="the mask, same size as the upright photo")
        single.add_argument("--out", type=Path, help="where to write the repaired PNG")
        batch = parser.add_argument_group("a folder")
        batch.add_argument("--input-dir", type=Path)
        batch.add_argument("--mask-dir", type=Path, help="masks matched to photos by file stem")
        batch.add_argument("--out-dir", type=Path)
        parser.add_argument("--engine", default=DEFAULT_ENGINE, help=f"one of: {', '.join(names())}")
        parser.add_argument("--dilate", type=int, default=pipeline.DEFAULT_DILATE, help="grow the mask by N px")
        parser.add_argument("--feather", type=int, default=pipeline.DEFAULT_FEATHER,
                            help="blend width in px at the seam, inside the mask")
        parser.add_argument("--seed", type=int, default=0, help="seed for engines that sample")

    def handle(self, *args, **opts):
        try:
            get(opts["engine"])
        except EngineError as exc:
            raise CommandError(str(exc)) from None
        common = {key: opts[key] for key in ("engine", "dilate", "feather", "seed")}
        if opts["input_dir"] or opts["mask_dir"] or opts["out_dir"]:
            if not (opts["input_dir"] and opts["mask_dir"] and opts["out_dir"]):
                raise CommandError("--input-dir, --mask-dir and --out-dir go together")
            return self._batch(opts["input_dir"], opts["mask_dir"], opts["out_dir"], **common)
        if not (opts["input"] and opts["mask"] and opts["out"]):
            raise CommandError("give --input, --mask and --out (or --input-dir, --mask-dir and --out-dir)")
        for flag in ("input", "mask"):
            if not opts[flag].is_file():
                raise CommandError(f"--{flag} {opts[flag]}: no such file")
        started = time.perf_counter()
        try:
            stats = repair_file(opts["input"], opts["mask"], opts["out"], **common)
        except (ValueError, OSError) as exc:
            raise CommandError(f"{opts['input']}: {exc}") from None
        self.stdout.write(
            f"{opts['out']}: {stats['pixels']} px filled with {opts['engine']} "
            f"in {time.perf_counter() - started:.2f} s"
        )

    def _batch(self, input_dir: Path, mask_dir: Path, out_dir: Path, **common) -> None:
        for flag, folder in (("--input-dir", input_dir), ("--mask-dir", mask_dir)):
            if not folder.is_dir():
                raise CommandError(f"{flag} {folder}: no such folder")
        photos = sorted(p for p in input_dir.iterdir() if p.suffix.lower() in PHOTO_SUFFIXES and p.is_file())
        if not photos:
            raise CommandError(f"{input_dir} holds no JPEG, PNG or WebP photos")
        failures: list[tuple[str, str]] = []
        started = time.perf_counter()
        for index, photo_path in enumerate(photos, 1):
            mask_path = _find_mask(mask_dir, photo_path.stem)
            try:
                if mask_path is None:
                    raise ValueError(f"no mask named {photo_path.stem}.png in {mask_dir}")
                repair_file(photo_path, mask_path, out_dir / f"{photo_path.stem}.png", **common)
            except (ValueError, OSError) as exc:
                failures.append((photo_path.name, str(exc)))
            self._progress(index, len(photos), photo_path.name)
        elapsed = time.perf_counter() - started
        if self.stderr.isatty():
            self.stderr.write("")  # end the progress line
        for name, reason in failures:
            self.stderr.write(f"FAILED {name}: {reason}")
        done = len(photos) - len(failures)
        self.stdout.write(f"{done} repaired, {len(failures)} failed, {len(photos)} photos in {elapsed:.2f} s -> {out_dir}")
        if failures:
            sys.exit(1)

    def _progress(self, index: int, total: int, name: str) -> None:
        if not self.stderr.isatty():
            return  # a redrawn bar is noise in a log file
        width = 30
        filled = width * index // total
        bar = "#" * filled + "-" * (width - filled)
        self.stderr.write(f"\r[{bar}] {index}/{total} {name[:40]:<40}", ending="")
