"""Remove -> stored latency (issue 2), measured end to end with one real forking worker.

    .venv/bin/python -m bench.e2e.latency [--runs 5] [--sizes 2mp,12mp] [--engines telea,auto]
                                            [--masks blob,strokes] [--mask-percent 5] [--photo NAME]
                                            [--database NAME] [--redis URL] [--out latency]

What one run measures, for each (size, engine, mask):
  - POST of the mask to `repair-create` through Django's test Client in this process
    (the view, its middleware, the mask check and store, the row, the enqueue on commit;
    no socket and no WSGI server), timed from just before the call to the 202 answer;
  - the job's wait in the queue: started_at - queued_at from the row (rq dequeue, the
    fork of the work-horse, the claim);
  - the worker's stages from RepairJob.timings (read, decode, engine, diff, encode,
    storage, database);
  - Remove -> stored: finished_at (written by the worker) minus the wall clock just
    before the POST; the same machine's clock on both sides.
  - the work-horse's CPU time (utime + stime from /proc: less sensitive to other load
    than wall time), peak RSS (VmHWM) and peak address space (VmPeak, what REPAIR_MEMORY_LIMIT_MB caps)
    of the work-horse, sampled from /proc every 5 ms while it lives.

Setup, all torn down at the end (also on Ctrl-C): PostgreSQL database repairapp_bench
(--database; created if missing, migrated), Redis 127.0.0.1:6379 database 14 (--redis;
only rq:* keys are removed, nothing is flushed), MEDIA_ROOT in a temporary folder, and one
`manage.py rqworker repair --serializer rq.serializers.JSONSerializer` process.

Photos: a real 512x512 photo from ../shared/data/places2_512_freeform/images, centre
cropped to 4:3 and upscaled with cv2.resize(INTER_LANCZOS4) to 1632x1224 (2.0 MP) and
4000x3000 (12 MP), uploaded as JPEG q95 (not timed). Masks at ~5 % of the photo (--mask-percent), drawn
in normalised coordinates with a fixed seed so both sizes get the same shape: `blob`
(one object-sized union of ellipses) and `strokes` (anti-aliased brush strokes, brush
width 1.5 % of the photo width), posted as an opaque RGBA PNG like the editor's canvas.
The editor's defaults are posted: dilate 3, feather 2 (the field is not sent).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import cv2
import numpy as np

from bench import DATA, REPO

RESULTS = Path(__file__).resolve().parent / "results"
DB_NAME = "repairapp_bench"
PG = "postgres://root@127.0.0.1:5432"
REDIS_URL = "redis://127.0.0.1:6379/14"
SIZES = {"2mp": (1632, 1224), "12mp": (4000, 3000)}
MASK_FRACTION = 0.05
STAGES = ("read", "decode", "engine", "diff", "encode", "storage", "database")


# ---------------------------------------------------------------- inputs


def upscaled_photo(name: str, size: tuple[int, int]) -> np.ndarray:
    """BGR uint8 (H, W, 3): the photo centre-cropped to 4:3 and upscaled with Lanczos."""
    src = cv2.imread(str(DATA / "images" / f"{name}.jpg"))
    if src is None:
        raise SystemExit(f"cannot read {DATA / 'images' / (name + '.jpg')}: is shared/ beside the repository?")
    h, w = src.shape[:2]
    crop_h = w * 3 // 4
    top = (h - crop_h) // 2
    return cv2.resize(src[top:top + crop_h], size, interpolation=cv2.INTER_LANCZOS4)


def _scaled_to_fraction(draw, size: tuple[int, int], fraction: float) -> np.ndarray:
    """Call draw(mask, scale) with the scale that covers `fraction` of the photo."""
    w, h = size
    scale = 1.0
    for _ in range(6):
        mask = np.zeros((h, w), np.uint8)
        draw(mask, scale)
        got = np.count_nonzero(mask >= 128) / mask.size
        scale *= (fraction / max(got, 1e-6)) ** 0.5
    return mask


def blob_mask(size: tuple[int, int], seed: int = 7, fraction: float = MASK_FRACTION) -> np.ndarray:
    """(H, W) uint8: one object-sized blob of overlapping ellipses, ~`fraction` of the photo."""
    rng = np.random.default_rng(seed)
    lobes = [(rng.uniform(-0.08, 0.08), rng.uniform(-0.08, 0.08), rng.uniform(0.06, 0.12), rng.uniform(0.06, 0.12),
              rng.uniform(0, 180)) for _ in range(4)]
    cx, cy = 0.55, 0.5
    w, h = size

    def draw(mask, scale):
        for dx, dy, ax, ay, angle in lobes:
            centre = (int((cx + dx * scale) * w), int((cy + dy * scale) * h))
            axes = (max(1, int(ax * scale * w)), max(1, int(ay * scale * w)))
            cv2.ellipse(mask, centre, axes, angle, 0, 360, 255, -1, lineType=cv2.LINE_AA)

    return _scaled_to_fraction(draw, size, fraction)


def stroke_mask(size: tuple[int, int], seed: int = 11, fraction: float = MASK_FRACTION) -> np.ndarray:
    """(H, W) uint8: anti-aliased brush strokes 1.5 % of the width wide, ~`fraction` of the photo."""
    rng = np.random.default_rng(seed)
    w, h = size
    brush = max(3, round(0.015 * w))
    strokes = []
    for _ in range(12):
        x, y = rng.uniform(0.1, 0.9), rng.uniform(0.1, 0.9)
        points = [(x, y)]
        for _ in range(int(rng.integers(3, 7))):
            angle, step = rng.uniform(0, 2 * np.pi), rng.uniform(0.03, 0.08)
            x, y = np.clip(x + step * np.cos(angle), 0.02, 0.98), np.clip(y + step * np.sin(angle), 0.02, 0.98)
            points.append((x, y))
        strokes.append(points)

    def draw(mask, scale):
        # The scale sets how many strokes are drawn and how long they are, not the brush.
        count = min(len(strokes), max(1, round(4 * scale * scale)))
        for points in strokes[:count]:
            x0, y0 = points[0]
            pts = [(int((x0 + (px - x0) * min(scale, 2.5)) * w), int((y0 + (py - y0) * min(scale, 2.5)) * h))
                   for px, py in points]
            cv2.polylines(mask, [np.array(pts, np.int32)], False, 255, brush, lineType=cv2.LINE_AA)

    return _scaled_to_fraction(draw, size, fraction)


def canvas_png(mask: np.ndarray) -> bytes:
    """The mask as the editor sends it: an opaque RGBA PNG, white strokes on black."""
    from PIL import Image

    rgba = np.dstack([mask, mask, mask, np.full_like(mask, 255)])
    out = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(out, format="PNG")
    return out.getvalue()


def jpeg_bytes(bgr: np.ndarray) -> bytes:
    ok, data = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, 95])
    assert ok
    return data.tobytes()


# ---------------------------------------------------------------- services


def ensure_database(name: str = DB_NAME) -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}")


def clear_rq_keys(url: str = REDIS_URL) -> None:
    import redis

    conn = redis.Redis.from_url(url)
    keys = list(conn.scan_iter("rq:*"))
    if keys:
        conn.delete(*keys)


class Worker:
    """One `manage.py rqworker` process (its own process group, so its work-horses go
    with it), and a /proc sampler for the work-horses' peak RSS."""

    def __init__(self, env: dict, log_path: Path):
        self.env = env
        self.log = open(log_path, "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "manage.py", "rqworker", "repair", "--serializer", "rq.serializers.JSONSerializer"],
            cwd=REPO, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        self.peaks: dict[tuple[int, str], int] = {}  # (work-horse pid, "VmHWM:"/"VmPeak") -> kB
        self._stop = threading.Event()
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()

    def wait_ready(self, timeout: float = 60) -> None:
        import redis
        from rq import Worker as RqWorker

        conn = redis.Redis.from_url(self.env["REDIS_URL"])
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"the worker exited with {self.proc.returncode}; see {self.log.name}")
            if RqWorker.count(connection=conn) > 0:
                return
            time.sleep(0.1)
        raise SystemExit(f"the worker did not register within {timeout} s; see {self.log.name}")

    def _children(self) -> list[int]:
        try:
            text = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text()
        except OSError:
            return []
        return [int(p) for p in text.split()]

    def _sample(self) -> None:
        while not self._stop.is_set():
            for pid in self._children():
                try:
                    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                        # VmHWM: peak resident memory; VmPeak: peak address space, which
                        # is what the work-horse's RLIMIT_AS (REPAIR_MEMORY_LIMIT_MB) caps.
                        if line.startswith(("VmHWM:", "VmPeak:")):
                            key = (pid, line[:6])
                            self.peaks[key] = max(self.peaks.get(key, 0), int(line.split()[1]))
                    # utime + stime so far (the last sample misses at most the final 5 ms)
                    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                    self.peaks[(pid, "cpu")] = int(fields[11]) + int(fields[12])
                except OSError:
                    pass
            time.sleep(0.005)

    def rss_kb(self) -> int:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def stop(self) -> None:
        self._stop.set()
        if self.proc.poll() is None:
            # A work-horse puts itself in its own process group (rq calls setpgrp), so a
            # job still running (Ctrl-C mid-run) is stopped by its pid first.
            for pid in self._children():
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)  # rq: warm shutdown, nothing left to wait for
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)
            except ProcessLookupError:
                pass
        self.log.close()


