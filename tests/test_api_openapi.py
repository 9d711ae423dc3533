"""The OpenAPI document against the API itself: schemathesis generates requests from
/api/v1/openapi.json, sends them through the real WSGI app (no network), and checks that
every answer is documented — status, content type, headers and body schema — and that
none is a server error. Examples are bounded so the run stays short."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings as hypothesis_settings
from schemathesis.checks import (content_type_conformance, ignored_auth, negative_data_rejection, not_a_server_error,
                                 response_headers_conformance, response_schema_conformance, status_code_conformance)

from repairapp import services
from repairapp.api import openapi
from repairapp.tokens import token_create
from tests.conftest import photo_bytes

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          response_headers_conformance, negative_data_rejection, ignored_auth]


# Loaded from the document the app serves, through the WSGI app (no database involved).
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


@pytest.fixture
def keep_test_connection():
    """As Django's test client does: a request's start and end must not close the
    connection that holds this test's transaction."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def secret(alice, settings, redis_conn, keep_test_connection):
    settings.API_RATE_LIMIT = 0  # hundreds of generated requests from one token
    # Something for the ids to find: a photo of alice's (id 1 or not, the rest is 404s).
    services.asset_create(owner=alice, data=photo_bytes(0), file_name="seed.jpg")
    return token_create(user=alice)[1]


@schema.parametrize()
@hypothesis_settings(max_examples=25, deadline=None, derandomize=True, database=None,
                     suppress_health_check=list(HealthCheck))
@pytest.mark.django_db
def test_the_api_answers_as_its_openapi_document_says(case, secret):
    case.call_and_validate(headers={"Authorization": f"Bearer {secret}"}, checks=CHECKS)


def test_the_document_is_served_without_a_token(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.json() == openapi.document()
    assert response.json()["openapi"].startswith("3.")
    assert set(response.json()["paths"]) >= {"/api/v1/repairs", "/api/v1/repairs/{id}", "/api/v1/assets",
                                             "/api/v1/assets/{id}", "/api/v1/versions/{id}/review"}
