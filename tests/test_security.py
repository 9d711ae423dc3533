"""Deployment settings, security headers, the login brake and the admins-only dashboard."""

import os
import secrets
import subprocess
import sys

import pytest
from django.urls import reverse


pytestmark = pytest.mark.django_db


def test_check_deploy_with_production_settings_reports_nothing(settings):
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "DJANGO_SETTINGS_MODULE")}
    env.update(DEBUG="0", SECRET_KEY=secrets.token_urlsafe(60), ALLOWED_HOSTS="repair.example.com",
               DJANGO_SETTINGS_MODULE="repairapp.settings")
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_pages_carry_the_security_headers(client, alice):
    client.force_login(alice)
    response = client.get(reverse("asset-list"))
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_templates_use_no_inline_script_or_style_the_policy_would_block(client, alice, settings):
    from pathlib import Path

    for template in Path(settings.BASE_DIR, "templates").rglob("*.html"):
        text = template.read_text()
        assert "<script>" not in text and ' style="' not in text and " onclick=" not in text, template


def test_login_is_paused_after_repeated_failures(client, alice, settings, redis_conn):
    settings.LOGIN_MAX_FAILURES = 3
    for _ in range(3):
        assert client.post(reverse("login"), {"username": "alice", "password": "wrong"}).status_code == 200
    response = client.post(reverse("login"), {"username": "alice", "password": "alice-pass-123"})
    assert response.status_code == 429 and response["Retry-After"] == str(settings.LOGIN_LOCKOUT_SECONDS)
    assert "Too many failed logins" in response.content.decode()
    # Another account from the same address is not locked out.
    bob = __import__("django.contrib.auth", fromlist=["get_user_model"]).get_user_model().objects.create_user(
        "bob2", password="bob-pass-123")
    assert client.post(reverse("login"), {"username": bob.username, "password": "bob-pass-123"}).status_code == 302


def test_a_successful_login_resets_the_count(client, alice, settings, redis_conn):
    settings.LOGIN_MAX_FAILURES = 3
    for _ in range(2):
        client.post(reverse("login"), {"username": "alice", "password": "wrong"})
    assert client.post(reverse("login"), {"username": "alice", "password": "alice-pass-123"}).status_code == 302
    client.logout()
    for _ in range(2):
        client.post(reverse("login"), {"username": "alice", "password": "wrong"})
    assert client.post(reverse("login"), {"username": "alice", "password": "alice-pass-123"}).status_code == 302


def test_the_queue_dashboard_is_for_admins_only_even_for_staff(client, django_user_model, admin_user, redis_conn):
    staff_creator = django_user_model.objects.create_user("staffer", is_staff=True)
    client.force_login(staff_creator)
    assert client.get("/django-rq/").status_code == 403
    client.force_login(admin_user)
    assert client.get("/django-rq/").status_code == 200


def test_media_answers_are_never_sniffed_as_html(client, alice):
    from repairapp import services
    from tests.conftest import encode, textured_rgb

    from PIL import Image

    # A real PNG followed by an HTML payload: only the re-encoded pixels are ever served.
    payload = encode(Image.fromarray(textured_rgb(32, 32))) + b"<html><script>alert(1)</script></html>"
    asset = services.asset_create(owner=alice, data=payload, file_name="trick.png")
    client.force_login(alice)
    response = client.get(reverse("version-image", args=[asset.latest_version().pk]))
    body = b"".join(response.streaming_content)
    assert response["Content-Type"] == "image/png" and response["X-Content-Type-Options"] == "nosniff"
    assert b"<script>" not in body
