"""Fuzzing every URL of the pages and the API on the real stack (PostgreSQL, Redis):
hypothesis makes the strings (NUL, very long, Unicode confusables, numbers of every
shape), the JSON (deep, huge, of any type) and the files (random bytes, truncated and
odd images). Whatever comes in, the answer is never a 5xx, and a refused request
stores nothing: no row, no file.

schemathesis (test_api_openapi.py) covers what the OpenAPI document describes; this
covers the edges it does not: the pages, undocumented fields, headers, paths.
FUZZ_EXAMPLES sets the examples per test (default 25, what CI runs). The examples are
the same on every run (derandomized), so CI passes or fails on the code, not on the
draw; FUZZ_RANDOM=1 draws new ones each run, to explore (that is how a newline in an
API path was found: test_api.py keeps it).
"""

from __future__ import annotations

import io
import json
import os
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st
from PIL import Image

from repairapp import services
from repairapp.models import ApiToken, Asset, Event, IdempotencyKey, RepairJob, Review, SavedMask, Version
from repairapp.tokens import token_create
from tests.conftest import encode, mask_png
from tests.photos import photo_bytes

pytestmark = pytest.mark.django_db

FUZZ = hsettings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "25")),
    deadline=None,
    database=None,  # nothing written into the checkout
    derandomize=os.environ.get("FUZZ_RANDOM") != "1",
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.data_too_large, HealthCheck.filter_too_much],
)

# ---------------------------------------------------------------- strategies

CONFUSABLES = ["ａlice", "𝐚lice", "ALİCE", "alice\u200b", "\u202eecila", "ﬁle", "straße", "Ⅸ", "\ufeffadmin",
               "ad\u0308", "mo\u00a0", "<script>", "../../etc/passwd", "%00", "' OR 1=1 --", "=1+2"]
NUMBERS = st.one_of(
    st.integers(-(2**70), 2**70).map(str),
    st.sampled_from(["", "0", "-1", "1e309", "NaN", "inf", "-0", "0x10", "１２", "٣", "1.5", " 7 ", "9" * 40]),
)
CHARS = st.characters(exclude_categories=("Cs",))  # lone surrogates cannot even be sent
TEXT = st.one_of(
    st.text(CHARS, max_size=40),
    st.tuples(st.text(CHARS, max_size=10), st.text(CHARS, max_size=10)).map(lambda p: p[0] + "\x00" + p[1]),
    st.tuples(CHARS, st.integers(500, 20_000)).map(lambda p: p[0] * p[1]),
    st.sampled_from(CONFUSABLES),
    NUMBERS,
)


def _deep(n: int, kind: str) -> str:
    return {"list": "[" * n + "]" * n, "dict": '{"a":' * n + "1" + "}" * n,
            "mixed": '[{"decision":' * n + '"approve"' + "}]" * n}[kind]


JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), TEXT),
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(TEXT, children, max_size=4)),
    max_leaves=12,
)
JSON_BODIES = st.one_of(
    st.fixed_dictionaries({"decision": st.one_of(st.sampled_from(["approve", "reject"]), TEXT)},
                          optional={"comment": st.one_of(TEXT, JSON_VALUES)}).map(json.dumps),
    JSON_VALUES.map(json.dumps),
    st.tuples(st.integers(100, 200_000), st.sampled_from(["list", "dict", "mixed"])).map(lambda p: _deep(*p)),
    st.text(CHARS, max_size=100),  # not JSON at all
)


def _image(width: int, height: int, mode: str, fmt: str) -> bytes:
    img = Image.new(mode, (width, height), 0 if mode in ("1", "L", "I;16", "P") else (10, 200, 30)[: len(mode)])
    try:
        return encode(img, fmt)
    except (OSError, ValueError, KeyError):
        return encode(img.convert("RGB"), fmt)


REAL = photo_bytes(0)
PNG = encode(Image.open(io.BytesIO(REAL)))
FILES = st.one_of(
    st.binary(max_size=3000),
    st.integers(0, len(PNG)).map(lambda n: PNG[:n]),
    st.integers(0, len(REAL)).map(lambda n: REAL[:n]),
    st.tuples(st.integers(0, len(PNG) - 1), st.integers(0, 255)).map(
        lambda p: PNG[: p[0]] + bytes([p[1]]) + PNG[p[0] + 1:]),
    st.builds(_image, st.integers(1, 40), st.integers(1, 40), st.sampled_from(["RGB", "L", "RGBA", "P", "1", "I;16"]),
              st.sampled_from(["PNG", "JPEG", "WEBP", "GIF", "BMP", "TIFF"])),
    st.builds(lambda w, h: encode(Image.new("L", (w, h), 255)), st.integers(1, 600), st.integers(1, 600)),  # masks
)