# ---------------------------------------------------------------- measuring


def one_job(client, worker: Worker, *, asset, version, mask_png: bytes, engine: str, timeout: float) -> dict:
    from django.urls import reverse
    from repairapp.models import RepairJob

    upload = io.BytesIO(mask_png)
    upload.name = "mask.png"
    worker.peaks.clear()
    posted_wall = time.time()
    t0 = time.perf_counter()
    response = client.post(
        reverse("repair-create", args=[asset.pk]),
        {"mask": upload, "version": str(version.pk), "engine": engine, "dilate": "3"},
        HTTP_ACCEPT="application/json",
    )
    http = time.perf_counter() - t0
    if response.status_code != 202:
        return {"engine": engine, "status": "http-error", "error": f"{response.status_code} {response.content[:300]!r}"}
    job_id = response.json()["id"]
    deadline = time.perf_counter() + timeout
    while True:
        row = RepairJob.objects.filter(pk=job_id).values(
            "status", "error", "queued_at", "started_at", "finished_at", "timings").first()
        if row["status"] in RepairJob.FINISHED:
            break
        if time.perf_counter() > deadline:
            return {"engine": engine, "status": "timeout", "error": f"not finished after {timeout} s", "job": job_id}
        time.sleep(0.02)
    observed = time.perf_counter() - t0
    time.sleep(0.03)  # let the work-horse exit and the sampler see its last VmHWM
    record = {
        "job": job_id, "engine": engine, "status": row["status"], "error": row["error"],
        "http": http, "observed": observed,
    }
    if row["status"] != RepairJob.SUCCEEDED:
        return record
    posted = dt.datetime.fromtimestamp(posted_wall, dt.timezone.utc)
    record.update(
        queue=(row["started_at"] - row["queued_at"]).total_seconds(),
        e2e=(row["finished_at"] - posted).total_seconds(),
        in_worker=(row["finished_at"] - row["started_at"]).total_seconds(),
        **{f"t_{stage}": row["timings"].get(stage, 0.0) for stage in STAGES},
        total=row["timings"].get("total", 0.0),
        horse_peak_mb=max((v for (_, k), v in worker.peaks.items() if k == "VmHWM:"), default=0) / 1024 or None,
        horse_cpu=sum(v for (_, k), v in worker.peaks.items() if k == "cpu") / os.sysconf("SC_CLK_TCK"),
        horse_vmpeak_mb=max((v for (_, k), v in worker.peaks.items() if k == "VmPeak"), default=0) / 1024 or None,
    )
    return record


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def summarise(records: list[dict]) -> list[dict]:
    rows = []
    keys = sorted({(r["size"], r["engine"], r["mask"]) for r in records},
                  key=lambda k: (list(SIZES).index(k[0]), k[1] != "telea", k[1], k[2]))
    for size, engine, mask in keys:
        group = [r for r in records if (r["size"], r["engine"], r["mask"]) == (size, engine, mask)]
        ok = [r for r in group if r["status"] == "succeeded"]
        row = {"size": size, "engine": engine, "mask": mask, "mask_pct": group[0]["mask_pct"], "runs": len(group),
               "ok": len(ok), "errors": sorted({r.get("error", "")[:200] for r in group if r["status"] != "succeeded"})}
        for key in ("http", "queue", *(f"t_{k}" for k in STAGES), "total", "in_worker", "e2e", "observed", "horse_cpu", "horse_peak_mb", "horse_vmpeak_mb"):
            row[key] = median([r.get(key) for r in ok])
        row["load1"] = median([r["load1"] for r in group])
        if ok:
            row["e2e_min"], row["e2e_max"] = min(r["e2e"] for r in ok), max(r["e2e"] for r in ok)
        rows.append(row)
    return rows


