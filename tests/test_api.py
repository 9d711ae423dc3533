"""The HTTP API (/api/v1/) with the test client, on PostgreSQL, Redis and a real rq worker.

Personas: alice (creator, owns the photos), bob (another creator), mo (moderator).
Every object endpoint has a test that another user's token gets a 404.
"""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw, ImageFont

from repairapp import engines, services
from repairapp.api import views as api
from repairapp.models import Asset, Event, IdempotencyKey, RepairJob, Review, Version
from repairapp.tokens import token_create
from tests.conftest import bearer, encode, mask_png, photo_bytes

pytestmark = pytest.mark.django_db

REPAIRS = "/api/v1/repairs"
ASSETS = "/api/v1/assets"


@pytest.fixture
def alice_asset(alice):
    return services.asset_create(owner=alice, data=photo_bytes(0), file_name="shoe.jpg")


def photo_file(name="photo.jpg", index=0):
    return SimpleUploadedFile(name, photo_bytes(index), content_type="image/jpeg")


def mask_file(box=(100, 100, 160, 150), size=(512, 512)):
    return SimpleUploadedFile("mask.png", mask_png(*size, box), content_type="image/png")


def post_repair(client, secret, capture=None, **data):
    data.setdefault("mask", mask_file())
    if "asset" not in data and "file" not in data:
        data.setdefault("image", photo_file())
    data = {k: v for k, v in data.items() if v is not None}
    if capture is None:
        return client.post(REPAIRS, data, **bearer(secret))
    with capture(execute=True):
        return client.post(REPAIRS, data, **bearer(secret))


def stored_files(media_root):
    return sorted(p for p in media_root.rglob("*") if p.is_file()) if media_root.exists() else []


# ---------------------------------------------------------------- authentication


ENDPOINTS = [
    ("post", REPAIRS), ("get", f"{REPAIRS}/1"), ("get", ASSETS), ("post", ASSETS), ("get", f"{ASSETS}/1"),
    ("get", "/api/v1/versions/1/image"), ("get", "/api/v1/versions/1/diff"), ("post", "/api/v1/versions/1/review"),
]


@pytest.mark.parametrize("method, path", ENDPOINTS)
@pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer ", "Token rpr_abc", "Basic YWxpY2U6eA==",
                                    "Bearer rpr_not-a-real-token", "Bearer not-even-the-prefix"])
def test_every_endpoint_refuses_a_missing_or_bad_token(client, alice, method, path, header):
    extra = {} if header is None else {"HTTP_AUTHORIZATION": header}
    response = getattr(client, method)(path, **extra)
    assert response.status_code == 401
    assert response.json()["code"] in ("unauthorized", "invalid_token") and response.json()["error"]
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_session_login_is_not_enough_for_the_api(alice_client, alice_asset):
    assert alice_client.get(ASSETS).status_code == 401


def test_a_revoked_token_stops_working_at_once(client, alice, alice_asset):
    token, secret = token_create(user=alice)
    assert client.get(ASSETS, **bearer(secret)).status_code == 200
    token.revoke()
    response = client.get(ASSETS, **bearer(secret))
    assert response.status_code == 401 and response.json()["code"] == "invalid_token"


def test_a_token_of_a_deactivated_user_is_refused(client, alice, alice_token):
    alice.is_active = False
    alice.save()
    assert client.get(ASSETS, **bearer(alice_token)).status_code == 401


def test_token_posts_need_no_csrf_token(alice, alice_token, run_worker):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(ASSETS, {"image": photo_file()}, **bearer(alice_token))
    assert response.status_code == 201


def test_unknown_api_paths_and_methods_answer_json(client, alice_token):
    response = client.get("/api/v1/nothing-here", **bearer(alice_token))
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    response = client.delete(ASSETS, **bearer(alice_token))
    assert response.status_code == 405 and response.json()["code"] == "method_not_allowed"
    assert response["Allow"] == "GET, POST"


