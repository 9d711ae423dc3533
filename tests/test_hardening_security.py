"""Issue 12, security: the login brake (normalised names, atomic count, admin login,
Redis down or hung), CSV formula injection, four eyes, the per-user API rate limit."""

import csv
import io
import threading

import pytest
from django.test import Client
from django.urls import reverse

from repairapp import services
from repairapp.models import Event, Review
from repairapp.roles import set_role
from repairapp.tokens import token_create
from tests.conftest import mask_png
from tests.photos import photo_bytes
from tests.hung import hung_server

pytestmark = pytest.mark.django_db

DOWN = "redis://127.0.0.1:1/0"  # nothing listens on port 1: a real refused connection


def use_redis(settings, url):
    from repairapp.settings import redis_url_with_timeouts

    settings.RQ_QUEUES = {"repair": {**settings.RQ_QUEUES["repair"], "URL": redis_url_with_timeouts(url)}}


def repaired_version(user, file_name, run_worker, capture):
    """Version 2 of a new photo of `user`, made by a real repair job (a draft)."""
    asset = services.asset_create(owner=user, data=photo_bytes(0), file_name=file_name)
    with capture(execute=True):
        services.repair_create(user=user, version=asset.latest_version(),
                                       mask_data=mask_png(512, 512, (100, 100, 160, 150)), engine="telea")
    run_worker()
    return asset.versions.get(number=2)


def login(client, username, password, path=None):
    return client.post(path or reverse("login"), {"username": username, "password": password})


# ---------------------------------------------------------------- login brake


@pytest.mark.parametrize("variant", ["ａlice", "𝐚lice", "ALICE", " alice "])
def test_a_confusable_spelling_of_the_name_shares_the_brake(client, alice, settings, redis_conn, variant):
    settings.LOGIN_MAX_FAILURES = 3
    for _ in range(3):
        assert login(client, "alice", "wrong").status_code == 200
    response = login(client, variant, "alice-pass-123")
    assert response.status_code == 429 and "Too many failed logins" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_django_admin_login_has_the_same_brake(client, admin_user, settings, redis_conn):
    settings.LOGIN_MAX_FAILURES = 3
    for _ in range(3):
        assert login(client, "ad", "wrong", "/admin/login/").status_code == 200
    response = login(client, "ad", "ad-pass-123", "/admin/login/")
    assert response.status_code == 429 and response["Retry-After"] == str(settings.LOGIN_LOCKOUT_SECONDS)
    assert "_auth_user_id" not in client.session
    # The brake on one page counts on the other too: it is one count per name.
    assert login(client, "ad", "ad-pass-123").status_code == 429


def test_a_locked_out_admin_login_answers_on_the_admin_login_page(client, admin_user, settings, redis_conn):
    settings.LOGIN_MAX_FAILURES = 2
    for _ in range(2):
        login(client, "ad", "wrong", "/admin/login/")
    response = client.post("/admin/login/?next=/admin/auth/user/",
                           {"username": "ad", "password": "ad-pass-123", "next": "/admin/auth/user/"})
    assert response.status_code == 429
    assert [t.name for t in response.templates][0] == "admin/login.html"
    html = response.content.decode()
    assert '<p class="errornote">' in html and "Too many failed logins" in html
    # The form posts back to the admin login, keeping the name and where to go after.
    assert 'action="/admin/login/?next=/admin/auth/user/"' in html
    assert 'name="next" value="/admin/auth/user/"' in html and 'value="ad"' in html


def test_admin_login_says_why_it_is_paused_while_redis_is_down(client, admin_user, settings):
    use_redis(settings, DOWN)
    response = login(client, "ad", "ad-pass-123", "/admin/login/")
    assert response.status_code == 503
    assert [t.name for t in response.templates][0] == "admin/login.html"
    assert "guards against password guessing is not answering" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_admin_login_still_works_under_the_brake(client, admin_user, redis_conn):
    response = login(client, "ad", "ad-pass-123", "/admin/login/")
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(admin_user.pk)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_parallel_guesses_reach_the_password_check_at_most_the_limit(django_user_model, settings, redis_conn):
    django_user_model.objects.create_user("carol", password="carol-pass-123")
    settings.LOGIN_MAX_FAILURES = 5
    barrier = threading.Barrier(20)
    statuses = []

    def guess():
        client = Client()
        barrier.wait()
        statuses.append(login(client, "carol", "wrong").status_code)

    threads = [threading.Thread(target=guess) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] * 5 + [429] * 15


def test_logins_fail_closed_with_a_message_while_redis_is_down(client, alice, settings):
    use_redis(settings, DOWN)
    response = login(client, "alice", "alice-pass-123")
    assert response.status_code == 503
    assert "guards against password guessing is not answering" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_hung_redis_takes_the_redis_down_path(client, alice, settings, alice_token_secret):
    # Accepts connections and never answers: the timeouts turn it into "Redis down".
    with hung_server() as url:
        use_redis(settings, url)
        assert login(client, "alice", "alice-pass-123").status_code == 503
        # The API's rate limit fails open and a repair is still stored, for the sweep.
        response = Client().post("/api/v1/repairs", {
            "image": io.BytesIO(photo_bytes(0)), "mask": io.BytesIO(mask_png(512, 512, (10, 10, 40, 40))),
        }, HTTP_AUTHORIZATION=f"Bearer {alice_token_secret}")
        assert response.status_code == 202 and response.json()["queue"] == "unavailable"


