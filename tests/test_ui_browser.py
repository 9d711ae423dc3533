"""Issue 13's interactive parts in a real Chromium: several photos uploaded at once, an
oversized file refused before it is sent, a moderator's photo link landing on the review
page, and every changed page usable at 390 px wide (screenshots at 1440 and 390 px go to
test-artifacts/)."""

import pytest
from PIL import Image
from playwright.sync_api import expect

from repairapp import services
from repairapp.models import Asset
from repairapp.roles import set_role
from tests.conftest import ARTIFACTS, encode, logged_in_page, mask_png, textured_rgb

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _photo_file(tmp_path, name, seed=1, size=(320, 240)):
    path = tmp_path / name
    path.write_bytes(encode(Image.fromarray(textured_rgb(*size, seed=seed)), "PNG"))
    return path


def test_several_photos_upload_at_once_each_with_its_own_result(browser, live_server, django_user_model, tmp_path):
    django_user_model.objects.create_user("cara", password="cara-pass-123")
    page = logged_in_page(browser, live_server, "cara", "cara-pass-123")
    files = [_photo_file(tmp_path, "one.png", 1), _photo_file(tmp_path, "two.png", 2), tmp_path / "notes.txt"]
    files[2].write_text("not a photo")
    page.set_input_files("#photo-input", [str(f) for f in files])
    expect(page.locator("#upload-summary")).to_have_text("2 uploaded, 1 refused.")
    rows = page.locator(".upload-row")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_have_attribute("data-state", "done")
    expect(rows.nth(1)).to_have_attribute("data-state", "done")
    expect(rows.nth(2)).to_have_attribute("data-state", "refused")
    expect(rows.nth(2).locator(".upload-result")).to_contain_text("not a JPEG, PNG or WebP")
    assert page.url == f"{live_server.url}/"  # several files: the page stays, with a link per photo
    assert sorted(Asset.objects.values_list("original_name", flat=True)) == ["one.png", "two.png"]
    one = Asset.objects.get(original_name="one.png")
    assert rows.nth(0).locator("a").get_attribute("href") == f"/assets/{one.pk}/"
    page.screenshot(path=str(ARTIFACTS / "upload-several-1440.png"), full_page=True)
    page.get_by_role("link", name="Show them in the list").click()
    expect(page.locator(".asset-card")).to_have_count(2)


def test_photos_dropped_on_the_drop_zone_upload_one_by_one(browser, live_server, django_user_model):
    django_user_model.objects.create_user("cara", password="cara-pass-123")
    page = logged_in_page(browser, live_server, "cara", "cara-pass-123")
    # A real drop event carrying two PNG files made in the page.
    page.evaluate("""async () => {
        const make = (name, colour) => new Promise((resolve) => {
            const canvas = document.createElement('canvas');
            canvas.width = 40; canvas.height = 30;
            const g = canvas.getContext('2d'); g.fillStyle = colour; g.fillRect(0, 0, 40, 30);
            canvas.toBlob((blob) => resolve(new File([blob], name, { type: 'image/png' })), 'image/png');
        });
        const dt = new DataTransfer();
        dt.items.add(await make('red.png', '#c00'));
        dt.items.add(await make('blue.png', '#00c'));
        document.getElementById('upload-form').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    }""")
    expect(page.locator("#upload-summary")).to_have_text("2 uploaded.")
    assert sorted(Asset.objects.values_list("original_name", "width")) == [("blue.png", 40), ("red.png", 40)]


def test_an_oversized_photo_is_refused_in_the_browser_before_it_is_sent(browser, live_server, django_user_model, tmp_path, settings):
    settings.MAX_UPLOAD_BYTES = 100_000
    django_user_model.objects.create_user("cara", password="cara-pass-123")
    page = logged_in_page(browser, live_server, "cara", "cara-pass-123", width=390, height=844)
    big = _photo_file(tmp_path, "big.png", size=(400, 300))
    assert big.stat().st_size > 100_000
    posts = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    page.set_input_files("#photo-input", str(big))
    row = page.locator(".upload-row")
    expect(row).to_have_attribute("data-state", "refused")
    expect(row.locator(".upload-result")).to_contain_text("is larger than the 0.1 MB limit; not sent.")
    assert posts == [] and Asset.objects.count() == 0
    expect(page.get_by_role("link", name="Show them in the list")).to_be_hidden()
    assert page.url == f"{live_server.url}/"
    page.screenshot(path=str(ARTIFACTS / "upload-oversize-390.png"), full_page=True)


def test_a_refused_single_upload_keeps_the_list_address(browser, live_server, django_user_model, tmp_path):
    django_user_model.objects.create_user("cara", password="cara-pass-123")
    page = logged_in_page(browser, live_server, "cara", "cara-pass-123")
    bad = tmp_path / "fake.jpg"
    bad.write_bytes(b"%PDF-1.4 not a photo")
    page.set_input_files("#photo-input", str(bad))
    expect(page.locator(".upload-row")).to_have_attribute("data-state", "refused")
    assert page.url == f"{live_server.url}/"
    # One good photo opens the editor, as before.
    page.set_input_files("#photo-input", str(_photo_file(tmp_path, "ok.png")))
    page.wait_for_url("**/assets/*/")


