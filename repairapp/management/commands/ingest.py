"""Upload a folder of photos and queue their repairs on the workers.

    python manage.py ingest DIR [--masks DIR] [--mode inpaint|remove_text] [--engine auto]
        [--dilate N] [--feather N] [--user NAME] [--wait [--timeout S]] [--submit [--note TEXT]]
    python manage.py ingest DIR --mode screen [--csv FILE]

Masks match photos by file stem (`shoe.jpg` <-> `shoe.png`). Each photo is recorded
with a checksum of the photo, its mask and the parameters, in the same transaction as
its job, so running the command again after an interruption skips what is already in
and queues only the rest. `--wait` then follows every job of the folder to its end by
reading the database; `--submit` waits too and submits each repaired version for review,
as the editor's Submit for review does. (`manage.py repair` is the local tool that needs
no queue.)

`--mode screen` uploads and repairs nothing: it screens each photo for overlaid text
(the upload screen, in this process) and writes a CSV (file, text_found yes/no, lines,
words, or the reason a file was refused) to --csv (default: text-screen.csv).
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import statistics
import sys
import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError, transaction

from ... import engines, services
from ...engines import pipeline
from ...models import IngestItem, RepairJob
from ...cli import PHOTO_SUFFIXES, find_mask
from ...forms import RepairForm, problems


MODE_SCREEN = "screen"


def ingest_checksum(*, photo: bytes, mask: bytes | None, mode: str, engine: str, dilate: int, feather: int) -> str:
    """What makes two ingests the same repair: the bytes and every parameter."""
    parts = [hashlib.sha256(photo).hexdigest(), hashlib.sha256(mask).hexdigest() if mask is not None else None,
             mode, engine, dilate, feather]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


def _percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile: the value below which `share` of them lie."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


class Command(BaseCommand):
    help = "Upload each photo in DIR as a photo of --user and queue its repair on the workers."

    def add_arguments(self, parser):
        parser.add_argument("dir", type=Path, help="the photos (JPEG, PNG or WebP)")
        parser.add_argument("--masks", type=Path, help="masks matched by file stem (needed for inpaint)")
        parser.add_argument("--mode", choices=(*services.MODES, MODE_SCREEN), default=services.MODE_INPAINT,
                            help="screen: only screen the photos for overlaid text and write --csv")
        parser.add_argument("--csv", type=Path, default=None,
                            help="with --mode screen: where the CSV goes (default: text-screen.csv)")
        parser.add_argument("--engine", default=engines.DEFAULT_ENGINE, help=f"one of: {', '.join(engines.names())}")
        parser.add_argument("--dilate", type=int, default=pipeline.DEFAULT_DILATE)
        parser.add_argument("--feather", type=int, default=pipeline.DEFAULT_FEATHER)
        parser.add_argument("--user", default="demo", help="who owns the photos (default: demo)")
        parser.add_argument("--wait", action="store_true", help="follow the jobs to the end and report latency")
        parser.add_argument("--timeout", type=float, default=None, help="with --wait: give up after S seconds")
        parser.add_argument("--poll", type=float, default=1.0, help="with --wait: seconds between looks at the database")
        parser.add_argument("--submit", action="store_true",
                            help="wait, then submit every repaired version of the folder for review")
        parser.add_argument("--note", default=None, help="with --submit: the note for the moderators "
                                                         "(default: 'ingest of DIR')")

    def handle(self, *args, **opts):
        folder: Path = opts["dir"]
        if not folder.is_dir():
            raise CommandError(f"{folder}: no such folder")
        if opts["csv"] is not None and opts["mode"] != MODE_SCREEN:
            raise CommandError("--csv goes with --mode screen")
        if opts["mode"] == MODE_SCREEN:
            return self._screen(folder, opts["csv"] or Path("text-screen.csv"))
        user = get_user_model().objects.filter(username=opts["user"]).first()
        if user is None:
            raise CommandError(f"no user named {opts['user']!r}; pass --user NAME")
        try:
            engines.get(opts["engine"])
        except engines.EngineError as exc:
            raise CommandError(str(exc)) from None
        options = RepairForm({key: opts[key] for key in ("mode", "engine", "dilate", "feather")})
        if not options.is_valid():
            raise CommandError(problems(options))
        mask_dir: Path | None = opts["masks"]
        if opts["mode"] == services.MODE_INPAINT and mask_dir is None:
            raise CommandError("--masks DIR is needed for --mode inpaint (remove_text finds its own masks)")
        if mask_dir is not None and not mask_dir.is_dir():
            raise CommandError(f"--masks {mask_dir}: no such folder")
        if opts["note"] is not None and not opts["submit"]:
            raise CommandError("--note goes with --submit")
        photos = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in PHOTO_SUFFIXES)
        if not photos:
            raise CommandError(f"{folder} holds no JPEG, PNG or WebP photos")

        queued, skipped, refused = [], [], []
        for index, photo_path in enumerate(photos, 1):
            outcome, detail = self._ingest_one(photo_path, mask_dir, user=user, **{
                key: opts[key] for key in ("mode", "engine", "dilate", "feather")})
            {"queued": queued, "skipped": skipped, "refused": refused}[outcome].append(detail)
            self._progress(index, len(photos), photo_path.name)
        self._end_progress()
        for name, reason in refused:
            self.stderr.write(f"REFUSED {name}: {reason}")
        self.stdout.write(f"{len(queued)} queued, {len(skipped)} skipped (already in), {len(refused)} refused, "
                          f"{len(photos)} photos in {folder}")
        failed = 0
        if opts["wait"] or opts["submit"]:
            failed = self._wait([*queued, *skipped], timeout=opts["timeout"], poll=opts["poll"])
        if opts["submit"]:
            note = f"ingest of {folder.name}" if opts["note"] is None else opts["note"]
            self._submit([*queued, *skipped], user=user, note=note)
        if refused or failed:
            sys.exit(1)

    def _screen(self, folder: Path, out: Path) -> None:
        """Screen every photo of the folder for overlaid text; one CSV row each."""
        photos = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in PHOTO_SUFFIXES)
        if not photos:
            raise CommandError(f"{folder} holds no JPEG, PNG or WebP photos")
        found = refused = 0
        try:
            with out.open("w", newline="", encoding="utf-8") as fh:
                writer = csv.writer(fh)
                writer.writerow(["file", "text_found", "lines", "words", "error"])
                for index, photo_path in enumerate(photos, 1):
                    try:
                        words = services.photo_screen(photo_path.read_bytes())
                    except (OSError, ValueError) as exc:  # unreadable, not a photo (ImageError)
                        refused += 1
                        writer.writerow([photo_path.name, "", "", "", str(exc)])
                    else:
                        found += bool(words)
                        writer.writerow([photo_path.name, "yes" if words else "no", len(words), " | ".join(words), ""])
                    self._progress(index, len(photos), photo_path.name)
        except OSError as exc:
            raise CommandError(f"--csv {out}: {exc}") from None
        self._end_progress()
        self.stdout.write(f"{found} with text, {len(photos) - found - refused} without, {refused} refused, "
                          f"{len(photos)} photos in {folder}; written to {out}")
        if refused:
            sys.exit(1)

    def _ingest_one(self, photo_path: Path, mask_dir: Path | None, *, user, mode: str, engine: str, dilate: int,
                    feather: int) -> tuple[str, object]:
        """Returns ("queued" | "skipped", job id) or ("refused", (name, reason))."""
        try:
            photo = photo_path.read_bytes()
            mask = None
            if mode == services.MODE_INPAINT:
                mask_path = find_mask(mask_dir, photo_path.stem)
                if mask_path is None:
                    return "refused", (photo_path.name, f"no mask named {photo_path.stem}.png in {mask_dir}")
                mask = mask_path.read_bytes()
        except OSError as exc:
            return "refused", (photo_path.name, str(exc))
        checksum = ingest_checksum(photo=photo, mask=mask, mode=mode, engine=engine, dilate=dilate, feather=feather)
        done = IngestItem.objects.filter(user=user, checksum=checksum).values_list("job_id", flat=True).first()
        if done is not None:
            return "skipped", done
        try:
            # The record and the job commit together: an interruption leaves both or neither.
            with transaction.atomic():
                job = services.repair_create(user=user, photo=photo, file_name=photo_path.name, mask_data=mask,
                                             mode=mode, engine=engine, dilate=dilate, feather=feather)
                IngestItem.objects.create(user=user, checksum=checksum, source_name=photo_path.name[:255], job=job)
        except IntegrityError:
            # Another ingest of the same folder got there first.
            done = IngestItem.objects.filter(user=user, checksum=checksum).values_list("job_id", flat=True).first()
            if done is None:
                raise
            return "skipped", done
        except ValueError as exc:  # ImageError, EngineError, no text found
            return "refused", (photo_path.name, str(exc))
        return "queued", job.pk

    def _wait(self, job_ids: list[int], *, timeout: float | None, poll: float) -> int:
        """Poll the rows until every job has ended; print counts and latency. Returns
        how many did not succeed (failed, or still running at the timeout)."""
        started = time.monotonic()
        total = len(job_ids)
        while True:
            open_count = RepairJob.objects.filter(pk__in=job_ids).exclude(status__in=RepairJob.FINISHED).count()
            self._progress(total - open_count, total, "jobs finished")
            if open_count == 0 or (timeout is not None and time.monotonic() - started >= timeout):
                break
            time.sleep(poll)
        self._end_progress()
        rows = list(RepairJob.objects.filter(pk__in=job_ids).order_by("pk"))
        succeeded = [job for job in rows if job.status == RepairJob.SUCCEEDED]
        failed = [job for job in rows if job.status == RepairJob.FAILED]
        for job in failed:
            self.stderr.write(f"FAILED repair {job.pk}: {job.error}")
        latencies = [(job.finished_at - job.queued_at).total_seconds() for job in succeeded + failed]
        line = f"{len(succeeded)} succeeded, {len(failed)} failed"
        if open_count:
            line += f", {open_count} still queued or running after {timeout:g} s"
        if latencies:
            line += (f"; latency (queued -> finished) median {statistics.median(latencies):.2f} s, "
                     f"p95 {_percentile(latencies, 0.95):.2f} s")
        self.stdout.write(line)
        return len(failed) + open_count

    def _submit(self, job_ids: list[int], *, user, note: str) -> None:
        """Submit each succeeded job's version for review; a version already submitted
        (an earlier run with --submit) is counted, not submitted twice."""
        submitted = already = 0
        rows = RepairJob.objects.filter(pk__in=job_ids, status=RepairJob.SUCCEEDED).select_related("result_version")
        for job in rows.order_by("pk"):
            try:
                services.version_submit(user=user, version=job.result_version, note=note)
                submitted += 1
            except services.ReviewConflict:
                already += 1
        self.stdout.write(f"{submitted} submitted for review, {already} already submitted or decided")

    def _progress(self, index: int, total: int, name: str) -> None:
        if not self.stderr.isatty() or not total:
            return  # a redrawn bar is noise in a log file
        width = 30
        filled = width * index // total
        self.stderr.write(f"\r[{'#' * filled}{'-' * (width - filled)}] {index}/{total} {name[:40]:<40}", ending="")

    def _end_progress(self) -> None:
        if self.stderr.isatty():
            self.stderr.write("")

