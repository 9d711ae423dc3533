"""Who may see and do what, for every view: creators (owner and outsider), moderator, admin."""

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from repairapp import services
from repairapp.models import Event, RepairJob
from repairapp.roles import role_of, set_role
from tests.conftest import mask_png

pytestmark = pytest.mark.django_db


def _as(client, user):
    client.force_login(user)
    return client


def _media_urls(version):
    return [
        reverse("version-image", args=[version.pk]), reverse("version-thumb", args=[version.pk]),
        reverse("version-diff", args=[version.pk]), reverse("job-mask", args=[version.made_by_job_id]),
        reverse("job-status", args=[version.made_by_job_id]), reverse("version-image", args=[version.parent_id]),
    ]


def test_owner_reaches_everything_of_their_photo(client, alice, repaired):
    _as(client, alice)
    for url in _media_urls(repaired) + [reverse("editor", args=[repaired.asset_id])]:
        assert client.get(url).status_code == 200, url


def test_another_creator_gets_404_everywhere(client, bob, repaired):
    _as(client, bob)
    for url in _media_urls(repaired) + [reverse("editor", args=[repaired.asset_id])]:
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("version-submit", args=[repaired.pk])).status_code == 404
    assert client.post(reverse("repair-create", args=[repaired.asset_id]),
                       {"mask": _mask_file()}).status_code == 404


def _mask_file():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("m.png", mask_png(512, 512, (1, 1, 9, 9)), "image/png")


def test_moderator_sees_a_photo_only_once_it_is_submitted(client, alice, moderator, repaired):
    _as(client, moderator)
    for url in _media_urls(repaired):
        assert client.get(url).status_code == 404, url
    services.version_submit(user=alice, version=repaired)
    for url in _media_urls(repaired):
        assert client.get(url).status_code == 200, url


def test_moderator_cannot_paint_or_repair_or_submit_others_photos(client, alice, moderator, repaired):
    services.version_submit(user=alice, version=repaired)
    _as(client, moderator)
    # The editor is not theirs: the link leads to the review page instead of a 403.
    response = client.get(reverse("editor", args=[repaired.asset_id]))
    assert response.status_code == 302 and response["Location"] == reverse("review-page", args=[repaired.pk])
    response = client.post(reverse("repair-create", args=[repaired.asset_id]), {"mask": _mask_file()})
    assert response.status_code == 403 and "owner" in response.json()["error"]
    assert client.post(reverse("version-submit", args=[repaired.pk])).status_code == 403
    assert RepairJob.objects.count() == 1


def test_admin_sees_everything_but_paints_nothing_of_others(client, admin_user, repaired):
    _as(client, admin_user)
    for url in _media_urls(repaired):
        assert client.get(url).status_code == 200, url
    # A draft nobody submitted: the admin's read-only view is the photo's timeline.
    response = client.get(reverse("editor", args=[repaired.asset_id]))
    assert response.status_code == 302 and response["Location"] == reverse("asset-history", args=[repaired.asset_id])
    assert client.post(reverse("repair-create", args=[repaired.asset_id]), {"mask": _mask_file()}).status_code == 403
    assert client.get(reverse("asset-list")).content.count(b'class="asset-card"') == 1


@pytest.mark.parametrize("name, args", [("review-queue", []), ("history", []), ("asset-history", ["asset"])])
def test_creators_are_refused_the_moderation_and_history_pages(client, alice, repaired, name, args):
    _as(client, alice)
    url = reverse(name, args=[repaired.asset_id] if args else [])
    assert client.get(url).status_code == 403


def test_moderators_review_but_do_not_read_history(client, moderator, repaired):
    _as(client, moderator)
    assert client.get(reverse("review-queue")).status_code == 200
    assert client.get(reverse("history")).status_code == 403
    assert client.get(reverse("asset-history", args=[repaired.asset_id])).status_code == 403


def test_only_admins_reach_django_admin_and_the_queue_dashboard(client, alice, moderator, admin_user):
    for user in (alice, moderator):
        _as(client, user)
        assert client.get("/admin/").status_code == 302
        assert client.get("/django-rq/").status_code in (302, 403, 404)
    _as(client, admin_user)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/repairapp/event/").status_code == 200


def test_review_pages_refuse_creators_and_hide_drafts(client, alice, moderator, repaired):
    _as(client, alice)
    assert client.get(reverse("review-page", args=[repaired.pk])).status_code == 403
    assert client.post(reverse("review-decide", args=[repaired.pk]), {"decision": "approve"}).status_code == 403
    _as(client, moderator)
    assert client.get(reverse("review-page", args=[repaired.pk])).status_code == 404  # a draft


def test_published_download_is_404_until_approved_and_private(client, alice, bob, moderator, repaired):
    url = reverse("asset-published", args=[repaired.asset_id])
    _as(client, alice)
    assert client.get(url).status_code == 404
    services.version_submit(user=alice, version=repaired)
    services.review_decide(user=moderator, version=repaired, decision="approve")
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Disposition"] == 'attachment; filename="shoe-v2.png"'
    _as(client, bob)
    assert client.get(url).status_code == 404


# ---------------------------------------------------------------- roles themselves


def test_the_three_groups_exist_once_even_if_the_migration_runs_again():
    import importlib

    from django.apps import apps

    assert sorted(Group.objects.values_list("name", flat=True)) == ["admins", "creators", "moderators"]
    importlib.import_module("repairapp.migrations.0003_roles").create_roles(apps, None)
    assert Group.objects.count() == 3
    assert set(Group.objects.get(name="moderators").permissions.values_list("codename", flat=True)) == {"decide_review"}


def test_setrole_assigns_one_role_and_records_it(django_user_model):
    user = django_user_model.objects.create_user("zed")
    assert role_of(user) == "creator"
    call_command("setrole", "zed", "moderator")
    user = django_user_model.objects.get(pk=user.pk)
    assert role_of(user) == "moderator" and not user.is_staff
    call_command("setrole", "zed", "admin")
    user = django_user_model.objects.get(pk=user.pk)
    assert role_of(user) == "admin" and user.is_staff
    assert list(user.groups.values_list("name", flat=True)) == ["admins"]
    changes = Event.objects.filter(kind="role.changed", subject=user).order_by("at")
    assert [(e.data["from"], e.data["to"]) for e in changes] == [("creator", "moderator"), ("moderator", "admin")]
    assert django_user_model.objects.count() == 1  # created nothing else


def test_setrole_refuses_unknown_users_and_roles(django_user_model):
    with pytest.raises(CommandError, match="no user named 'ghost'"):
        call_command("setrole", "ghost", "admin")
    django_user_model.objects.create_user("zed")
    with pytest.raises(CommandError):
        call_command("setrole", "zed", "overlord")


def test_set_role_back_to_creator_removes_staff(django_user_model):
    user = django_user_model.objects.create_user("zed")
    set_role(user, "admin")
    set_role(user, "creator")
    user = django_user_model.objects.get(pk=user.pk)
    assert role_of(user) == "creator" and not user.is_staff
