"""Find text's first call after the server starts, and later calls, in a real Chromium.

    .venv/bin/python -m bench.editor.find_text_first [--root DIR] [--runs 3] [--delay S] [--label NAME]

It starts the run command itself (`manage.py serve` of the checkout at --root, default
this one: runserver, one worker, an embedded Redis, SQLite and media in a temporary
folder), logs in as the demo user and uploads a 2 MP PNG with a date stamp, then stops
it. Then it starts the server again, as after a deploy or a restart, and as soon as the
web server answers (or --delay seconds later: an operator who comes a little later) it logs in, opens the editor on that photo and presses Find text: the time
from the click until the lines are listed is the first call (what the operator waits,
with the text model loading or not). Then --runs later calls (the page reloaded each
time). It notes whether the editor showed "Loading the text model" meanwhile, the
statuses of the find-text requests (503 while loading) and the server's own time for
the find (Server-Timing "find": in a cold process without the warm-up, the model's load).
Results go to bench/editor/results/find_text_first-<label>.{json,txt}.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from bench.editor.open import CHROMIUM_ARGS, RESULTS, make_photo, upload

HERE = Path(__file__).resolve().parents[2]
DONE = ("Added", "already masked", "No text found")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(root: Path, var: Path, port: int) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL", "MEDIA_ROOT")}
    env.update(DEBUG="1", SECRET_KEY="bench-" + "x" * 50, DATABASE_URL=f"sqlite:///{var / 'db.sqlite3'}",
               MEDIA_ROOT=str(var / "media"))
    return subprocess.Popen([str(HERE / ".venv" / "bin" / "python"), "manage.py", "serve", "--port", str(port)],
                            cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)


def wait_for_port(port: int, seconds: float = 120) -> float:
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return time.perf_counter()
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"the server did not answer on port {port}")


def stop_server(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGINT)  # the run command stops its web server, worker and Redis on Ctrl-C
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def find_text(page) -> dict:
    """Press Find text; seconds until the editor says what it found, and whether it said
    it was loading the model first."""
    message = page.locator("#tools-message")
    answers = []  # (status, the server's own find time in ms) of each find-text request

    def seen(response):
        if "/find-text" in response.url:
            answers.append((response.status, response.headers.get("server-timing", "")))

    page.on("response", seen)
    t0 = time.perf_counter()
    page.get_by_role("button", name="Find text").click()
    loading_seen = False
    while True:
        text = message.inner_text()
        loading_seen |= "Loading the text model" in text
        if any(word in text for word in DONE):
            page.remove_listener("response", seen)
            timing = dict(part.strip().split(";dur=") for part in answers[-1][1].split(",") if ";dur=" in part)
            return {"seconds": round(time.perf_counter() - t0, 3), "loading_shown": loading_seen,
                    "answers": [status for status, _ in answers], "find_ms": int(timing.get("find", -1)),
                    "lines": page.locator("#text-lines-list li").count()}
        if time.perf_counter() - t0 > 180:
            raise SystemExit(f"Find text did not finish: {text!r}")
        time.sleep(0.02)


def login(page, base: str) -> None:
    page.goto(base + "/login/")
    page.get_by_label("Username").fill("demo")
    page.get_by_label("Password").fill("repair-demo-2026")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(base + "/")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", type=Path, default=HERE, help="the checkout whose run command is started")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--label", default="this")
    parser.add_argument("--delay", type=float, default=0.0, help="seconds after the server answers before logging in")
    args = parser.parse_args()
    out: dict = {"root": str(args.root), "runs": args.runs, "delay_s": args.delay}

    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        var = Path(tmp)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.set_default_timeout(180_000)

        server = start_server(args.root, var, port)
        try:
            wait_for_port(port)
            login(page, base)
            editor_url = upload(page, base, make_photo(var / "text2mp.png", (1732, 1155), text=True, fmt="PNG"))
        finally:
            stop_server(server)

        server = start_server(args.root, var, port)  # a restart: the text model is not loaded
        started = time.perf_counter()
        try:
            up = wait_for_port(port)
            out["server_answers_s"] = round(up - started, 2)
            time.sleep(args.delay)
            login(page, base)  # the run command resets the demo password as it starts: the old session is gone
            page.goto(editor_url)
            page.wait_for_selector("#editor[data-photo-res]", state="attached")
            out["editor_ready_after_up_s"] = round(time.perf_counter() - up, 2)
            out["first"] = find_text(page)
            later = []
            for _ in range(args.runs):
                page.reload()
                page.wait_for_selector("#editor[data-photo-res]", state="attached")
                later.append(find_text(page))
            out["later"] = later
            out["later_median_s"] = statistics.median(r["seconds"] for r in later)
        finally:
            stop_server(server)
        browser.close()
    out["load_average"] = os.getloadavg()

    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"find_text_first-{args.label}.json").write_text(json.dumps(out, indent=2) + "\n")
    text = (f"{args.label}: server answered {out['server_answers_s']} s after start; delay {args.delay} s; editor ready "
            f"{out['editor_ready_after_up_s']} s later; first Find text {out['first']['seconds']} s "
            f"(loading shown: {out['first']['loading_shown']}, answers {out['first']['answers']}, server find "
            f"{out['first']['find_ms']} ms); later: {[r['seconds'] for r in out['later']]} (median "
            f"{out['later_median_s']} s; server find {[r['find_ms'] for r in out['later']]} ms); "
            f"load average {', '.join(f'{x:.1f}' for x in out['load_average'])}")
    (RESULTS / f"find_text_first-{args.label}.txt").write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
