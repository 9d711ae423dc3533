"""The editor on big photos, timed in a real Chromium against a running server.

    .venv/bin/python manage.py serve --port 8126        # in another shell
    .venv/bin/python -m bench.editor.open --url http://127.0.0.1:8126 [--runs 3]

For a 24 MP photo (6000×4000 JPEG, a shared photo upscaled) it measures, from the
editor's navigation to:
  first paint  the display rendition is on screen (#editor[data-photo-res] set);
  full         the full-resolution pixels replaced it (data-photo-res="full");
on the first open (the rendition is made by that request) and on later opens
(rendition stored). Then the bytes of the mask PNG the page posts for one stroke and
for an inverted (mostly white) mask, and the time the browser takes to build it.
Find text is timed through its endpoint on 2 MP and 12 MP photos with text.
Results go to bench/editor/results/open.{json,txt}.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from email.parser import BytesParser
from email.policy import default as email_policy
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont
from playwright.sync_api import sync_playwright

from bench import DATA

PHOTOS = DATA / "images"
RESULTS = Path(__file__).resolve().parent / "results"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def make_photo(path: Path, size: tuple[int, int], *, text: bool = False, fmt: str = "JPEG") -> Path:
    img = Image.open(sorted(PHOTOS.glob("*.jpg"))[3]).convert("RGB").resize(size, Image.Resampling.BICUBIC)
    if text:
        ImageDraw.Draw(img).text((size[0] // 20, size[1] * 9 // 10), "2026-11-24 13:45", fill=(255, 200, 0),
                                 font=ImageFont.load_default(size=size[1] // 25))
    img.save(path, format=fmt, **({"quality": 90} if fmt == "JPEG" else {}))
    return path


def upload(page, base: str, path: Path) -> str:
    page.goto(base + "/")
    page.set_input_files("#photo-input", str(path))
    page.wait_for_url("**/assets/*/", timeout=120_000, wait_until="commit")
    return page.url


def first_open(page) -> dict:
    """The editor the upload redirected to: its request makes the display rendition."""
    t0 = time.perf_counter()
    page.wait_for_selector("#editor[data-photo-res]", state="attached", timeout=120_000)
    first = time.perf_counter() - t0
    page.wait_for_selector("#editor[data-photo-res='full']", state="attached", timeout=120_000)
    return {"first_paint_s": round(first, 3), "full_s": round(time.perf_counter() - t0, 3)}


def open_editor(page, url: str) -> dict:
    t0 = time.perf_counter()
    page.goto(url, wait_until="commit")
    page.wait_for_selector("#editor[data-photo-res]", state="attached", timeout=120_000)
    first = time.perf_counter() - t0
    page.wait_for_selector("#editor[data-photo-res='full']", state="attached", timeout=120_000)
    return {"first_paint_s": round(first, 3), "full_s": round(time.perf_counter() - t0, 3)}


def posted_mask_bytes(page, action) -> tuple[int, float]:
    """Do `action`, press Remove, catch the POST: (mask PNG bytes, seconds from click to request)."""
    caught = {}

    def handle(route):
        request = route.request
        raw = b"Content-Type: " + request.headers["content-type"].encode() + b"\r\n\r\n" + request.post_data_buffer
        for part in BytesParser(policy=email_policy).parsebytes(raw).iter_parts():
            if part.get_param("name", header="content-disposition") == "mask":
                caught["bytes"] = len(part.get_payload(decode=True))
                caught["at"] = time.perf_counter()
        route.fulfill(status=400, content_type="application/json", body='{"error": "bench"}')

    page.route("**/assets/*/repairs", handle)
    action()
    t0 = time.perf_counter()
    page.get_by_role("button", name="Remove").click()
    page.wait_for_selector("#form-message:has-text('bench')", timeout=120_000)
    page.unroute("**/assets/*/repairs")
    return caught["bytes"], round(caught["at"] - t0, 3)


def stroke(page):
    box = page.locator("#photo").bounding_box()
    page.fill("#brush-size", "240")
    page.dispatch_event("#brush-size", "input")
    page.mouse.move(box["x"] + box["width"] * 0.25, box["y"] + box["height"] * 0.5)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.75, box["y"] + box["height"] * 0.6, steps=20)
    page.mouse.up()


def find_text_time(page, editor_url: str) -> dict:
    page.goto(editor_url)
    page.wait_for_selector("#editor[data-photo-res]", state="attached", timeout=120_000)
    url = page.get_attribute("#editor", "data-find-text-url")
    token = page.input_value("input[name=csrfmiddlewaretoken]")
    t0 = time.perf_counter()
    response = page.request.post(page.url.split("/assets/")[0] + url, headers={"X-CSRFToken": token})
    total = time.perf_counter() - t0
    assert response.ok, response.status
    timing = dict(part.strip().split(";dur=") for part in response.headers["server-timing"].split(","))
    return {"total_s": round(total, 3), "decode_ms": int(timing["decode"]), "find_ms": int(timing["find"]),
            "mask_pixels": int(response.headers["x-mask-pixels"])}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:8126")
    parser.add_argument("--user", default="demo")
    parser.add_argument("--password", default="repair-demo-2026")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    base = args.url.rstrip("/")
    out: dict = {"url": base, "runs": args.runs}

    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.set_default_timeout(120_000)
        page.goto(base + "/login/")
        page.get_by_label("Username").fill(args.user)
        page.get_by_label("Password").fill(args.password)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(base + "/")

        big = make_photo(Path(tmp) / "big24.jpg", (6000, 4000))
        t0 = time.perf_counter()
        editor_url = upload(page, base, big)
        out["upload_24mp_s"] = round(time.perf_counter() - t0, 2)
        out["open_24mp_first"] = first_open(page)
        for name, attr in (("display", "data-display-url"), ("full", "data-image-url")):
            body = page.request.get(base + page.get_attribute("#editor", attr)).body()
            out[f"bytes_24mp_{name}"] = len(body)
        page.goto("about:blank")
        later = [open_editor(page, editor_url) for _ in range(args.runs)]
        out["open_24mp_later"] = later
        out["open_24mp_later_median"] = {k: statistics.median(r[k] for r in later) for k in later[0]}

        out["mask_24mp_stroke_bytes"], out["mask_24mp_stroke_export_s"] = posted_mask_bytes(page, lambda: stroke(page))
        out["mask_24mp_inverted_bytes"], out["mask_24mp_inverted_export_s"] = posted_mask_bytes(
            page, lambda: page.get_by_role("button", name="Invert").click())

        for label, size in (("2mp", (1732, 1155)), ("12mp", (4243, 2828))):
            url = upload(page, base, make_photo(Path(tmp) / f"text{label}.png", size, text=True, fmt="PNG"))
            runs = [find_text_time(page, url) for _ in range(args.runs)]
            out[f"find_text_{label}"] = runs
            out[f"find_text_{label}_median_s"] = statistics.median(r["total_s"] for r in runs)
        browser.close()

    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "open.json").write_text(json.dumps(out, indent=2) + "\n")
    lines = [
        f"24 MP upload (6000x4000 JPEG): {out['upload_24mp_s']} s",
        f"24 MP display rendition {out['bytes_24mp_display']} bytes, full PNG {out['bytes_24mp_full']} bytes",
        f"24 MP editor, first open (after the upload; makes the rendition): first paint {out['open_24mp_first']['first_paint_s']} s, "
        f"full resolution {out['open_24mp_first']['full_s']} s",
        f"24 MP editor, later opens (median of {args.runs}): first paint "
        f"{out['open_24mp_later_median']['first_paint_s']} s, full {out['open_24mp_later_median']['full_s']} s",
        f"24 MP mask posted, one stroke: {out['mask_24mp_stroke_bytes']} bytes (click to request {out['mask_24mp_stroke_export_s']} s)",
        f"24 MP mask posted, inverted: {out['mask_24mp_inverted_bytes']} bytes (click to request {out['mask_24mp_inverted_export_s']} s)",
        f"find text 2 MP: median {out['find_text_2mp_median_s']} s {out['find_text_2mp']}",
        f"find text 12 MP: median {out['find_text_12mp_median_s']} s {out['find_text_12mp']}",
    ]
    (RESULTS / "open.txt").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
