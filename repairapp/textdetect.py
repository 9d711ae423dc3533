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
TILES = 2                   # tiles a side for the second look (detect(tiles=True))
TILE_OVERLAP = 0.15         # share of a tile's side it overlaps its neighbour by
WHOLE_SHARE = 2 / 3         # of `side`: the whole picture's size when it is also seen in tiles
MIN_TILE = 32               # px a side, at least, for the tiles to be worth a look
TILE_MAX_HEIGHT = 0.25      # share of a tile's height: taller boxes found in a tile are dropped
BOX_THRESHOLD = 0.5         # RapidOCR's default mean probability inside a box
READ_SMALL = 24             # px: lines whose box is shorter than this are read enlarged ...
READ_ENLARGE = 2            # ... this many times, by the cubic warp, before the recogniser
                            # scales the line to 48 px tall (bilinear): a 9 px outlined JPEG
                            # caption read past MIN_READ this way (bench salt 15, found +0.8 %)
COLOUR_SIDE = 640           # long side of the colour look (detect(colour=True)): ~0.15 s CPU at 2 MP
                            # and of the contrast look beside it (`_local_contrast`)
CONTRAST_SIGMA = 3.7        # px at COLOUR_SIDE: the Gaussian the photo around a pixel is measured by
CONTRAST_GAIN = 4           # x each channel's difference from it: a 9-11 px white caption on a pale
                            # sky or a bright wall differs by 10-20 levels, which the model does not box
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


