"""Issue 12's refusals as a person sees them in a real Chromium: the login brake and its
fail-closed message, the 400 page for a NUL, four eyes on the review page, and a queued
job's place and estimate in the editor. Screenshots go to test-artifacts/."""

import pytest

from repairapp import services
from repairapp.roles import set_role
from tests.conftest import ARTIFACTS, mask_png
from tests.photos import photo_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _login(page, live_server, username, password):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def test_the_login_brake_and_its_fail_closed_message(page, live_server, django_user_model, settings, redis_conn):
    ARTIFACTS.mkdir(exist_ok=True)
    django_user_model.objects.create_user("dora", password="dora-pass-123")
    settings.LOGIN_MAX_FAILURES = 2
    for _ in range(2):
        _login(page, live_server, "dora", "wrong")
        page.get_by_text("didn't match").wait_for()
    _login(page, live_server, "ｄora", "dora-pass-123")  # fullwidth d: the same name
    page.get_by_text("Too many failed logins. Try again in 15 minutes.").wait_for()
    page.screenshot(path=str(ARTIFACTS / "login-locked.png"), full_page=True)
    settings.RQ_QUEUES = {"repair": {**settings.RQ_QUEUES["repair"], "URL": "redis://127.0.0.1:1/0"}}
    _login(page, live_server, "dora", "dora-pass-123")
    page.get_by_text("Logging in is paused for a moment").wait_for()
    assert page.get_by_label("Username").input_value() == "dora"
    page.screenshot(path=str(ARTIFACTS / "login-brake-down.png"), full_page=True)


def test_refusals_and_four_eyes_as_pages(page, live_server, django_user_model, run_worker):
    moderator = django_user_model.objects.create_user("mona", password="mona-pass-123")
    set_role(moderator, "moderator")
    asset = services.asset_create(owner=moderator, data=photo_bytes(0), file_name="own.jpg")
    services.repair_create(user=moderator, version=asset.latest_version(),
                                   mask_data=mask_png(512, 512, (100, 100, 160, 150)), engine="telea")
    assert run_worker() == 1
    version = asset.versions.get(number=2)
    services.version_submit(user=moderator, version=version)
    _login(page, live_server, "mona", "mona-pass-123")
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/review/?submitter=a%00b")
    page.get_by_text("contains a NUL character").wait_for()
    page.screenshot(path=str(ARTIFACTS / "refused-nul.png"), full_page=True)

    page.goto(f"{live_server.url}/review/{version.pk}/")
    page.get_by_role("button", name="Approve").click()
    page.get_by_text("another moderator must decide it").wait_for()
    page.screenshot(path=str(ARTIFACTS / "review-four-eyes.png"), full_page=True)

    # Two of bob's jobs wait ahead; mona's own job is next among hers.
    bob = django_user_model.objects.create_user("bob", password="bob-pass-123")
    other = services.asset_create(owner=bob, data=photo_bytes(1), file_name="b.jpg")
    for _ in range(2):
        services.repair_create(user=bob, version=other.latest_version(),
                                       mask_data=mask_png(512, 512, (10, 10, 40, 40)), engine="telea")
    services.repair_create(user=moderator, version=version,
                                   mask_data=mask_png(512, 512, (300, 300, 340, 340)), engine="telea")
    page.goto(f"{live_server.url}/assets/{asset.pk}/")
    status = page.locator("#job-status[data-status='queued']")
    status.wait_for()
    assert "2 ahead of it, result in about" in status.inner_text()
    page.screenshot(path=str(ARTIFACTS / "editor-queued-place.png"))
