"""Shared pieces of the engine benchmarks: photos, seeded masks, rendered text, metrics.

Every mask is drawn from a fixed seed per photo, so two runs (or two engines in one run)
see exactly the same holes. The untouched photo is the truth for all of them.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from bench import DATA, REPO  # noqa: F401 (REPO: for the scripts that print paths)

RESULTS = Path(__file__).resolve().parent / "results"
MONTAGES = Path(__file__).resolve().parent / "montages"

MASK_KINDS = ("strokes", "objects", "text", "freeform")


def photos() -> list[tuple[str, np.ndarray]]:
    """(name, RGB uint8 (512, 512, 3)) for the 20 reference photos, sorted by name."""
    out = []
    for path in sorted((DATA / "images").glob("*.jpg")):
        out.append((path.stem, cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)))
    if not out:
        raise SystemExit(f"no photos in {DATA / 'images'}: is shared/ beside the repository?")
    return out


def freeform_mask(name: str) -> np.ndarray:
    return np.where(cv2.imread(str(DATA / "masks" / f"{name}.png"), cv2.IMREAD_GRAYSCALE) >= 128, 255, 0).astype(np.uint8)


def stroke_mask(shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """1-3 brush strokes, each a polyline of 2-5 segments, 10-40 px wide."""
    h, w = shape
    mask = np.zeros(shape, np.uint8)
    for _ in range(rng.integers(1, 4)):
        width = int(rng.integers(10, 41))
        points = [(int(rng.integers(0, w)), int(rng.integers(0, h)))]
        for _ in range(rng.integers(2, 6)):
            angle, length = rng.uniform(0, 2 * np.pi), rng.uniform(40, 160)
            x = int(np.clip(points[-1][0] + length * np.cos(angle), 0, w - 1))
            y = int(np.clip(points[-1][1] + length * np.sin(angle), 0, h - 1))
            points.append((x, y))
        cv2.polylines(mask, [np.array(points, np.int32)], False, 255, width, lineType=cv2.LINE_8)
    return mask


def object_mask(shape: tuple[int, int], rng: np.random.Generator, *, area: float | None = None) -> np.ndarray:
    """One object-sized blob (a union of overlapping ellipses) covering 3-15 % of the photo."""
    h, w = shape
    target = area if area is not None else rng.uniform(0.03, 0.15)
    mask = np.zeros(shape, np.uint8)
    cy, cx = rng.uniform(0.25, 0.75) * h, rng.uniform(0.25, 0.75) * w
    scale = np.sqrt(target * h * w / np.pi)
    while (mask > 0).mean() < target:
        oy, ox = rng.normal(0, 0.5 * scale, 2)
        ay, ax = rng.uniform(0.4, 0.9, 2) * scale
        cv2.ellipse(mask, (int(cx + ox), int(cy + oy)), (int(ax), int(ay)), float(rng.uniform(0, 180)), 0, 360, 255, -1)
    return mask


TEXTS = ("2019/08/14 17:32", "SAMPLE", "(c) PHOTOSTOCK", "Summer in the hills", "IMG_4821.JPG", "DO NOT COPY")
FONTS = (cv2.FONT_HERSHEY_SIMPLEX, cv2.FONT_HERSHEY_DUPLEX, cv2.FONT_HERSHEY_TRIPLEX, cv2.FONT_HERSHEY_PLAIN)
COLOURS = ((255, 255, 255), (0, 0, 0), (255, 170, 0), (250, 40, 30), (255, 255, 80))


def render_text(rgb: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Overlay 1-2 lines of text; returns (photo with text (H, W, 3) uint8, text coverage (H, W) float32 0..1).

    Styles drawn from the seed: timestamp, caption or watermark word; white, black or a
    colour; plain, or with a contrasting outline; opaque or 70 % opaque.
    """
    h, w = rgb.shape[:2]
    out = rgb.astype(np.float32)
    coverage = np.zeros((h, w), np.float32)
    for _ in range(rng.integers(1, 3)):
        text = TEXTS[rng.integers(len(TEXTS))]
        font = FONTS[rng.integers(len(FONTS))]
        thickness = int(rng.integers(1, 4))
        scale = float(rng.uniform(0.6, 1.6))
        (tw, th), base = cv2.getTextSize(text, font, scale, thickness)
        while tw > w - 20:
            scale *= 0.8
            (tw, th), base = cv2.getTextSize(text, font, scale, thickness)
        x = int(rng.integers(10, max(11, w - tw - 10)))
        y = int(rng.integers(th + 10, h - base - 10))
        colour = np.array(COLOURS[rng.integers(len(COLOURS))], np.float32)
        opacity = 0.7 if rng.random() < 0.2 else 1.0
        layers = []
        if rng.random() < 0.4:
            outline = np.zeros((h, w), np.uint8)
            cv2.putText(outline, text, (x, y), font, scale, 255, thickness + 2, cv2.LINE_AA)
            dark = colour.mean() > 128
            layers.append((outline, np.full(3, 0 if dark else 255, np.float32)))
        core = np.zeros((h, w), np.uint8)
        cv2.putText(core, text, (x, y), font, scale, 255, thickness, cv2.LINE_AA)
        layers.append((core, colour))
        for layer, col in layers:
            alpha = layer.astype(np.float32)[:, :, None] / 255.0 * opacity
            out = out * (1 - alpha) + col * alpha
            coverage = np.maximum(coverage, alpha[:, :, 0])
    return np.clip(np.rint(out), 0, 255).astype(np.uint8), coverage