# ---------------------------------------------------------------- the world fuzzed against


@pytest.fixture
def world(alice, moderator, admin_user, repaired, redis_conn, settings, media_root, text_model):
    """alice's photo with a pending repaired version; tokens; logged-in clients."""
    settings.API_RATE_LIMIT = 0
    settings.LOGIN_MAX_FAILURES = 10**9
    services.version_submit(user=alice, version=repaired)
    clients = {}
    for name, user in (("alice", alice), ("mo", moderator), ("admin", admin_user)):
        clients[name] = Client()
        clients[name].force_login(user)
    clients["anon"] = Client()
    ids = {"asset": repaired.asset_id, "version": repaired.pk, "v1": repaired.parent_id,
           "job": repaired.made_by_job_id}
    tokens = {"alice": token_create(user=alice)[1], "mo": token_create(user=moderator)[1]}
    return {"clients": clients, "ids": ids, "tokens": tokens, "media": media_root}


def snapshot(media_root) -> tuple:
    files = sum(1 for p in media_root.rglob("*") if p.is_file() and "renditions" not in p.parts)
    return (Asset.objects.count(), Version.objects.count(), RepairJob.objects.count(), Event.objects.count(),
            ApiToken.objects.count(), SavedMask.objects.count(), IdempotencyKey.objects.count(),
            list(Review.objects.order_by("pk").values_list("state", "comment", "note")), files)


def check(response, before, world):
    assert response.status_code < 500, (response.status_code, response.content[:500])
    if response.status_code >= 400:
        assert snapshot(world["media"]) == before, response.content[:300]


GET_PAGES = [
    ("/", ["page"]), ("/assets/{asset}/", ["version"]), ("/review/", ["state", "submitter", "page"]),
    ("/review/{version}/", []), ("/history/", ["user", "asset", "kind", "engine", "from", "to", "page", "format"]),
    ("/assets/{asset}/history", []), ("/jobs/{job}", []), ("/jobs/{job}/mask", []), ("/masks/", []),
    ("/versions/{version}/image", ["download"]), ("/versions/{version}/thumb", []), ("/versions/{version}/diff", []),
    ("/versions/{version}/display", []), ("/assets/{asset}/published", []), ("/settings/tokens", []),
    ("/login/", ["next"]), ("/admin/login/", ["next"]), ("/static/{text}", []), ("/{text}", []),
]

POST_PAGES = [
    ("/assets/upload", ["photo"], ["photo"]),
    ("/assets/{asset}/repairs", ["version", "engine", "dilate", "feather", "mask"], ["mask"]),
    ("/versions/{version}/submit", ["note"], []),
    ("/review/{version}/decide", ["decision", "comment", "next"], []),
    ("/settings/tokens", ["name"], []),
    ("/settings/tokens/{number}/revoke", [], []),
    ("/masks/", ["name", "anchor", "mask"], ["mask"]),
    ("/masks/{number}/delete", [], []),
    ("/versions/{version}/find-text", [], []),
    ("/login/", ["username", "password", "next"], []),
    ("/admin/login/", ["username", "password", "next"], []),
]

API = [
    ("post", "/api/v1/repairs", ["image", "file", "mask", "mode", "engine", "dilate", "feather", "asset"],
     ["image", "file", "mask"]),
    ("get", "/api/v1/repairs/{job}", [], []), ("get", "/api/v1/repairs/{text}", [], []),
    ("post", "/api/v1/assets", ["image", "file"], ["image", "file"]),
    ("get", "/api/v1/assets", ["page"], []), ("get", "/api/v1/assets/{asset}", [], []),
    ("get", "/api/v1/versions/{version}/image", [], []), ("get", "/api/v1/versions/{v1}/diff", [], []),
    ("get", "/api/v1/{text}", [], []), ("delete", "/api/v1/assets/{asset}", [], []),
]


def fill(path: str, ids: dict, data) -> str:
    values = {**ids, "number": data.draw(NUMBERS.filter(lambda s: s.strip().isascii() and s.strip().isdigit()),
                                         label="number").strip() if "{number}" in path else ""}
    if "{text}" in path:
        values["text"] = quote(data.draw(TEXT, label="path text")[:300], safe="")
    return path.format(**values)


