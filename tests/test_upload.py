"""The Photos page's upload: several files (one request each, JSON answers for the page's
script), refusals that keep the list's address, and the size limit the browser reads."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from repairapp.models import Asset
from tests.conftest import photo_bytes

pytestmark = pytest.mark.django_db
JSON = {"HTTP_ACCEPT": "application/json"}


def test_the_page_script_gets_json_for_each_accepted_photo(alice_client, alice):
    for i, name in enumerate(("one.jpg", "two.jpg")):
        response = alice_client.post(reverse("asset-list"), {"photo": SimpleUploadedFile(name, photo_bytes(i))}, **JSON)
        assert response.status_code == 201
        asset = Asset.objects.get(original_name=name)
        assert response.json() == {"id": asset.pk, "name": name, "width": 512, "height": 512,
                                   "editor_url": reverse("editor", args=[asset.pk])}
    assert list(Asset.objects.filter(owner=alice).values_list("original_name", flat=True)) == ["two.jpg", "one.jpg"]


@pytest.mark.parametrize("data, status, message", [
    (b"%PDF-1.4 not an image", 415, "not a JPEG, PNG or WebP"),
    (b"", 400, "empty"),
], ids=["pdf", "empty"])
def test_a_refused_photo_gets_a_json_error_and_nothing_is_stored(alice_client, data, status, message):
    response = alice_client.post(reverse("asset-list"), {"photo": SimpleUploadedFile("x.jpg", data)}, **JSON)
    assert response.status_code == status and message in response.json()["error"]
    assert Asset.objects.count() == 0


def test_an_oversized_body_is_a_json_413(alice_client, settings):
    settings.MAX_UPLOAD_BYTES = 1024
    response = alice_client.post(reverse("asset-list"), {"photo": SimpleUploadedFile("big.jpg", photo_bytes())}, **JSON)
    assert response.status_code == 413 and "larger than" in response.json()["error"]
    assert Asset.objects.count() == 0


def test_a_refused_form_upload_answers_at_the_list_address_with_its_status(alice_client):
    # The form posts to the Photos page itself: the browser's address stays "/", not /assets/upload.
    html = alice_client.get(reverse("asset-list")).content.decode()
    assert f'action="{reverse("asset-list")}"' in html
    response = alice_client.post(reverse("asset-list"), {"photo": SimpleUploadedFile("x.pdf", b"%PDF-1.4")})
    assert response.status_code == 415
    assert "not a JPEG, PNG or WebP" in response.content.decode() and 'id="upload-form"' in response.content.decode()


def test_a_form_upload_still_opens_the_editor(alice_client):
    response = alice_client.post(reverse("asset-list"), {"photo": SimpleUploadedFile("mug.jpg", photo_bytes())})
    assert response.status_code == 302 and response["Location"] == reverse("editor", args=[Asset.objects.get().pk])


def test_the_page_tells_the_browser_the_limit_in_bytes_and_takes_several_files(alice_client, settings):
    settings.MAX_UPLOAD_BYTES = 3 * 1024 * 1024
    html = alice_client.get(reverse("asset-list")).content.decode()
    assert 'data-max-bytes="3145728"' in html
    assert 'name="photo"' in html and " multiple " in html
