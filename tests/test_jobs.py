"""Repair jobs through real Redis and a real rq worker."""

import io
import os
import subprocess
import sys

import numpy as np
import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.urls import reverse
from PIL import Image

from repairapp import engines, imaging, jobs, services
from repairapp.engines import pipeline
from repairapp.engines.base import Engine
from repairapp.models import Event, RepairJob, Version
from tests.conftest import decode_png, encode, mask_png, photo_bytes

pytestmark = pytest.mark.django_db


def _read(field) -> bytes:
    with field.open("rb") as fh:
        return fh.read()


@pytest.fixture
def asset(alice):
    return services.asset_create(owner=alice, data=photo_bytes(0), file_name="room.jpg")


def _submit(alice, version, box=(200, 150, 260, 230), engine="telea", capture=None):
    with capture(execute=True):
        return services.repair_create(
            user=alice, version=version, mask_data=mask_png(version.width, version.height, box), engine=engine
        )


def test_a_queued_repair_ends_with_a_new_version_and_a_diff(
    alice, asset, run_worker, django_capture_on_commit_callbacks
):
    base = asset.latest_version()
    job = _submit(alice, base, capture=django_capture_on_commit_callbacks)
    assert run_worker() == 1
    job.refresh_from_db()
    assert job.status == RepairJob.SUCCEEDED, job.error
    assert job.attempts == 1 and job.started_at and job.finished_at and job.error == ""
    assert set(job.timings) >= {"decode", "engine", "encode", "diff", "storage", "total"}

    version = job.result_version
    assert (version.number, version.parent, version.created_by) == (2, base, alice)
    before, after = decode_png(_read(base.file)), decode_png(_read(version.file))
    changed = np.any(before != after, axis=2)
    painted = np.zeros(changed.shape, np.uint8)
    painted[150:230, 200:260] = 255
    # The mask is grown by the default dilation to take an object's halo too.
    inside = imaging.dilate_mask(painted, pipeline.DEFAULT_DILATE) > 0
    assert changed[painted > 0].sum() > 0.5 * (painted > 0).sum()  # the masked area was really filled
    assert not changed[~inside].any()                               # and nothing else moved, bit for bit
    assert version.changed_outside_mask == 0 and version.mask_pixels == inside.sum()
    assert version.changed_inside_mask == int(changed.sum())
    # Dilation lets pixels next to the painted mask change: counted apart, never hidden.
    assert version.changed_outside_painted == int(changed[painted == 0].sum()) > 0
    heat = decode_png(_read(version.diff_file))
    assert heat.shape == before.shape and heat[190, 230, 0] > heat[10, 10, 0]
    assert list(job.events.values_list("kind", "from_status", "to_status")) == [
        ("mask.submitted", "", ""), ("job.queued", "", "queued"), ("job.running", "queued", "running"),
        ("version.created", "", ""), ("job.succeeded", "running", "succeeded"),
    ]


def test_the_next_repair_applies_to_the_newest_version(alice, asset, run_worker, django_capture_on_commit_callbacks):
    _submit(alice, asset.latest_version(), capture=django_capture_on_commit_callbacks)
    run_worker()
    v2 = asset.latest_version()
    job = _submit(alice, v2, box=(10, 10, 40, 40), capture=django_capture_on_commit_callbacks)
    run_worker()
    job.refresh_from_db()
    v3 = job.result_version
    assert (v3.number, v3.parent) == (3, v2)
    # everything v2 repaired survives into v3; only the new box changed
    assert not np.any(decode_png(_read(v2.file))[100:, 100:] != decode_png(_read(v3.file))[100:, 100:])
    assert [v.number for v in asset.versions.all()] == [1, 2, 3]


class _BrokenEngine(Engine):
    def _fill(self, image, mask, *, seed):
        raise ArithmeticError("the engine fell over")


@pytest.fixture
def broken_engine():
    engine = engines.register(_BrokenEngine(name="broken", description="always raises"))
    yield engine
    engines.unregister("broken")


