"""The admins' history: every event, filterable, paginated, exportable, and never editable."""

import csv
import io

import pytest
from django.urls import reverse

from repairapp import services
from repairapp.models import Event, ImmutableError

pytestmark = pytest.mark.django_db


def test_the_history_records_every_step_of_a_repair_and_review(alice, moderator, repaired):
    services.version_submit(user=alice, version=repaired, note="please check")
    services.review_decide(user=moderator, version=repaired, decision="reject", comment="seam visible")
    kinds = list(Event.objects.filter(asset=repaired.asset).order_by("at", "id").values_list("kind", flat=True))
    assert kinds == ["asset.uploaded", "mask.submitted", "job.queued", "job.running", "version.created",
                     "job.succeeded", "version.submitted", "version.rejected"]
    done = Event.objects.get(kind="job.succeeded")
    assert done.data["engine"] == "telea" and done.data["timings"]["engine"] >= 0 and done.actor is None
    assert Event.objects.get(kind="version.rejected").message == "seam visible"


def test_admin_filters_the_global_history(client, alice, admin_user, repaired):
    client.force_login(admin_user)
    html = client.get(reverse("history")).content.decode()
    assert 'id="history"' in html and 'data-kind="job.succeeded"' in html
    html = client.get(reverse("history") + "?kind=asset.uploaded").content.decode()
    assert 'data-kind="asset.uploaded"' in html and 'data-kind="job.succeeded"' not in html
    html = client.get(reverse("history") + "?engine=ns").content.decode()
    assert 'data-kind="job.succeeded"' not in html
    html = client.get(reverse("history") + f"?asset={repaired.asset_id}&user=alice").content.decode()
    assert 'data-kind="mask.submitted"' in html
    html = client.get(reverse("history") + "?from=2001-01-01&to=2001-01-02").content.decode()
    assert "data-kind=" not in html


def test_history_exports_csv_with_the_same_filters(client, admin_user, repaired):
    client.force_login(admin_user)
    response = client.get(reverse("history") + "?kind=job.succeeded&format=csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["at", "kind", "actor"] and len(rows) == 2
    assert rows[1][1] == "job.succeeded" and rows[1][7] == "telea"


def test_history_paginates(client, admin_user, alice):
    for i in range(3):
        services.asset_create(owner=alice, data=__import__("tests.conftest", fromlist=["x"]).photo_bytes(i), file_name=f"{i}.jpg")
    from repairapp.front import history as views

    client.force_login(admin_user)
    views.HISTORY_PAGE_SIZE, saved = 2, views.HISTORY_PAGE_SIZE
    try:
        first = client.get(reverse("history")).content.decode()
        second = client.get(reverse("history") + "?page=2").content.decode()
    finally:
        views.HISTORY_PAGE_SIZE = saved
    assert first.count("data-kind=") == 2 and second.count("data-kind=") >= 1


def test_asset_timeline_shows_versions_and_their_diffs(client, admin_user, repaired):
    client.force_login(admin_user)
    html = client.get(reverse("asset-history", args=[repaired.asset_id])).content.decode()
    assert reverse("version-thumb", args=[repaired.pk]) in html
    assert reverse("version-diff", args=[repaired.pk]) in html
    assert "version.created" in html or "Version created" in html or "created" in html


def test_history_rows_cannot_be_changed_or_deleted(repaired, admin_user, rf):
    from django.contrib.admin.sites import site

    event = Event.objects.first()
    event.message = "rewritten"
    with pytest.raises(ImmutableError):
        event.save()
    with pytest.raises(ImmutableError):
        event.delete()
    request = rf.get("/")
    request.user = admin_user
    model_admin = site._registry[Event]
    assert not model_admin.has_change_permission(request, event)
    assert not model_admin.has_delete_permission(request, event)
    assert not model_admin.has_add_permission(request)


def test_the_count_of_filtered_events_agrees_in_number(client, admin_user, repaired):
    client.force_login(admin_user)
    html = client.get(reverse("history") + "?kind=job.succeeded").content.decode()
    assert "1 event matches the filters" in html
    html = client.get(reverse("history") + "?kind=job.running").content.decode()
    assert "1 event matches the filters" in html
    html = client.get(reverse("history") + f"?asset={repaired.asset_id}").content.decode()
    assert "6 events match the filters" in html
