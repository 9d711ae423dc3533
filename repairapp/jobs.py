"""rq job functions and enqueueing: the only module that talks to django_rq.

A job carries nothing but the RepairJob's primary key. The row is the source of truth:
each enqueue gets a fresh rq id recorded on the row, and only a delivery with that id
may claim the row (a conditional UPDATE), so a stale or duplicate delivery does nothing
and one job never makes two versions.
"""

from __future__ import annotations

import logging
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import django_rq
import redis
from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import F, Q
from django.utils import timezone
from rq import Retry, get_current_job
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from rq.registry import ScheduledJobRegistry
from rq.timeouts import JobTimeoutException

from . import diff, imaging, textfind, textring
from .engines import EngineError, pipeline
from .models import Asset, Event, RepairJob, Version
from .storage import DiskFull, delete_quietly, save_bytes

log = logging.getLogger(__name__)

QUEUE_NAME = "repair"
# Transient failures worth another try: the database, the disk, the network.
TRANSIENT_ERRORS = (DatabaseError, OSError, redis.RedisError)
RETRY_INTERVALS = [5, 30, 120]
SCHEDULER_GRACE = 120  # seconds a scheduled retry may be overdue before the sweep resends it


def _retry() -> Retry | None:
    n = settings.REPAIR_MAX_RETRIES
    if n <= 0:
        return None
    intervals = (RETRY_INTERVALS * n)[:n]
    return Retry(max=n, interval=intervals)


def enqueue_repair(job: RepairJob) -> bool:
    """Hand the job to the queue. False when Redis is unreachable: the row stays queued
    and `python manage.py sweep` (run every 30 s by the run command) delivers it later."""
    rq_id = f"repair-{job.pk}-{uuid.uuid4().hex[:8]}"
    # The id goes on the row before Redis sees it, so the worker can never win the race.
    RepairJob.objects.filter(pk=job.pk).update(rq_job_id=rq_id)
    job.rq_job_id = rq_id
    try:
        check_redis_recently_up()
        queue = django_rq.get_queue(QUEUE_NAME, commit_mode="auto")
        queue.enqueue(
            run_repair,
            job.pk,
            job_id=rq_id,
            job_timeout=settings.REPAIR_JOB_TIMEOUT,
            retry=_retry(),
            # The row keeps the outcome; rq's copies only need to live long enough to debug.
            result_ttl=3600,
            failure_ttl=7 * 24 * 3600,
        )
    except redis.RedisError as exc:
        note_redis_down()
        log.warning("repair %s not enqueued, Redis unavailable: %s", job.pk, exc)
        Event.for_job(
            job, from_status=job.status, to_status=job.status,
            message="queue unavailable; it will be enqueued when the queue is back",
        )
        return False
    return True


def enqueue_on_commit(job: RepairJob) -> None:
    transaction.on_commit(lambda: enqueue_repair(job))


SCREEN_TIMEOUT = 120  # seconds: screening is ~0.5 s a photo; a stuck one must not hold the worker
SCREEN_GRACE = 60     # seconds after an upload before the sweep screens a photo its upload did not queue
SCREEN_SWEEP_BATCH = 500  # unscreened photos the sweep looks at per run, oldest first


def screen_job_id(asset_id: int) -> str:
    """One rq id per photo: while Redis holds a screen of it (queued, running, or failed
    and kept for a week to be looked at), the sweep and the screen command see it there
    and queue no second one."""
    return f"screen-{asset_id}"


def enqueue_screen(asset_id: int) -> bool:
    """Queue the upload screen of a photo (run_screen). False when Redis is unreachable:
    the photo then stays unscreened (text_screened_at empty) until the sweep queues it
    (after SCREEN_GRACE) or `manage.py screen --unscreened` screens it."""
    try:
        check_redis_recently_up()
        django_rq.get_queue(QUEUE_NAME, commit_mode="auto").enqueue(
            run_screen, asset_id, job_id=screen_job_id(asset_id),
            job_timeout=SCREEN_TIMEOUT, result_ttl=600, failure_ttl=7 * 24 * 3600,
        )
    except redis.RedisError as exc:
        note_redis_down()
        log.warning("screen of asset %s not enqueued, Redis unavailable: %s", asset_id, exc)
        return False
    return True


def enqueue_screen_on_commit(asset: Asset) -> None:
    transaction.on_commit(lambda: enqueue_screen(asset.pk))


