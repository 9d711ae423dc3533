"""Load scenario: N concurrent API submissions against a live server with 2 workers.

    .venv/bin/python -m bench.reliability.load [--n 200] [--clients 8] [--workers 2] [--engine auto]

What it does, all on this machine (loopback only, bounded in count and time):
1. a fresh PostgreSQL database `repairapp_load`, Redis database 11 (`--redis-db`), media
   in a temp dir;
2. `manage.py serve --workers 2` (web server, rq workers with their scheduler, sweep);
3. an API token for the demo user (`manage.py apitoken demo`);
4. N submissions (`POST /api/v1/repairs`, real photos from ../shared/data with a ~4 %
   blob mask each, a unique Idempotency-Key each) from `--clients` threads, plus
   `--duplicates` pairs sent twice at once with the same key (a double click, a retry);
5. meanwhile a prober GETs a page every 0.5 s (the web tier must answer within 1 s
   while the workers are saturated) and a sampler reads the workers' and their
   work-horses' memory from /proc every 0.2 s;
6. waits for every job to finish, then checks: every submission succeeded, none lost,
   none duplicated, and prints throughput, latency percentiles and peak memory.
`--database sqlite` runs the same against the embedded default (a SQLite file, as the
run command uses without DATABASE_URL) and also counts "database is locked" lines in
the server's log and jobs that needed a retry; `--n 12 --clients 12 --duplicates 0
--database sqlite` is the burst of about 12 API calls in one second from issue 12.
Results are appended to bench/reliability/results/load.txt.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import numpy as np
from PIL import Image

from bench import DATA, REPO as ROOT

PHOTOS = DATA / "images"
PYTHON = sys.executable
DB_NAME = "repairapp_load"
REDIS_URL = "redis://127.0.0.1:6379"
RESULTS = Path(__file__).resolve().parent / "results" / "load.txt"


def psql(sql: str) -> None:
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "root", "-d", "postgres", "-qc", sql], check=True,
                   capture_output=True)


def blob_mask(rng: random.Random, size=(512, 512), share=0.04) -> bytes:
    height, width = size
    radius = int((share * width * height / np.pi) ** 0.5)
    cy, cx = rng.randint(radius, height - radius), rng.randint(radius, width - radius)
    y, x = np.ogrid[:height, :width]
    mask = (((y - cy) ** 2 + (x - cx) ** 2) <= radius ** 2).astype(np.uint8) * 255
    out = io.BytesIO()
    Image.fromarray(mask, "L").save(out, format="PNG")
    return out.getvalue()


def multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes, str]]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, (filename, data, kind) in files.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                     f"Content-Type: {kind}\r\n\r\n".encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def request(url: str, *, token: str, data: bytes | None = None, headers: dict | None = None, timeout=60):
    req = urllib.request.Request(url, data=data, headers={"Authorization": f"Bearer {token}", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def proc_memory_mb(pattern: str, redis_db_marker: str) -> float:
    """Sum of RSS (MB) of processes whose command line contains `pattern` and whose
    environment names our Redis database (so other sessions' workers don't count)."""
    total = 0.0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            if pattern not in cmd:
                continue
            if redis_db_marker.encode() not in Path(f"/proc/{pid}/environ").read_bytes():
                continue
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) / 1024
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--duplicates", type=int, default=10, help="pairs of identical submissions sent at once")
    parser.add_argument("--engine", default="auto")
    parser.add_argument("--port", type=int, default=8131)
    parser.add_argument("--max-seconds", type=int, default=1200, help="give up waiting after this long")
    parser.add_argument("--database", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--redis-db", type=int, default=11, help="database of the local Redis to use (it is flushed)")
    args = parser.parse_args()

    media = tempfile.mkdtemp(prefix="repairapp-load-")
    if args.database == "sqlite":
        database_url = f"sqlite:///{media}/db.sqlite3"
    else:
        psql(f"DROP DATABASE IF EXISTS {DB_NAME}")
        psql(f"CREATE DATABASE {DB_NAME}")
        database_url = f"postgres://root@127.0.0.1:5432/{DB_NAME}"
    env = {**os.environ, "DEBUG": "1", "DATABASE_URL": database_url,
           "REDIS_URL": f"{REDIS_URL}/{args.redis_db}", "MEDIA_ROOT": media, "API_RATE_LIMIT": "0"}
    subprocess.run(["redis-cli", "-n", str(args.redis_db), "flushdb"], check=True, capture_output=True)
    args.server_log = Path(media) / "server.log"
    log = args.server_log.open("w")
    server = subprocess.Popen([PYTHON, "manage.py", "serve", "--port", str(args.port), "--workers", str(args.workers),
                               "--max-jobs", "100"], cwd=ROOT, env=env, stdout=log,
                              stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{args.port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/login/", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("the server did not start")
                time.sleep(0.5)
        token = subprocess.run([PYTHON, "manage.py", "apitoken", "demo"], cwd=ROOT, env=env, check=True,
                               capture_output=True, text=True).stdout.strip()
        return run_load(args, base, token)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        subprocess.run(["rm", "-rf", media])


def run_load(args, base: str, token: str) -> int:
    rng = random.Random(7)
    photos = [p.read_bytes() for p in sorted(PHOTOS.glob("*.jpg"))]
    bodies = []
    for i in range(args.n):
        body, kind = multipart({"engine": args.engine}, {
            "image": (f"load-{i}.jpg", photos[i % len(photos)], "image/jpeg"),
            "mask": ("mask.png", blob_mask(rng), "image/png"),
        })
        bodies.append((body, kind, f"load-{i}-{uuid.uuid4().hex}"))
    stop = threading.Event()
    probes: list[float] = []
    memory: list[float] = []

    def prober():
        while not stop.is_set():
            started = time.perf_counter()
            try:
                urllib.request.urlopen(f"{base}/login/", timeout=10).read()
                probes.append(time.perf_counter() - started)
            except OSError:
                probes.append(float("inf"))
            stop.wait(0.5)

    def sampler():
        while not stop.is_set():
            memory.append(proc_memory_mb("rqworker", f"6379/{args.redis_db}"))
            stop.wait(0.2)

    threads = [threading.Thread(target=prober, daemon=True), threading.Thread(target=sampler, daemon=True)]
    for t in threads:
        t.start()

    submitted: dict[int, float] = {}
    statuses: list[int] = []
    lock = threading.Lock()
    queue = list(range(args.n))

    def client():
        while True:
            with lock:
                if not queue:
                    return
                index = queue.pop(0)
            body, kind, key = bodies[index]
            started = time.time()
            status, reply = request(f"{base}/api/v1/repairs", token=token, data=body,
                                    headers={"Content-Type": kind, "Idempotency-Key": key})
            with lock:
                statuses.append(status)
                if status == 202:
                    submitted[reply["id"]] = started

    began = time.time()
    clients = [threading.Thread(target=client) for _ in range(args.clients)]
    for t in clients:
        t.start()
    # Identical pairs at the same moment: each pair must come back as one job.
    duplicate_ids: list[tuple[int, int]] = []
    for d in range(args.duplicates):
        body, kind, _ = bodies[d]
        key = f"dup-{d}-{uuid.uuid4().hex}"
        replies: list = []

        def send(reply_list=replies, body=body, kind=kind, key=key):
            reply_list.append(request(f"{base}/api/v1/repairs", token=token, data=body,
                                      headers={"Content-Type": kind, "Idempotency-Key": key}))

        pair = [threading.Thread(target=send) for _ in range(2)]
        for t in pair:
            t.start()
        for t in pair:
            t.join()
        ids = [reply["id"] for status, reply in replies if status == 202]
        duplicate_ids.append(tuple(ids))
    for t in clients:
        t.join()
    submit_seconds = time.time() - began

    finished: dict[int, dict] = {}
    deadline = time.monotonic() + args.max_seconds
    pending = set(submitted)
    for pair in duplicate_ids:
        pending.update(pair)
    while pending and time.monotonic() < deadline:
        for job_id in list(pending):
            status, reply = request(f"{base}/api/v1/repairs/{job_id}", token=token)
            if status == 200 and reply["status"] in ("succeeded", "failed"):
                finished[job_id] = reply
                pending.discard(job_id)
        if pending:
            time.sleep(1)
    stop.set()
    for t in threads:
        t.join()

    from datetime import datetime

    def ts(value):
        return datetime.fromisoformat(value).timestamp()

    latencies = sorted(ts(finished[j]["finished_at"]) - submitted[j] for j in submitted if j in finished)
    succeeded = sum(1 for j in finished.values() if j["status"] == "succeeded")
    failed = [j for j in finished.values() if j["status"] == "failed"]
    one_job_per_pair = all(len(set(pair)) == 1 and len(pair) == 2 for pair in duplicate_ids)
    last_finish = max((ts(j["finished_at"]) for j in finished.values()), default=began)
    p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] if latencies else float("nan")  # noqa: E731
    probe_ok = [x for x in probes if x != float("inf")]
    lines = [
        f"# {time.strftime('%Y-%m-%dT%H:%M:%S')}  .venv/bin/python -m bench.reliability.load --n {args.n} --clients {args.clients}"
        f" --workers {args.workers} --engine {args.engine} --duplicates {args.duplicates}"
        f"{' --database sqlite' if args.database == 'sqlite' else ''}",
        f"# {os.cpu_count()} cores; load {' '.join(f'{x:.2f}' for x in os.getloadavg())} at the end",
        f"submissions: {args.n} (+{args.duplicates} duplicate pairs); HTTP statuses: "
        + ", ".join(f"{s}x{statuses.count(s)}" for s in sorted(set(statuses))),
        f"jobs: {len(submitted)} distinct submitted, {succeeded} succeeded, {len(failed)} failed, "
        f"{len(pending)} unfinished after {args.max_seconds} s (lost: {len(pending)})",
        f"duplicate pairs answered with one job each: {one_job_per_pair} ({sum(len(set(p)) for p in duplicate_ids)} jobs for {len(duplicate_ids)} pairs)",
        f"submit phase: {submit_seconds:.1f} s; all done after {last_finish - began:.1f} s; "
        f"throughput {len(latencies) / max(last_finish - began, 1e-9):.2f} jobs/s",
        f"latency submit->finished: median {statistics.median(latencies):.2f} s, p95 {p(0.95):.2f} s, max {latencies[-1]:.2f} s"
        if latencies else "latency: none finished",
        f"page probe during the run: {len(probes)} GETs, median {statistics.median(probe_ok) * 1000:.0f} ms, "
        f"max {max(probes) * 1000:.0f} ms, over 1 s: {sum(1 for x in probes if x > 1.0)}" if probe_ok else "page probe: none",
        f"workers + work-horses RSS: peak {max(memory, default=0):.0f} MB (sampled every 0.2 s, {len(memory)} samples)",
    ]
    locked = args.server_log.read_text(errors="replace").count("database is locked")
    retried = sum(1 for j in finished.values() if j["attempts"] > 1)
    lines.append(f"database ({args.database}): 'database is locked' in the server log: {locked}; "
                 f"jobs that needed a retry: {retried}")
    if failed:
        lines.append("failures: " + "; ".join(sorted({j['error'] for j in failed}))[:500])
    text = "\n".join(lines)
    print(text)
    RESULTS.parent.mkdir(exist_ok=True)
    with RESULTS.open("a") as fh:
        fh.write(text + "\n\n")
    return 0 if (not pending and not failed and one_job_per_pair) else 1


if __name__ == "__main__":
    sys.exit(main())
