"""`manage.py serve`, the run command's last step: everything it starts stops with it."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from repairapp.management.commands.serve import ensure_demo_users, free_port
from repairapp.roles import role_of, set_role

ROOT = Path(__file__).resolve().parent.parent


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone while we looked
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _status(port: int, path: str) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_sigterm_stops_the_web_server_the_worker_and_the_embedded_redis(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(DEBUG="1", DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3", MEDIA_ROOT=str(tmp_path / "media"))
    serve = subprocess.Popen([sys.executable, str(ROOT / "manage.py"), "serve", "--port", str(port)],
                             cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    children: list[int] = []
    try:
        lines = []
        for line in serve.stdout:  # the banner comes once the web server answers
            lines.append(line)
            if "Ctrl-C stops" in line:
                break
        assert any("Log in as  demo" in line for line in lines), "".join(lines)
        # Static files are served, and a path out of static/ is a 404, not a 500.
        assert _status(port, "/static/css/app.css") == 200
        assert _status(port, "/static/..%2F..%2Frepairapp%2Fsettings.py") == 404
        children = _children(serve.pid)
        assert len(children) >= 3, children  # Redis, a worker, the web server
        serve.send_signal(signal.SIGTERM)
        serve.wait(timeout=60)
        deadline = time.monotonic() + 20
        while any(_alive(pid) for pid in children) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not [pid for pid in children if _alive(pid)]
        with socket.socket() as sock:
            assert sock.connect_ex(("127.0.0.1", port)) != 0  # nobody answers on the port
    finally:
        if serve.poll() is None:
            serve.kill()
        for pid in children + _children(serve.pid):
            if _alive(pid):  # only after a failure: never leave a server behind
                os.kill(pid, signal.SIGKILL)


@pytest.mark.django_db
def test_a_demo_login_someone_changed_is_not_reset_on_the_next_start():
    from django.contrib.auth import get_user_model

    first = ensure_demo_users()
    assert "Log in as  demo       / repair-demo-2026     (creator)" in first
    demo = get_user_model().objects.get(username="demo")
    assert demo.check_password("repair-demo-2026")
    demo.set_password("a-password-of-their-own")
    demo.save()
    moderator = get_user_model().objects.get(username="moderator")
    set_role(moderator, "creator")  # an admin demoted it in the app

    again = ensure_demo_users()
    demo.refresh_from_db()
    assert demo.check_password("a-password-of-their-own")
    assert "Log in as  demo       / (changed since it was created) (creator)" in again
    assert role_of(get_user_model().objects.get(username="moderator")) == "creator"
    assert "Log in as  admin      / admin-demo-2026      (admin)" in again