def test_a_job_whose_engine_raises_ends_failed_with_its_reason(
    alice, asset, run_worker, broken_engine, media_root, django_capture_on_commit_callbacks
):
    files_before = sorted(p for p in media_root.rglob("*") if p.is_file())
    job = _submit(alice, asset.latest_version(), engine="broken", capture=django_capture_on_commit_callbacks)
    run_worker()
    job.refresh_from_db()
    assert job.status == RepairJob.FAILED and job.finished_at
    # The user reads a sentence; the exception's own text is for the admins' history.
    assert job.error.startswith("The repair engine could not process this photo") and "Arithmetic" not in job.error
    assert job.events.last().message.endswith("(ArithmeticError: the engine fell over)")
    assert Version.objects.filter(asset=asset).count() == 1
    # only the mask was added; no half-made version files
    added = set(p for p in media_root.rglob("*") if p.is_file()) - set(files_before)
    assert [p.parent.parent.name for p in added] == ["masks"]
    assert list(job.events.exclude(to_status="").values_list("to_status", flat=True)) == ["queued", "running", "failed"]


def test_a_mask_that_no_longer_fits_fails_with_a_readable_reason(alice, asset, run_worker, django_capture_on_commit_callbacks):
    job = _submit(alice, asset.latest_version(), capture=django_capture_on_commit_callbacks)
    # Simulate a mask replaced on disk by one of another size: the worker checks again.
    default_storage.delete(job.mask_file.name)
    with default_storage.open(job.mask_file.name, "wb") as fh:
        fh.write(mask_png(10, 10, (1, 1, 5, 5)))
    run_worker()
    job.refresh_from_db()
    assert job.status == RepairJob.FAILED and "mask is 10×10 but the photo is 512×512" in job.error


def test_the_stored_version_is_the_engines_output_pixel_for_pixel(
    alice, asset, run_worker, django_capture_on_commit_callbacks
):
    """The version's PNG is encoded beside the diff and the checks (another thread): what
    is stored must still be exactly what the pipeline made from the base and the mask,
    and nothing outside the grown mask may differ from the base."""
    base = asset.latest_version()
    job = _submit(alice, base, box=(180, 140, 300, 260), engine="auto", capture=django_capture_on_commit_callbacks)
    run_worker()
    job.refresh_from_db()
    assert job.status == RepairJob.SUCCEEDED, job.error
    photo = imaging.decode_stored(_read(base.file))
    mask = imaging.decode_mask(_read(job.mask_file), size=(photo.width, photo.height))
    expected = pipeline.repair(photo.rgb, mask, engine="auto", dilate=job.params["dilate"],
                               feather=job.params["feather"], seed=0)
    stored = _read(job.result_version.file)
    assert np.array_equal(decode_png(stored), expected.rgb)
    assert not (decode_png(stored) != photo.rgb).any(axis=2)[expected.mask == 0].any()
    assert job.result_version.checksum == imaging.sha256(stored) and job.result_version.size == len(stored)
    thumb = Image.open(io.BytesIO(_read(job.result_version.thumbnail)))
    assert max(thumb.size) <= max(imaging.THUMBNAIL_SIZE)


def test_a_base_version_that_is_not_a_png_is_still_repaired_with_its_mask_checked(
    alice, asset, run_worker, django_capture_on_commit_callbacks
):
    """The mask is decoded beside the photo, sized by the photo's PNG header; a version
    file that is not one of our PNGs (no such header) takes the careful path."""
    base = asset.latest_version()
    job = _submit(alice, base, capture=django_capture_on_commit_callbacks)
    rgb = decode_png(_read(base.file))
    default_storage.delete(base.file.name)
    with default_storage.open(base.file.name, "wb") as fh:
        fh.write(encode(Image.fromarray(rgb), "WEBP", lossless=True))
    run_worker()
    job.refresh_from_db()
    assert job.status == RepairJob.SUCCEEDED, job.error
    after = decode_png(_read(job.result_version.file))
    assert after.shape == rgb.shape and (after != rgb).any()


