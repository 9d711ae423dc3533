"""The embedded default (SQLite) holds a burst of concurrent writers without "database
is locked": WAL, a busy timeout and IMMEDIATE transactions (settings.SQLITE_OPTIONS)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Twelve threads each read, then write, in one transaction: the pattern of a worker
# claiming a job (jobs.run_repair) and of a version's creation. With deferred
# transactions two of them both read, and the second to upgrade to a writer fails at
# once; IMMEDIATE makes them take turns.
BURST = r"""
import sys, threading, time
import django
django.setup()
from django.core.management import call_command
from django.db import connection, transaction
call_command("migrate", verbosity=0)
from repairapp.models import Event

errors, barrier = [], threading.Barrier(12)

def write(i):
    try:
        barrier.wait()
        with transaction.atomic():
            seen = Event.objects.count()
            time.sleep(0.05)
            Event.objects.create(kind="version.submitted", message=f"{i} saw {seen}")
    except Exception as exc:
        errors.append(f"{type(exc).__name__}: {exc}")
    finally:
        connection.close()

threads = [threading.Thread(target=write, args=(i,)) for i in range(12)]
[t.start() for t in threads]
[t.join() for t in threads]
with connection.cursor() as cursor:
    mode = cursor.execute("PRAGMA journal_mode").fetchone()[0]
print("rows", Event.objects.count(), "errors", len(errors), "mode", mode, *errors[:3], sep="|")
"""


def test_a_burst_of_writers_on_sqlite_takes_turns_without_errors(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(DJANGO_SETTINGS_MODULE="repairapp.settings", DEBUG="1",
               DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3", MEDIA_ROOT=str(tmp_path / "media"))
    result = subprocess.run([sys.executable, "-c", BURST], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    line = result.stdout.strip().splitlines()[-1]
    assert line.startswith("rows|12|errors|0|mode|wal"), line
