"""A queued job's place, as its user sees it: among their own jobs, with the jobs of
everyone ahead counted and an estimate from how long recent jobs took."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from repairapp import services
from repairapp.models import RepairJob
from tests.conftest import mask_png
from tests.photos import photo_bytes

pytestmark = pytest.mark.django_db


def queue(user, count):
    asset = services.asset_create(owner=user, data=photo_bytes(0), file_name="p.jpg")
    return [services.repair_create(user=user, version=asset.latest_version(),
                                           mask_data=mask_png(512, 512, (10, 10, 50, 50)), engine="telea")
            for _ in range(count)]


def test_a_user_sees_their_own_place_and_how_many_run_first(client, alice, bob, redis_conn):
    queue(bob, 3)
    first, second = queue(alice, 2)
    client.force_login(alice)
    body = client.get(reverse("job-status", args=[second.pk])).json()
    assert (body["queue_position"], body["jobs_ahead"]) == (2, 4)  # 3 of bob's and alice's first
    assert body["estimated_seconds"] is None  # no job has finished yet: no guess
    assert client.get(reverse("job-status", args=[first.pk])).json()["queue_position"] == 1


def test_the_estimate_comes_from_recent_jobs_durations(client, alice, bob, redis_conn):
    done = queue(bob, 1)[0]
    start = timezone.now() - timedelta(minutes=5)
    RepairJob.objects.filter(pk=done.pk).update(status=RepairJob.SUCCEEDED, started_at=start,
                                                finished_at=start + timedelta(seconds=10))
    queue(bob, 2)
    mine = queue(alice, 1)[0]
    client.force_login(alice)
    body = client.get(reverse("job-status", args=[mine.pk])).json()
    # Two jobs ahead and this one, 10 s each, on the one worker there is at most.
    assert body["queue_position"] == 1 and body["jobs_ahead"] == 2 and body["estimated_seconds"] == 30
