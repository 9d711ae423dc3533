"""Settings, read from the environment. A bad value fails loudly at start.

Environment:
    DEBUG            "1"/"true"/"yes" or "0"/"false"/"no" (default: false)
    SECRET_KEY       required unless DEBUG is on
    ALLOWED_HOSTS    comma-separated (default: localhost,127.0.0.1 with DEBUG, else required)
    DATABASE_URL     postgres://user:pass@host:port/name or sqlite:///path (default: SQLite file)
    REDIS_URL        redis://host:port/db (default: redis://127.0.0.1:6379/0)
    MEDIA_ROOT       where versions, masks and diffs are stored (default: ./var/media)
    REPAIR_JOB_TIMEOUT   seconds a repair may run before it is failed (default: 300)
    REPAIR_MAX_RETRIES   retries for transient failures (default: 2)
    MAX_IMAGE_PIXELS     largest photo accepted, in pixels (default: 40 MP)
    MAX_UPLOAD_BYTES     largest request body accepted (default: 50 MB)
    TEXT_SCREEN_ON_UPLOAD  screen every upload for overlaid text in the worker (default: true)
"""

import os
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from django.core.exceptions import ImproperlyConfigured

from .env import envbool, envint  # noqa: F401  (tests import them from here too)

BASE_DIR = Path(__file__).resolve().parent.parent

# The embedded default runs a web server and workers on one file. WAL lets readers go on
# while one writer writes; IMMEDIATE takes the write lock when a transaction begins, so
# two transactions never both read and then both try to upgrade (which SQLite answers
# with "database is locked" at once, whatever the timeout); the busy timeout makes a
# writer wait its turn instead of failing.
SQLITE_OPTIONS = {
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
}


def database_from_url(url: str) -> dict:
    """postgres://user:pass@host:port/name or sqlite:///relative/or//absolute/path."""
    parts = urlsplit(url)
    if parts.scheme in ("postgres", "postgresql"):
        name = unquote(parts.path.lstrip("/"))
        if not name:
            raise ImproperlyConfigured(f"DATABASE_URL={url!r} names no database")
        try:
            port = parts.port
        except ValueError:
            raise ImproperlyConfigured(f"DATABASE_URL={url!r} has a bad port") from None
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": name,
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(port or ""),
            "CONN_MAX_AGE": 0,
        }
    if parts.scheme == "sqlite":
        path = url[len("sqlite:///"):] if url.startswith("sqlite:///") else ""
        if not path:
            raise ImproperlyConfigured(f"DATABASE_URL={url!r}: use sqlite:///path/to/file.sqlite3")
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": path, "OPTIONS": SQLITE_OPTIONS}
    raise ImproperlyConfigured(
        f"DATABASE_URL={url!r}: the scheme must be postgres://, postgresql:// or sqlite:///"
    )


DEBUG = envbool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"

_hosts = os.environ.get("ALLOWED_HOSTS")
if _hosts is None:
    ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]", "testserver"] if DEBUG else []
else:
    ALLOWED_HOSTS = [h.strip() for h in _hosts.split(",") if h.strip()]
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_rq",
    "repairapp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Before anything reads the request into the database (the session, the user and the
    # CSRF check are read lazily or in process_view): a NUL is a 400, never a 500. After
    # them, so that its refusal page has the usual header and a working Log out.
    "repairapp.validation.RejectNulMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "repairapp.middleware.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "repairapp.urls"
WSGI_APPLICATION = "repairapp.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "repairapp.context_processors.nav",
            ],
        },
    },
]

