"""The trained text detector and recogniser: PP-OCRv6 (small) through RapidOCR's ONNX runtime.

The models ship inside the `rapidocr` wheel (rapidocr/models/: detector 9.9 MB, recogniser
21 MB, its character list inside the ONNX file). RapidOCR downloads a model when it is
given no path, so every path is given here, and a missing file is an error, never a
download: `load()` returns None then, and textfind falls back to its classical finder.

Detection runs on the photo scaled to DETECT_SIDE px on its long side (small photos are
enlarged up to 2x, which finds 9 px captions); the cost is then flat in the photo's size
(about 0.5 s of one core). Recognition reads each line from the full-size photo.

Shapes: rgb (H, W, 3) uint8 in; quads (N, 4, 2) float32 (x, y), clockwise from top-left,
in the photo's pixels.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path

import cv2
import numpy as np

logger = logging.getLogger(__name__)

DETECT_SIDE = 960           # long side the detector sees: 960 costs ~0.45 s CPU, 1280 ~0.9 s
SCREEN_SIDE = 736           # the upload screen's: ~0.3 s (its budget is 0.5 s per photo)
MAX_ENLARGE = 2.0           # small photos are enlarged at most this much for the detector
BOX_THRESHOLD = 0.5         # RapidOCR's default mean probability inside a box
MODEL_FILES = {
    "Det": "PP-OCRv6_det_small.onnx",
    "Rec": "PP-OCRv6_rec_small.onnx",
    "Cls": "ch_ppocr_mobile_v2.0_cls_mobile.onnx",
}


def model_dir() -> Path | None:
    """The folder of the models inside the installed rapidocr wheel, or None without it."""
    try:
        import rapidocr
    except ImportError:
        return None
    return Path(rapidocr.__file__).resolve().parent / "models"


@functools.lru_cache(maxsize=1)
def load():
    """The RapidOCR engine over the wheel's own model files, or None when it cannot load.

    Cached: a worker or a web process loads it once (~0.1 s).
    """
    folder = model_dir()
    if folder is None:
        logger.warning("rapidocr is not installed: Find text uses the classical finder")
        return None
    paths = {task: folder / name for task, name in MODEL_FILES.items()}
    missing = [str(p) for p in paths.values() if not p.is_file()]
    if missing:
        # RapidOCR would download them: refuse, the app never reaches for the network.
        logger.warning("text models missing (%s): Find text uses the classical finder", ", ".join(missing))
        return None
    try:
        from rapidocr import RapidOCR

        engine = RapidOCR(params={
            **{f"{task}.model_path": str(path) for task, path in paths.items()},
            "Global.use_cls": False,          # overlays are upright; the angle model is not needed
            "Global.log_level": "critical",   # it logs "empty result" as a warning on every clean photo
            "Global.max_side_len": 100_000,   # we size the picture ourselves
            "Global.min_side_len": 1,
            "Det.limit_type": "max",
            "Det.limit_side_len": 100_000,
            "Det.box_thresh": BOX_THRESHOLD,
            # One thread: the web and worker processes already run side by side on few
            # cores, and onnxruntime's pool spins while it waits (Find text's CPU time at 2 MP: 1.17 s with two threads, 0.52 s with one).
            "EngineConfig.onnxruntime.intra_op_num_threads": 1,
            "EngineConfig.onnxruntime.inter_op_num_threads": 1,
        })
        # Load both models now (RapidOCR loads them on first use): a worker loads them
        # before it forks, and a broken model shows here, not in the middle of a request.
        blank = np.zeros((32, 96, 3), np.uint8)
        engine(blank, use_det=True, use_cls=False, use_rec=False)
        engine(blank, use_det=False, use_cls=False, use_rec=True)
    except Exception:  # a broken install must not take Find text down: the classical finder stays
        logger.exception("the text model could not load: Find text uses the classical finder")
        return None
    return engine


def _bgr(rgb: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(rgb[:, :, ::-1])


def detect(engine, rgb: np.ndarray, side: int = DETECT_SIDE) -> tuple[np.ndarray, np.ndarray]:
    """(quads (N, 4, 2) float32, scores (N,) float32) of the text lines in `rgb`, seen at
    `side` px on its long side."""
    h, w = rgb.shape[:2]
    scale = min(MAX_ENLARGE, side / max(h, w))
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    small = cv2.resize(rgb, size, interpolation=interpolation) if scale != 1 else rgb
    result = engine(_bgr(small), use_det=True, use_cls=False, use_rec=False)
    boxes = getattr(result, "boxes", None)
    if boxes is None or len(boxes) == 0:
        return np.zeros((0, 4, 2), np.float32), np.zeros(0, np.float32)
    quads = np.asarray(boxes, np.float32).reshape(-1, 4, 2) / np.float32(scale)
    quads[:, :, 0] = np.clip(quads[:, :, 0], 0, w - 1)
    quads[:, :, 1] = np.clip(quads[:, :, 1], 0, h - 1)
    return quads, np.asarray(result.scores, np.float32)


def crop_line(rgb: np.ndarray, quad: np.ndarray) -> np.ndarray:
    """The line inside `quad`, warped upright to a rectangle (for the recogniser)."""
    width = int(round(max(np.linalg.norm(quad[1] - quad[0]), np.linalg.norm(quad[2] - quad[3]))))
    height = int(round(max(np.linalg.norm(quad[3] - quad[0]), np.linalg.norm(quad[2] - quad[1]))))
    width, height = max(width, 1), max(height, 1)
    target = np.float32([[0, 0], [width, 0], [width, height], [0, height]])
    matrix = cv2.getPerspectiveTransform(quad.astype(np.float32), target)
    return cv2.warpPerspective(rgb, matrix, (width, height), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)


def read(engine, rgb: np.ndarray, quads: np.ndarray) -> list[tuple[str, float]]:
    """(words, confidence 0..1) per quad, read from `rgb` at full size."""
    out = []
    for quad in quads:
        line = crop_line(rgb, quad)
        result = engine(_bgr(line), use_det=False, use_cls=False, use_rec=True)
        texts = getattr(result, "txts", None) or ("",)
        scores = getattr(result, "scores", None) or (0.0,)
        out.append((str(texts[0]).strip(), float(scores[0])))
    return out
