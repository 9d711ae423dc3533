"""Remove the files of photos archived more than ARCHIVE_RETENTION_DAYS ago.

The rows (the photo, its versions, jobs and reviews) and every history row stay, and
the purge itself is recorded, so the timeline still tells what happened.
"""

from django.conf import settings
from django.core.management.base import BaseCommand

from ... import services


class Command(BaseCommand):
    help = (f"Remove the files of photos archived more than ARCHIVE_RETENTION_DAYS "
            f"(now {settings.ARCHIVE_RETENTION_DAYS}) days ago; rows and history stay.")

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="list what would be purged, remove nothing")

    def handle(self, *args, dry_run: bool = False, **options):
        due = list(services.purge_due().order_by("archived_at"))
        if not due:
            self.stdout.write(f"Nothing to purge: no photo was archived more than {settings.ARCHIVE_RETENTION_DAYS} days ago.")
            return
        files = purged = 0
        for asset in due:
            if dry_run:
                self.stdout.write(f"would purge #{asset.pk} {asset.original_name} (archived {asset.archived_at:%Y-%m-%d})")
                continue
            try:
                removed = services.asset_purge(asset=asset)
            except services.ArchiveError as exc:  # purged meanwhile by someone else
                self.stdout.write(f"skipped #{asset.pk}: {exc}")
                continue
            files += removed
            purged += 1
            self.stdout.write(f"purged #{asset.pk} {asset.original_name}: {removed} files removed")
        if not dry_run:
            self.stdout.write(self.style.SUCCESS(f"Purged {purged} photo(s), {files} files; their history is kept."))