DATABASES = {
    "default": database_from_url(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}"
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
if urlsplit(REDIS_URL).scheme not in ("redis", "rediss", "unix"):
    raise ImproperlyConfigured(f"REDIS_URL={REDIS_URL!r}: the scheme must be redis://, rediss:// or unix://")

# A Redis that accepts connections but never answers must cost a request well under a
# second, not redis-py's default 5 s per call: every web-side use (the queue, the login
# brake, the API rate limit) then takes its "Redis down" path. The rq worker raises the
# read timeout itself for its blocking dequeue.
REDIS_TIMEOUT_MS = envint("REDIS_TIMEOUT_MS", 500, minimum=50)


def redis_url_with_timeouts(url: str, timeout_ms: int | None = None) -> str:
    """The URL with socket and connect timeouts added, unless it sets its own."""
    seconds = (REDIS_TIMEOUT_MS if timeout_ms is None else timeout_ms) / 1000
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    query.setdefault("socket_timeout", str(seconds))
    query.setdefault("socket_connect_timeout", str(seconds))
    return parts._replace(query=urlencode(query)).geturl()


REPAIR_JOB_TIMEOUT = envint("REPAIR_JOB_TIMEOUT", 300, minimum=1)
REPAIR_MAX_RETRIES = envint("REPAIR_MAX_RETRIES", 2)
MAX_IMAGE_PIXELS = envint("MAX_IMAGE_PIXELS", 40_000_000, minimum=1)
MAX_UPLOAD_BYTES = envint("MAX_UPLOAD_BYTES", 50 * 1024 * 1024, minimum=1024)
# The moderation pre-filter (issue 15): each upload is screened for overlaid text by the worker.
TEXT_SCREEN_ON_UPLOAD = envbool("TEXT_SCREEN_ON_UPLOAD", True)

# Jobs carry only a primary key, serialised as JSON: nothing in Redis is unpickled.
RQ_SERIALIZER = "rq.serializers.JSONSerializer"
RQ_QUEUES = {
    "repair": {"URL": redis_url_with_timeouts(REDIS_URL), "DEFAULT_TIMEOUT": REPAIR_JOB_TIMEOUT, "SERIALIZER": RQ_SERIALIZER},
}
RQ = {
    # Heavy imports (numpy, cv2, the engines) happen once in the worker, not per forked job.
    "WORKER_CLASS": "repairapp.worker.RepairWorker",
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "asset-list"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")  # how times are shown (history, reviews)
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
STORAGES = {
    # Versions, masks and diffs are written to a hidden temporary name and renamed,
    # so a crash never leaves half an image under a real name.
    "default": {"BACKEND": "repairapp.storage.AtomicFileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# In development the run command serves static/ directly; production runs collectstatic.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT") or BASE_DIR / "var" / "media")
# No MEDIA_URL: media is never served by a public URL; views check access and stream the file.

# Uploads above this stay on disk, not in memory; the whole body is capped in the view.
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_UPLOAD_BYTES

SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True  # the editor reads the token from the page's form field
# Production (DEBUG off) is HTTPS-only; each can be turned off for a TLS-terminating proxy setup.
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = envbool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", True)
if envbool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)

# Failed logins per username and address before a 15-minute pause (429).
LOGIN_MAX_FAILURES = envint("LOGIN_MAX_FAILURES", 10, minimum=1)
LOGIN_LOCKOUT_SECONDS = 15 * 60
# The cache lives in Redis so every web process shares the login counters.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                       "LOCATION": redis_url_with_timeouts(REDIS_URL)}}

# Four eyes: a moderator cannot approve or reject a version they made or submitted;
# admins can (recorded in the history as an override). 0 turns it off.
REVIEW_FOUR_EYES = envbool("REVIEW_FOUR_EYES", True)

# API requests per token, and per user across all their tokens, per window (seconds); 0 turns the limit off.
API_RATE_LIMIT = envint("API_RATE_LIMIT", 120)
API_RATE_WINDOW = envint("API_RATE_WINDOW", 60, minimum=1)
# An Idempotency-Key answers the same again for this long; the sweep forgets older ones.
IDEMPOTENCY_KEY_HOURS = envint("IDEMPOTENCY_KEY_HOURS", 48, minimum=1)

# An archived photo keeps its files this many days; after that `manage.py purge_archived`
# (or Django admin's action) may remove them. The rows and their history always stay.
ARCHIVE_RETENTION_DAYS = envint("ARCHIVE_RETENTION_DAYS", 30, minimum=1)

# Mail a creator when a moderator approves or rejects their version (if they have an
# address). Off by default; Django's console backend prints mail unless told otherwise.
DECISION_EMAILS = envbool("DECISION_EMAILS", False)
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 25)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "repairapp@localhost")

# A work-horse that grows past this is stopped by the kernel's limit, and its job
# fails with "ran out of memory", so one huge photo cannot take the machine down.
REPAIR_MEMORY_LIMIT_MB = envint("REPAIR_MEMORY_LIMIT_MB", 6144)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"repairapp": {"handlers": ["console"], "level": "INFO"}},
}
