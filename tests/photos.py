"""Photo-like test images made on the spot, so the suite needs nothing outside the
repository: a sky gradient, a hill line, textured ground (noise at several scales),
a few shaded objects with hard edges, a vignette and sensor grain, saved as JPEG
like a camera's output. Each index is a different, deterministic scene.

Realistic-photo quality (fills judged on real photos, Find text on the reference
set) is measured in bench/, on the data set beside the repository.
"""

from __future__ import annotations

import atexit
import functools
import io
import shutil
import tempfile
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

SIZE = 512


def _octave_noise(rng: np.random.Generator, h: int, w: int, scales=(4, 16, 64), weights=(0.5, 0.3, 0.2)) -> np.ndarray:
    """Smooth noise in about -1..1: random grids of a few cells, enlarged and summed."""
    total = np.zeros((h, w), np.float32)
    for cells, weight in zip(scales, weights):
        grid = rng.uniform(-1, 1, (cells, cells)).astype(np.float32)
        total += weight * cv2.resize(grid, (w, h), interpolation=cv2.INTER_CUBIC)
    return total


def scene_rgb(index: int, width: int = SIZE, height: int = SIZE) -> np.ndarray:
    """RGB uint8 (height, width, 3): an outdoor scene with no text in it."""
    rng = np.random.default_rng(1000 + index)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    top, low = rng.uniform(120, 230, 3), rng.uniform(160, 250, 3)
    t = (yy / height)[..., None]
    img = top * (1 - t) + low * t                                                  # the sky
    img += 12 * _octave_noise(rng, height, width, (3, 8), (0.7, 0.3))[..., None]   # soft clouds

    # Hills: a wavy horizon, the land below it textured at several scales.
    horizon = height * rng.uniform(0.35, 0.6)
    phase = rng.uniform(0, 2 * np.pi, 3)
    line = horizon + sum(height * a * np.sin(xx[0] * f / width * 2 * np.pi + p)
                         for a, f, p in zip((0.05, 0.02, 0.008), (1.3, 3.7, 9.1), phase))
    land = yy >= line[None, :]
    ground = rng.uniform(40, 160, 3)
    texture = _octave_noise(rng, height, width, (6, 24, 96, 256), (0.35, 0.3, 0.2, 0.15))
    shade = 0.75 + 0.5 * (yy - horizon).clip(0) / height
    img[land] = (ground * shade[..., None] + 55 * texture[..., None] * rng.uniform(0.6, 1.2, 3))[land]

    # Objects with hard edges and their own shading: boxes, discs, a polygon, a pole.
    for _ in range(int(rng.integers(3, 6))):
        colour = rng.uniform(20, 235, 3)
        cx, cy = int(rng.integers(40, width - 40)), int(rng.integers(int(horizon) - 40, height - 30))
        kind = rng.integers(0, 3)
        layer = np.zeros((height, width), np.uint8)
        if kind == 0:
            w, h = int(rng.integers(40, 130)), int(rng.integers(40, 120))
            cv2.rectangle(layer, (cx - w // 2, cy - h), (cx + w // 2, cy), 255, -1)
        elif kind == 1:
            cv2.circle(layer, (cx, cy), int(rng.integers(18, 60)), 255, -1, cv2.LINE_AA)
        else:
            points = np.array([[cx + rng.integers(-70, 70), cy + rng.integers(-70, 40)] for _ in range(5)], np.int32)
            cv2.fillPoly(layer, [cv2.convexHull(points)], 255, cv2.LINE_AA)
        alpha = (layer.astype(np.float32) / 255)[..., None]
        light = 0.7 + 0.3 * (xx - cx) / width + 0.15 * _octave_noise(rng, height, width, (8, 32), (0.6, 0.4))
        img = img * (1 - alpha) + (colour * light[..., None]) * alpha
    x0 = int(rng.integers(20, width - 20))
    cv2.line(img, (x0, int(horizon) - 60), (x0 + int(rng.integers(-8, 8)), height), (40, 38, 35), 4, cv2.LINE_AA)

    # A lens: slight softness, darker corners, sensor grain.
    img = cv2.GaussianBlur(img.astype(np.float32), (0, 0), 0.8)
    vignette = 1 - 0.25 * (((xx - width / 2) / width) ** 2 + ((yy - height / 2) / height) ** 2) * 2
    img = img * vignette[..., None] + rng.normal(0, 3, img.shape)
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


@functools.lru_cache(maxsize=None)
def photo_bytes(index: int = 0) -> bytes:
    """Scene `index` as a 512×512 JPEG (quality 90), as a camera or a phone saves it."""
    out = io.BytesIO()
    Image.fromarray(scene_rgb(index)).save(out, format="JPEG", quality=90)
    return out.getvalue()


@functools.lru_cache(maxsize=None)
def _folder() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="repairapp-test-photos-"))
    atexit.register(shutil.rmtree, folder, True)
    return folder