@pytest.mark.parametrize("path", ["/api/v1/repairs/\n", "/api/v1/assets/%0A", "/api/v2/repairs", "/api/"])
def test_paths_no_pattern_matches_answer_json_under_the_api(client, alice_token, path):
    """A newline in the path slipped past the catch-all (the fuzz suite found it), and
    /api/ outside v1 had Django's HTML page."""
    response = client.get(path, **bearer(alice_token))
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json") and response.json()["code"] == "not_found"


def test_paths_outside_the_api_still_get_the_404_page(alice_client):
    response = alice_client.get("/no-such-page/\n")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")


# ---------------------------------------------------------------- POST /repairs


def test_a_repair_of_an_uploaded_photo_is_queued_and_ends_with_urls_and_checks(
    client, alice, alice_token, run_worker, django_capture_on_commit_callbacks
):
    response = post_repair(client, alice_token, django_capture_on_commit_callbacks, engine="telea")
    assert response.status_code == 202, response.content
    body = response.json()
    job = RepairJob.objects.get()
    assert body["id"] == job.pk and body["status"] == "queued" and body["queue"] == "available"
    assert body["asset"] == job.asset_id and body["version"] == job.base_version_id
    assert body["status_url"] == f"http://testserver/api/v1/repairs/{job.pk}"
    assert body["result_url"] is None and body["checks"]["changed_outside_mask"] is None
    assert (job.asset.owner, job.asset.original_name, job.engine) == (alice, "photo.jpg", "telea")

    assert run_worker() == 1
    status = client.get(body["status_url"], **bearer(alice_token)).json()
    version = Version.objects.get(made_by_job=job)
    assert status["status"] == "succeeded" and status["error"] == "" and status["attempts"] == 1
    assert status["started_at"] and status["finished_at"] and status["result_version"] == version.pk
    assert status["result_url"] == f"http://testserver/api/v1/versions/{version.pk}/image"
    assert status["diff_url"] == f"http://testserver/api/v1/versions/{version.pk}/diff"
    assert status["checks"] == {"changed_outside_mask": 0, "changed_fraction": version.changed_fraction,
                                "seam_score": version.seam_score, "flags": version.fill_flags}
    for url, kind in ((status["result_url"], "image/png"), (status["diff_url"], "image/jpeg")):
        image = client.get(url, **bearer(alice_token))
        assert image.status_code == 200 and image["Content-Type"] == kind
        assert Image.open(__import__("io").BytesIO(b"".join(image.streaming_content))).size == (512, 512)


def test_a_repair_that_changed_nothing_says_so_in_its_checks(client, alice_token, repaired):
    # As the worker records a fill that put back exactly what was there: the review page
    # says "changed nothing", and other systems reading the API must learn it too.
    Version.objects.filter(pk=repaired.pk).update(changed_inside_mask=0, changed_fraction=0, fill_flags=[])
    status = client.get(f"/api/v1/repairs/{repaired.made_by_job_id}", **bearer(alice_token)).json()
    ((flag,),) = [status["checks"]["flags"]]
    assert flag["code"] == "unchanged"
    assert flag["reason"].startswith(f"Changed nothing: none of the {repaired.mask_pixels:,} masked pixels")


def test_file_is_an_alias_of_image(client, alice_token):
    response = post_repair(client, alice_token, file=photo_file("alias.jpg"))
    assert response.status_code == 202
    assert Asset.objects.get().original_name == "alias.jpg"


def test_a_repair_of_an_existing_photo_starts_from_its_newest_version(
    client, alice, alice_token, alice_asset, run_worker, django_capture_on_commit_callbacks
):
    first = post_repair(client, alice_token, django_capture_on_commit_callbacks, asset=alice_asset.pk, engine="telea")
    assert first.status_code == 202 and first.json()["version"] == alice_asset.latest_version().pk
    run_worker()
    v2 = alice_asset.latest_version()
    assert v2.number == 2
    second = post_repair(client, alice_token, django_capture_on_commit_callbacks, asset=alice_asset.pk,
                         mask=mask_file((10, 10, 40, 40)), engine="telea")
    assert second.status_code == 202 and second.json()["version"] == v2.pk
    assert Asset.objects.count() == 1


