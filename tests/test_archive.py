"""Archiving hides a photo and keeps its files; a purge after the retention period removes
the files and keeps every row of its history."""

from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from repairapp import services
from repairapp.models import Asset, Event, Version
from tests.conftest import make_asset, make_version

pytestmark = pytest.mark.django_db


@pytest.fixture
def version(alice, run_worker, django_capture_on_commit_callbacks):
    return make_version(alice, run_worker, django_capture_on_commit_callbacks)


def _files(asset):
    names = [asset.original_file.name]
    for v in asset.versions.all():
        names += [v.file.name, v.thumbnail.name] + ([v.diff_file.name] if v.diff_file else [])
    names += [job.mask_file.name for job in asset.jobs.all()]
    return names


def _age_archive(asset, days):
    Asset.objects.filter(pk=asset.pk).update(archived_at=timezone.now() - timedelta(days=days))


def test_the_owner_archives_a_photo_it_leaves_every_list_and_its_files_stay(client, alice, version):
    asset = version.asset
    client.force_login(alice)
    assert client.get(reverse("editor", args=[asset.pk])).content.count(b'id="archive"') == 1
    response = client.post(reverse("asset-archive", args=[asset.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("asset-list")
    asset.refresh_from_db()
    assert asset.archived_at is not None and asset.archived_by == alice and asset.purged_at is None
    page = client.get(reverse("asset-list")).content.decode()
    assert "Archived mug.jpg" in page and 'class="asset-card"' not in page
    assert client.get(reverse("editor", args=[asset.pk])).status_code == 404
    assert all(default_storage.exists(name) for name in _files(asset))
    event = Event.objects.get(kind=Event.ASSET_ARCHIVED)
    assert event.actor == alice and event.asset == asset
    # Twice is refused with a message, and recorded once.
    with pytest.raises(services.ArchiveError, match="already archived"):
        services.asset_archive(user=alice, asset=asset)
    assert Event.objects.filter(kind=Event.ASSET_ARCHIVED).count() == 1


def test_another_creator_cannot_archive_and_a_moderator_is_refused(client, bob, moderator, alice, version):
    services.version_submit(user=alice, version=version)
    client.force_login(bob)
    assert client.post(reverse("asset-archive", args=[version.asset_id])).status_code == 404
    client.force_login(moderator)
    assert client.post(reverse("asset-archive", args=[version.asset_id])).status_code == 403
    assert Asset.objects.get().archived_at is None


def test_an_admin_archives_anyones_photo_and_still_reads_its_timeline(client, admin_user, alice, version):
    services.version_submit(user=alice, version=version)
    client.force_login(admin_user)
    response = client.post(reverse("asset-archive", args=[version.asset_id]), {"next": "history"})
    assert response["Location"] == reverse("asset-history", args=[version.asset_id])
    page = client.get(reverse("asset-history", args=[version.asset_id])).content.decode()
    assert "Archived by ad" in page
    assert client.get(reverse("version-thumb", args=[version.pk])).status_code == 200
    # Gone from the review queue and the photo list.
    assert b"mug.jpg" not in client.get(reverse("review-queue")).content
    assert b'class="asset-card"' not in client.get(reverse("asset-list")).content


def test_originals_are_never_purged_before_the_retention_period(settings, alice, version):
    settings.ARCHIVE_RETENTION_DAYS = 30
    asset = services.asset_archive(user=alice, asset=version.asset)
    _age_archive(asset, 29)
    call_command("purge_archived")
    asset.refresh_from_db()
    assert asset.purged_at is None and all(default_storage.exists(n) for n in _files(asset))
    with pytest.raises(services.ArchiveError, match="less than 30 days"):
        services.asset_purge(asset=asset)
    assert all(default_storage.exists(n) for n in _files(asset))
    # Nor a photo that is not archived at all, however old.
    other = make_asset(alice, "old.jpg", index=1)
    Asset.objects.filter(pk=other.pk).update(created_at=timezone.now() - timedelta(days=400))
    with pytest.raises(services.ArchiveError, match="not archived"):
        services.asset_purge(asset=other)
    assert default_storage.exists(other.original_file.name)


def test_purge_removes_the_files_and_keeps_every_history_row(settings, alice, version, django_capture_on_commit_callbacks):
    settings.ARCHIVE_RETENTION_DAYS = 30
    asset = services.asset_archive(user=alice, asset=version.asset)
    files = _files(asset)
    events_before = list(Event.objects.filter(asset=asset).values_list("pk", flat=True))
    _age_archive(asset, 31)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("purge_archived")
    asset.refresh_from_db()
    assert asset.purged_at is not None
    assert not any(default_storage.exists(n) for n in files)
    # Every row stays: the photo, its versions, and every history row plus the purge.
    assert Version.objects.filter(asset=asset).count() == 2
    assert set(events_before) <= set(Event.objects.filter(asset=asset).values_list("pk", flat=True))
    purge = Event.objects.get(kind=Event.ASSET_PURGED, asset=asset)
    assert purge.data["files_removed"] == len(files)
    # A second run finds nothing to do.
    with pytest.raises(services.ArchiveError, match="already purged"):
        services.asset_purge(asset=asset)


def test_an_admin_purges_from_django_admin_only_past_the_retention_period(client, settings, admin_user, alice, version,
                                                                          django_capture_on_commit_callbacks):
    settings.ARCHIVE_RETENTION_DAYS = 30
    asset = services.asset_archive(user=alice, asset=version.asset)
    files = _files(asset)
    client.force_login(admin_user)
    url = reverse("admin:repairapp_asset_changelist")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"action": "purge", "_selected_action": [asset.pk]}, follow=True)
    assert "less than 30 days" in response.content.decode()
    asset.refresh_from_db()
    assert asset.purged_at is None and all(default_storage.exists(n) for n in files)
    _age_archive(asset, 31)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"action": "purge", "_selected_action": [asset.pk]})
    asset.refresh_from_db()
    assert asset.purged_at is not None and not any(default_storage.exists(n) for n in files)
    assert Event.objects.get(kind=Event.ASSET_PURGED).actor == admin_user


def test_an_archived_photo_is_gone_from_the_api_too(client, alice, version):
    from repairapp.tokens import token_create

    _, secret = token_create(user=alice, name="script")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    assert len(client.get("/api/v1/assets", **auth).json()["results"]) == 1
    services.asset_archive(user=alice, asset=version.asset)
    assert client.get("/api/v1/assets", **auth).json()["results"] == []
    assert client.get(f"/api/v1/assets/{version.asset_id}", **auth).status_code == 404