def photo_path(index: int = 0) -> Path:
    """Scene `index` as a JPEG file (`scene-<index>.jpg`), for uploads and commands that take a path."""
    path = _folder() / f"scene-{index:02d}.jpg"
    if not path.exists():
        path.write_bytes(photo_bytes(index))
    return path


def stroke_mask(index: int, width: int = SIZE, height: int = SIZE) -> np.ndarray:
    """A free-form mask (H, W) uint8 0/255, as a hand paints one: a few thick strokes."""
    rng = np.random.default_rng(5000 + index)
    mask = np.zeros((height, width), np.uint8)
    for _ in range(int(rng.integers(2, 5))):
        x, y = int(rng.integers(60, width - 60)), int(rng.integers(60, height - 60))
        for _ in range(int(rng.integers(3, 7))):
            angle = rng.uniform(0, 2 * np.pi)
            nx = int(np.clip(x + 60 * np.cos(angle), 10, width - 10))
            ny = int(np.clip(y + 60 * np.sin(angle), 10, height - 10))
            cv2.line(mask, (x, y), (nx, ny), 255, int(rng.integers(8, 24)))
            x, y = nx, ny
    return mask


def stroke_mask_png(index: int, width: int = SIZE, height: int = SIZE) -> bytes:
    out = io.BytesIO()
    Image.fromarray(stroke_mask(index, width, height), "L").save(out, format="PNG")
    return out.getvalue()


def photo_folder(folder: Path, count: int, masks: Path | None = None) -> list[Path]:
    """`count` scenes as `scene-NN.jpg` in `folder` and, with `masks`, a stroke mask
    `scene-NN.png` for each; returns the photos' paths, sorted."""
    folder.mkdir(parents=True, exist_ok=True)
    if masks is not None:
        masks.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(count):
        path = folder / f"scene-{index:02d}.jpg"
        path.write_bytes(photo_bytes(index))
        if masks is not None:
            (masks / f"scene-{index:02d}.png").write_bytes(stroke_mask_png(index))
        paths.append(path)
    return paths


def flowerbed(seed=0, size=(300, 560), *, blossoms=900, pink=(235, 120, 190)):
    """(H, W, 3) uint8 RGB: a busy bed of flowers, green leaves with bright white and
    `pink` blossoms 2-6 px across, as bright as a caption's letters: the texture inside
    a text box that stands out as much as the text does."""
    rng = np.random.default_rng(seed)
    h, w = size
    leaves = rng.normal(0, 1, (h // 4, w // 4, 1)) * np.float32([15, 25, 10]) + np.float32([60, 110, 50])
    img = cv2.resize(leaves.astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC)
    for _ in range(blossoms):
        x, y, r = int(rng.integers(0, w)), int(rng.integers(0, h)), int(rng.integers(1, 4))
        colour = (250, 250, 245) if rng.random() < 0.5 else pink
        cv2.circle(img, (x, y), r, colour, -1, cv2.LINE_AA)
    return np.clip(img, 0, 255).astype(np.uint8)