def test_a_repair_of_another_users_photo_is_not_found(client, bob_token, alice_asset):
    response = post_repair(client, bob_token, asset=alice_asset.pk)
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert not RepairJob.objects.exists()


def test_a_moderator_may_see_but_not_repair_a_photo_in_review(client, mo_token, repaired):
    services.version_submit(user=repaired.asset.owner, version=repaired)
    response = post_repair(client, mo_token, asset=repaired.asset_id)
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    assert RepairJob.objects.count() == 1


@pytest.mark.parametrize("data, status, words", [
    ({"image": None}, 400, "one of the two"),
    ({"asset": 1, "image": photo_file()}, 400, "one of the two"),
    ({"file": photo_file(), "image": photo_file()}, 400, "not both"),
    ({"mask": None}, 400, "No mask was sent: send a PNG mask, white over what should be removed, or "
                          "mode=remove_text, which finds overlaid text itself and needs no mask."),
    ({"mask": SimpleUploadedFile("m.png", mask_png(512, 512, (0, 0, 0, 0)))}, 400, "mask is empty"),
    ({"mask": mask_file(size=(300, 200), box=(1, 1, 9, 9))}, 400, "mask is 300×200 but the photo is 512×512"),
    ({"engine": "magic"}, 400, "unknown engine 'magic'; known engines: auto, ns, patch, telea"),
    ({"dilate": "99"}, 400, "dilate"),
    ({"dilate": "lots"}, 400, "dilate: Enter a whole number"),
    ({"mode": "sharpen"}, 400, "mode: unknown mode 'sharpen'; use inpaint (fill the mask you send, the default) "
                               "or remove_text"),
    ({"mode": "REMOVE_TEXT", "mask": None}, 400, "mode: unknown mode 'REMOVE_TEXT'"),
    ({"image": SimpleUploadedFile("x.jpg", b"%PDF-1.4 not an image")}, 415, "not a JPEG, PNG or WebP"),
    ({"mask": SimpleUploadedFile("m.png", b"GIF89a...")}, 415, "mask is not a JPEG, PNG or WebP"),
])
def test_bad_repair_requests_are_refused_naming_the_problem_and_store_nothing(
    client, alice_token, media_root, data, status, words
):
    response = post_repair(client, alice_token, **data)
    assert response.status_code == status, response.content
    assert words in response.json()["error"]
    assert not Asset.objects.exists() and not RepairJob.objects.exists()
    assert stored_files(media_root) == []  # the photo was not kept when its repair was refused


def test_an_upload_larger_than_the_limit_is_413(client, alice_token, settings):
    settings.MAX_UPLOAD_BYTES = 20_000
    response = post_repair(client, alice_token)
    assert response.status_code == 413 and response.json()["code"] == "too_large"
    assert not Asset.objects.exists()


def test_a_photo_above_the_pixel_limit_is_413(client, alice_token, settings):
    settings.MAX_IMAGE_PIXELS = 1000
    response = post_repair(client, alice_token)
    assert response.status_code == 413 and "the limit is 0.0 MP" in response.json()["error"]


def _photo_with_text() -> bytes:
    img = Image.open(__import__("io").BytesIO(photo_bytes(0))).convert("RGB")
    ImageDraw.Draw(img).text((20, 440), "2026-11-24 13:45", fill=(255, 200, 0), font=ImageFont.load_default(size=28))
    return encode(img)


def test_remove_text_finds_the_text_itself(client, alice_token, run_worker, django_capture_on_commit_callbacks):
    image = SimpleUploadedFile("stamp.png", _photo_with_text())
    response = post_repair(client, alice_token, django_capture_on_commit_callbacks, image=image, mask=None,
                           mode="remove_text", engine="telea")
    assert response.status_code == 202, response.content
    run_worker()
    job = RepairJob.objects.get()
    assert job.status == RepairJob.SUCCEEDED, job.error
    box = job.result_version.mask_box  # where the text was drawn
    assert box["y"] >= 430 and box["x"] < 40 and job.result_version.changed_outside_mask == 0


