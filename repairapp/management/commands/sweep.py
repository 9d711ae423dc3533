"""Deliver what the database says is unfinished: the sweep that makes Redis transport only.
It also forgets Idempotency-Keys older than IDEMPOTENCY_KEY_HOURS.

- a queued job that Redis does not hold (Redis was down at submit, or was restarted)
  is enqueued again;
- a job left running past its timeout (its worker was killed outright) is queued again
  while it has retries left, and failed with a reason after that;
- a photo the upload screen has not screened a minute after its upload (Redis was down,
  or it came before screening existed) has its screen queued, up to 500 a run, unless
  Redis holds one already (a failed one too: `manage.py screen --unscreened` retries it).
  Only with TEXT_SCREEN_ON_UPLOAD on.

`python manage.py sweep` runs it once; the run command runs it every 30 s.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from ...api.decorators import forget_idempotency_keys
from ...jobs import sweep


class Command(BaseCommand):
    help = "Re-enqueue queued jobs Redis lost and recover jobs stuck in running."

    def add_arguments(self, parser):
        parser.add_argument(
            "--grace", type=int, default=60,
            help="seconds past REPAIR_JOB_TIMEOUT before a running job counts as stuck",
        )

    def handle(self, *args, grace: int, **options):
        stuck_before = timezone.now() - timedelta(seconds=settings.REPAIR_JOB_TIMEOUT + grace)
        report = sweep(stuck_before=stuck_before)
        forgotten = forget_idempotency_keys()
        self.stdout.write(
            f"re-enqueued {report['requeued']}, recovered {report['recovered']} stuck, "
            f"failed {report['failed']}, queued {report['screens_queued']} screens, forgot {forgotten} idempotency keys, "
            f"Redis {'up' if report['redis_up'] else 'down'}"
        )