def run_screen(asset_id: int) -> str:
    """Screen one uploaded photo for overlaid text and store what was found on the asset
    (Asset.text_found). A photo screened already, or gone, is left alone."""
    asset = Asset.objects.filter(pk=asset_id, text_screened_at=None, purged_at=None).first()
    if asset is None:
        return "skipped"
    words = screen_asset(asset)
    log.info("screened asset %s: %s", asset_id, words or "no text")
    return "text found" if words else "no text"


def unscreened_assets():
    """The photos the upload screen has not screened (uploaded while Redis was down, or
    before screening existed), oldest first; archived and purged ones are left alone."""
    return Asset.objects.filter(text_screened_at=None, archived_at=None, purged_at=None).order_by("created_at", "pk")


def enqueue_unscreened(ids: list[int], *, retry_failed: bool = False) -> dict:
    """Queue the screen of each photo (by id) that Redis holds no screen of (queued,
    running, or failed unless `retry_failed`): {"queued", "held"}. Raises
    redis.RedisError when Redis is down."""
    check_redis_recently_up()
    held = Job.fetch_many([screen_job_id(pk) for pk in ids], connection=queue_connection(),
                          serializer=settings.RQ_SERIALIZER)
    report = {"queued": 0, "held": 0}
    for pk, rq_job in zip(ids, held):
        status = rq_job.get_status(refresh=False) if rq_job is not None else None
        if status is not None and status != JobStatus.FINISHED and not (retry_failed and status == JobStatus.FAILED):
            report["held"] += 1
        elif enqueue_screen(pk):
            report["queued"] += 1
        else:
            raise redis.ConnectionError("Redis went away while the screens were being queued")
    return report


def screen_asset(asset: Asset) -> list[str]:
    """The words of the overlay lines found on the photo's version 1 ([] when none),
    stored on the asset (Asset.record_screen)."""
    first = asset.versions.order_by("number").first()
    with first.file.open("rb") as fh:
        photo = imaging.decode_stored(fh.read())
    # A line the recogniser could not read (the classical fallback reads nothing) is still text: "?".
    words = [line.words or "?" for line in textfind.screen(photo.rgb)]
    asset.record_screen(words)
    return words


def _claim(job_id: int) -> RepairJob | None:
    """Take the row for this delivery, or return None if it is not ours to run."""
    current = get_current_job()
    rq_id = current.id if current else ""
    mine = Q(status=RepairJob.QUEUED) if not rq_id else (
        # A retry of the same delivery may take over the row its killed attempt left running.
        Q(rq_job_id=rq_id, status__in=[RepairJob.QUEUED, RepairJob.RUNNING])
    )
    with transaction.atomic():
        row = RepairJob.objects.select_for_update().filter(mine, pk=job_id).first()
        if row is None:
            return None
        previous = row.status
        RepairJob.objects.filter(pk=job_id).update(
            status=RepairJob.RUNNING, started_at=timezone.now(), attempts=F("attempts") + 1, error=""
        )
        row.refresh_from_db()
        Event.for_job(row, from_status=previous, to_status=RepairJob.RUNNING, message=f"attempt {row.attempts}")
    return row


def _fail(job: RepairJob, reason: str, detail: str = "") -> None:
    """End the job. `reason` is shown to its user; `detail` (an exception's own text,
    library internals) goes only to the admins' history and the log."""
    job.transition(
        from_status=RepairJob.RUNNING, to_status=RepairJob.FAILED,
        message=f"{reason} ({detail})" if detail else reason, error=reason, finished_at=timezone.now(),
    )


def readable_failure(exc: BaseException) -> str:
    """What a user is told about an unexpected or transient failure: never OpenCV's or
    a driver's internal text."""
    if isinstance(exc, DiskFull):
        return DiskFull.message
    if isinstance(exc, DatabaseError):
        return "The database was unavailable while the repair ran. Press Retry."
    if isinstance(exc, redis.RedisError):
        return "The queue was unavailable while the repair ran. Press Retry."
    if isinstance(exc, OSError):
        return "A file could not be read or written while the repair ran. Press Retry."
    return ("The repair engine could not process this photo and mask. Try another engine or mask; "
            "an administrator can see the details in the history.")