def test_remove_text_on_a_photo_without_text_is_a_clear_400(client, alice_token, media_root):
    flat = SimpleUploadedFile("flat.png", encode(Image.new("RGB", (96, 64), (120, 130, 140))))
    response = post_repair(client, alice_token, image=flat, mask=None, mode="remove_text")
    assert response.status_code == 400 and "No text was found" in response.json()["error"]
    assert not Asset.objects.exists() and stored_files(media_root) == []


def test_remove_text_refuses_a_mask(client, alice_token):
    response = post_repair(client, alice_token, mode="remove_text")
    assert response.status_code == 400 and "send no mask" in response.json()["error"]


def test_redis_down_at_submit_answers_202_and_keeps_the_job_queued(
    client, alice_token, settings, django_capture_on_commit_callbacks
):
    # Nothing listens on port 1: a real refused connection, not a mock.
    settings.RQ_QUEUES = {"repair": {**settings.RQ_QUEUES["repair"], "URL": "redis://127.0.0.1:1/0"}}
    response = post_repair(client, alice_token, django_capture_on_commit_callbacks)
    assert response.status_code == 202, response.content  # the rate limit failed open too
    body = response.json()
    assert body["status"] == "queued" and body["queue"] == "unavailable" and "queue is back" in body["note"]
    job = RepairJob.objects.get(pk=body["id"])
    assert job.status == RepairJob.QUEUED
    assert Event.objects.filter(job=job, message__contains="queue unavailable").exists()


# ---------------------------------------------------------------- GET /repairs/<id>


def test_another_users_job_is_not_found(client, bob_token, repaired):
    response = client.get(f"{REPAIRS}/{repaired.made_by_job_id}", **bearer(bob_token))
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_a_failed_job_reports_its_reason_and_no_urls(client, alice_token, alice_asset, run_worker,
                                                    django_capture_on_commit_callbacks):
    response = post_repair(client, alice_token, django_capture_on_commit_callbacks, asset=alice_asset.pk)
    job = RepairJob.objects.get(pk=response.json()["id"])
    RepairJob.objects.filter(pk=job.pk).update(status=RepairJob.RUNNING)
    job.refresh_from_db()
    job.transition(from_status=RepairJob.RUNNING, to_status=RepairJob.FAILED, error="worker died")
    body = client.get(f"{REPAIRS}/{job.pk}", **bearer(alice_token)).json()
    assert body["status"] == "failed" and body["error"] == "worker died"
    assert body["result_url"] is None and body["diff_url"] is None


# ---------------------------------------------------------------- media


def test_version_media_is_for_the_tokens_user_only(client, alice_token, bob_token, repaired):
    for kind, media_type in (("image", "image/png"), ("diff", "image/jpeg")):
        url = f"/api/v1/versions/{repaired.pk}/{kind}"
        own = client.get(url, **bearer(alice_token))
        assert own.status_code == 200 and own["Content-Type"] == media_type
        assert own["X-Content-Type-Options"] == "nosniff"
        other = client.get(url, **bearer(bob_token))
        assert other.status_code == 404 and other.json()["code"] == "not_found"


def test_version_1_has_no_diff(client, alice_token, alice_asset):
    response = client.get(f"/api/v1/versions/{alice_asset.latest_version().pk}/diff", **bearer(alice_token))
    assert response.status_code == 404 and "no diff" in response.json()["error"]


# ---------------------------------------------------------------- assets


def test_an_upload_makes_an_asset_with_version_1(client, alice, alice_token):
    response = client.post(ASSETS, {"image": photo_file("new.jpg")}, **bearer(alice_token))
    assert response.status_code == 201
    body = response.json()
    asset = Asset.objects.get()
    assert (body["id"], body["name"], body["format"], asset.owner) == (asset.pk, "new.jpg", "JPEG", alice)
    assert [v["number"] for v in body["versions"]] == [1] and body["versions"][0]["review"] is None
    assert not RepairJob.objects.exists()


@pytest.mark.parametrize("data, status", [({}, 400), ({"image": SimpleUploadedFile("a.jpg", b"hello")}, 415)])
def test_bad_uploads_are_refused(client, alice_token, data, status):
    response = client.post(ASSETS, data, **bearer(alice_token))
    assert response.status_code == status and response.json()["error"]
    assert not Asset.objects.exists()