def table(rows: list[dict]) -> str:
    head = ["size", "engine", "mask", "mask%", "ok/n", "http", "queue", "read", "decode", "engine", "diff",
            "encode", "storage", "db", "stages", "Remove->stored", "(min-max)", "horse cpu", "horse RSS peak", "horse VmPeak", "load"]
    lines = [" | ".join(head), " | ".join("---" for _ in head)]

    def s(v):
        return "-" if v is None else f"{v:.3f}"

    for r in rows:
        lines.append(" | ".join([
            r["size"], r["engine"], r["mask"], f"{r['mask_pct']:.1f}", f"{r['ok']}/{r['runs']}",
            s(r["http"]), s(r["queue"]), *(s(r[f"t_{k}"]) for k in STAGES), s(r["total"]), s(r["e2e"]),
            f"{r['e2e_min']:.2f}-{r['e2e_max']:.2f}" if r.get("e2e_min") is not None else "-", s(r["horse_cpu"]),
            "-" if r["horse_peak_mb"] is None else f"{r['horse_peak_mb']:.0f} MB",
            "-" if r["horse_vmpeak_mb"] is None else f"{r['horse_vmpeak_mb']:.0f} MB", f"{r['load1']:.1f}",
        ]))
    return "\n".join("| " + line + " |" for line in lines)


