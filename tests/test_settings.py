import pytest
from django.core.exceptions import ImproperlyConfigured

from repairapp.settings import database_from_url, envbool, envint


def test_postgres_url_is_parsed():
    db = database_from_url("postgres://u:p%40ss@db.example:6543/repairs")
    assert db["ENGINE"].endswith("postgresql")
    assert (db["USER"], db["PASSWORD"], db["HOST"], db["PORT"], db["NAME"]) == ("u", "p@ss", "db.example", "6543", "repairs")


def test_sqlite_url_is_parsed():
    assert database_from_url("sqlite:////tmp/x.sqlite3")["NAME"] == "/tmp/x.sqlite3"


@pytest.mark.parametrize("url", ["mysql://x/y", "postgres://host:5432/", "sqlite://", "postgres://h:notaport/db"])
def test_bad_database_urls_fail_loudly(url):
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL"):
        database_from_url(url)


def test_envbool_and_envint_reject_nonsense(monkeypatch):
    monkeypatch.setenv("X_FLAG", "maybe")
    monkeypatch.setenv("X_NUM", "ten")
    with pytest.raises(ImproperlyConfigured, match="X_FLAG='maybe' is not a boolean"):
        envbool("X_FLAG", False)
    with pytest.raises(ImproperlyConfigured, match="X_NUM='ten' is not a whole number"):
        envint("X_NUM", 1)
    monkeypatch.setenv("X_FLAG", "yes")
    monkeypatch.setenv("X_NUM", "7")
    assert envbool("X_FLAG", False) is True and envint("X_NUM", 1) == 7


@pytest.mark.parametrize(
    "env, message",
    [
        ({"DEBUG": "maybe"}, "DEBUG='maybe' is not a boolean"),
        ({"DEBUG": "0", "SECRET_KEY": ""}, "SECRET_KEY must be set"),
        ({"DEBUG": "1", "DATABASE_URL": "mysql://h/db"}, "the scheme must be postgres"),
        ({"DEBUG": "1", "REDIS_URL": "http://h"}, "REDIS_URL='http://h'"),
        ({"DEBUG": "1", "REPAIR_JOB_TIMEOUT": "0"}, "REPAIR_JOB_TIMEOUT=0 must be at least 1"),
    ],
)
def test_a_bad_setting_stops_the_app_at_start(env, message):
    import os
    import subprocess
    import sys

    clean = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG", "DATABASE_URL", "REDIS_URL")}
    clean["DJANGO_SETTINGS_MODULE"] = "repairapp.settings"
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={**clean, **env}, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode != 0
    assert message in result.stderr