def test_the_list_shows_only_visible_photos_newest_first_in_pages(client, alice, alice_token, bob, monkeypatch):
    monkeypatch.setattr(api, "PAGE_SIZE", 2)
    mine = [services.asset_create(owner=alice, data=photo_bytes(i), file_name=f"{i}.jpg") for i in range(3)]
    services.asset_create(owner=bob, data=photo_bytes(4), file_name="bob.jpg")
    first = client.get(ASSETS, **bearer(alice_token)).json()
    assert first["count"] == 3 and [a["id"] for a in first["results"]] == [mine[2].pk, mine[1].pk]
    assert first["previous"] is None and first["next"] == "http://testserver/api/v1/assets?page=2"
    second = client.get(first["next"], **bearer(alice_token)).json()
    assert [a["id"] for a in second["results"]] == [mine[0].pk]
    assert second["next"] is None and second["previous"] == "http://testserver/api/v1/assets?page=1"
    assert client.get(ASSETS + "?page=3", **bearer(alice_token)).status_code == 404
    assert client.get(ASSETS + "?page=zero", **bearer(alice_token)).status_code == 400


def test_an_asset_lists_its_versions_and_their_review_states(client, alice, alice_token, bob_token, repaired):
    services.version_submit(user=alice, version=repaired)
    body = client.get(f"{ASSETS}/{repaired.asset_id}", **bearer(alice_token)).json()
    assert [(v["number"], v["parent"]) for v in body["versions"]] == [(1, None), (2, repaired.parent_id)]
    assert body["versions"][0]["diff_url"] is None and body["versions"][1]["diff_url"]
    assert body["versions"][1]["review"]["state"] == "pending"
    assert body["versions"][1]["made_by_job"] == repaired.made_by_job_id
    assert client.get(f"{ASSETS}/{repaired.asset_id}", **bearer(bob_token)).status_code == 404


# ---------------------------------------------------------------- review


def review(client, secret, version_id, payload, **extra):
    return client.post(f"/api/v1/versions/{version_id}/review", json.dumps(payload) if not isinstance(payload, bytes)
                       else payload, content_type="application/json", **bearer(secret), **extra)


def test_a_moderator_approves_a_submitted_version_once(client, alice, mo_token, repaired):
    services.version_submit(user=alice, version=repaired)
    response = review(client, mo_token, repaired.pk, {"decision": "approve", "comment": "clean"})
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "approved" and response.json()["decided_by"] == "mo"
    repaired.asset.refresh_from_db()
    assert repaired.asset.published_version == repaired
    again = review(client, mo_token, repaired.pk, {"decision": "reject", "comment": "changed my mind"})
    assert again.status_code == 409 and "already approved by mo" in again.json()["error"]
    assert Review.objects.get(version=repaired).state == Review.APPROVED


def test_a_draft_cannot_be_decided(client, mo_token, repaired, alice_token):
    # A draft is not visible to a moderator at all; the owner is no reviewer.
    assert review(client, mo_token, repaired.pk, {"decision": "approve"}).status_code == 404
    assert review(client, alice_token, repaired.pk, {"decision": "approve"}).status_code == 403


def test_an_admin_gets_409_for_a_version_not_submitted(client, admin_user, repaired):
    secret = token_create(user=admin_user)[1]
    response = review(client, secret, repaired.pk, {"decision": "approve"})
    assert response.status_code == 409 and "not submitted" in response.json()["error"]


@pytest.mark.parametrize("payload, words", [
    (b"{not json", "must be JSON"), ([1, 2], "JSON object"), ({"decision": "maybe"}, "decision"),
    ({}, "decision: This field is required"), ({"decision": "reject"}, "needs a comment"),
])
def test_bad_review_requests_are_400(client, alice, mo_token, repaired, payload, words):
    services.version_submit(user=alice, version=repaired)
    response = review(client, mo_token, repaired.pk, payload)
    assert response.status_code == 400 and words in response.json()["error"]
    assert Review.objects.get(version=repaired).state == Review.PENDING