def run_repair(job_id: int) -> str:
    """Run one repair job to the end. Returns the final status (for rq's records)."""
    job = _claim(job_id)
    if job is None:
        existing = RepairJob.objects.filter(pk=job_id).values_list("status", flat=True).first()
        log.info("repair %s not claimed (status %s): nothing to do", job_id, existing)
        return existing or "missing"
    written: list[str] = []
    try:
        version = _repair(job, written)
    except (imaging.ImageError, EngineError, ValueError) as exc:
        delete_quietly(written)
        _fail(job, str(exc))
        return RepairJob.FAILED
    except JobTimeoutException:
        delete_quietly(written)
        _fail(job, f"timed out after {settings.REPAIR_JOB_TIMEOUT} s")
        return RepairJob.FAILED
    except MemoryError:
        delete_quietly(written)
        _fail(job, f"ran out of memory (the limit is {settings.REPAIR_MEMORY_LIMIT_MB} MB per job)")
        return RepairJob.FAILED
    except TRANSIENT_ERRORS as exc:
        delete_quietly(written)
        current = get_current_job()
        reason = f"{type(exc).__name__}: {exc}"
        if current is not None and current.should_retry:
            job.transition(
                from_status=RepairJob.RUNNING, to_status=RepairJob.QUEUED,
                message=f"attempt {job.attempts} failed ({reason}); retrying with backoff",
            )
            raise  # rq schedules the retry with its backoff interval
        _fail(job, readable_failure(exc), reason)
        return RepairJob.FAILED
    except Exception as exc:  # an engine bug must still end the job, with a readable reason
        delete_quietly(written)
        log.exception("repair %s failed", job_id)
        _fail(job, readable_failure(exc), f"{type(exc).__name__}: {exc}")
        return RepairJob.FAILED
    log.info("repair %s succeeded: version %s", job_id, version.number)
    return RepairJob.SUCCEEDED


def _repair(job: RepairJob, written: list[str]) -> Version:
    """The work itself: read, decode (imaging), fill (the pipeline), measure (diff),
    store the files, then RepairJob.succeed writes the rows. Appends each stored file
    name to `written` so a failure can remove them.

    Steps that do not need each other's results run side by side (the mask's decode
    beside the photo's, the version's PNG and thumbnail beside the diff and the checks):
    OpenCV, Pillow and most of numpy release the GIL, so on two cores what a user waits
    for is the longer of the two, not their sum. The timings record what the job's own
    thread spent on each stage; `encode` is what was left to wait for.
    """
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[stage] = timings.get(stage, 0.0) + (now - clock)
        clock = now

    base = job.base_version
    with base.file.open("rb") as fh:
        photo_bytes = fh.read()
    with job.mask_file.open("rb") as fh:
        mask_bytes = fh.read()
    lap("read")
    with ThreadPoolExecutor(max_workers=1) as beside:
        # The mask is checked against the photo's size as its PNG header says it, and
        # again if the photo decodes to another size (not one of our PNGs after all).
        header = imaging.png_size(photo_bytes)
        mask_job = header and beside.submit(imaging.decode_mask, mask_bytes, size=header,
                                            max_pixels=settings.MAX_IMAGE_PIXELS)
        photo = imaging.decode_stored(photo_bytes)  # every version is a PNG this app wrote
        if mask_job and header == (photo.width, photo.height):
            mask = mask_job.result()
        else:
            mask = imaging.decode_mask(mask_bytes, size=(photo.width, photo.height),
                                       max_pixels=settings.MAX_IMAGE_PIXELS)
        lap("decode")
        params = dict(job.params)
        dilate = int(params.pop("dilate", pipeline.DEFAULT_DILATE))
        filled = mask
        if job.text_source:
            # Text in a JPEG upload: the repair also takes the JPEG's ripples beside the
            # letters, which Find text's mask leaves (a halo of their shapes on a smooth sky).
            filled = textring.grow_over_ringing(photo.rgb, mask, job.asset.original_format, dilate=dilate)
        result = pipeline.repair(
            photo.rgb, filled, engine=job.engine, dilate=dilate,
            feather=int(params.pop("feather", pipeline.DEFAULT_FEATHER)),
            seed=int(params.pop("seed", 0)),
            params=params,
        )
        lap("engine")
        # Encoded from the very array the checks read: the stored version is the
        # engine's output, pixel for pixel (a PNG is lossless).
        encoded = beside.submit(_encode_version, result.rgb, photo.alpha)
        changed = diff.changed_pixels(photo.rgb, result.rgb)  # once, for the figures and the heatmap
        figures = diff.figures(photo.rgb, result.rgb, result.mask, changed=changed, painted=mask)
        if figures.changed_outside_mask:
            raise RuntimeError(f"{figures.changed_outside_mask} pixels changed outside the mask; result discarded")
        heat = diff.heatmap(photo.rgb, result.rgb, changed=changed)
        seam = diff.seam_score(result.rgb, result.mask)
        texture = diff.texture_ratio(result.rgb, result.mask)
        structure = diff.structure_ratio(result.rgb, result.mask)
        periodicity = diff.periodicity(result.rgb, result.mask)
        foreign = diff.foreign_share(result.rgb, result.mask)
        flags = [{"code": code, "reason": reason} for code, reason in diff.fill_flags(
            seam_score=seam, texture_ratio=texture, structure_ratio=structure, periodicity=periodicity,
            foreign_share=foreign)]
        lap("diff")
        if job.text_source:
            # The mask came from Find text (or remove_text): check that the text is gone.
            remains = textfind.text_remains(photo.rgb, result.rgb, mask)
            if remains:
                flags.append({"code": "text", "words": remains, "reason": "Text remains after the repair: "
                              + ", ".join(f"“{w}”" for w in remains) + " is still readable where the mask was."})
            lap("text check")
        diff_jpeg = imaging.encode_jpeg(heat)
        version_png, thumb = encoded.result()
    lap("encode")
    file_name = save_bytes("versions", "png", version_png, written)
    diff_name = save_bytes("diffs", "jpg", diff_jpeg, written)
    thumb_name = save_bytes("thumbs", "png" if photo.alpha is not None else "jpg", thumb, written)
    lap("storage")
    return job.succeed(
        timings=timings, file=file_name, thumbnail=thumb_name, diff_file=diff_name,
        width=photo.width, height=photo.height, size=len(version_png),
        checksum=imaging.sha256(version_png), has_alpha=photo.alpha is not None,
        seam_score=seam, texture_ratio=texture, structure_ratio=structure, periodicity=periodicity,
        foreign_share=foreign, fill_flags=flags, mask_box=diff.bounding_box(result.mask), **figures.as_dict(),
    )


