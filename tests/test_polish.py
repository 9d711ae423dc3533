"""Issue 13's small things: "just now", the favicon, real role changes only, bad history
filters named, the token page's Copy button, and others' photos opening read-only."""

import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from repairapp import services
from repairapp.models import Event
from repairapp.roles import set_role
from repairapp.templatetags.ui import ago, waited
from tests.conftest import make_asset, make_version

pytestmark = pytest.mark.django_db


def test_ago_says_just_now_for_the_first_minute():
    now = timezone.now()
    assert ago(now, now) == "just now" and ago(now - timedelta(seconds=59), now) == "just now"
    assert ago(now - timedelta(minutes=3), now) == "3\xa0minutes ago"


def test_waited_says_under_a_minute():
    now = timezone.now()
    assert waited(now, now) == "under a minute" and waited(now - timedelta(hours=2), now) == "2\xa0hours"


def test_the_review_queue_never_says_0_minutes(client, alice, moderator, run_worker, django_capture_on_commit_callbacks):
    version = make_version(alice, run_worker, django_capture_on_commit_callbacks)
    services.version_submit(user=alice, version=version)
    client.force_login(moderator)
    for state, text in (("pending", "under a minute"), ("all", "just now")):
        page = client.get(reverse("review-queue") + f"?state={state}").content.decode()
        assert text in page and "0\xa0minutes" not in page


def test_a_fresh_upload_is_listed_as_just_now(alice_client, alice):
    make_asset(alice)
    page = alice_client.get(reverse("asset-list")).content.decode()
    assert "just now" in page and "0\xa0minutes" not in page


def test_favicon_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response["Content-Type"] == "image/x-icon"
    assert b"".join(response.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO header


def test_setting_the_same_role_again_records_nothing(alice, admin_user):
    set_role(alice, "creator")
    call_command("setrole", "alice", "creator", stdout=None)
    assert not Event.objects.filter(kind=Event.ROLE_CHANGED, subject=alice).exists()
    set_role(alice, "moderator", actor=admin_user)
    set_role(alice, "moderator", actor=admin_user)
    assert [e.data for e in Event.objects.filter(kind=Event.ROLE_CHANGED, subject=alice)] == [{"from": "creator", "to": "moderator"}]


@pytest.mark.parametrize("query, message", [
    ("asset=abc", "Photo id must be a whole number, not &#x27;abc&#x27;"),
    ("from=notadate", "From must be a date as YYYY-MM-DD, not &#x27;notadate&#x27;"),
    ("to=2026-13-40", "To must be a date as YYYY-MM-DD"),
    ("kind=nonsense", "Unknown event &#x27;nonsense&#x27;"),
    ("engine=magic", "Unknown engine &#x27;magic&#x27;"),
])
def test_a_bad_history_filter_is_named_not_ignored(client, admin_user, alice, query, message):
    make_asset(alice)
    client.force_login(admin_user)
    response = client.get(reverse("history") + "?" + query)
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page and "could not be read" in page
    assert 'data-kind="asset.uploaded"' not in page  # nothing listed as if unfiltered
    csv = client.get(reverse("history") + "?format=csv&" + query)
    assert csv.status_code == 400


def test_good_history_filters_still_work(client, admin_user, alice):
    asset = make_asset(alice)
    client.force_login(admin_user)
    response = client.get(reverse("history") + f"?asset={asset.pk}&from=2000-01-01")
    assert response.status_code == 200 and 'data-kind="asset.uploaded"' in response.content.decode()


def test_the_new_token_has_a_copy_button(alice_client):
    page = alice_client.post(reverse("token-list"), {"name": "ci"}).content.decode()
    assert 'data-copy="#token-value"' in page and 'id="token-value"' in page and "js/copy.js" in page


def test_a_moderators_photos_page_leads_to_the_review_page(client, alice, moderator, run_worker, django_capture_on_commit_callbacks):
    version = make_version(alice, run_worker, django_capture_on_commit_callbacks)
    services.version_submit(user=alice, version=version)
    client.force_login(moderator)
    page = client.get(reverse("asset-list")).content.decode()
    review_url = reverse("review-page", args=[version.pk])
    assert f'href="{review_url}"' in page and reverse("editor", args=[version.asset_id]) not in page
    assert "by alice · read-only" in page
    assert client.get(review_url).status_code == 200


def test_both_shown_once_secrets_have_the_same_copy_field_and_only_then_its_script(alice_client, client, admin_user):
    client.force_login(admin_user)
    token_page = alice_client.post(reverse("token-list"), {"name": "ci"}).content.decode()
    user_page = client.post(reverse("user-list"), {"username": "dana", "role": "creator"}).content.decode()
    for page, field in ((token_page, "token-value"), (user_page, "new-password")):
        assert re.search(rf'<input id="{field}" class="mono" type="text" value="[^"]+" readonly', page)
        assert f'data-copy="#{field}"' in page and page.count("js/copy.js") == 1
    # Nothing to copy, no copy script.
    assert "js/copy.js" not in alice_client.get(reverse("token-list")).content.decode()
    assert "js/copy.js" not in client.get(reverse("user-list")).content.decode()
