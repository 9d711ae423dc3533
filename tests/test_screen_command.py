"""The backfill of the upload screen: `manage.py screen --unscreened` (queued on a real
rq worker, or in this process with --here) and the sweep queueing the screen of photos
whose upload never queued one (Redis was down, or they came before screening)."""

import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from PIL import Image

from repairapp import jobs, services
from repairapp.models import Asset, Event
from tests.conftest import encode, photo_bytes
from tests.engines.test_textdetect import overlay
from tests.photos import scene_rgb

pytestmark = pytest.mark.django_db

CAPTION = "SALE 49.99 TODAY"
DOWN = "redis://127.0.0.1:1/0"  # nothing listens on port 1: a real refused connection


def _captioned() -> bytes:
    img, _ = overlay(scene_rgb(3), CAPTION, (60, 300), (255, 255, 255), scale=1.0)
    return encode(Image.fromarray(img))


@pytest.fixture
def unscreened(alice):
    """Two photos never screened (the test settings turn screening on upload off), one
    screened already and one archived: (captioned, clean)."""
    stamped = services.asset_create(owner=alice, data=_captioned(), file_name="sale.png")
    clean = services.asset_create(owner=alice, data=photo_bytes(0), file_name="mug.jpg")
    services.asset_create(owner=alice, data=photo_bytes(1), file_name="done.jpg").record_screen([])
    archived = services.asset_create(owner=alice, data=photo_bytes(2), file_name="gone.jpg")
    services.asset_archive(user=alice, asset=archived)
    return stamped, clean


def _run(*args) -> str:
    out = io.StringIO()
    call_command("screen", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_it_queues_the_unscreened_photos_and_a_real_worker_screens_them(unscreened, run_worker):
    stamped, clean = unscreened
    assert "Queued 2 of 2 unscreened photos" in _run("--unscreened")
    # Asked again before the worker ran: Redis holds both, none is queued twice.
    again = _run("--unscreened")
    assert "Queued 0 of 2" in again and "2 already queued or running" in again
    assert run_worker() == 2
    stamped.refresh_from_db()
    clean.refresh_from_db()
    assert stamped.text_found == [CAPTION] and stamped.text_screened_at
    assert clean.text_found == [] and clean.text_screened_at
    assert Event.objects.filter(kind=Event.ASSET_SCREENED).count() == 3  # with the one screened before
    assert Asset.objects.get(original_name="gone.jpg").text_screened_at is None  # archived: left alone
    assert "nothing to do" in _run("--unscreened")


def test_here_screens_them_in_this_process_without_redis(unscreened, settings, redis_conn):
    stamped, clean = unscreened
    settings.RQ_QUEUES = {"repair": {**settings.RQ_QUEUES["repair"], "URL": DOWN}}
    out = _run("--unscreened", "--here")
    assert f"#{stamped.pk} sale.png: text found: {CAPTION}" in out and f"#{clean.pk} mug.jpg: no text" in out
    assert "Screened 2 photos: text found on 1, none on 1." in out
    stamped.refresh_from_db()
    assert stamped.text_found == [CAPTION]


def test_limit_takes_the_oldest_first(unscreened, redis_conn):
    stamped, clean = unscreened
    assert "Queued 1 of 1" in _run("--unscreened", "--limit", "1")
    assert [job.args for job in jobs.django_rq.get_queue(jobs.QUEUE_NAME).jobs] == [[stamped.pk]]


def test_with_redis_down_it_says_so_and_queues_nothing(unscreened, settings):
    settings.RQ_QUEUES = {"repair": {**settings.RQ_QUEUES["repair"], "URL": DOWN}}
    with pytest.raises(CommandError, match="Redis is unreachable.*nothing was queued.*--here"):
        _run("--unscreened")
    assert Asset.objects.filter(text_screened_at=None).count() == 3


@pytest.mark.parametrize("args, message", [
    ([], "--unscreened"),
    (["--unscreened", "--limit", "0"], "--limit must be 1 or more"),
])
def test_it_refuses_bad_arguments(args, message):
    with pytest.raises(CommandError, match=message):
        _run(*args)


def test_a_photo_whose_file_is_gone_is_reported_and_the_rest_screened(unscreened):
    stamped, clean = unscreened
    clean.versions.get().file.storage.delete(clean.versions.get().file.name)
    err = io.StringIO()
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 photos could not be screened"):
        call_command("screen", "--unscreened", "--here", stdout=out, stderr=err)
    assert f"#{clean.pk} mug.jpg" in err.getvalue() and "text found on 1, none on 0; 1 failed" in out.getvalue()
    stamped.refresh_from_db()
    clean.refresh_from_db()
    assert stamped.text_found == [CAPTION] and clean.text_screened_at is None


# ---------------------------------------------------------------- the sweep


def test_the_sweep_queues_the_screen_of_a_photo_its_upload_never_queued(alice, settings, run_worker, redis_conn):
    settings.TEXT_SCREEN_ON_UPLOAD = True
    real_queues = settings.RQ_QUEUES
    settings.RQ_QUEUES = {"repair": {**real_queues["repair"], "URL": DOWN}}
    # Uploaded while Redis was down (in this test its on-commit enqueue never runs at all).
    missed = services.asset_create(owner=alice, data=_captioned(), file_name="sale.png")
    Asset.objects.filter(pk=missed.pk).update(created_at=timezone.now() - timedelta(seconds=jobs.SCREEN_GRACE + 5))
    fresh = services.asset_create(owner=alice, data=photo_bytes(0), file_name="new.jpg")  # its upload's screen is due
    assert jobs.sweep(stuck_before=timezone.now())["redis_up"] is False  # still down: nothing lost

    settings.RQ_QUEUES = real_queues  # Redis is back
    out = io.StringIO()
    call_command("sweep", stdout=out)
    assert "queued 1 screens" in out.getvalue()
    assert jobs.sweep(stuck_before=timezone.now())["screens_queued"] == 0  # Redis holds it: not twice
    assert run_worker() == 1
    missed.refresh_from_db()
    fresh.refresh_from_db()
    assert missed.text_found == [CAPTION] and fresh.text_screened_at is None
    assert jobs.sweep(stuck_before=timezone.now())["screens_queued"] == 0  # screened: done


def test_the_sweep_leaves_screening_alone_when_it_is_turned_off(alice, settings, redis_conn):
    settings.TEXT_SCREEN_ON_UPLOAD = False
    asset = services.asset_create(owner=alice, data=photo_bytes(0), file_name="mug.jpg")
    Asset.objects.filter(pk=asset.pk).update(created_at=timezone.now() - timedelta(hours=1))
    assert jobs.sweep(stuck_before=timezone.now())["screens_queued"] == 0
    assert jobs.django_rq.get_queue(jobs.QUEUE_NAME).count == 0

