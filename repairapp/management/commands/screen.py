"""Screen the photos the upload screen missed, for overlaid text.

    python manage.py screen --unscreened [--here] [--limit N]

A photo uploaded while Redis was down, or before screening existed, stays "not screened
yet" (Asset.text_screened_at empty). By default each such photo's screen is queued on the
workers, as an upload's is (a photo Redis already holds a queued or running screen of is
counted, not queued twice; a failed one is queued again). `--here` screens them in this
process instead, one after another, without Redis, and says what each one showed.
Archived photos are left alone. The sweep (every 30 s under the run command) queues the
same photos by itself when TEXT_SCREEN_ON_UPLOAD is on; this is the way to do it now, or
with screening on upload turned off.
"""

from __future__ import annotations

import redis
from django.core.management.base import BaseCommand, CommandError

from ... import imaging, jobs, services


class Command(BaseCommand):
    help = "Screen (or queue the screen of) every photo not screened for overlaid text yet."

    def add_arguments(self, parser):
        parser.add_argument("--unscreened", action="store_true", required=True,
                            help="the photos not screened yet (the only selection there is; say it)")
        parser.add_argument("--here", action="store_true",
                            help="screen them in this process instead of queueing them on the workers")
        parser.add_argument("--limit", type=int, default=None, help="at most N photos, oldest first")

    def handle(self, *args, here: bool, limit: int | None, **options):
        if limit is not None and limit < 1:
            raise CommandError(f"--limit must be 1 or more, not {limit}")
        ids = list(jobs.unscreened_assets().values_list("pk", flat=True)[:limit])
        if not ids:
            self.stdout.write("Every photo is screened already: nothing to do.")
            return
        if here:
            self._screen_here(ids)
            return
        try:
            report = jobs.enqueue_unscreened(ids, retry_failed=True)
        except redis.RedisError as exc:
            raise CommandError(f"Redis is unreachable ({exc}): nothing was queued. "
                               "Start it, or screen them in this process with --here.") from exc
        held = f" ({report['held']} already queued or running)" if report["held"] else ""
        self.stdout.write(f"Queued {report['queued']} of {len(ids)} unscreened photos for screening on the workers{held}.")

    def _screen_here(self, ids: list[int]) -> None:
        found = clean = 0
        failed: list[str] = []
        for asset in jobs.unscreened_assets().filter(pk__in=ids):
            try:
                words = services.asset_screen(asset=asset)
            except (imaging.ImageError, OSError) as exc:  # a missing or unreadable file: say which, go on
                failed.append(f"#{asset.pk} {asset.original_name}: {exc}")
                continue
            found += bool(words)
            clean += not words
            said = "text found: " + " · ".join(words) if words else "no text"
            self.stdout.write(f"#{asset.pk} {asset.original_name}: {said}")
        for line in failed:
            self.stderr.write(f"failed {line}")
        self.stdout.write(f"Screened {found + clean} photos: text found on {found}, none on {clean}"
                          + (f"; {len(failed)} failed" if failed else "") + ".")
        if failed:
            raise CommandError(f"{len(failed)} photos could not be screened (listed above).")