def case(name: str, rgb: np.ndarray, kind: str, index: int) -> tuple[np.ndarray, np.ndarray]:
    """(input photo with the defect (H, W, 3), mask (H, W) 0/255) for one photo and mask kind.

    Strokes and objects are painted magenta on the input, so an engine that reads the
    masked pixels (or a feather that blends them back) shows it in the figures.
    """
    rng = np.random.default_rng([index, MASK_KINDS.index(kind), 2026])
    shape = rgb.shape[:2]
    if kind == "text":
        damaged, coverage = render_text(rgb, rng)
        # What an operator brushes, or Find text proposes: the text's body. The rim is
        # left to `dilate`.
        return damaged, np.where(coverage >= 0.5, 255, 0).astype(np.uint8)
    if kind == "strokes":
        mask = stroke_mask(shape, rng)
    elif kind == "objects":
        mask = object_mask(shape, rng)
    else:
        mask = freeform_mask(name)
    damaged = rgb.copy()
    damaged[mask > 0] = (255, 0, 255)
    return damaged, mask


# --- metrics ------------------------------------------------------------------------


def bbox(mask: np.ndarray) -> tuple[slice, slice]:
    ys, xs = np.nonzero(mask)
    return slice(ys.min(), ys.max() + 1), slice(xs.min(), xs.max() + 1)


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float("inf") if mse == 0 else float(10 * np.log10(255.0**2 / mse))


def ssim(a: np.ndarray, b: np.ndarray) -> float:
    """Mean SSIM over the RGB channels, Gaussian window sigma 1.5 (Wang et al. 2004)."""
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    values = []
    for ch in range(3):
        x, y = a[:, :, ch].astype(np.float64), b[:, :, ch].astype(np.float64)
        blur = lambda z: cv2.GaussianBlur(z, (11, 11), 1.5)  # noqa: E731
        mx, my = blur(x), blur(y)
        vx, vy, cxy = blur(x * x) - mx * mx, blur(y * y) - my * my, blur(x * y) - mx * my
        values.append(np.mean(((2 * mx * my + c1) * (2 * cxy + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2))))
    return float(np.mean(values))


def _grey(rgb: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32)


def texture_ratio(out: np.ndarray, truth: np.ndarray, mask: np.ndarray) -> float:
    """Mean |Laplacian| inside the fill / the same on the truth: 1 = as busy as the truth, 0 = flat."""
    inside = mask > 0
    lap = lambda x: np.abs(cv2.Laplacian(_grey(x), cv2.CV_32F))  # noqa: E731
    return float(lap(out)[inside].mean() / max(lap(truth)[inside].mean(), 1e-6))


def seam_ratio(out: np.ndarray, truth: np.ndarray, mask: np.ndarray) -> float:
    """Gradient magnitude on the 2 px ring around the mask border / the same on the truth."""
    m = (mask > 0).astype(np.uint8)
    k = np.ones((3, 3), np.uint8)
    ring = (cv2.dilate(m, k, iterations=2) - cv2.erode(m, k, iterations=2)) > 0
    def grad(x):
        g = _grey(x)
        return np.hypot(cv2.Sobel(g, cv2.CV_32F, 1, 0), cv2.Sobel(g, cv2.CV_32F, 0, 1))
    return float(grad(out)[ring].mean() / max(grad(truth)[ring].mean(), 1e-6))


def scores(out: np.ndarray, truth: np.ndarray, given: np.ndarray, effective: np.ndarray, damaged: np.ndarray) -> dict:
    """All quality figures for one fill; `given` is the drawn mask, `effective` the one applied."""
    ys, xs = bbox(given > 0)
    return {
        "psnr": psnr(out[ys, xs], truth[ys, xs]),
        "ssim": ssim(out[ys, xs], truth[ys, xs]),
        "texture": texture_ratio(out, truth, effective),
        "seam": seam_ratio(out, truth, effective),
        "changed_outside": int(np.any(out != damaged, axis=2)[effective == 0].sum()),
    }