def test_the_same_job_delivered_twice_makes_one_version(alice, asset, run_worker, django_capture_on_commit_callbacks):
    job = _submit(alice, asset.latest_version(), capture=django_capture_on_commit_callbacks)
    run_worker()
    assert jobs.run_repair(job.pk) == RepairJob.SUCCEEDED  # a late duplicate delivery: nothing to do
    jobs.enqueue_repair(RepairJob.objects.get(pk=job.pk))
    run_worker()
    assert Version.objects.filter(asset=asset).count() == 2
    assert RepairJob.objects.get(pk=job.pk).attempts == 1


def test_a_stale_delivery_cannot_claim_a_job_requeued_under_a_new_id(alice, asset, redis_conn, django_capture_on_commit_callbacks):
    job = _submit(alice, asset.latest_version(), capture=django_capture_on_commit_callbacks)
    first_id = job.rq_job_id
    jobs.enqueue_repair(job)  # e.g. the queue was flushed and the job re-sent
    assert job.rq_job_id != first_id
    # Claim as the first (stale) delivery: refused.
    from rq.job import Job

    stale = Job.fetch(first_id, connection=redis_conn, serializer=settings.RQ_SERIALIZER)
    stale.perform()
    job.refresh_from_db()
    assert job.status == RepairJob.QUEUED and job.attempts == 0


