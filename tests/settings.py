"""Settings for the test suite: the real PostgreSQL and Redis of this machine (and CI).

TEST_DATABASE_URL / TEST_REDIS_URL point the suite elsewhere. Redis database 15 is
used so a developer's running app (database 0) is never flushed by a test.
"""

import os

os.environ["DATABASE_URL"] = os.environ.get("TEST_DATABASE_URL", "postgres://root@127.0.0.1:5432/test")
os.environ["REDIS_URL"] = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
os.environ.setdefault("SECRET_KEY", "tests-only-secret")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("DEBUG", "0")

from repairapp.settings import *  # noqa: E402,F403

# Logins in tests need not be slow to be real.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# No collectstatic in tests: serve static files from the source folders.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
# Static files straight from static/ (no collectstatic), also for the live server.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# The live server and test client speak plain HTTP.
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0

# The upload screen (a job per upload, ~0.5-1.5 s of worker time) is off here so that tests
# counting the jobs on the queue, and the suite's time, stay as they were; the tests of the
# screen turn it on (tests/test_text.py).
TEXT_SCREEN_ON_UPLOAD = False
