"""Creators see what moderators decided on their Photos page, and may be told by mail."""

import pytest
from django.core import mail
from django.urls import reverse

from repairapp import services
from tests.conftest import make_version

pytestmark = pytest.mark.django_db


@pytest.fixture
def version(alice, run_worker, django_capture_on_commit_callbacks):
    return make_version(alice, run_worker, django_capture_on_commit_callbacks)


def test_the_photos_page_shows_a_badge_and_the_recent_decisions(client, alice, moderator, version):
    client.force_login(alice)
    page = client.get(reverse("asset-list")).content.decode()
    assert "asset-badge" not in page and "Recent decisions" not in page  # a draft: nothing yet
    services.version_submit(user=alice, version=version)
    assert 'badge badge-pending asset-badge' in client.get(reverse("asset-list")).content.decode()
    services.review_decide(user=moderator, version=version, decision="reject", comment="The seam shows on the left")
    page = client.get(reverse("asset-list")).content.decode()
    assert 'badge badge-rejected asset-badge' in page and ">v2 rejected<" in page
    assert "Recent decisions on your versions" in page
    assert "mug.jpg v2" in page and "by mo" in page and "“The seam shows on the left”" in page
    assert "just now" in page


def test_decisions_on_others_photos_are_not_listed(client, bob, alice, moderator, version):
    services.version_submit(user=alice, version=version)
    services.review_decide(user=moderator, version=version, decision="approve")
    client.force_login(bob)
    assert "Recent decisions" not in client.get(reverse("asset-list")).content.decode()


@pytest.fixture
def submitted(settings, alice, version):
    """alice (with an address) submitted v2; mail goes to Django's in-memory outbox."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    alice.email = "alice@example.com"
    alice.save()
    services.version_submit(user=alice, version=version)
    return version


def test_a_decision_mails_the_creator_when_mails_are_on(settings, moderator, submitted, django_capture_on_commit_callbacks):
    settings.DECISION_EMAILS = True
    with django_capture_on_commit_callbacks(execute=True):
        services.review_decide(user=moderator, version=submitted, decision="reject", comment="Seam on the left")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["alice@example.com"]
    assert "v2 of mug.jpg was rejected" in message.subject
    assert "mo rejected mug.jpg v2" in message.body and "Seam on the left" in message.body


def test_no_mail_when_mails_are_off_or_the_creator_has_no_address(settings, alice, moderator, submitted,
                                                                  django_capture_on_commit_callbacks):
    settings.DECISION_EMAILS = False
    with django_capture_on_commit_callbacks(execute=True):
        services.review_decide(user=moderator, version=submitted, decision="approve")
    assert mail.outbox == []
    settings.DECISION_EMAILS = True
    alice.email = ""
    alice.save()
    review = submitted.review
    review.refresh_from_db()
    assert services.decision_mail_send(review=review) is False and mail.outbox == []
