"""The worker's per-job cost as a forked work-horse pays it, without the database or the queue.

    python bench/e2e/workhorse.py --size 2mp --mask-percent 5 --jobs 3

A parent process does what the rq worker does before it forks (imports repairapp.worker,
loads the text models), then forks one child per job, as rq does; each child runs
repairapp/jobs.py's `_repair` on a stand-in row (the version and mask of stages.py, the
editor's dilate 3 and feather 2, engine `auto`; files stored under a temporary
MEDIA_ROOT) and exits. Printed per job: the child's CPU (user + sys from the kernel's
accounting), page faults, peak RSS, its wall time from fork to exit, the stored
version's checksum (the same pixels give the same checksum) and the job's own stage
timings. What stages.py cannot see shows here: whatever a work-horse does afresh on
every job (imports, first calls, faulting its memory in).

Run as a file from another checkout's root, it measures that checkout's repairapp.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, os.getcwd())
    sys.path.insert(1, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


class _Stored:
    """A stored file's stand-in: `.open("rb")` gives its bytes."""

    def __init__(self, data: bytes):
        self.data = data

    def open(self, mode: str):
        return io.BytesIO(self.data)


def stand_in_row(version: bytes, mask: bytes):
    """What `jobs._repair` reads of a RepairJob, with `succeed` returning its fields."""

    class Row:
        base_version = type("Version", (), {"file": _Stored(version)})()
        mask_file = _Stored(mask)
        params = {"dilate": 3, "feather": 2}
        text_source = ""
        engine = "auto"

        def succeed(self, **fields):
            return fields

    return Row()


def one_job(version: bytes, mask: bytes) -> dict:
    """Fork a work-horse that runs one job; what it cost and what it stored."""
    from repairapp import jobs

    read, write = os.pipe()
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # the work-horse
        os.close(read)
        fields = jobs._repair(stand_in_row(version, mask), [])
        os.write(write, json.dumps({"timings": fields["timings"], "checksum": fields["checksum"]}).encode())
        os.close(write)
        os._exit(0)
    os.close(write)
    data = b""
    while chunk := os.read(read, 65536):
        data += chunk
    os.close(read)
    _, status, usage = os.wait4(pid, 0)
    if status != 0:
        raise SystemExit(f"the work-horse exited with status {status}")
    return {**json.loads(data), "wall": time.perf_counter() - start, "cpu": usage.ru_utime + usage.ru_stime,
            "sys": usage.ru_stime, "faults": usage.ru_minflt, "peak_mb": usage.ru_maxrss / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="2mp")
    parser.add_argument("--mask-percent", type=float, default=5.0)
    parser.add_argument("--jobs", type=int, default=3)
    parser.add_argument("--inputs-to", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inputs_to:  # the child below: make the inputs, write them, exit
        from bench.e2e.stages import inputs

        version, mask = inputs(args.size, args.mask_percent)
        Path(args.inputs_to, "version.png").write_bytes(version)
        Path(args.inputs_to, "mask.png").write_bytes(mask)
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "repairapp.settings")
    os.environ.setdefault("DEBUG", "1")  # settings then need no SECRET_KEY; nothing here serves requests
    os.environ["MEDIA_ROOT"] = tempfile.mkdtemp(prefix="workhorse-media-")
    # Made in another process: making them imports Pillow's plugins and numpy.random,
    # which this process must import only as the worker does.
    folder = tempfile.mkdtemp(prefix="workhorse-inputs-")
    subprocess.run([sys.executable, os.path.abspath(__file__), "--size", args.size, "--mask-percent",
                    str(args.mask_percent), "--inputs-to", folder], check=True)
    version, mask = Path(folder, "version.png").read_bytes(), Path(folder, "mask.png").read_bytes()
    shutil.rmtree(folder)
    import django

    django.setup()
    from repairapp import textdetect, worker  # noqa: F401  (what the worker imports before it forks)

    textdetect.load()
    runs = []
    for _ in range(args.jobs):
        run = one_job(version, mask)
        runs.append(run)
        print(f"cpu {run['cpu']:.3f} s (sys {run['sys']:.3f})  wall {run['wall']:.3f} s  faults {run['faults']}  "
              f"peak {run['peak_mb']:.0f} MB  {run['checksum'][:12]}  "
              + "  ".join(f"{k} {v:.3f}" for k, v in run["timings"].items()), flush=True)
    cpus = sorted(run["cpu"] for run in runs)
    shutil.rmtree(os.environ["MEDIA_ROOT"], ignore_errors=True)
    print(f"median work-horse cpu {cpus[len(cpus) // 2]:.3f} s (min {cpus[0]:.3f}); load {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