def detect(engine, rgb: np.ndarray, side: int = DETECT_SIDE, *, tiles: bool = False,
           colour: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(quads (N, 4, 2) float32, scores (N,) float32) of the text lines in `rgb`, seen at
    `side` px on its long side.

    `tiles`: the picture is seen in TILES x TILES overlapping tiles at that scale, and
    whole at WHOLE_SHARE of it; the tiles' lines that no line of the whole covers are
    added. The model misses some small low-contrast captions in the whole picture that it
    finds in a tile (a 9 px yellow caption on a bright JPEG sky: nothing in the whole,
    read at 0.98 in a quarter); the two looks cost about 1.3x the one.

    `colour`: the detector also looks at the picture's colourfulness (`_colourfulness`),
    whole at COLOUR_SIDE px, and its lines that no line already found covers are added. A
    coloured caption with little grey contrast can get no box in the photo (a 14 px green
    one on foliage, a pale yellow one on light stone); in the colourfulness it is bright
    on a dark ground.
    """
    h, w = rgb.shape[:2]
    small, scale = _scaled(rgb, side)
    resized = small, scale
    th, tw = (int(n / TILES * (1 + TILE_OVERLAP)) for n in small.shape[:2])
    if not tiles or min(th, tw) < MIN_TILE:  # a strip has no room for tiles
        quads, scores = _detect(engine, small)
    else:
        # The whole picture is then seen smaller (WHOLE_SHARE): it is there for the big
        # lettering and the lines the tiles' edges cut, and the tiles cost as much again.
        whole, whole_scale = resized = _scaled(rgb, side * WHOLE_SHARE)
        quads, scores = _detect(engine, whole)
        found = [(quads * np.float32(scale / whole_scale), scores)]
        for ty in np.linspace(0, small.shape[0] - th, TILES).astype(int):
            for tx in np.linspace(0, small.shape[1] - tw, TILES).astype(int):
                more, more_scores = _detect(engine, small[ty:ty + th, tx:tx + tw])
                # The model sometimes boxes a whole smooth tile; the tiles are for small
                # captions (big lettering is found in the whole picture), so tall boxes go.
                small_lines = np.ptp(more[:, :, 1], axis=1) <= TILE_MAX_HEIGHT * th
                found.append((more[small_lines] + np.float32([tx, ty]), more_scores[small_lines]))
        quads, scores = _merge(found)
    if colour:
        # The whole look's picture when it is the same size (the tiled look's is): resizing
        # a 24 MP photo costs ~0.1 s.
        seen, seen_scale = resized if max(resized[0].shape[:2]) == max(_size(rgb, COLOUR_SIDE)[0]) else _scaled(rgb, COLOUR_SIDE)
        for look in (_colourfulness, _local_contrast):
            more, more_scores = _detect(engine, look(seen))
            more = more * np.float32(scale / seen_scale)
            # On a dark photo the colour look may box a black caption with much of the photo
            # around it; that loose box, read too, gave the line's words twice.
            fresh = [i for i, quad in enumerate(more) if not _loose_around(quad, quads)]
            quads, scores = _merge([(quads, scores), (more[fresh], more_scores[fresh])])
    if len(quads) == 0:
        return quads, scores
    quads = quads / np.float32(scale)
    quads[:, :, 0] = np.clip(quads[:, :, 0], 0, w - 1)
    quads[:, :, 1] = np.clip(quads[:, :, 1], 0, h - 1)
    return quads, scores


def _size(rgb: np.ndarray, side: float) -> tuple[tuple[int, int], float]:
    """((width, height) of `rgb` seen at `side` px on its long side, enlarged at most
    MAX_ENLARGE; the scale)."""
    h, w = rgb.shape[:2]
    scale = min(MAX_ENLARGE, side / max(h, w))
    if scale == 1:
        return (w, h), 1.0
    return (max(1, round(w * scale)), max(1, round(h * scale))), scale


def _scaled(rgb: np.ndarray, side: float) -> tuple[np.ndarray, float]:
    """(`rgb` resized to `_size(rgb, side)`; the scale)."""
    size, scale = _size(rgb, side)
    if scale == 1:
        return rgb, 1.0
    return cv2.resize(rgb, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC), scale


def _loose_around(quad: np.ndarray, quads: np.ndarray) -> bool:
    """True when `quad` holds half of one of `quads` that is under half its height."""
    (x0, y0), (x1, y1) = quad.min(axis=0), quad.max(axis=0)
    for other in quads:
        (a0, b0), (a1, b1) = other.min(axis=0), other.max(axis=0)
        area = max((a1 - a0) * (b1 - b0), 1.0)
        if 2 * (b1 - b0) < y1 - y0 and overlap((x0, y0, x1, y1), (a0, b0, a1, b1)) >= 0.5 * area:
            return True
    return False


def _colourfulness(rgb: np.ndarray) -> np.ndarray:
    """(H, W, 3) uint8: each pixel's largest channel minus its smallest, as grey. Black,
    white and grey are 0 in it, saturated colours bright, whatever their lightness."""
    spread = rgb.max(axis=2) - rgb.min(axis=2)
    return np.repeat(spread[:, :, None], 3, axis=2)


def _local_contrast(rgb: np.ndarray) -> np.ndarray:
    """(H, W, 3) uint8: each channel's difference from its Gaussian blur (CONTRAST_SIGMA),
    CONTRAST_GAIN times, around mid-grey. A pale caption on a pale photo (white on a light
    sky, on a white wall) stands out of it as a dark-edged bright line; the photo's broad
    shading is grey."""
    photo = rgb.astype(np.float32)
    detail = photo - cv2.GaussianBlur(photo, (0, 0), CONTRAST_SIGMA)
    return np.clip(detail * CONTRAST_GAIN + 128, 0, 255).astype(np.uint8)


def _detect(engine, rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    result = engine(_bgr(rgb), use_det=True, use_cls=False, use_rec=False)
    boxes = getattr(result, "boxes", None)
    if boxes is None or len(boxes) == 0:
        return np.zeros((0, 4, 2), np.float32), np.zeros(0, np.float32)
    return np.asarray(boxes, np.float32).reshape(-1, 4, 2), np.asarray(result.scores, np.float32)


def overlap(a, b) -> float:
    """The area two boxes (x0, y0, x1, y1) share, 0 when they do not meet."""
    return max(0, min(a[2], b[2]) - max(a[0], b[0])) * max(0, min(a[3], b[3]) - max(a[1], b[1]))


def _merge(found: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """The quads of the first (quads, scores) pair, then those of the others, largest
    first, unless half of one lies inside a box already kept that is at most twice as
    tall (the same line, seen whole and in a tile, or in two tiles; the model sometimes
    boxes a whole smooth picture, which must not hide the lines inside it)."""
    kept_quads, kept_scores, boxes = [], [], []
    for index, (quads, scores) in enumerate(found):
        order = range(len(quads)) if index == 0 else sorted(
            range(len(quads)), key=lambda i: -np.prod(np.ptp(quads[i], axis=0)))
        for i in order:
            x0, y0 = quads[i].min(axis=0)
            x1, y1 = quads[i].max(axis=0)
            area = max((x1 - x0) * (y1 - y0), 1.0)
            same = [b for b in boxes if b[3] - b[1] <= 2 * (y1 - y0)]
            inside = max((overlap((x0, y0, x1, y1), b) for b in same), default=0.0)
            if index and inside >= 0.5 * area:
                continue
            boxes.append((x0, y0, x1, y1))
            kept_quads.append(quads[i])
            kept_scores.append(scores[i])
    if not kept_quads:
        return np.zeros((0, 4, 2), np.float32), np.zeros(0, np.float32)
    return np.array(kept_quads, np.float32), np.array(kept_scores, np.float32)


def crop_line(rgb: np.ndarray, quad: np.ndarray) -> np.ndarray:
    """The line inside `quad`, warped upright to a rectangle (for the recogniser); a line
    under READ_SMALL px tall is warped READ_ENLARGE times its size, in the one resampling."""
    width = max(np.linalg.norm(quad[1] - quad[0]), np.linalg.norm(quad[2] - quad[3]))
    height = max(np.linalg.norm(quad[3] - quad[0]), np.linalg.norm(quad[2] - quad[1]))
    enlarge = READ_ENLARGE if height < READ_SMALL else 1
    width, height = max(int(round(width * enlarge)), 1), max(int(round(height * enlarge)), 1)
    target = np.float32([[0, 0], [width, 0], [width, height], [0, height]])
    matrix = cv2.getPerspectiveTransform(quad.astype(np.float32), target)
    return cv2.warpPerspective(rgb, matrix, (width, height), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)


def read(engine, rgb: np.ndarray, quads: np.ndarray) -> list[tuple[str, float]]:
    """(words, confidence 0..1) per quad, read from `rgb` at full size (a small line
    enlarged: `crop_line`)."""
    out = []
    for quad in quads:
        line = crop_line(rgb, quad)
        result = engine(_bgr(line), use_det=False, use_cls=False, use_rec=True)
        texts = getattr(result, "txts", None) or ("",)
        scores = getattr(result, "scores", None) or (0.0,)
        out.append((str(texts[0]).strip(), float(scores[0])))
    return out
