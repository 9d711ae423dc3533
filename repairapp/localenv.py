"""The local run's own settings, so `.venv/bin/python manage.py <command>` works as the
README writes it once `python3 -m repairapp run` has set things up.

- `var/local.env`, written by the run command the first time: DEBUG=1 and a generated
  SECRET_KEY (KEY=VALUE lines; var/ is not in git). Only manage.py reads it; the WSGI
  entry point never does, so a production server still needs its settings given
  explicitly.
- `var/run.json`, written by `manage.py serve` while it runs an embedded Redis: its URL,
  so `ingest` or `sweep` in another terminal queue on the server's Redis.

The environment always wins over both files. Standard library only: the run command
uses it before anything is installed.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCAL_ENV = ROOT / "var" / "local.env"
RUN_STATE = ROOT / "var" / "run.json"


def write_local_env(path: Path = LOCAL_ENV) -> bool:
    """Create the local settings file unless it exists; True if it was made now."""
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    text = (
        "# Written by `python3 -m repairapp run` for this checkout's local run; read by manage.py only.\n"
        "# The environment overrides each line. Production sets DEBUG=0, SECRET_KEY and ALLOWED_HOSTS itself.\n"
        "DEBUG=1\n"
        f"SECRET_KEY={secrets.token_urlsafe(50)}\n"
    )
    # Readable by this user alone: it holds the session-signing key.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    return True


def read_env_file(path: Path) -> dict[str, str]:
    values = {}
    for number, line in enumerate(path.read_text().splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            raise SystemExit(f"{path}:{number}: expected KEY=VALUE, got {line!r}")
        values[key.strip()] = value.strip()
    return values


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def running_redis_url(path: Path = RUN_STATE) -> str | None:
    """The embedded Redis of a `serve` that is still running, or None."""
    try:
        state = json.loads(path.read_text())
        pid, url = int(state["pid"]), str(state["redis_url"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return url if _alive(pid) else None


def record_running_redis(url: str, path: Path = RUN_STATE) -> None:
    """Say where this serve's Redis is, unless another serve that is still running did."""
    if running_redis_url(path):
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"pid": os.getpid(), "redis_url": url}))


def forget_running_redis(path: Path = RUN_STATE) -> None:
    """Remove the record if this process wrote it (another run may have replaced it)."""
    try:
        if json.loads(path.read_text()).get("pid") == os.getpid():
            path.unlink()
    except (OSError, ValueError, AttributeError):
        pass


def load(*, for_serve: bool = False) -> None:
    """Fill the environment's gaps from the local files (the environment wins)."""
    if LOCAL_ENV.exists():
        for key, value in read_env_file(LOCAL_ENV).items():
            os.environ.setdefault(key, value)
    # `serve` decides for itself whether to start a Redis: it must not adopt another's.
    if not for_serve and "REDIS_URL" not in os.environ:
        url = running_redis_url(RUN_STATE)
        if url:
            os.environ["REDIS_URL"] = url