def test_redis_down_at_submit_keeps_the_job_queued_with_a_note(alice, asset, settings, django_capture_on_commit_callbacks):
    # Nothing listens on port 1: a real refused connection, not a mock.
    settings.RQ_QUEUES = {"repair": {**settings.RQ_QUEUES["repair"], "URL": "redis://127.0.0.1:1/0"}}
    job = _submit(alice, asset.latest_version(), capture=django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.status == RepairJob.QUEUED
    assert Event.objects.filter(job=job, message__contains="queue unavailable").exists()


def test_without_dilation_nothing_changes_outside_the_painted_mask(
    alice, asset, run_worker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = services.repair_create(user=alice, version=asset.latest_version(), engine="telea",
                                             mask_data=mask_png(512, 512, (200, 150, 260, 230)), dilate=0)
    run_worker()
    version = Version.objects.get(made_by_job=job)
    assert version.changed_inside_mask > 0
    assert version.changed_outside_painted == version.changed_outside_mask == 0


def test_job_status_json_reports_the_result(alice_client, alice, asset, run_worker, django_capture_on_commit_callbacks):
    job = _submit(alice, asset.latest_version(), capture=django_capture_on_commit_callbacks)
    run_worker()
    body = alice_client.get(reverse("job-status", args=[job.pk])).json()
    assert body["status"] == "succeeded" and body["attempts"] == 1
    version = body["version"]
    assert version["number"] == 2 and version["parent_number"] == 1
    assert version["figures"]["changed_outside_mask"] == 0 and version["figures"]["changed_inside_mask"] > 0
    assert version["figures"]["changed_outside_painted"] > 0  # the default dilate grew the mask
    for key, kind in (("image_url", "image/png"), ("diff_url", "image/jpeg"), ("parent_image_url", "image/png"),
                      ("download_url", "image/png")):
        response = alice_client.get(version[key])
        assert response.status_code == 200 and response["Content-Type"] == kind, key


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_forking_worker_process_runs_the_repair(alice, media_root, redis_conn):
    """The worker as deployed: `manage.py rqworker` in its own process, forking a
    work-horse per job, sharing the test database and media folder with this test."""
    asset = services.asset_create(owner=alice, data=photo_bytes(4), file_name="fork.jpg")
    job = services.repair_create(
        user=alice, version=asset.latest_version(), mask_data=mask_png(512, 512, (50, 50, 120, 90))
    )  # autocommit here: enqueued at once
    db = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "TEST_DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "MEDIA_ROOT": str(media_root),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "rqworker", "repair", "--burst", "--serializer", settings.RQ_SERIALIZER],
        cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    job.refresh_from_db()
    assert job.status == RepairJob.SUCCEEDED, (job.error, result.stderr[-2000:])
    assert job.result_version.changed_outside_mask == 0
    assert Image.open(io.BytesIO(_read(job.result_version.file))).size == (512, 512)


# ---------------------------------------------------------------- timeouts, retries, dead workers, sweep


class _SleepyEngine(Engine):
    def _fill(self, image, mask, *, seed):
        import time

        time.sleep(30)
        return image


class _FlakyEngine(Engine):
    """Fails with a transient error on its first call, then works."""

    calls = 0

    def _fill(self, image, mask, *, seed):
        type(self).calls += 1
        if type(self).calls == 1:
            raise OSError("disk briefly unavailable")
        return np.zeros_like(image)


class _DyingEngine(Engine):
    """Kills its own process (the work-horse) the first time; `marker` remembers across forks."""

    marker = None

    def _fill(self, image, mask, *, seed):
        import signal

        if not self.marker.exists():
            self.marker.write_text("died once")
            os.kill(os.getpid(), signal.SIGKILL)
        return np.zeros_like(image)


@pytest.fixture
def test_engine():
    registered = []

    def register(engine_class, name):
        registered.append(name)
        return engines.register(engine_class(name=name, description="test"))

    yield register
    for name in registered:
        engines.unregister(name)


def test_a_job_past_its_timeout_fails_saying_so(alice, asset, run_worker, test_engine, settings, media_root,
                                                django_capture_on_commit_callbacks):
    test_engine(_SleepyEngine, "sleepy")
    settings.REPAIR_JOB_TIMEOUT = 1
    job = _submit(alice, asset.latest_version(), engine="sleepy", capture=django_capture_on_commit_callbacks)
    run_worker()
    job.refresh_from_db()
    assert job.status == RepairJob.FAILED and job.error == "timed out after 1 s"
    assert Version.objects.filter(asset=asset).count() == 1
    assert not [p for p in media_root.rglob(".tmp-*")]


def test_a_transient_failure_is_retried_with_backoff(alice, asset, run_worker, test_engine, redis_conn,
                                                     django_capture_on_commit_callbacks):
    from rq.registry import ScheduledJobRegistry

    _FlakyEngine.calls = 0
    test_engine(_FlakyEngine, "flaky")
    job = _submit(alice, asset.latest_version(), engine="flaky", capture=django_capture_on_commit_callbacks)
    run_worker()
    job.refresh_from_db()
    assert job.status == RepairJob.QUEUED and job.attempts == 1
    assert job.events.last().message.startswith("attempt 1 failed (OSError: disk briefly unavailable); retrying")
    registry = ScheduledJobRegistry("repair", connection=redis_conn)
    assert job.rq_job_id in registry.get_job_ids()
    # Measured from when the attempt failed, not from now: under load the burst worker can
    # take longer than the whole backoff to return (a delay of -56 s was seen at load 12).
    failed_at = job.events.last().at
    delay = (registry.get_scheduled_time(job.rq_job_id) - failed_at).total_seconds()
    assert 3 < delay <= jobs.RETRY_INTERVALS[0] + 1  # backoff, not an immediate hammering


def test_a_retried_job_succeeds_on_its_next_attempt_with_one_version(
    alice, asset, run_worker, test_engine, monkeypatch, django_capture_on_commit_callbacks
):
    _FlakyEngine.calls = 0
    test_engine(_FlakyEngine, "flaky")
    monkeypatch.setattr(jobs, "RETRY_INTERVALS", [0])  # retry at once so one burst sees both attempts
    job = _submit(alice, asset.latest_version(), engine="flaky", capture=django_capture_on_commit_callbacks)
    run_worker()
    job.refresh_from_db()
    assert job.status == RepairJob.SUCCEEDED and job.attempts == 2
    assert Version.objects.filter(asset=asset).count() == 2
    assert list(job.events.exclude(to_status="").values_list("to_status", flat=True)) == [
        "queued", "running", "queued", "running", "succeeded"]


def _run_forking_worker():
    """The deployed worker class, forking a work-horse per job, in this process."""
    import django_rq
    from django.db import connections
    from rq.serializers import JSONSerializer

    connections.close_all()  # the work-horse must open its own connection
    worker = django_rq.get_worker("repair", serializer=JSONSerializer)
    worker.work(burst=True)
    connections.close_all()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_killed_work_horse_fails_the_job_saying_the_worker_died(alice, redis_conn, test_engine, settings, tmp_path, media_root):
    _DyingEngine.marker = tmp_path / "marker"
    test_engine(_DyingEngine, "dying")
    settings.REPAIR_MAX_RETRIES = 0
    asset = services.asset_create(owner=alice, data=photo_bytes(0), file_name="x.jpg")
    job = services.repair_create(user=alice, version=asset.latest_version(),
                                         mask_data=mask_png(512, 512, (5, 5, 40, 40)), engine="dying")
    _run_forking_worker()
    job.refresh_from_db()
    assert job.status == RepairJob.FAILED and job.error == "worker died while running the repair"
    assert Version.objects.filter(asset=asset).count() == 1
    assert not list(media_root.rglob(".tmp-*"))


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_killed_work_horse_is_retried_and_makes_exactly_one_version(alice, redis_conn, test_engine, monkeypatch, tmp_path):
    _DyingEngine.marker = tmp_path / "marker"
    test_engine(_DyingEngine, "dying")
    monkeypatch.setattr(jobs, "RETRY_INTERVALS", [0])
    asset = services.asset_create(owner=alice, data=photo_bytes(0), file_name="x.jpg")
    job = services.repair_create(user=alice, version=asset.latest_version(),
                                         mask_data=mask_png(512, 512, (5, 5, 40, 40)), engine="dying")
    _run_forking_worker()
    job.refresh_from_db()
    assert job.status == RepairJob.SUCCEEDED and job.attempts == 2
    assert Version.objects.filter(asset=asset).count() == 2
    assert job.events.filter(message__startswith="worker died during attempt 1; retrying").exists()


def test_the_sweep_enqueues_a_job_redis_never_got(alice, asset, settings, run_worker, django_capture_on_commit_callbacks):
    real_queues = settings.RQ_QUEUES
    settings.RQ_QUEUES = {"repair": {**real_queues["repair"], "URL": "redis://127.0.0.1:1/0"}}
    job = _submit(alice, asset.latest_version(), capture=django_capture_on_commit_callbacks)
    from django.utils import timezone

    assert jobs.sweep(stuck_before=timezone.now())["redis_up"] is False  # still down: nothing lost
    settings.RQ_QUEUES = real_queues  # Redis is back
    django_rq_conn = __import__("django_rq").get_connection("repair")
    django_rq_conn.flushdb()
    assert jobs.sweep(stuck_before=timezone.now())["requeued"] == 1
    assert jobs.sweep(stuck_before=timezone.now())["requeued"] == 0  # already held: not sent twice
    run_worker()
    job.refresh_from_db()
    assert job.status == RepairJob.SUCCEEDED


def test_the_sweep_recovers_a_job_stuck_in_running(alice, asset, redis_conn, run_worker, django_capture_on_commit_callbacks):
    from datetime import timedelta

    from django.utils import timezone

    job = _submit(alice, asset.latest_version(), capture=django_capture_on_commit_callbacks)
    # As if a worker claimed it and was then killed outright, long ago.
    RepairJob.objects.filter(pk=job.pk).update(status=RepairJob.RUNNING, attempts=1,
                                               started_at=timezone.now() - timedelta(hours=1))
    report = jobs.sweep(stuck_before=timezone.now() - timedelta(minutes=5))
    assert report["recovered"] == 1 and report["requeued"] == 1
    run_worker()
    job.refresh_from_db()
    assert job.status == RepairJob.SUCCEEDED and Version.objects.filter(asset=asset).count() == 2


def test_the_sweep_fails_a_stuck_job_that_used_all_its_attempts(alice, asset, redis_conn, settings,
                                                                django_capture_on_commit_callbacks):
    from datetime import timedelta

    from django.utils import timezone

    job = _submit(alice, asset.latest_version(), capture=django_capture_on_commit_callbacks)
    RepairJob.objects.filter(pk=job.pk).update(status=RepairJob.RUNNING, attempts=1 + settings.REPAIR_MAX_RETRIES,
                                               started_at=timezone.now() - timedelta(hours=1))
    assert jobs.sweep(stuck_before=timezone.now() - timedelta(minutes=5))["failed"] == 1
    job.refresh_from_db()
    assert job.status == RepairJob.FAILED and job.error.startswith("worker lost")


class _GreedyEngine(Engine):
    def _fill(self, image, mask, *, seed):
        hog = np.ones((4 * 1024, 1024, 1024), np.uint8)  # 4 GiB
        return image + hog[0, 0, 0]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_job_past_the_memory_ceiling_fails_and_the_worker_survives(alice, redis_conn, test_engine, settings):
    test_engine(_GreedyEngine, "greedy")
    with open("/proc/self/status") as fh:
        vm_kb = next(int(line.split()[1]) for line in fh if line.startswith("VmSize:"))
    settings.REPAIR_MEMORY_LIMIT_MB = vm_kb // 1024 + 1024  # room to work, not for 4 GiB more
    asset = services.asset_create(owner=alice, data=photo_bytes(0), file_name="x.jpg")
    job = services.repair_create(user=alice, version=asset.latest_version(),
                                         mask_data=mask_png(512, 512, (5, 5, 40, 40)), engine="greedy")
    ok = services.repair_create(user=alice, version=asset.latest_version(),
                                        mask_data=mask_png(512, 512, (5, 5, 40, 40)), engine="telea")
    _run_forking_worker()
    job.refresh_from_db()
    ok.refresh_from_db()
    assert job.status == RepairJob.FAILED and job.error.startswith("ran out of memory")
    assert ok.status == RepairJob.SUCCEEDED  # the next job on the same worker ran normally


# ---------------------------------------------------------------- every colour mode, end to end


def _photo(mode: str) -> tuple[bytes, str]:
    from tests.conftest import encode, textured_rgb

    rgb = textured_rgb(96, 64)
    img = Image.fromarray(rgb)
    if mode == "cmyk-jpeg":
        return encode(img.convert("CMYK"), "JPEG", quality=95), "CMYK JPEG"
    if mode == "png16":
        grey16 = (np.asarray(img.convert("L")).astype(np.uint16) * 257)
        return encode(Image.fromarray(grey16)), "16-bit grey PNG"
    if mode == "grey":
        return encode(img.convert("L")), "greyscale PNG"
    if mode == "palette-transparent":
        pal = img.convert("P", palette=Image.Palette.ADAPTIVE)
        return encode(pal, transparency=0), "palette PNG with transparency"
    if mode == "rgba":
        alpha = np.tile(np.linspace(10, 250, 96, dtype=np.uint8), (64, 1))
        return encode(Image.fromarray(np.dstack([rgb, alpha]), "RGBA")), "RGBA PNG"
    raise AssertionError(mode)


@pytest.mark.parametrize("mode", ["cmyk-jpeg", "png16", "grey", "palette-transparent", "rgba"])
def test_every_colour_mode_is_repaired_and_alpha_comes_back_unchanged(
    alice, run_worker, mode, django_capture_on_commit_callbacks
):
    data, label = _photo(mode)
    asset = services.asset_create(owner=alice, data=data, file_name=f"{mode}.png")
    base = asset.latest_version()
    job = _submit(alice, base, box=(30, 20, 60, 40), capture=django_capture_on_commit_callbacks)
    run_worker()
    job.refresh_from_db()
    assert job.status == RepairJob.SUCCEEDED, (label, job.error)
    before = imaging.decode_photo(_read(base.file))
    after = imaging.decode_photo(_read(job.result_version.file))
    assert after.rgb.shape == (64, 96, 3)
    changed = np.any(before.rgb != after.rgb, axis=2)
    painted = np.zeros((64, 96), np.uint8)
    painted[20:40, 30:60] = 255
    assert changed[painted > 0].any() and not changed[imaging.dilate_mask(painted, pipeline.DEFAULT_DILATE) == 0].any()
    if before.alpha is not None:
        assert after.alpha is not None and np.array_equal(before.alpha, after.alpha), label


def test_a_phone_photo_with_exif_orientation_6_is_repaired_upright(alice, run_worker, django_capture_on_commit_callbacks):
    from tests.conftest import encode, textured_rgb

    exif = Image.Exif()
    exif[0x0112] = 6  # stored landscape, shown rotated 90° clockwise: upright it is portrait
    data = encode(Image.fromarray(textured_rgb(120, 80)), "JPEG", exif=exif.tobytes(), quality=95)
    asset = services.asset_create(owner=alice, data=data, file_name="phone.jpg")
    assert (asset.width, asset.height) == (80, 120)
    base = asset.latest_version()
    # The mask is drawn on the upright view: 80 wide, 120 tall.
    job = _submit(alice, base, box=(10, 70, 40, 110), capture=django_capture_on_commit_callbacks)
    run_worker()
    job.refresh_from_db()
    assert job.status == RepairJob.SUCCEEDED, job.error
    before = imaging.decode_photo(_read(base.file)).rgb
    after = imaging.decode_photo(_read(job.result_version.file)).rgb
    assert after.shape == (120, 80, 3)
    changed = np.any(before != after, axis=2)
    assert changed[70:110, 10:40].any() and not changed[:60, :].any()


def test_a_mask_for_the_sideways_view_of_a_phone_photo_is_refused_naming_both_sizes(alice):
    from tests.conftest import encode, textured_rgb

    exif = Image.Exif()
    exif[0x0112] = 6
    data = encode(Image.fromarray(textured_rgb(120, 80)), "JPEG", exif=exif.tobytes())
    asset = services.asset_create(owner=alice, data=data, file_name="phone.jpg")
    with pytest.raises(imaging.ImageError, match="mask is 120×80 but the photo is 80×120"):
        services.repair_create(user=alice, version=asset.latest_version(),
                                       mask_data=mask_png(120, 80, (1, 1, 9, 9)))


def test_the_sweep_resends_a_retry_whose_scheduler_is_gone(
    alice, asset, redis_conn, run_worker, test_engine, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone
    from rq.registry import ScheduledJobRegistry

    _FlakyEngine.calls = 0
    test_engine(_FlakyEngine, "flaky")
    job = _submit(alice, asset.latest_version(), engine="flaky", capture=django_capture_on_commit_callbacks)
    run_worker()  # attempt 1 fails; the retry is scheduled 5 s ahead
    job.refresh_from_db()
    assert jobs.sweep(stuck_before=timezone.now())["requeued"] == 0  # a scheduled retry is still held
    # No scheduler ever picks it up: make it long overdue.
    registry = ScheduledJobRegistry("repair", connection=redis_conn)
    redis_conn.zadd(registry.key, {job.rq_job_id: (timezone.now() - timedelta(minutes=10)).timestamp()})
    assert jobs.sweep(stuck_before=timezone.now())["requeued"] == 1
    run_worker()
    job.refresh_from_db()
    assert job.status == RepairJob.SUCCEEDED and Version.objects.filter(made_by_job=job).count() == 1
