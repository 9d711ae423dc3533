"""Assets, their immutable versions, repair jobs and the append-only job history.

The database row is the source of truth for a job; Redis only carries its id.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


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

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.original_name} (#{self.pk})"

    def latest_version(self) -> "Version":
        return self.versions.order_by("-number").first()


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
    changed_fraction = models.FloatField(default=0.0)

    class Meta:
        ordering = ["asset", "number"]
        constraints = [
            models.UniqueConstraint(fields=["asset", "number"], name="version_number_unique_per_asset"),
        ]

    def __str__(self) -> str:
        return f"{self.asset.original_name} v{self.number}"

    @property
    def download_name(self) -> str:
        stem = self.asset.original_name.rsplit(".", 1)[0] or "photo"
        return f"{stem}-v{self.number}.png"


class RepairJob(models.Model):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    STATUS_CHOICES = [(s, s) for s in (QUEUED, RUNNING, SUCCEEDED, FAILED)]
    FINISHED = (SUCCEEDED, FAILED)

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

    class Meta:
        ordering = ["-queued_at", "-id"]

    def __str__(self) -> str:
        return f"repair #{self.pk} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED

    def transition(self, *, from_status: str, to_status: str, message: str = "", **fields) -> bool:
        """Move the row from one status to another only if it is still in `from_status`.

        A conditional UPDATE, so two workers (or a worker and the sweep) never both win.
        Writes a JobEvent for the change. Returns whether this caller won.
        """
        won = RepairJob.objects.filter(pk=self.pk, status=from_status).update(status=to_status, **fields)
        if won:
            JobEvent.objects.create(job_id=self.pk, from_status=from_status, to_status=to_status, message=message)
            self.refresh_from_db()
        return bool(won)


class JobEvent(AppendOnlyModel):
    """Every status change of a job, in order: history is read from here, never rebuilt."""

    job = models.ForeignKey(RepairJob, on_delete=models.PROTECT, related_name="events")
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10)
    message = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"job {self.job_id}: {self.from_status or '-'} → {self.to_status}"
