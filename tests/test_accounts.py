"""Admins manage accounts on the Users page and in Django admin; every change is an Event."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from repairapp.models import Event
from repairapp.roles import role_of

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def test_only_admins_reach_the_users_page(client, alice, moderator):
    for user in (alice, moderator):
        client.force_login(user)
        assert client.get(reverse("user-list")).status_code == 403
        assert client.post(reverse("user-list"), {"username": "x", "role": "admin"}).status_code == 403
        assert client.post(reverse("user-role", args=[user.pk]), {"role": "admin"}).status_code == 403
        assert role_of(User.objects.get(pk=user.pk)) != "admin"
    assert not User.objects.filter(username="x").exists()


def test_an_admin_creates_a_user_with_a_role_and_a_generated_password_shown_once(admin_client, admin_user, client):
    response = admin_client.post(reverse("user-list"), {"username": "dana", "email": "dana@example.com", "role": "moderator"})
    assert response.status_code == 201 and response["Cache-Control"] == "no-store"
    dana = User.objects.get(username="dana")
    assert role_of(dana) == "moderator" and dana.email == "dana@example.com"
    password = response.context["password"]
    assert password and password in response.content.decode() and dana.check_password(password)
    assert 'data-copy="#new-password"' in response.content.decode()
    event = Event.objects.get(kind=Event.USER_CREATED)
    assert event.actor == admin_user and event.subject == dana and event.data == {"role": "moderator"}
    role_event = Event.objects.get(kind=Event.ROLE_CHANGED, subject=dana)
    assert role_event.data == {"from": "creator", "to": "moderator"}
    # The password works.
    client.logout()
    assert client.login(username="dana", password=password)


@pytest.mark.parametrize("data, message", [
    ({"username": "", "role": "creator"}, "This field is required"),
    ({"username": "bad name!", "role": "creator"}, "Enter a valid username"),
    ({"username": "alice", "role": "creator"}, "is taken"),
    ({"username": "eve", "role": "overlord"}, "Select a valid choice"),
    ({"username": "eve", "role": "creator", "email": "not-mail"}, "Enter a valid email"),
], ids=["empty", "bad-chars", "taken", "bad-role", "bad-email"])
def test_a_bad_new_user_is_refused_with_a_message_and_nothing_made(admin_client, alice, data, message):
    count = User.objects.count()
    response = admin_client.post(reverse("user-list"), data)
    assert response.status_code == 400 and message in response.content.decode()
    assert User.objects.count() == count and not Event.objects.filter(kind=Event.USER_CREATED).exists()


def test_an_admin_sets_a_role_and_only_a_real_change_is_recorded(admin_client, admin_user, alice):
    response = admin_client.post(reverse("user-role", args=[alice.pk]), {"role": "moderator"}, follow=True)
    assert "alice is now moderator (was creator)" in response.content.decode()
    assert role_of(User.objects.get(pk=alice.pk)) == "moderator"
    response = admin_client.post(reverse("user-role", args=[alice.pk]), {"role": "moderator"}, follow=True)
    assert "alice is already moderator" in response.content.decode()
    events = Event.objects.filter(kind=Event.ROLE_CHANGED, subject=alice)
    assert [(e.actor, e.data) for e in events] == [(admin_user, {"from": "creator", "to": "moderator"})]
    # Own role and unknown roles are refused.
    response = admin_client.post(reverse("user-role", args=[admin_user.pk]), {"role": "creator"}, follow=True)
    assert "cannot change your own role" in response.content.decode() and role_of(admin_user) == "admin"
    response = admin_client.post(reverse("user-role", args=[alice.pk]), {"role": "boss"}, follow=True)
    assert "Unknown role" in response.content.decode()


def test_an_admin_deactivates_and_reactivates_an_account(admin_client, admin_user, alice, client):
    admin_client.post(reverse("user-active", args=[alice.pk]), {"active": "0"})
    alice.refresh_from_db()
    assert not alice.is_active
    assert Event.objects.get(kind=Event.USER_DEACTIVATED).subject == alice
    admin_client.post(reverse("user-active", args=[alice.pk]), {"active": "0"})  # no change, no event
    assert Event.objects.filter(kind=Event.USER_DEACTIVATED).count() == 1
    admin_client.post(reverse("user-active", args=[alice.pk]), {"active": "1"})
    alice.refresh_from_db()
    assert alice.is_active and Event.objects.get(kind=Event.USER_REACTIVATED).actor == admin_user
    response = admin_client.post(reverse("user-active", args=[admin_user.pk]), {"active": "0"}, follow=True)
    assert "cannot deactivate your own account" in response.content.decode()
    admin_user.refresh_from_db()
    assert admin_user.is_active


def test_the_history_shows_account_changes(admin_client, alice):
    admin_client.post(reverse("user-active", args=[alice.pk]), {"active": "0"})
    page = admin_client.get(reverse("history") + "?kind=user.deactivated").content.decode()
    assert 'data-kind="user.deactivated"' in page and '<span class="message">alice</span>' in page
    admin_client.post(reverse("user-list"), {"username": "gil", "role": "moderator"})
    page = admin_client.get(reverse("history") + "?kind=user.created").content.decode()
    assert '<span class="message">gil as moderator</span>' in page


def test_django_admin_lists_users_and_groups_for_admins_only(client, admin_user, moderator):
    client.force_login(admin_user)
    index = client.get(reverse("admin:index")).content.decode()
    assert reverse("admin:auth_user_changelist") in index and reverse("admin:auth_group_changelist") in index
    assert client.get(reverse("admin:auth_user_changelist")).status_code == 200
    assert client.get(reverse("admin:auth_group_changelist")).status_code == 200
    assert client.get(reverse("admin:auth_group_add")).status_code == 403  # the role groups are fixed
    client.force_login(moderator)
    assert client.get(reverse("admin:auth_user_changelist")).status_code == 302  # not staff: to the admin login


def test_django_admin_role_action_is_recorded(client, admin_user, alice):
    client.force_login(admin_user)
    response = client.post(reverse("admin:auth_user_changelist"),
                           {"action": "make_moderator", "_selected_action": [alice.pk]}, follow=True)
    assert response.status_code == 200
    assert role_of(User.objects.get(pk=alice.pk)) == "moderator"
    assert Event.objects.get(kind=Event.ROLE_CHANGED, subject=alice).actor == admin_user
    client.post(reverse("admin:auth_user_changelist"), {"action": "deactivate", "_selected_action": [alice.pk]})
    assert not User.objects.get(pk=alice.pk).is_active
    assert Event.objects.filter(kind=Event.USER_DEACTIVATED, subject=alice, actor=admin_user).count() == 1


def test_a_user_added_in_django_admin_is_recorded(client, admin_user):
    client.force_login(admin_user)
    response = client.post(reverse("admin:auth_user_add"), {
        "username": "frank", "password1": "a-long-pass-4567", "password2": "a-long-pass-4567", "usable_password": "true"})
    assert response.status_code == 302, response.content.decode()[:2000]
    frank = User.objects.get(username="frank")
    assert frank.check_password("a-long-pass-4567") and role_of(frank) == "creator"
    assert Event.objects.get(kind=Event.USER_CREATED, subject=frank).actor == admin_user