def _encode_version(rgb, alpha) -> tuple[bytes, bytes]:
    """(the version's PNG, its thumbnail): what the job stores of the result's pixels."""
    return imaging.encode_png(rgb, alpha), imaging.encode_thumbnail(rgb, alpha)


def record_worker_death(rq_job) -> None:
    """Called in the worker (not the dead work-horse) when a job's process was killed."""
    row = RepairJob.objects.filter(rq_job_id=rq_job.id, status=RepairJob.RUNNING).first()
    if row is None:
        return
    if rq_job.should_retry:
        row.transition(
            from_status=RepairJob.RUNNING, to_status=RepairJob.QUEUED,
            message=f"worker died during attempt {row.attempts}; retrying",
        )
    else:
        _fail(row, "worker died while running the repair")


def _held_by_redis(connection, rq_id: str) -> bool:
    """Whether Redis still holds a live delivery for this id (waiting, scheduled or running)."""
    if not rq_id:
        return False
    try:
        rq_job = Job.fetch(rq_id, connection=connection, serializer=settings.RQ_SERIALIZER)
    except NoSuchJobError:
        return False
    status = rq_job.get_status()
    if status == JobStatus.SCHEDULED:
        # A retry waiting for its backoff. Long overdue means no scheduler is running
        # (it died with its worker): the delivery will never come, so send a new one.
        registry = ScheduledJobRegistry(QUEUE_NAME, connection=connection, serializer=settings.RQ_SERIALIZER)
        due = registry.get_scheduled_time(rq_job)
        return due is None or (timezone.now() - due).total_seconds() < SCHEDULER_GRACE
    return status in (JobStatus.QUEUED, JobStatus.DEFERRED, JobStatus.STARTED)