def test_a_malformed_host_header_is_a_json_400_under_the_api(client, alice_token):
    # Refused by Django before any view (found by schemathesis with a generated Host header).
    response = client.post(ASSETS, {"image": photo_file()}, HTTP_HOST="s/%", **bearer(alice_token))
    assert response.status_code == 400 and response["Content-Type"] == "application/json"
    assert response.json()["code"] == "bad_request" and "Invalid HTTP_HOST header" in response.json()["error"]
    assert not Asset.objects.exists()
    page = client.get("/", HTTP_HOST="s/%")
    assert page.status_code == 400 and page["Content-Type"].startswith("text/html")


# ---------------------------------------------------------------- submit for review


def submit(client, secret, version_id, payload=None, **extra):
    body = b"" if payload is None else payload if isinstance(payload, bytes) else json.dumps(payload)
    return client.post(f"/api/v1/versions/{version_id}/submit", body, content_type="application/json",
                       **bearer(secret), **extra)


def test_the_owner_submits_a_repaired_version_with_a_note(client, alice, alice_token, mo_token, repaired):
    response = submit(client, alice_token, repaired.pk, {"note": "  logo removed, check the shadow  "})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["version"] == repaired.pk and body["state"] == "pending" and body["note"] == "logo removed, check the shadow"
    review_row = Review.objects.get(version=repaired)
    assert review_row.state == Review.PENDING and review_row.submitted_by == alice
    assert Event.objects.filter(kind=Event.VERSION_SUBMITTED, version=repaired, actor=alice).count() == 1
    # Now in the moderators' queue: the moderator sees it and decides it through the API.
    assert review(client, mo_token, repaired.pk, {"decision": "approve"}).status_code == 200


def test_a_submit_without_a_body_has_an_empty_note(client, alice_token, repaired):
    response = submit(client, alice_token, repaired.pk)
    assert response.status_code == 200 and response.json()["note"] == ""


def test_a_version_is_submitted_once(client, alice_token, repaired):
    assert submit(client, alice_token, repaired.pk).status_code == 200
    again = submit(client, alice_token, repaired.pk, {"note": "again"})
    assert again.status_code == 409 and again.json() == {"error": "Version 2 is already pending.", "code": "conflict"}
    assert Review.objects.get(version=repaired).note == ""


def test_the_upload_itself_cannot_be_submitted(client, alice_token, repaired):
    response = submit(client, alice_token, repaired.asset.versions.get(number=1).pk)
    assert response.status_code == 409 and "not a repair" in response.json()["error"]


def test_only_the_owner_submits(client, bob_token, mo_token, repaired, alice):
    assert submit(client, bob_token, repaired.pk).status_code == 404  # not visible to bob at all
    services.version_submit(user=alice, version=repaired)
    # A moderator sees a submitted version, but it is not theirs to submit.
    other = repaired.asset.versions.get(number=1)
    response = submit(client, mo_token, other.pk)
    assert response.status_code == 403 and response.json()["code"] == "forbidden"


@pytest.mark.parametrize("payload, words", [
    (b"{not json", "must be JSON"), ([1, 2], "JSON object"), ({"note": 5}, "note: a note is text"),
    ({"note": "x" * 5001}, "note: Ensure this value has at most 5000 characters"),
])
def test_bad_submit_requests_are_400_and_change_nothing(client, alice_token, repaired, payload, words):
    response = submit(client, alice_token, repaired.pk, payload)
    assert response.status_code == 400 and words in response.json()["error"]
    assert Review.objects.get(version=repaired).state == Review.DRAFT


# ---------------------------------------------------------------- idempotency