def fields(data, names: list[str], file_names: list[str]) -> dict:
    chosen = data.draw(st.lists(st.sampled_from(names), unique=True), label="fields") if names else []
    out = {}
    for name in chosen:
        if name in file_names and data.draw(st.booleans(), label=f"{name} is a file"):
            # Any name the client can send: Django's client itself refuses "", "." and "/".
            file_name = "f" + data.draw(TEXT, label="file name")[:200].replace("/", "_").replace("\\", "_")
            out[name] = SimpleUploadedFile(file_name, data.draw(FILES, label=name))
        else:
            out[name] = data.draw(TEXT, label=name)
    return out


# ---------------------------------------------------------------- the tests


@FUZZ
@given(data=st.data())
def test_pages_answer_get_without_a_5xx(world, data):
    path, params = data.draw(st.sampled_from(GET_PAGES), label="page")
    who = data.draw(st.sampled_from(["alice", "mo", "admin", "anon"]), label="who")
    query = {name: data.draw(TEXT, label=name) for name in data.draw(st.lists(st.sampled_from(params or ["x"]),
                                                                              unique=True), label="params")}
    before = snapshot(world["media"])
    check(world["clients"][who].get(fill(path, world["ids"], data), query), before, world)


@FUZZ
@given(data=st.data())
def test_pages_answer_post_without_a_5xx_and_store_nothing_when_refusing(world, data):
    path, names, file_names = data.draw(st.sampled_from(POST_PAGES), label="form")
    who = data.draw(st.sampled_from(["alice", "mo", "admin"]), label="who")
    before = snapshot(world["media"])
    check(world["clients"][who].post(fill(path, world["ids"], data), fields(data, names, file_names)), before, world)


@FUZZ
@given(data=st.data())
def test_the_api_answers_without_a_5xx_and_stores_nothing_when_refusing(world, data):
    method, path, names, file_names = data.draw(st.sampled_from(API), label="endpoint")
    headers = {"HTTP_AUTHORIZATION": "Bearer " + data.draw(
        st.one_of(st.sampled_from(list(world["tokens"].values())), TEXT), label="token")}
    if data.draw(st.booleans(), label="with an Idempotency-Key"):
        headers["HTTP_IDEMPOTENCY_KEY"] = data.draw(TEXT, label="key")
    client = world["clients"]["anon"]
    url = fill(path, world["ids"], data)
    before = snapshot(world["media"])
    if method == "post":
        response = client.post(url, fields(data, names, file_names), **headers)
    elif method == "get":
        response = client.get(url, {n: data.draw(TEXT, label=n) for n in names}, **headers)
    else:
        response = getattr(client, method)(url, **headers)
    check(response, before, world)
    assert response["Content-Type"].startswith(("application/json", "image/"))


@FUZZ
@given(body=JSON_BODIES, key=st.one_of(st.none(), TEXT), which=st.sampled_from(["version", "v1"]),
       action=st.sampled_from([("review", "mo"), ("submit", "alice")]))
def test_json_bodies_of_any_shape_never_5xx(world, body, key, which, action):
    endpoint, who = action
    headers = {"HTTP_AUTHORIZATION": f"Bearer {world['tokens'][who]}"}
    if key is not None:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    before = snapshot(world["media"])
    response = world["clients"]["anon"].post(f"/api/v1/versions/{world['ids'][which]}/{endpoint}", body,
                                             content_type="application/json", **headers)
    check(response, before, world)


@FUZZ
@given(mask=FILES, engine=st.one_of(st.sampled_from(["auto", "telea", "ns", "patch"]), TEXT),
       dilate=st.one_of(NUMBERS, TEXT), feather=NUMBERS)
def test_editor_repairs_with_any_mask_never_5xx(world, mask, engine, dilate, feather):
    before = snapshot(world["media"])
    response = world["clients"]["alice"].post(f"/assets/{world['ids']['asset']}/repairs", {
        "mask": SimpleUploadedFile("mask.png", mask), "engine": engine, "dilate": dilate, "feather": feather,
    })
    check(response, before, world)


def test_a_known_good_request_still_works_in_the_fuzzed_world(world):
    """The fuzz world is not broken in a way that would make every answer a 4xx."""
    response = world["clients"]["alice"].post(f"/assets/{world['ids']['asset']}/repairs", {
        "mask": SimpleUploadedFile("mask.png", mask_png(512, 512, (5, 5, 30, 30))), "engine": "telea"})
    assert response.status_code == 202, response.content