def machine(load_start) -> dict:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())
    return {"cpu": model, "nproc": os.cpu_count(), "python": platform.python_version(),
            "opencv": cv2.__version__, "loadavg_start": load_start}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sizes", default="2mp,12mp")
    parser.add_argument("--engines", default="telea,auto")
    parser.add_argument("--masks", default="blob,strokes")
    parser.add_argument("--mask-percent", type=float, default=100 * MASK_FRACTION, help="mask area, %% of the photo")
    parser.add_argument("--photo", default="Places365_val_00001629")
    parser.add_argument("--database", default=DB_NAME, help="PostgreSQL database to create/migrate and use")
    parser.add_argument("--redis", default=REDIS_URL, help="Redis URL whose rq:* keys this run uses and removes")
    parser.add_argument("--job-timeout", type=float, default=180, help="give up on one job after this many s")
    parser.add_argument("--max-minutes", type=float, default=25, help="stop starting new runs after this")
    parser.add_argument("--out", default="latency", help="results name under bench/e2e/results/")
    args = parser.parse_args()
    sizes = args.sizes.split(",")
    engine_names = args.engines.split(",")
    mask_kinds = args.masks.split(",")

    media = Path(tempfile.mkdtemp(prefix="repairapp-bench-media-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "repairapp.settings",
        "DEBUG": "1",
        "DATABASE_URL": f"{PG}/{args.database}",
        "REDIS_URL": args.redis,
        "MEDIA_ROOT": str(media),
    }
    os.environ.update(env)
    worker = None
    # Ctrl-C and a plain kill both unwind through `finally`.
    def interrupt(*_):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
    signal.signal(signal.SIGINT, interrupt)  # also when started in the background
    try:
        ensure_database(args.database)
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=REPO, env=env, check=True,
                       timeout=300)
        clear_rq_keys(args.redis)
        import django

        django.setup()
        from django.contrib.auth import get_user_model
        from django.test import Client
        from repairapp import services

        user, _ = get_user_model().objects.get_or_create(username="bench-e2e")
        client = Client()
        client.force_login(user)

        inputs = {}
        for size in sizes:
            wh = SIZES[size]
            photo = upscaled_photo(args.photo, wh)
            asset = services.asset_create(owner=user, data=jpeg_bytes(photo), file_name=f"{args.photo}-{size}.jpg")
            fraction = args.mask_percent / 100
            masks = {"blob": blob_mask(wh, fraction=fraction), "strokes": stroke_mask(wh, fraction=fraction)}
            inputs[size] = {
                "asset": asset, "version": asset.latest_version(),
                "masks": {k: (canvas_png(masks[k]), 100 * np.count_nonzero(masks[k] >= 128) / masks[k].size)
                          for k in mask_kinds},
            }
            print(f"{size}: {wh[0]}x{wh[1]}, masks " +
                  ", ".join(f"{k} {pct:.1f} % ({len(png) // 1024} KB)" for k, (png, pct) in inputs[size]["masks"].items()))

        worker = Worker(env, media / "worker.log")
        worker.wait_ready()
        idle_rss = worker.rss_kb() / 1024
        print(f"worker pid {worker.proc.pid} ready, RSS {idle_rss:.0f} MB; load {os.getloadavg()}")
        first = inputs[sizes[0]]
        warm = one_job(client, worker, asset=first["asset"], version=first["version"],
                       mask_png=first["masks"][mask_kinds[0]][0], engine="telea", timeout=args.job_timeout)
        print(f"warm-up job (discarded): {warm['status']} in {warm.get('e2e', warm.get('observed', 0)):.2f} s")

        records = []
        load_start = os.getloadavg()
        started = time.monotonic()
        for run in range(args.runs):
            if time.monotonic() - started > args.max_minutes * 60:
                print(f"--max-minutes {args.max_minutes} reached after {run} runs")
                break
            for size in sizes:
                for engine in engine_names:
                    for kind in mask_kinds:
                        png, pct = inputs[size]["masks"][kind]
                        record = one_job(client, worker, asset=inputs[size]["asset"], version=inputs[size]["version"],
                                         mask_png=png, engine=engine, timeout=args.job_timeout)
                        record.update(size=size, mask=kind, mask_pct=pct, iteration=run, load1=os.getloadavg()[0])
                        records.append(record)
                        shown = f"{record['e2e']:.2f} s" if record["status"] == "succeeded" else record.get("error", "")[:120]
                        print(f"run {run} {size} {engine:5} {kind:7} {record['status']}: {shown}", flush=True)

        rows = summarise(records)
        text = table(rows)
        info = machine(load_start)
        info.update(loadavg_end=os.getloadavg(), date=dt.datetime.now().isoformat(timespec="seconds"),
                    worker_idle_rss_mb=idle_rss, command=" ".join([".venv/bin/python", "-m", "bench.e2e.latency", *sys.argv[1:]]))
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / f"{args.out}.json").write_text(json.dumps({"machine": info, "summary": rows, "runs": records},
                                                             indent=1, default=str))
        header = (f"# {info['date']}  {info['command']}\n# {info['cpu']}, {info['nproc']} cores; load "
                  f"{' '.join(f'{x:.2f}' for x in info['loadavg_start'])} at start, "
                  f"{' '.join(f'{x:.2f}' for x in info['loadavg_end'])} at end; worker idle RSS {idle_rss:.0f} MB\n"
                  "# seconds, medians; http = POST answered; queue = started_at - queued_at; "
                  "Remove->stored = finished_at - POST start\n")
        (RESULTS / f"{args.out}.txt").write_text(header + text + "\n")
        print(header + text)
    except KeyboardInterrupt:
        print("interrupted; cleaning up", file=sys.stderr)
        sys.exit(130)
    finally:
        if worker is not None:
            worker.stop()
        try:
            clear_rq_keys(args.redis)
        except Exception as exc:  # Redis gone: nothing of ours is left there anyway
            print(f"could not clear rq keys in {args.redis}: {exc}", file=sys.stderr)
        shutil.rmtree(media, ignore_errors=True)


if __name__ == "__main__":
    main()