def _reviewed_setup(django_user_model, run_worker, capture):
    cara = django_user_model.objects.create_user("cara", password="cara-pass-123", email="cara@example.com")
    mona = django_user_model.objects.create_user("mona", password="mona-pass-123")
    adam = django_user_model.objects.create_user("adam", password="adam-pass-123")
    set_role(mona, "moderator")
    set_role(adam, "admin", actor=adam)
    assets = []
    for i, name in enumerate(("walnut-side-table-with-a-very-long-catalogue-name.png", "mug.png", "lamp.png")):
        asset = services.asset_create(owner=cara, data=encode(Image.fromarray(textured_rgb(640, 480, seed=i + 1)), "PNG"),
                                      file_name=name)
        with capture(execute=True):
            services.repair_create(user=cara, version=asset.latest_version(),
                                           mask_data=mask_png(640, 480, (200, 150, 300, 230)), engine="telea")
        run_worker()
        assets.append(asset)
    versions = [a.latest_version() for a in assets]
    services.version_submit(user=cara, version=versions[0], note="Logo removed")
    services.version_submit(user=cara, version=versions[1])
    services.review_decide(user=mona, version=versions[1], decision="reject", comment="The rim shows a seam on the left")
    services.version_submit(user=cara, version=versions[2])
    services.review_decide(user=mona, version=versions[2], decision="approve")
    # The lamp goes on: v3 is a draft (its note field shows), v2 stays published.
    with capture(execute=True):
        services.repair_create(user=cara, version=versions[2],
                                       mask_data=mask_png(640, 480, (20, 20, 80, 60)), engine="telea")
    run_worker()
    return assets, versions


