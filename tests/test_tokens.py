"""API tokens: how they are stored, the settings page, the apitoken command, Django admin."""

import hashlib
import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from repairapp.models import ApiToken
from repairapp.tokens import token_authenticate, token_create

pytestmark = pytest.mark.django_db


def test_only_the_digest_and_a_short_prefix_are_stored(alice):
    token, secret = token_create(user=alice, name="ci")
    token.refresh_from_db()
    assert secret.startswith("rpr_") and len(secret) > 40
    assert token.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert token.prefix == secret[:12] and secret not in str(ApiToken.objects.values().get())
    assert token_authenticate(secret) == token
    assert token_authenticate(secret + "x") is None and token_authenticate("rpr_") is None


def test_use_is_recorded_and_revocation_is_immediate(alice):
    token, secret = token_create(user=alice)
    assert token.last_used_at is None
    token_authenticate(secret)
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert token.revoke() is True and token.revoke() is False
    assert token_authenticate(secret) is None


def test_the_settings_page_needs_a_login(client):
    response = client.get(reverse("token-list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_a_new_token_is_shown_once(alice_client, alice):
    response = alice_client.post(reverse("token-list"), {"name": "nightly import"})
    assert response.status_code == 201 and response["Cache-Control"] == "no-store"
    secret = response.context["secret"]
    html = response.content.decode()
    assert secret in html and "nightly import" in html and "shown only this once" in html
    assert token_authenticate(secret).user == alice
    again = alice_client.get(reverse("token-list")).content.decode()
    assert secret not in again and secret[:12] in again  # only the prefix from now on


def test_a_user_revokes_their_own_token_but_not_anothers(alice_client, alice, bob):
    mine, secret = token_create(user=alice)
    theirs, _ = token_create(user=bob)
    response = alice_client.post(reverse("token-revoke", args=[mine.pk]))
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.revoked_at is not None and token_authenticate(secret) is None
    assert alice_client.post(reverse("token-revoke", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    assert "revoked" in alice_client.get(reverse("token-list")).content.decode()


def test_the_page_lists_only_own_tokens(alice_client, alice, bob):
    token_create(user=alice, name="mine")
    token_create(user=bob, name="bobs")
    html = alice_client.get(reverse("token-list")).content.decode()
    assert "mine" in html and "bobs" not in html


def test_the_topbar_links_to_the_tokens_page(alice_client):
    assert reverse("token-list") in alice_client.get(reverse("asset-list")).content.decode()


def test_the_command_prints_a_working_token(alice):
    out, err = io.StringIO(), io.StringIO()
    call_command("apitoken", "alice", stdout=out, stderr=err)
    secret = out.getvalue().strip()
    assert token_authenticate(secret).user == alice
    assert "shown only now" in err.getvalue() and secret not in err.getvalue()


def test_the_command_refuses_an_unknown_user(db):
    with pytest.raises(CommandError, match="no user named 'nobody'"):
        call_command("apitoken", "nobody")


def test_an_admin_lists_and_revokes_tokens_in_django_admin(client, admin_user, alice):
    token, secret = token_create(user=alice)
    client.force_login(admin_user)
    changelist = reverse("admin:repairapp_apitoken_changelist")
    page = client.get(changelist)
    assert page.status_code == 200 and token.prefix in page.content.decode()
    response = client.post(changelist, {"action": "revoke", "_selected_action": [token.pk]})
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None and token_authenticate(secret) is None
    assert ApiToken.objects.count() == 1  # revoked, not deleted


def test_a_moderator_has_no_token_admin(client, moderator):
    client.force_login(moderator)
    assert client.get(reverse("admin:repairapp_apitoken_changelist")).status_code in (302, 403)
