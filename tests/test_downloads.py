"""A version as a download, in the pages and the API: PNG as stored, or JPEG/WebP at a
stated quality, named after the upload and the version (repairapp/downloads.py)."""

import io

import numpy as np
import pytest
from PIL import Image

from repairapp import services
from repairapp.tokens import token_create
from tests.conftest import decode_png, encode

pytestmark = pytest.mark.django_db


def _read(field) -> bytes:
    with field.open("rb") as fh:
        return fh.read()


def _api(client, secret, version_id, query=""):
    return client.get(f"/api/v1/versions/{version_id}/image{query}", HTTP_AUTHORIZATION=f"Bearer {secret}")


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.fixture
def alice_secret(alice):
    return token_create(user=alice)[1]


@pytest.mark.parametrize("query, media, pil_format, name", [
    ("", "image/png", "PNG", "shoe-v2.png"),
    ("&format=png", "image/png", "PNG", "shoe-v2.png"),
    ("&format=jpeg&quality=90", "image/jpeg", "JPEG", "shoe-v2.jpg"),
    ("&format=JPG", "image/jpeg", "JPEG", "shoe-v2.jpg"),
    ("&format=webp", "image/webp", "WEBP", "shoe-v2.webp"),
])
def test_the_page_and_the_api_offer_each_format_under_a_meaningful_name(
    client, alice_client, alice_secret, repaired, query, media, pil_format, name
):
    stored = _read(repaired.file)
    for response in (alice_client.get(f"/versions/{repaired.pk}/image?download=1{query}"),
                     _api(client, alice_secret, repaired.pk, "?" + query.lstrip("&"))):
        assert response.status_code == 200
        assert response["Content-Type"] == media
        assert response["Content-Disposition"] == f'attachment; filename="{name}"'
        body = _body(response)
        image = Image.open(io.BytesIO(body))
        assert image.format == pil_format and image.size == (repaired.width, repaired.height)
        if pil_format == "PNG":
            assert body == stored  # the pixels of record, untouched
        else:  # a faithful lossy copy of them
            error = np.abs(np.asarray(image.convert("RGB"), np.int16) - decode_png(stored)).mean()
            assert error < 4


def test_quality_sets_the_jpeg_quality(client, alice_secret, repaired):
    sizes = [len(_body(_api(client, alice_secret, repaired.pk, f"?format=jpeg&quality={q}"))) for q in (30, 95)]
    assert sizes[0] < 0.6 * sizes[1]


def test_the_page_shows_a_version_inline_with_its_name(alice_client, repaired):
    response = alice_client.get(f"/versions/{repaired.pk}/image")
    assert response["Content-Disposition"] == 'inline; filename="shoe-v2.png"'


@pytest.mark.parametrize("query, words", [
    ("format=gif", "format: unknown format 'gif'; use png, jpeg (or jpg) or webp"),
    ("format=jpeg&quality=0", "quality: Ensure this value is greater than or equal to 1."),
    ("format=jpeg&quality=high", "quality: Enter a whole number."),
    ("quality=80", "quality: PNG is lossless: a quality goes with jpeg or webp"),
])
def test_a_bad_format_or_quality_is_400_naming_it(client, alice_client, alice_secret, repaired, query, words):
    page = alice_client.get(f"/versions/{repaired.pk}/image?download=1&{query}")
    assert page.status_code == 400 and words in page.content.decode()
    api = _api(client, alice_secret, repaired.pk, f"?{query}")
    assert api.status_code == 400 and api.json() == {"error": words, "code": "invalid"}


def test_other_users_get_404_in_any_format(client, bob, repaired):
    secret = token_create(user=bob)[1]
    assert _api(client, secret, repaired.pk, "?format=jpeg").status_code == 404
    client.force_login(bob)
    assert client.get(f"/versions/{repaired.pk}/image?download=1&format=webp").status_code == 404


def test_the_published_version_downloads_in_the_chosen_format(alice_client, alice, moderator, repaired):
    services.version_submit(user=alice, version=repaired)
    services.review_decide(user=moderator, version=repaired, decision="approve")
    response = alice_client.get(f"/assets/{repaired.asset_id}/published?download=1&format=webp&quality=80")
    assert response.status_code == 200 and response["Content-Type"] == "image/webp"
    assert response["Content-Disposition"] == 'attachment; filename="shoe-v2.webp"'


def test_webp_is_refused_for_a_photo_wider_than_it_can_hold(client, alice, alice_client, alice_secret):
    # 16500 px wide: past WebP's 16383; 660 px high, within the 25:1 a photo may have
    # (flat, so the 11 MP encode stays quick).
    wide = np.full((660, 16500, 3), 180, np.uint8)
    asset = services.asset_create(owner=alice, data=encode(Image.fromarray(wide)), file_name="strip.png")
    version = asset.latest_version()
    api = _api(client, alice_secret, version.pk, "?format=webp")
    assert api.status_code == 400 and "WebP holds at most 16383 px a side" in api.json()["error"]
    page = alice_client.get(f"/versions/{version.pk}/image?download=1&format=webp")
    assert page.status_code == 400 and "use PNG or JPEG" in page.content.decode()
    assert _api(client, alice_secret, version.pk, "?format=jpeg").status_code == 200


def test_the_editor_offers_each_format_for_every_version_and_the_published_one(alice_client, alice, moderator,
                                                                              repaired):
    services.version_submit(user=alice, version=repaired)
    services.review_decide(user=moderator, version=repaired, decision="approve")
    page = alice_client.get(f"/assets/{repaired.asset_id}/").content.decode()
    assert "Download published (v2)" in page
    for url in (f"/assets/{repaired.asset_id}/published?download=1",
                *(f"/versions/{v.pk}/image?download=1" for v in repaired.asset.versions.all())):
        assert f'href="{url}" data-format="png"' in page
        assert f'href="{url}&amp;format=jpeg" data-format="jpeg"' in page
        assert f'href="{url}&amp;format=webp" data-format="webp"' in page
    assert "JPEG <span class=\"muted\">quality 92</span>" in page
