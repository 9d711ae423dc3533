"""The review flow in a real Chromium, as its three kinds of users go through it:
a creator repairs and submits; a moderator switches views with the keyboard and
rejects with a comment; the creator edits and resubmits; the moderator approves;
an admin reads the whole timeline. Screenshots go to test-artifacts/."""

import pytest

from repairapp.models import Asset, Review
from tests.conftest import ARTIFACTS, logged_in_page, photo_path

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _paint_and_remove(page, run_worker, *, row: float):
    canvas = page.get_by_role("img", name="Mask")
    canvas.wait_for(state="visible")
    page.wait_for_function("document.getElementById('photo').complete")
    box = canvas.bounding_box()
    y = box["y"] + box["height"] * row
    page.mouse.move(box["x"] + box["width"] * 0.3, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.5, y, steps=10)
    page.mouse.up()
    page.get_by_role("button", name="Remove").click()
    page.wait_for_selector("#job-status[data-status='queued']")
    assert run_worker() == 1
    page.wait_for_selector("#job-status[data-status='succeeded']")


def _submit_newest(page, note):
    page.get_by_label("Note for the moderator").first.fill(note)
    page.get_by_role("button", name="Submit for review").first.click()
    page.wait_for_selector(".version-review[data-review-state='pending']")


def test_creator_moderator_and_admin_go_through_a_review(
    browser, live_server, django_user_model, run_worker
):
    from repairapp.roles import set_role

    ARTIFACTS.mkdir(exist_ok=True)
    django_user_model.objects.create_user("cara", password="cara-pass-123")
    set_role(django_user_model.objects.create_user("mona", password="mona-pass-123"), "moderator")
    set_role(django_user_model.objects.create_user("adam", password="adam-pass-123"), "admin")

    creator = logged_in_page(browser, live_server, "cara", "cara-pass-123")
    creator.set_input_files("#photo-input", str(photo_path(3)))
    creator.wait_for_url("**/assets/*/")
    _paint_and_remove(creator, run_worker, row=0.5)
    _submit_newest(creator, "sign removed")
    asset = Asset.objects.get()
    v2 = asset.versions.get(number=2)

    moderator = logged_in_page(browser, live_server, "mona", "mona-pass-123")
    moderator.goto(f"{live_server.url}/review/")
    moderator.click(f"#review-queue [data-version-id='{v2.pk}'] a")
    moderator.wait_for_selector("#review")
    for key, view in (("w", "swipe"), ("o", "onion"), ("d", "diff"), ("s", "side")):
        moderator.keyboard.press(key)
        assert moderator.get_attribute("#review", "data-view") == view
    moderator.keyboard.press("2")
    assert moderator.get_attribute("#review", "data-zoom") == "200"
    moderator.keyboard.press("?")
    assert moderator.is_visible("#shortcut-help")
    moderator.keyboard.press("Escape")
    moderator.keyboard.press("1")
    moderator.screenshot(path=str(ARTIFACTS / "review-page.png"))
    moderator.get_by_label("Comment").fill("a smudge is left at the edge")
    moderator.get_by_role("button", name="Reject").click()
    moderator.wait_for_url(f"{live_server.url}/review/")
    assert Review.objects.get(version=v2).state == "rejected"

    creator.goto(f"{live_server.url}/assets/{asset.pk}/?version=2")
    assert creator.get_by_text("a smudge is left at the edge").is_visible()
    _paint_and_remove(creator, run_worker, row=0.7)
    _submit_newest(creator, "edge cleaned")
    v3 = asset.versions.get(number=3)
    assert v3.parent == v2

    moderator.goto(f"{live_server.url}/review/{v3.pk}/")
    moderator.wait_for_selector("#review")
    moderator.keyboard.press("y")
    moderator.wait_for_url(f"{live_server.url}/review/")
    assert Review.objects.get(version=v3).state == "approved"
    asset.refresh_from_db()
    assert asset.published_version == v3

    admin = logged_in_page(browser, live_server, "adam", "adam-pass-123")
    admin.goto(f"{live_server.url}/assets/{asset.pk}/history")
    text = admin.inner_text("main")
    for expected in ("a smudge is left at the edge", "edge cleaned", "sign removed"):
        assert expected in text
    admin.screenshot(path=str(ARTIFACTS / "asset-history.png"), full_page=True)
    admin.goto(f"{live_server.url}/history/?kind=version.approved")
    assert admin.locator("#history [data-kind='version.approved']").count() == 1
    for page in (creator, moderator, admin):
        page.context.close()
