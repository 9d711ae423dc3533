"""The API as a script uses it: curl against a live server, a real rq worker, and
concurrent requests sharing an Idempotency-Key."""

import io
import json
import subprocess

import numpy as np
import pytest
from PIL import Image

from repairapp import imaging
from repairapp.engines import pipeline
from repairapp.models import Asset, IdempotencyKey, RepairJob
from repairapp.tokens import token_create
from tests.conftest import mask_png, photo_bytes

# Committed data for the live server and the worker; serialized rollback puts back
# what migrations made (role groups, content types) for the tests that follow.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

BOX = (200, 150, 260, 230)  # x0, y0, x1, y1 of the area to remove


def curl(*args, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(["curl", "--silent", "--show-error", *args], cwd=cwd, capture_output=True, timeout=60,
                          check=True)


@pytest.fixture
def workdir(tmp_path):
    (tmp_path / "photo.jpg").write_bytes(photo_bytes(1))
    (tmp_path / "mask.png").write_bytes(mask_png(512, 512, BOX))
    return tmp_path


def test_the_readme_curl_command_ends_with_a_result_that_only_changed_under_the_mask(
    live_server, alice, django_user_model, workdir, run_worker
):
    secret = token_create(user=alice)[1]
    url = f"{live_server.url}/api/v1/repairs"
    # Exactly the documented command, with the live server's address.
    posted = curl("-F", "image=@photo.jpg", "-F", "mask=@mask.png", "-H", f"Authorization: Bearer {secret}", url,
                  cwd=workdir)
    body = json.loads(posted.stdout)
    assert body["status"] == "queued" and body["status_url"] == f"{live_server.url}/api/v1/repairs/{body['id']}"

    assert run_worker() == 1
    status = json.loads(curl("-H", f"Authorization: Bearer {secret}", body["status_url"]).stdout)
    assert status["status"] == "succeeded", status["error"]
    assert status["checks"]["changed_outside_mask"] == 0

    result = curl("-H", f"Authorization: Bearer {secret}", "-w", "\n%{http_code} %{content_type}", status["result_url"])
    data, _, meta = result.stdout.rpartition(b"\n")
    assert meta == b"200 image/png"
    before = imaging.decode_photo((workdir / "photo.jpg").read_bytes()).rgb
    after = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
    painted = np.zeros(before.shape[:2], np.uint8)
    painted[BOX[1]:BOX[3], BOX[0]:BOX[2]] = 255
    outside = imaging.dilate_mask(painted, pipeline.DEFAULT_DILATE) == 0
    assert np.array_equal(after[outside], before[outside])  # every unmasked pixel, bit for bit
    assert np.any(after[painted > 0] != before[painted > 0])

    diff = curl("-H", f"Authorization: Bearer {secret}", "-o", "/dev/null", "-w", "%{http_code} %{content_type}",
                status["diff_url"])
    assert diff.stdout == b"200 image/jpeg"
    stranger = token_create(user=django_user_model.objects.create_user("eve"))[1]
    denied = curl("-H", f"Authorization: Bearer {stranger}", "-o", "/dev/null", "-w", "%{http_code}", status["result_url"])
    assert denied.stdout == b"404"


def test_concurrent_posts_with_one_idempotency_key_make_one_job(live_server, alice, workdir, redis_conn):
    secret = token_create(user=alice)[1]
    command = ["curl", "--silent", "--show-error", "-F", "image=@photo.jpg", "-F", "mask=@mask.png",
               "-H", f"Authorization: Bearer {secret}", "-H", "Idempotency-Key: nightly-7",
               "-w", "\n%{http_code}", f"{live_server.url}/api/v1/repairs"]
    # Separate processes started together: the requests overlap in the threaded server.
    runs = [subprocess.Popen(command, cwd=workdir, stdout=subprocess.PIPE) for _ in range(4)]
    answers = [run.communicate(timeout=60)[0].rpartition(b"\n") for run in runs]
    assert {status for _, _, status in answers} == {b"202"}
    bodies = [json.loads(body) for body, _, _ in answers]
    assert all(body == bodies[0] for body in bodies)
    assert RepairJob.objects.count() == 1 and Asset.objects.count() == 1 and IdempotencyKey.objects.count() == 1
