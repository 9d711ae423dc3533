"""Assets, their immutable versions, repair jobs and the append-only job history.

The database row is the source of truth for a job; Redis only carries its id.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import models, transaction
from django.db.models import Max
from django.utils import timezone

from . import diff, imaging


# The editor's display renditions have no row: a version's are stored as
# display/<pk % 100>/<pk>-<checksum>-<side>.<ext> (Version.rendition_name) and found by
# that prefix.
RENDITION_FOLDER = "display"


class ImmutableError(RuntimeError):
    pass


class AppendOnlyModel(models.Model):
    """Rows that may be created but never changed or deleted: versions and history."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableError(f"{type(self).__name__} rows are immutable")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableError(f"{type(self).__name__} rows are never deleted")


class Asset(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assets")
    # The uploaded file name, kept only as text to show (escaped by templates); never a path.
    original_name = models.CharField(max_length=255)
    original_file = models.FileField(max_length=200)  # the bytes as uploaded, never served raw
    original_format = models.CharField(max_length=10)  # JPEG, PNG or WEBP, decided by content
    original_size = models.PositiveBigIntegerField()
    original_checksum = models.CharField(max_length=64, db_index=True)  # sha256 of the upload
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    # The version a moderator approved last: what the catalogue may publish.
    published_version = models.ForeignKey(
        "Version", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Archived: hidden from every list and page, files kept. Purged: the files are gone
    # too (after ARCHIVE_RETENTION_DAYS); the rows and their history stay.
    archived_at = models.DateTimeField(null=True, blank=True, db_index=True)
    archived_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    purged_at = models.DateTimeField(null=True, blank=True)
    # The upload screen (issue 15): the words of the overlaid text lines found on version 1,
    # [] when none; None until the worker has screened it (it runs after the upload answers).
    text_found = models.JSONField(null=True, blank=True)
    text_screened_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.original_name} (#{self.pk})"

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    def latest_version(self) -> "Version":
        return self.versions.order_by("-number").first()

    def add_version(self, **fields) -> "Version":
        """The one place a Version row is made: numbered after the newest, under a lock
        on the asset so two repairs of one photo finishing at once get consecutive
        numbers. Call it inside a transaction."""
        Asset.objects.select_for_update().filter(pk=self.pk).first()
        newest = Version.objects.filter(asset_id=self.pk).aggregate(n=Max("number"))["n"] or 0
        return Version.objects.create(asset_id=self.pk, number=newest + 1, **fields)

    def to_dict(self) -> dict:
        """What the API says about a photo (its links are added by the caller)."""
        return {
            "id": self.pk,
            "name": self.original_name,
            "format": self.original_format,
            "width": self.width,
            "height": self.height,
            "created_at": self.created_at.isoformat(),
            "published_version": self.published_version_id,
            "text_found": self.text_found,
            "text_screened_at": self.text_screened_at.isoformat() if self.text_screened_at else None,
        }

    def record_screen(self, words: list[str]) -> None:
        """Keep what the upload screen found (jobs.screen_asset), with its history row."""
        self.text_found, self.text_screened_at = list(words), timezone.now()
        with transaction.atomic():
            Asset.objects.filter(pk=self.pk).update(text_found=self.text_found, text_screened_at=self.text_screened_at)
            Event.objects.create(kind=Event.ASSET_SCREENED, asset_id=self.pk, at=self.text_screened_at,
                                 message=f"text found: {self.text_found_words}" if words else "no text found",
                                 data={"text_found": self.text_found})

    @property
    def text_found_words(self) -> str:
        """The screen's words as one line to show ("SALE 50% · 2024-01-01")."""
        return " · ".join(w for w in (self.text_found or []) if w) or ("text" if self.text_found else "")


class Version(AppendOnlyModel):
    """One immutable state of an asset's pixels, stored as lossless PNG.

    Version 1 is the upload decoded upright (EXIF orientation applied, metadata dropped);
    every later one was made by exactly one RepairJob from its parent.
    """

    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    file = models.FileField(max_length=200)
    thumbnail = models.FileField(max_length=200)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size = models.PositiveBigIntegerField()
    checksum = models.CharField(max_length=64)
    has_alpha = models.BooleanField(default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    # One job makes at most one version: retries and duplicate deliveries cannot add a second.
    made_by_job = models.OneToOneField(
        "RepairJob", null=True, blank=True, on_delete=models.PROTECT, related_name="result_version"
    )
    # The visual diff against the parent (empty for version 1).
    diff_file = models.FileField(max_length=200, blank=True)
    mask_pixels = models.PositiveBigIntegerField(default=0)
    changed_inside_mask = models.PositiveBigIntegerField(default=0)
    changed_outside_mask = models.PositiveBigIntegerField(default=0)
    # Changed pixels outside the mask as painted, before `dilate` grew it: with dilate N,
    # pixels up to N px from the painted mask may change. None for versions made before
    # it was recorded.
    changed_outside_painted = models.PositiveBigIntegerField(null=True, blank=True)
    changed_fraction = models.FloatField(default=0.0)
    # Gradient across the mask's border ÷ gradient just outside it (~1 = invisible seam).
    seam_score = models.FloatField(null=True, blank=True)
    # Detail inside the fill ÷ detail around it (~1 = real texture; well below = a smear).
    texture_ratio = models.FloatField(null=True, blank=True)
    # Mid-scale structure inside the fill ÷ around it (~1; well below = blurred shapes).
    structure_ratio = models.FloatField(null=True, blank=True)
    # A regular pattern in the fill its surroundings lack (~1 = none; diff.periodicity).
    periodicity = models.FloatField(null=True, blank=True)
    # Share of the fill in colours found nowhere around it (~0 = made of its surroundings).
    foreign_share = models.FloatField(null=True, blank=True)
    # What the checks found an editor would likely reject, as the worker saw it:
    # [{"code": "smear", "reason": "one readable line"}, ...] (diff.fill_flags).
    fill_flags = models.JSONField(default=list, blank=True)
    # The applied mask's bounding box {x, y, width, height}: where a reviewer zooms.
    mask_box = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["asset", "number"]
        constraints = [
            models.UniqueConstraint(fields=["asset", "number"], name="version_number_unique_per_asset"),
        ]

    def __str__(self) -> str:
        return f"{self.asset.original_name} v{self.number}"

    def to_dict(self) -> dict:
        """What the editor's JSON and the API both say about a version; each adds its
        own links (relative for the pages, absolute for the API) and details."""
        return {"id": self.pk, "number": self.number, "width": self.width, "height": self.height}

    def figures(self) -> dict:
        """What the diff counted: the editor's result panel."""
        return {
            "mask_pixels": self.mask_pixels,
            "changed_inside_mask": self.changed_inside_mask,
            "changed_outside_mask": self.changed_outside_mask,
            "changed_outside_painted": self.changed_outside_painted,
            "changed_fraction": self.changed_fraction,
        }

    def flags(self) -> list[dict]:
        """Why the fill is flagged, each {"code", "reason"}: what the worker's checks
        recorded (fill_flags), then "changed nothing", read from the counts (the worker
        does not record it, so versions stored before it was shown get it too). The
        review pages and the API's checks list the same."""
        unchanged = diff.unchanged_flag(mask_pixels=self.mask_pixels, changed_inside_mask=self.changed_inside_mask)
        return [*self.fill_flags, *({"code": code, "reason": reason} for code, reason in unchanged)]

    def file_name_for(self, fmt: str) -> str:
        """What a download is called: the upload's name, the version, the format's
        extension (`coffee-v2.jpg`)."""
        stem = self.asset.original_name.rsplit(".", 1)[0] or "photo"
        return f"{stem}-v{self.number}{imaging.EXPORT_FORMATS[fmt][0]}"

    def export(self, fmt: str, *, quality: int) -> bytes:
        """The stored pixels re-encoded as `fmt` (jpeg or webp) at `quality`."""
        with self.file.open("rb") as fh:
            return imaging.encode_export(imaging.decode_stored(fh.read()), fmt, quality=quality)

    def rendition_name(self, *, side: int, ext: str) -> str:
        """Where the display rendition at most `side` px long is stored. Versions never
        change, so the name is derived from the version and its checksum and the file
        never needs a field or an invalidation."""
        return f"{self._rendition_folder()}/{self.pk}-{self.checksum[:16]}-{side}.{ext}"

    def stored_renditions(self) -> list[str]:
        """The names of every display rendition stored for this version."""
        folder = self._rendition_folder()
        try:
            _, files = default_storage.listdir(folder)
        except FileNotFoundError:
            return []
        return [f"{folder}/{name}" for name in files if name.startswith(f"{self.pk}-")]

    def _rendition_folder(self) -> str:
        return f"{RENDITION_FOLDER}/{self.pk % 100:02d}"


class RepairJob(models.Model):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    STATUS_CHOICES = [(s, s) for s in (QUEUED, RUNNING, SUCCEEDED, FAILED)]
    FINISHED = (SUCCEEDED, FAILED)
    TEXT_FIND = "find_text"      # text_source: the mask came from the editor's Find text
    TEXT_REMOVE = "remove_text"  # ... or from mode=remove_text

    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="jobs")
    base_version = models.ForeignKey(Version, on_delete=models.PROTECT, related_name="jobs")
    mask_file = models.FileField(max_length=200)
    engine = models.CharField(max_length=40)
    params = models.JSONField(default=dict, blank=True)  # dilate, seed and engine parameters
    status = models.CharField(max_length=10, choices=STATUS_CHOICES, default=QUEUED, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    rq_job_id = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    queued_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    timings = models.JSONField(default=dict, blank=True)  # seconds per stage of the last attempt
    # Where the mask came from when text was removed: Find text in the editor, or the
    # remove_text mode; the worker then checks that no text remains (issue 15).
    text_source = models.CharField(max_length=12, blank=True, choices=[("", "painted"), (TEXT_FIND, TEXT_FIND),
                                                                      (TEXT_REMOVE, TEXT_REMOVE)])
    # The words of the text lines the mask covers, as the recogniser read them.
    text_words = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-queued_at", "-id"]

    def __str__(self) -> str:
        return f"repair #{self.pk} ({self.status})"

    def to_dict(self) -> dict:
        """What the editor's JSON and the API both say about a job; each adds its own
        links and what it shows of the result."""
        return {
            "id": self.pk,
            "status": self.status,
            "error": self.error,
            "attempts": self.attempts,
            "engine": self.engine,
            "text_source": self.text_source or None,
            "text_words": self.text_words,
            "queued_at": self.queued_at.isoformat(),
            "started_at": self.started_at.isoformat() if self.started_at else None,
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
        }

    def succeed(self, *, timings: dict, **version_fields) -> "Version":
        """Record what the running job made, in one transaction: the new Version (with
        its files and the diff's figures and checks), its draft Review, the
        version.created event and the move to SUCCEEDED. `timings` gains the time these
        writes took ("database") and the total. If someone else (the sweep, an admin)
        ended the job meanwhile, raises RuntimeError and nothing is kept: their verdict
        stands."""
        started = time.perf_counter()
        with transaction.atomic():
            version = self.asset.add_version(
                parent_id=self.base_version_id, created_by_id=self.created_by_id, made_by_job=self, **version_fields,
            )
            Review.objects.create(version=version)
            Event.objects.create(
                kind=Event.VERSION_CREATED, asset_id=self.asset_id, version=version, job=self,
                data={**version.figures(), "seam_score": version.seam_score, "texture_ratio": version.texture_ratio,
                      "structure_ratio": version.structure_ratio, "periodicity": version.periodicity,
                      "foreign_share": version.foreign_share, "flags": [f["code"] for f in version.fill_flags],
                      "engine": self.engine, "params": self.params},
            )
            timings = {**timings, "database": time.perf_counter() - started}
            timings["total"] = sum(timings.values())
            won = self.transition(
                from_status=RepairJob.RUNNING, to_status=RepairJob.SUCCEEDED, message=f"version {version.number}",
                finished_at=timezone.now(), timings={k: round(v, 4) for k, v in timings.items()},
            )
            if not won:
                raise RuntimeError("the job was finished elsewhere while running")
        return version

    def transition(self, *, from_status: str, to_status: str, message: str = "", **fields) -> bool:
        """Move the row from one status to another only if it is still in `from_status`.

        A conditional UPDATE, so two workers (or a worker and the sweep) never both win.
        Writes an Event for the change. Returns whether this caller won.
        """
        won = RepairJob.objects.filter(pk=self.pk, status=from_status).update(status=to_status, **fields)
        if won:
            self.refresh_from_db()
            Event.for_job(self, from_status=from_status, to_status=to_status, message=message)
        return bool(won)


class Event(AppendOnlyModel):
    """The history: one append-only row for everything that happens, read by admins.

    Job status changes carry from_status/to_status; `data` holds what the kind needs
    (engine, parameters, timings, comment, role...). Nothing ever updates or deletes a row.
    """

    ASSET_UPLOADED = "asset.uploaded"
    MASK_SUBMITTED = "mask.submitted"
    JOB_QUEUED = "job.queued"
    JOB_RUNNING = "job.running"
    JOB_SUCCEEDED = "job.succeeded"
    JOB_FAILED = "job.failed"
    VERSION_CREATED = "version.created"
    VERSION_SUBMITTED = "version.submitted"
    VERSION_APPROVED = "version.approved"
    VERSION_REJECTED = "version.rejected"
    ROLE_CHANGED = "role.changed"
    ASSET_ARCHIVED = "asset.archived"
    ASSET_PURGED = "asset.purged"
    ASSET_SCREENED = "asset.screened"
    USER_CREATED = "user.created"
    USER_DEACTIVATED = "user.deactivated"
    USER_REACTIVATED = "user.reactivated"
    KIND_CHOICES = [(k, k) for k in (
        ASSET_UPLOADED, MASK_SUBMITTED, JOB_QUEUED, JOB_RUNNING, JOB_SUCCEEDED, JOB_FAILED,
        VERSION_CREATED, VERSION_SUBMITTED, VERSION_APPROVED, VERSION_REJECTED, ROLE_CHANGED,
        ASSET_ARCHIVED, ASSET_PURGED, ASSET_SCREENED, USER_CREATED, USER_DEACTIVATED, USER_REACTIVATED,
    )]

    at = models.DateTimeField(default=timezone.now, db_index=True)
    kind = models.CharField(max_length=20, choices=KIND_CHOICES, db_index=True)
    # Who did it; empty for what the worker or the sweep did on its own.
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    asset = models.ForeignKey(Asset, null=True, blank=True, on_delete=models.PROTECT, related_name="events")
    version = models.ForeignKey(Version, null=True, blank=True, on_delete=models.PROTECT, related_name="events")
    job = models.ForeignKey(RepairJob, null=True, blank=True, on_delete=models.PROTECT, related_name="events")
    # The user a role change (or an account change) was about.
    subject = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10, blank=True)
    message = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        permissions = [("view_history", "Can read the whole history of every photo")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.kind}"

    @classmethod
    def for_job(cls, job: "RepairJob", *, from_status: str, to_status: str, message: str = "", actor=None) -> "Event":
        job_kinds = {RepairJob.QUEUED: cls.JOB_QUEUED, RepairJob.RUNNING: cls.JOB_RUNNING,
                     RepairJob.SUCCEEDED: cls.JOB_SUCCEEDED, RepairJob.FAILED: cls.JOB_FAILED}
        data = {"engine": job.engine, "params": job.params, "attempt": job.attempts}
        if to_status in RepairJob.FINISHED:
            data.update(timings=job.timings, error=job.error)
        if to_status == RepairJob.SUCCEEDED:
            # The event's version is the one the job started from; name the one it made.
            data["result_version"] = Version.objects.filter(made_by_job=job).values_list("number", flat=True).first()
        return cls.objects.create(
            kind=job_kinds[to_status], actor=actor, asset_id=job.asset_id, job=job,
            version_id=job.base_version_id, from_status=from_status, to_status=to_status,
            message=message, data=data,
        )


class Review(models.Model):
    """The current review state of one repaired version (its history is in Event).

    draft -> pending -> approved | rejected. A rejected version stays rejected: the
    creator edits it further and submits the new version. The state moves only by a
    conditional update, so of two moderators deciding at once exactly one wins.
    """

    DRAFT = "draft"
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    STATE_CHOICES = [(s, s) for s in (DRAFT, PENDING, APPROVED, REJECTED)]

    version = models.OneToOneField(Version, primary_key=True, on_delete=models.PROTECT, related_name="review")
    state = models.CharField(max_length=10, choices=STATE_CHOICES, default=DRAFT, db_index=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(null=True, blank=True, db_index=True)
    note = models.TextField(blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    comment = models.TextField(blank=True)
    # A check failed (pixels changed outside the mask, or a visible seam): sorted first.
    flagged = models.BooleanField(default=False, db_index=True)

    class Meta:
        ordering = ["-flagged", "submitted_at"]
        permissions = [("decide_review", "Can approve or reject submitted versions")]

    def __str__(self) -> str:
        return f"{self.version} ({self.state})"

    def to_dict(self) -> dict:
        return {
            "state": self.state,
            "submitted_at": self.submitted_at.isoformat() if self.submitted_at else None,
            "decided_at": self.decided_at.isoformat() if self.decided_at else None,
            "decided_by": self.decided_by.get_username() if self.decided_by else None,
            "comment": self.comment,
            "note": self.note,
            "flagged": self.flagged,
        }


class ApiToken(models.Model):
    """A personal API token. Only the sha256 of the secret is kept: the secret is shown
    once, when it is made. It acts with its user's role; revoking it works at once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True)
    # The first characters of the secret, shown so a user can tell their tokens apart.
    prefix = models.CharField(max_length=16)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def revoke(self) -> bool:
        """Returns whether this call revoked it (False if it already was)."""
        now = timezone.now()
        won = ApiToken.objects.filter(pk=self.pk, revoked_at=None).update(revoked_at=now)
        if won:
            self.revoked_at = now
        return bool(won)


class IdempotencyKey(models.Model):
    """The answer given to a POST sent with an `Idempotency-Key` header, so the same
    request sent again gets the same answer instead of a second job. The unique
    (user, key) makes two concurrent twins race on the insert: one wins, the other
    waits for its commit and replays the stored answer."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    # sha256 of the method, path and body parts: the same key with another body is a 409.
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique_per_user")]

    def __str__(self) -> str:
        return f"{self.key} ({self.user})"


class IngestItem(models.Model):
    """One photo brought in by `manage.py ingest`. The checksum covers the photo, its
    mask and the repair parameters, so a second run skips what is already in."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    checksum = models.CharField(max_length=64)
    source_name = models.CharField(max_length=255)
    job = models.OneToOneField(RepairJob, on_delete=models.PROTECT, related_name="ingest_item")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["user", "checksum"], name="ingest_checksum_unique_per_user")]

    def __str__(self) -> str:
        return f"{self.source_name} -> {self.job_id}"


class SavedMask(models.Model):
    """A mask kept by name to paint again on other photos (a supplier's watermark).

    It is placed on a photo of another size by its anchor: the corner (or the centre)
    of the mask that sits on the same corner of the photo; it is never scaled.
    """

    TOP_LEFT = "top-left"
    TOP_RIGHT = "top-right"
    BOTTOM_LEFT = "bottom-left"
    BOTTOM_RIGHT = "bottom-right"
    CENTRE = "centre"
    ANCHOR_CHOICES = [(a, a) for a in (TOP_LEFT, TOP_RIGHT, BOTTOM_LEFT, BOTTOM_RIGHT, CENTRE)]

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_masks")
    name = models.CharField(max_length=100)
    anchor = models.CharField(max_length=12, choices=ANCHOR_CHOICES, default=TOP_LEFT)
    # The size of the photo the mask was painted on (= the mask's own size).
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    mask_file = models.FileField(max_length=200)  # 1-bit PNG
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="saved_mask_name_unique_per_owner")]

    def __str__(self) -> str:
        return f"{self.name} ({self.owner})"

    def to_dict(self) -> dict:
        """The editor's saved-mask list (links added by the caller)."""
        return {
            "id": self.pk,
            "name": self.name,
            "anchor": self.anchor,
            "width": self.width,
            "height": self.height,
            "created_at": self.created_at.isoformat(),
        }

    def offset_on(self, width: int, height: int) -> tuple[int, int]:
        """Where the mask's top-left corner lands on a photo of `width`×`height`."""
        dx, dy = width - self.width, height - self.height
        x = {"left": 0, "right": dx}.get(self.anchor.rsplit("-", 1)[-1], dx // 2)
        y = {"top": 0, "bottom": dy}.get(self.anchor.split("-", 1)[0], dy // 2)
        return x, y