def sweep(*, stuck_before) -> dict:
    """Make Redis agree with the database again. See `manage.py sweep`."""
    report = {"requeued": 0, "recovered": 0, "failed": 0, "screens_queued": 0, "redis_up": True}
    max_attempts = 1 + settings.REPAIR_MAX_RETRIES
    recovered: list[RepairJob] = []
    for job in RepairJob.objects.filter(status=RepairJob.RUNNING, started_at__lt=stuck_before):
        if job.attempts < max_attempts:
            if job.transition(from_status=RepairJob.RUNNING, to_status=RepairJob.QUEUED,
                              message="still running past its timeout (worker lost); queued again"):
                recovered.append(job)
                report["recovered"] += 1
        else:
            _fail(job, f"worker lost: still running past the timeout after {job.attempts} attempts")
            report["failed"] += 1
    if not queue_available():
        report["redis_up"] = False
        return report
    connection = queue_connection()
    # A recovered job's old delivery may still look "started" in Redis: send a new one.
    for job in recovered:
        report["requeued"] += enqueue_repair(job)
    recovered_ids = [job.pk for job in recovered]
    for job in RepairJob.objects.filter(status=RepairJob.QUEUED).exclude(pk__in=recovered_ids):
        if not _held_by_redis(connection, job.rq_job_id):
            report["requeued"] += enqueue_repair(job)
    if settings.TEXT_SCREEN_ON_UPLOAD:
        # Photos uploaded while Redis was down (or before screening existed) get screened
        # now; a photo just uploaded is left to the screen its upload queues.
        uploaded_before = timezone.now() - timedelta(seconds=SCREEN_GRACE)
        waiting = unscreened_assets().filter(created_at__lt=uploaded_before).values_list("pk", flat=True)
        try:
            report["screens_queued"] = enqueue_unscreened(list(waiting[:SCREEN_SWEEP_BATCH]))["queued"]
        except redis.RedisError:
            note_redis_down()
            report["redis_up"] = False
    return report


def queue_place(job: RepairJob) -> dict:
    """Where a queued job stands, for its user: its place among that user's own queued
    jobs (other users' work is not theirs to count), how many jobs of anyone's run
    first, and an estimate of when its result is in, from how long recent successful jobs took and
    how many workers are taking them (None until a job has finished)."""
    queued = RepairJob.objects.filter(status=RepairJob.QUEUED)
    earlier = Q(queued_at__lt=job.queued_at) | Q(queued_at=job.queued_at, pk__lt=job.pk)
    own_place = queued.filter(earlier, created_by_id=job.created_by_id).count() + 1
    ahead = queued.filter(earlier).count() + RepairJob.objects.filter(status=RepairJob.RUNNING).count()
    recent = (RepairJob.objects.filter(status=RepairJob.SUCCEEDED).exclude(started_at=None).exclude(finished_at=None)
              .order_by("-finished_at").values_list("started_at", "finished_at")[:50])
    durations = sorted((end - start).total_seconds() for start, end in recent)
    estimate = None
    if durations:
        median = durations[len(durations) // 2]
        estimate = max(1, round(median * -(-(ahead + 1) // worker_count())))
    return {"queue_position": own_place, "jobs_ahead": ahead, "estimated_seconds": estimate}


def worker_count() -> int:
    """Workers listening on the repair queue; 1 when Redis cannot say."""
    from rq import Worker

    try:
        return max(1, Worker.count(queue=django_rq.get_queue(QUEUE_NAME)))
    except redis.RedisError:
        return 1


def queue_connection():
    """The repair queue's Redis connection, for the few things besides jobs that share
    it (the API's rate-limit counters, the login brake). Raises redis.ConnectionError at
    once while Redis is known to be down (see note_redis_down)."""
    check_redis_recently_up()
    return django_rq.get_connection(QUEUE_NAME)


# A request makes up to three Redis calls (rate limit, enqueue, the "queue available"
# answer). Once one has failed, the others in this process take the "Redis down" path at
# once for a moment instead of each waiting out REDIS_TIMEOUT_MS against a hung server.
REDIS_DOWN_MEMORY_SECONDS = 2.0
_redis_down_until: dict[str, float] = {}


def _redis_url() -> str:
    return settings.RQ_QUEUES[QUEUE_NAME].get("URL", "")


def note_redis_down() -> None:
    _redis_down_until[_redis_url()] = time.monotonic() + REDIS_DOWN_MEMORY_SECONDS


def check_redis_recently_up() -> None:
    if time.monotonic() < _redis_down_until.get(_redis_url(), 0.0):
        raise redis.ConnectionError("Redis did not answer a moment ago")


def queue_available() -> bool:
    """Whether Redis answers now. The API says so when it takes a job it cannot hand
    over at once (the row stays queued and the sweep delivers it later)."""
    try:
        return bool(queue_connection().ping())
    except redis.RedisError:
        note_redis_down()
        return False