def test_after_one_failed_redis_call_the_next_ones_take_the_down_path_at_once(client, alice, settings,
                                                                               alice_token_secret, monkeypatch):
    from repairapp import jobs
    from repairapp.settings import redis_url_with_timeouts

    # The real Redis, under a URL of this test's own: it answers, but a call just failed.
    settings.RQ_QUEUES = {"repair": {**settings.RQ_QUEUES["repair"],
                                     "URL": redis_url_with_timeouts(settings.REDIS_URL, 400)}}
    settings.API_RATE_LIMIT = 1
    assert jobs.queue_available()
    monkeypatch.setattr(jobs, "REDIS_DOWN_MEMORY_SECONDS", 600)  # outlasts this test on a slow machine
    jobs.note_redis_down()
    assert not jobs.queue_available()
    assert login(client, "alice", "alice-pass-123").status_code == 503
    codes = [client.get("/api/v1/assets", HTTP_AUTHORIZATION=f"Bearer {alice_token_secret}").status_code
             for _ in range(2)]
    assert codes == [200, 200]  # the rate limit was not asked: it fails open


def test_the_redis_connections_have_short_timeouts(settings):
    from django.core.cache import caches

    import django_rq

    kwargs = django_rq.get_connection("repair").connection_pool.connection_kwargs
    assert 0 < kwargs["socket_timeout"] <= 1 and 0 < kwargs["socket_connect_timeout"] <= 1
    assert "socket_timeout=0.5" in settings.CACHES["default"]["LOCATION"]
    assert caches["default"]  # the URL with timeouts is one the cache backend accepts


# ---------------------------------------------------------------- CSV formula injection


def test_history_csv_neutralises_formulas_in_every_column(client, alice, admin_user, moderator, run_worker,
                                                          django_capture_on_commit_callbacks):
    version = repaired_version(alice, "=cmd|calc!A0.jpg", run_worker, django_capture_on_commit_callbacks)
    asset = version.asset
    services.version_submit(user=alice, version=version, note="=1+2")
    services.review_decide(user=moderator, version=version, decision="reject",
                           comment='=HYPERLINK("http://evil.example","x")')
    Event.objects.create(kind=Event.VERSION_SUBMITTED, actor=alice, asset=asset, message="@SUM(1)")
    Event.objects.create(kind=Event.VERSION_SUBMITTED, actor=alice, asset=asset, message="\tx")
    Event.objects.create(kind=Event.VERSION_SUBMITTED, actor=alice, asset=asset, message="-2+3")
    client.force_login(admin_user)
    response = client.get(reverse("history") + "?format=csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    cells = [cell for row in rows[1:] for cell in row]
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert "'=1+2" in cells and "'=HYPERLINK(\"http://evil.example\",\"x\")" in cells
    assert "'=cmd|calc!A0.jpg" in cells and "'@SUM(1)" in cells and "'-2+3" in cells


# ---------------------------------------------------------------- four eyes


@pytest.fixture
def own_version(moderator, run_worker, django_capture_on_commit_callbacks):
    """A version the moderator made of their own photo, submitted for review."""
    version = repaired_version(moderator, "own.jpg", run_worker, django_capture_on_commit_callbacks)
    services.version_submit(user=moderator, version=version)
    return version


def test_a_moderator_cannot_approve_their_own_version(client, moderator, own_version):
    mo_token = token_create(user=moderator)[1]
    response = client.post(f"/api/v1/versions/{own_version.pk}/review", {"decision": "approve"},
                           content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {mo_token}")
    assert response.status_code == 403 and response.json()["code"] == "own_version"
    client.force_login(moderator)
    response = client.post(reverse("review-decide", args=[own_version.pk]), {"decision": "approve"})
    assert response.status_code == 403 and "another moderator must decide it" in response.content.decode()
    assert Review.objects.get(version=own_version).state == Review.PENDING


def test_another_moderator_can_approve_it(client, django_user_model, own_version):
    other = django_user_model.objects.create_user("mo2", password="x")
    set_role(other, "moderator")
    services.review_decide(user=other, version=own_version, decision="approve")
    assert Review.objects.get(version=own_version).state == Review.APPROVED


def test_an_admin_may_override_four_eyes_and_the_history_says_so(moderator, own_version):
    set_role(moderator, "admin")
    services.review_decide(user=moderator, version=own_version, decision="approve")
    event = Event.objects.get(kind=Event.VERSION_APPROVED, version=own_version)
    assert event.data == {"four_eyes_override": True}


def test_four_eyes_can_be_turned_off(settings, moderator, own_version):
    settings.REVIEW_FOUR_EYES = False
    services.review_decide(user=moderator, version=own_version, decision="approve")
    assert Review.objects.get(version=own_version).state == Review.APPROVED


# ---------------------------------------------------------------- API rate limit per user


@pytest.fixture
def alice_token_secret(alice):
    return token_create(user=alice)[1]


def test_more_tokens_do_not_multiply_the_rate_limit(client, alice, settings, redis_conn):
    settings.API_RATE_LIMIT, settings.API_RATE_WINDOW = 3, 60
    first, second = token_create(user=alice)[1], token_create(user=alice)[1]
    codes = [client.get("/api/v1/assets", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code
             for secret in (first, second, first, second)]
    assert codes == [200, 200, 200, 429]