def test_a_moderator_opening_a_photo_lands_on_its_review_page(browser, live_server, django_user_model, run_worker,
                                                             django_capture_on_commit_callbacks):
    assets, versions = _reviewed_setup(django_user_model, run_worker, django_capture_on_commit_callbacks)
    page = logged_in_page(browser, live_server, "mona", "mona-pass-123")
    page.locator(".asset-card", has_text="walnut").click()
    page.wait_for_url(f"**/review/{versions[0].pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("walnut")
    # An old link to the editor leads there too, not to a 403.
    page.goto(f"{live_server.url}/assets/{assets[0].pk}/")
    page.wait_for_url(f"**/review/{versions[0].pk}/")


def _no_sideways_overflow(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_the_changed_pages_fit_a_phone_and_a_desktop(browser, live_server, django_user_model, run_worker,
                                                     django_capture_on_commit_callbacks):
    ARTIFACTS.mkdir(exist_ok=True)
    assets, versions = _reviewed_setup(django_user_model, run_worker, django_capture_on_commit_callbacks)
    pages = {
        "cara": [("list", "/"), ("editor", f"/assets/{assets[2].pk}/"), ("tokens", "/settings/tokens")],
        "mona": [("review", f"/review/{versions[0].pk}/"), ("queue", "/review/?state=all")],
        "adam": [("history", "/history/"), ("history-bad-filter", "/history/?asset=abc&from=notadate"),
                 ("asset-history", f"/assets/{assets[0].pk}/history"), ("users", "/settings/users")],
    }
    problems = []
    # The onion-skin toolbar stays on one row on a desktop.
    page = logged_in_page(browser, live_server, "mona", "mona-pass-123")
    page.goto(f"{live_server.url}/review/{versions[0].pk}/")
    page.keyboard.press("o")
    expect(page.locator("#review")).to_have_attribute("data-view", "onion")
    page.screenshot(path=str(ARTIFACTS / "review-onion-1440.png"))
    boxes = page.evaluate("""[...document.querySelectorAll('.viewer-bar > *')]
        .filter((el) => el.offsetParent !== null)
        .map((el) => { const r = el.getBoundingClientRect(); return [r.top, r.bottom]; })""")
    assert max(top for top, _ in boxes) < min(bottom for _, bottom in boxes), f"the toolbar wraps: {boxes}"
    page.context.close()
    for width, height in ((1440, 900), (390, 844)):
        for username, urls in pages.items():
            page = logged_in_page(browser, live_server, username, f"{username}-pass-123", width, height)
            for name, url in urls:
                page.goto(live_server.url + url)
                page.wait_for_load_state("load")
                if name == "editor":
                    # No cut-off labels: the note's placeholder and each select's choice fit their box.
                    cut = page.evaluate("""(() => {
                        const ctx = document.createElement('canvas').getContext('2d');
                        const fits = (el, text, extra) => {
                            const st = getComputedStyle(el); ctx.font = st.font;
                            return ctx.measureText(text).width + extra <= el.clientWidth - parseFloat(st.paddingLeft) - parseFloat(st.paddingRight);
                        };
                        const bad = [];
                        document.querySelectorAll('.submit-review input[name=note]').forEach((el) => { if (!fits(el, el.placeholder, 0)) bad.push(el.placeholder); });
                        document.querySelectorAll('.sidebar select').forEach((el) => {
                            const longest = [...el.options].map((o) => o.text).sort((a, b) => b.length - a.length)[0];
                            if (!fits(el, longest, 16)) bad.push(el.id + ': ' + longest);
                        });
                        return bad;
                    })()""")
                    if cut:
                        problems.append(f"cut off at {width} px: {cut}")
                    # The title leads: the photo's name comes before the "Download published" menu.
                    name_box = page.locator(".editor-title h1").bounding_box()
                    menu_box = page.locator(".editor-title .download-menu").bounding_box()
                    if width < 640 and menu_box["y"] < name_box["y"] + name_box["height"]:
                        problems.append(f"the download menu sits above the photo's name at {width} px")
                    # The Diff tab fits the photo like Swipe does: one size for both.
                    page.locator(".compare-btn").first.click()
                    page.get_by_role("tab", name="Swipe").click()
                    swipe = page.locator("#swipe").bounding_box()
                    page.get_by_role("tab", name="Diff").click()
                    page.wait_for_function("document.getElementById('diff-img').complete")
                    diff = page.locator("#view-diff .compare-img").bounding_box()
                    if abs(diff["width"] - swipe["width"]) > 1 or abs(diff["height"] - swipe["height"]) > 1:
                        problems.append(f"diff {diff} is not the size of swipe {swipe} at {width} px")
                page.screenshot(path=str(ARTIFACTS / f"{name}-{width}.png"), full_page=name != "review")
                if not _no_sideways_overflow(page):
                    wide = page.evaluate("""[...document.querySelectorAll('body *')]
                        .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1)
                        .slice(0, 3).map((el) => el.tagName + '.' + el.className)""")
                    problems.append(f"{name} scrolls sideways at {width} px: {wide}")
                hidden_links = page.evaluate("""[...document.querySelectorAll('.topnav a')]
                    .filter((a) => a.getBoundingClientRect().right > window.innerWidth).map((a) => a.textContent.trim())""")
                if hidden_links:
                    problems.append(f"{name}: top bar links outside the window at {width} px: {hidden_links}")
                # The top bar's last control (Log out) is inside the window.
                box = page.get_by_role("button", name="Log out").bounding_box()
                if not box or box["x"] + box["width"] > width:
                    problems.append(f"{name}: Log out is cut off at {width} px")
            page.context.close()
    assert problems == []


def test_the_copy_button_puts_the_new_token_on_the_clipboard(browser, live_server, django_user_model):
    django_user_model.objects.create_user("cara", password="cara-pass-123")
    for width, height in ((1440, 900), (390, 844)):
        page = logged_in_page(browser, live_server, "cara", "cara-pass-123", width, height)
        page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
        page.goto(f"{live_server.url}/settings/tokens")
        page.get_by_label("Name").fill(f"nightly import {width}")
        page.get_by_role("button", name="Create token").click()
        secret = page.get_by_label("The new token").input_value()
        assert secret.startswith("rpr_")
        page.get_by_role("button", name="Copy").click()
        expect(page.get_by_role("button", name="Copied")).to_be_visible()
        assert page.evaluate("navigator.clipboard.readText()") == secret
        page.screenshot(path=str(ARTIFACTS / f"tokens-new-{width}.png"), full_page=True)
        assert _no_sideways_overflow(page), page.evaluate("""[...document.querySelectorAll('body *')]
            .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1)
            .map((el) => el.tagName + '.' + el.className + ' ' + Math.round(el.getBoundingClientRect().right))""")
        page.context.close()


def test_an_admin_archives_a_photo_from_its_timeline(browser, live_server, django_user_model, tmp_path):
    cara = django_user_model.objects.create_user("cara", password="cara-pass-123")
    set_role(django_user_model.objects.create_user("adam", password="adam-pass-123"), "admin")
    asset = services.asset_create(owner=cara, data=encode(Image.fromarray(textured_rgb(320, 240)), "PNG"), file_name="chair.png")
    for width, height in ((1440, 900), (390, 844)):
        page = logged_in_page(browser, live_server, "adam", "adam-pass-123", width, height)
        page.goto(f"{live_server.url}/assets/{asset.pk}/history")
        if width == 1440:
            page.get_by_role("button", name="Archive").click()
            page.wait_for_url(f"**/assets/{asset.pk}/history")
        expect(page.get_by_role("status").filter(has_text="Archived by adam")).to_be_visible()
        page.screenshot(path=str(ARTIFACTS / f"asset-history-archived-{width}.png"), full_page=True)
        assert _no_sideways_overflow(page)
        page.goto(f"{live_server.url}/")
        expect(page.locator(".asset-card")).to_have_count(0)
        page.context.close()
    asset.refresh_from_db()
    assert asset.archived_at is not None and asset.purged_at is None