def test_the_same_idempotency_key_and_body_return_the_same_job(client, alice_token):
    key = {"HTTP_IDEMPOTENCY_KEY": "upload-42"}
    first = client.post(REPAIRS, {"image": photo_file(), "mask": mask_file()}, **bearer(alice_token), **key)
    again = client.post(REPAIRS, {"image": photo_file(), "mask": mask_file()}, **bearer(alice_token), **key)
    assert first.status_code == again.status_code == 202
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert RepairJob.objects.count() == 1 and Asset.objects.count() == 1
    other = client.post(REPAIRS, {"image": photo_file(), "mask": mask_file((1, 1, 9, 9))}, **bearer(alice_token), **key)
    assert other.status_code == 409 and other.json()["code"] == "idempotency_conflict"
    assert RepairJob.objects.count() == 1


def test_idempotency_keys_belong_to_one_user(client, alice_token, bob_token):
    key = {"HTTP_IDEMPOTENCY_KEY": "same"}
    a = client.post(ASSETS, {"image": photo_file()}, **bearer(alice_token), **key)
    b = client.post(ASSETS, {"image": photo_file()}, **bearer(bob_token), **key)
    assert a.status_code == b.status_code == 201 and a.json()["id"] != b.json()["id"]
    assert IdempotencyKey.objects.count() == 2


def test_a_refused_request_is_not_remembered_so_it_can_be_corrected(client, alice_token):
    key = {"HTTP_IDEMPOTENCY_KEY": "fix-me"}
    bad = client.post(REPAIRS, {"image": photo_file(), "mask": mask_file(), "engine": "magic"},
                      **bearer(alice_token), **key)
    assert bad.status_code == 400 and not IdempotencyKey.objects.exists()
    good = client.post(REPAIRS, {"image": photo_file(), "mask": mask_file()}, **bearer(alice_token), **key)
    assert good.status_code == 202 and RepairJob.objects.count() == 1


# ---------------------------------------------------------------- rate limit


def test_a_token_over_its_rate_limit_gets_429_with_retry_after(client, alice_token, bob_token, settings, redis_conn):
    settings.API_RATE_LIMIT, settings.API_RATE_WINDOW = 3, 60
    assert [client.get(ASSETS, **bearer(alice_token)).status_code for _ in range(3)] == [200] * 3
    limited = client.get(ASSETS, **bearer(alice_token))
    assert limited.status_code == 429 and limited.json()["code"] == "rate_limited"
    assert 1 <= int(limited["Retry-After"]) <= 60
    assert client.get(ASSETS, **bearer(bob_token)).status_code == 200  # per token, not global


def test_the_rate_limit_fails_open_when_redis_is_down(client, alice_token, settings):
    settings.API_RATE_LIMIT = 1
    settings.RQ_QUEUES = {"repair": {**settings.RQ_QUEUES["repair"], "URL": "redis://127.0.0.1:1/0"}}
    assert [client.get(ASSETS, **bearer(alice_token)).status_code for _ in range(3)] == [200] * 3


def test_engine_names_in_errors_match_the_registry(client, alice_token):
    error = post_repair(client, alice_token, engine="nope").json()["error"]
    assert all(name in error for name in engines.names())


@pytest.mark.parametrize("field", ["image", "file", "mask"])
def test_a_file_field_sent_as_text_is_a_400_not_ignored(client, alice_token, field):
    data = {"image": photo_file(), "mask": mask_file(), field: "photo.jpg"}
    response = client.post(REPAIRS, data, **bearer(alice_token))
    assert response.status_code == 400 and "must be a file upload" in response.json()["error"]
    assert not Asset.objects.exists()


def test_the_sweep_forgets_idempotency_keys_past_their_time(alice, redis_conn, settings):
    import io
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    from repairapp.models import IdempotencyKey

    old = IdempotencyKey.objects.create(user=alice, key="old", fingerprint="x",
                                        created_at=timezone.now() - timedelta(hours=settings.IDEMPOTENCY_KEY_HOURS + 1))
    fresh = IdempotencyKey.objects.create(user=alice, key="fresh", fingerprint="y")
    out = io.StringIO()
    call_command("sweep", stdout=out)  # the sweep command asks the API's forget_idempotency_keys
    assert "forgot 1 idempotency keys" in out.getvalue()
    assert not IdempotencyKey.objects.filter(pk=old.pk).exists() and IdempotencyKey.objects.filter(pk=fresh.pk).exists()
