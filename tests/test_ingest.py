"""`manage.py ingest`: photos and masks (tests/photos.py) into assets and queued jobs, interrupted
and resumed, then followed to the end with --wait."""

import io

import pytest
from django.core.management import CommandError, call_command

from repairapp import services
from repairapp.models import Asset, IngestItem, RepairJob
from tests.photos import photo_folder

# Committed data for the live server and the worker; serialized rollback puts back
# what migrations made (role groups, content types) for the tests that follow.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

COUNT = 6


@pytest.fixture
def folder(tmp_path):
    photos, masks = tmp_path / "photos", tmp_path / "masks"
    photo_folder(photos, COUNT, masks)
    return photos, masks


def ingest(photos, *args, **options):
    out, err = io.StringIO(), io.StringIO()
    call_command("ingest", str(photos), *args, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def test_an_interrupted_ingest_resumes_and_every_photo_ends_with_one_job(
    folder, alice, run_worker, monkeypatch
):
    photos, masks = folder
    real = services.repair_create
    calls = []

    def interrupted_after_three(**kwargs):
        calls.append(kwargs["file_name"])
        if len(calls) == 4:
            raise KeyboardInterrupt  # Ctrl-C in the middle of the fourth photo
        return real(**kwargs)

    monkeypatch.setattr(services, "repair_create", interrupted_after_three)
    with pytest.raises(KeyboardInterrupt):
        ingest(photos, "--masks", str(masks), "--engine", "telea", "--user", "alice")
    assert RepairJob.objects.count() == IngestItem.objects.count() == Asset.objects.count() == 3

    monkeypatch.setattr(services, "repair_create", real)
    out, _ = ingest(photos, "--masks", str(masks), "--engine", "telea", "--user", "alice")
    assert f"3 queued, 3 skipped (already in), 0 refused, {COUNT} photos" in out

    assert run_worker() == COUNT  # the first run's jobs were queued on commit, before the interruption
    names = sorted(p.name for p in photos.iterdir())
    assert sorted(IngestItem.objects.values_list("source_name", flat=True)) == names
    assert sorted(RepairJob.objects.values_list("asset__original_name", flat=True)) == names
    assert set(RepairJob.objects.values_list("status", flat=True)) == {RepairJob.SUCCEEDED}
    assert all(job.engine == "telea" and job.asset.owner == alice for job in RepairJob.objects.all())

    # Once more, waiting: nothing new, and the report covers every job of the folder.
    out, _ = ingest(photos, "--masks", str(masks), "--engine", "telea", "--user", "alice", "--wait", "--poll", "0.1")
    assert f"0 queued, {COUNT} skipped (already in)" in out
    assert f"{COUNT} succeeded, 0 failed; latency (queued -> finished) median" in out and "p95" in out
    assert RepairJob.objects.count() == COUNT


def test_other_parameters_are_another_repair(folder, alice, redis_conn):
    photos, masks = folder
    ingest(photos, "--masks", str(masks), "--engine", "telea", "--user", "alice")
    out, _ = ingest(photos, "--masks", str(masks), "--engine", "ns", "--user", "alice")
    assert f"{COUNT} queued, 0 skipped" in out
    assert RepairJob.objects.count() == 2 * COUNT


def test_refused_photos_are_listed_with_their_reasons_and_the_rest_go_in(folder, alice, redis_conn):
    photos, masks = folder
    first = sorted(photos.glob("*.jpg"))[0]  # a good photo whose mask goes missing
    (photos / "notes.jpg").write_text("not a photo")
    (masks / "notes.png").write_bytes((masks / f"{first.stem}.png").read_bytes())
    (masks / f"{first.stem}.png").unlink()
    with pytest.raises(SystemExit) as exited:
        ingest(photos, "--masks", str(masks), "--engine", "telea", "--user", "alice")
    assert exited.value.code == 1
    assert IngestItem.objects.count() == COUNT - 1 and Asset.objects.count() == COUNT - 1
    assert not Asset.objects.filter(original_name__in=["notes.jpg", first.name]).exists()


def test_refusals_are_reported(folder, alice, redis_conn):
    photos, masks = folder
    (photos / "notes.jpg").write_text("not a photo")
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(SystemExit):
        call_command("ingest", str(photos), "--masks", str(masks), "--user", "alice", "--engine", "telea",
                     stdout=out, stderr=err)
    assert "REFUSED notes.jpg: no mask named notes.png" in err.getvalue()
    assert f"{COUNT} queued, 0 skipped (already in), 1 refused" in out.getvalue()


@pytest.mark.parametrize("args, message", [
    (["--engine", "magic"], "unknown engine 'magic'"),
    ([], "--masks DIR is needed"),
    (["--masks", "/nowhere"], "--masks /nowhere: no such folder"),
    (["--masks", "/tmp", "--user", "nobody"], "no user named 'nobody'"),
])
def test_bad_arguments_stop_before_anything_is_stored(folder, alice, args, message):
    with pytest.raises(CommandError, match=message):
        ingest(folder[0], "--user", "alice", *args) if "--user" not in args else ingest(folder[0], *args)
    assert not Asset.objects.exists()


def test_submit_waits_then_sends_each_repaired_version_to_review_once(folder, alice, run_worker):
    from repairapp.models import Review

    photos, masks = folder
    out, _ = ingest(photos, "--masks", str(masks), "--engine", "telea", "--user", "alice")
    assert f"{COUNT} queued" in out and not Review.objects.exclude(state=Review.DRAFT).exists()
    assert run_worker() == COUNT
    out, _ = ingest(photos, "--masks", str(masks), "--engine", "telea", "--user", "alice", "--submit",
                    "--note", "batch 7", "--poll", "0.1")
    assert f"{COUNT} succeeded, 0 failed" in out
    assert f"{COUNT} submitted for review, 0 already submitted or decided" in out
    reviews = Review.objects.filter(version__made_by_job__in=RepairJob.objects.all())
    assert reviews.count() == COUNT
    assert set(reviews.values_list("state", "note", "submitted_by")) == {(Review.PENDING, "batch 7", alice.pk)}
    # Run again: nothing is submitted twice.
    out, _ = ingest(photos, "--masks", str(masks), "--engine", "telea", "--user", "alice", "--submit", "--poll", "0.1")
    assert f"0 submitted for review, {COUNT} already submitted or decided" in out
    assert set(reviews.values_list("note", flat=True)) == {"batch 7"}


def test_a_note_without_submit_is_refused(folder, alice):
    with pytest.raises(CommandError, match="--note goes with --submit"):
        ingest(folder[0], "--masks", str(folder[1]), "--user", "alice", "--note", "x")
    assert not Asset.objects.exists()
