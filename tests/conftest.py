"""Shared fixtures: personas, photos and masks, a clean Redis, media in a temp folder,
and a real rq worker that runs in the test process against the test database.

Tests that need committed data (a live server, a forking worker, racing threads) use
`django_db(transaction=True, serialized_rollback=True)`: a transactional test empties
every table afterwards, and serialized rollback puts back what migrations created
(the role groups and their permissions) for the tests that follow.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import django_rq
import numpy as np
import pytest
from PIL import Image
from rq import SimpleWorker
from rq.serializers import JSONSerializer

from tests.photos import photo_bytes, photo_path  # noqa: F401  (the tests import them from here)

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture(autouse=True)
def media_root(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def redis_conn():
    conn = django_rq.get_connection("repair")
    conn.flushdb()
    yield conn
    conn.flushdb()


@pytest.fixture
def run_worker(redis_conn):
    """Process everything queued on `repair` with a real rq worker, in this process
    (SimpleWorker: no fork), so the job sees the test's database transaction."""

    def run() -> int:
        """Returns how many jobs it took off the queue."""
        worker = django_rq.get_worker("repair", worker_class=SimpleWorker, serializer=JSONSerializer)
        waiting = worker.queues[0].count
        worker.work(burst=True)
        return waiting - worker.queues[0].count

    return run


@pytest.fixture
def text_model():
    """The text model loaded in this process, as a web process has it a few seconds after
    it starts (wsgi.py warms it): Find text then answers at once, not 503 "loading"."""
    from repairapp import services

    services.text_model_warm()
    assert services.text_model_wait(180), "the text model did not load"


@pytest.fixture
def alice(django_user_model):
    return django_user_model.objects.create_user("alice", password="alice-pass-123")


@pytest.fixture
def bob(django_user_model):
    return django_user_model.objects.create_user("bob", password="bob-pass-123")


@pytest.fixture
def alice_client(client, alice):
    client.force_login(alice)
    return client


def bearer(secret: str) -> dict:
    """Test-client keyword arguments that send an API token."""
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


@pytest.fixture
def alice_token(alice):
    from repairapp.tokens import token_create
    return token_create(user=alice, name="test")[1]


@pytest.fixture
def bob_token(bob):
    from repairapp.tokens import token_create
    return token_create(user=bob)[1]


@pytest.fixture
def mo_token(moderator):
    from repairapp.tokens import token_create
    return token_create(user=moderator)[1]


def encode(img: Image.Image, fmt: str = "PNG", **kwargs) -> bytes:
    out = io.BytesIO()
    img.save(out, format=fmt, **kwargs)
    return out.getvalue()


def textured_rgb(width: int = 96, height: int = 64, seed: int = 1) -> np.ndarray:
    """A photo-like test image: smooth gradients plus noise, so fills are visible."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    base = np.stack([x * 255 / width, y * 255 / height, (x + y) * 127 / (width + height)], axis=2)
    return np.clip(base + rng.normal(0, 12, base.shape), 0, 255).astype(np.uint8)


def mask_png(width: int, height: int, box: tuple[int, int, int, int]) -> bytes:
    """White rectangle (x0, y0, x1, y1) on black: the area to remove."""
    mask = np.zeros((height, width), np.uint8)
    x0, y0, x1, y1 = box
    mask[y0:y1, x0:x1] = 255
    return encode(Image.fromarray(mask, "L"))


def decode_png(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))



@pytest.fixture
def moderator(django_user_model):
    from repairapp.roles import set_role

    user = django_user_model.objects.create_user("mo", password="mo-pass-123")
    set_role(user, "moderator")
    return user


@pytest.fixture
def admin_user(django_user_model):
    from repairapp.roles import set_role

    user = django_user_model.objects.create_user("ad", password="ad-pass-123")
    set_role(user, "admin")
    return user


def make_asset(owner, name: str = "mug.jpg", index: int = 0):
    """A photo of `owner`: scene `index` of tests/photos.py (512×512 JPEG)."""
    from repairapp import services

    return services.asset_create(owner=owner, data=photo_bytes(index), file_name=name)


def make_version(owner, run_worker, capture, name: str = "mug.jpg"):
    """A photo of `owner` with version 2 made by a real repair on the real worker (a draft,
    not yet submitted). `capture` is django_capture_on_commit_callbacks."""
    from repairapp import services

    asset = make_asset(owner, name)
    with capture(execute=True):
        job = services.repair_create(user=owner, version=asset.latest_version(),
                                             mask_data=mask_png(512, 512, (100, 100, 160, 150)), engine="telea")
    run_worker()
    job.refresh_from_db()
    assert job.status == "succeeded", job.error
    return job.result_version


@pytest.fixture
def repaired(alice, run_worker, django_capture_on_commit_callbacks):
    """alice's photo with version 2 made by a real repair job (a draft, not yet submitted)."""
    return make_version(alice, run_worker, django_capture_on_commit_callbacks, name="shoe.jpg")


# ---------------------------------------------------------------- real browser (Chromium via Playwright)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]



@pytest.fixture(scope="module")
def browser():
    """Chromium for one test module. Playwright's sync API runs an event loop in this
    thread while it lives, so Django would refuse the tests' plain ORM calls as "called
    from an async context": allowed for exactly that long (module scope, so the
    database flush after the last test is still covered), then refused again."""
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (the README's test command needs it)")
    from django.db import connections

    saved = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    # Django's connections are per context: with Playwright's loop running, this thread
    # gets fresh connection objects that lack the serialized test data, so the flush
    # after a test would re-create content types and the next restore would collide.
    serialized = {alias: getattr(connections[alias], "_test_serialized_contents", None) for alias in connections}
    try:
        with sync_playwright() as pw:
            for alias, contents in serialized.items():
                if contents is not None:
                    connections[alias]._test_serialized_contents = contents
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            yield browser
            browser.close()
    finally:
        if saved is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = saved


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


def logged_in_page(browser, live_server, username, password, width=1440, height=900):
    """A new browser context of the given size, logged in through the real login form."""
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/")
    return page




def pytest_collection_modifyitems(items):
    """Every transactional test rolls back serialized data (see the module docstring).

    Mixing the two kinds breaks later tests: a plain transactional test's flush
    re-creates content types under new ids, and the next serialized restore then
    collides with them. So the rule is enforced here rather than remembered per test.
    """
    for item in items:
        marker = item.get_closest_marker("django_db")
        kwargs = dict(marker.kwargs) if marker else {}
        # live_server and transactional_db make a test transactional without a marker.
        transactional = kwargs.get("transaction") or {"transactional_db", "live_server"} & set(
            getattr(item, "fixturenames", ()))
        if transactional and not kwargs.get("serialized_rollback"):
            kwargs.update(transaction=True, serialized_rollback=True)
            item.add_marker(pytest.mark.django_db(**kwargs), append=False)
