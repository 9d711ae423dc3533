"""Find text: propose a mask over text laid on top of a photo.

Timestamps, captions and watermark words share what scene texture rarely has all at
once, so each is a filter:
1. contrast: glyph strokes are thinner than a small window and brighter (or darker)
   than what surrounds them, so a morphological top-hat (black-hat) on the luminance
   and on each colour channel picks them out, whatever their colour;
2. shape: each glyph is a small component whose strokes are of even width, thin for
   its height, with a crisp edge;
3. flat colour: an overlay is drawn in one colour, a photo's own detail is not, so
   candidates are split by colour (coarse ranges, and exact colours) before they are
   joined into glyphs, and a row's strokes must be nearly all of one colour inside, or
   of one luminance: JPEG keeps the luminance of thin strokes but halves the colour's
   resolution and rings at every edge, so a caption in a JPEG is rarely flat per channel
   yet still flat in luminance (its interquartile range stays within a few levels,
   where shaded scene detail spreads over 8-18);
4. alignment: glyphs sit in a row (three or more; three only when flatter still),
   similar in height, close together, on a common baseline, and the row stands out
   from the bands above and below it (a row amid much of its colour only when an
   outline rings its glyphs).
A row found is extended along its band by the pieces the glyph filters refused (bars
like l, I and 1, letters half-merged with the photo). What survives gets its outline,
where one rings the glyphs in a colour of its own, and then the high-contrast pixels
within 1 px: the anti-aliased edge. `repair()` then dilates the mask as it does any other.

Large photos are searched at most DETECT_SIDE px on their long side (and again at half
that, for big lettering): overlaid text is sized for the whole picture, and the cost
stays flat with the photo's size.

Shapes: rgb (H, W, 3) uint8 in; mask (H, W) uint8, 255 = text, out.

With the trained detector (`textdetect`, PP-OCRv6 in the rapidocr wheel) the work is
split where each is better (issue 15): the model finds the lines, whatever their size,
stroke or colour (the classical filters missed 1-2 px captions and dark-on-dark stamps),
and reads them; inside each line's box the glyph pixels are picked by the text's colour
(found by contrast), with an outline's or shadow's second colour and the anti-aliased
edge, because the model's boxes are boxes (`_glyph_pixels`). Each line is then judged overlay
or scene text (`_judge`): only overlays go into the proposed mask.
When the model cannot load, the classical finder above runs alone (`classical_find_text`).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from . import textdetect

DETECT_SIDE = 1024
MIN_SIDE = 480              # the half-size pass runs only when it is at least this long
WINDOW = 15                 # top-hat window: strokes up to ~7 px wide at the detection size
CONTRAST = 48               # grey levels above (below) the surroundings
MIN_HEIGHT, MAX_HEIGHT = 6, 120
COLOUR_TOLERANCE = 30       # levels per channel around a colour bin's centre (bins are 32 wide;
                            # 24 split JPEG captions whose colour bled: salt-78 q75 recall 0.68 vs 0.73)
EDGE_STEP = 40              # levels between a glyph's edge pixel and its 3x3 neighbourhood
MIN_CRISP = 0.7             # share of a glyph's edge pixels that step that sharply
SOFT_CRISP = 0.5            # glyphs this crisp (a JPEG's ringing blurs the edge) count only in rows
SOFT_LUMA_IQR, SOFT_SHORT_LUMA_IQR = 6, 3   # ... whose luminance IQR is within these levels
LUMA_IQR, SHORT_LUMA_IQR = 8, 5             # the same for crisp rows that are not flat per channel
COLOURS = 64                # most common colour bins among high-contrast pixels that are tried
FINE_COLOURS = 32           # most common 8-level bins, tried as well at FINE_TOLERANCE
FINE_TOLERANCE = 10
FINE_MIN_PIXELS = 40
MAX_CANDIDATES = 2000       # glyph candidates per colour compared pairwise for rows
MIN_GLYPHS = 3              # "OK" alone is missed; three only with SHORT_ROW_FLAT
FULL_ROW = 4                # rows of fewer glyphs must be flatter: alone, three let scene rows through
SHORT_ROW_FLAT = 0.95
RIM_CONTRAST = CONTRAST // 2  # the anti-aliased edge and an outline contrast less than the glyph
MIN_ROW_SHARE = 0.6         # of a row box's pixels of its colour that are accepted glyphs
MAX_BAND_RATIO = 0.25       # colour density above/below a row vs inside it
BAND_CONTRAST = 24          # levels (some channel) between a row's glyphs and the bands around it
FLAT_TOLERANCE = 8          # levels per channel around a row's median glyph colour
FINE_FLAT_TOLERANCE = 3     # the same for rows found in a fine bin
MIN_FLAT = 0.65             # share of a row's glyph pixels that close to it (0.6 passed dark
                            # shadows between flowers once colour ranges grew to +-30)
CORE_PIXELS = 20            # stroke-inside pixels needed to measure flatness there
FILL_SLACK = 0.2            # a row's band: its box +- this share of its height (see _glyphs)
CROWDED_BAND_RATIO = 0.6    # rows with up to this much of their colour around them pass only
CROWDED_OUTLINE_APART = 160  # ... with an outline this far from the glyph colour
CROWDED_OUTLINE_OUTER = 0.1  # ... and this rare in the photo around it
EXTEND_SLACK = 0.15         # pieces that extend a row stand within its box +- this share of its height,
EXTEND_MIN_HEIGHT = 0.4     # are at least this share of its height tall,
EXTEND_MAX_WIDTH = 1.5      # at most this many heights wide,
EXTEND_GAP = 1.2            # and this many heights from the row's end, at most
LUMA = np.array([0.299, 0.587, 0.114])
CROSS = cv2.getStructuringElement(cv2.MORPH_CROSS, (3, 3))
GROUP_KERNEL = np.ones((5, 9), np.uint8)  # joins a row's glyphs into one group for the outline test
RING_KERNEL = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))    # an outline: within 2 px of the glyphs
GAP_KERNEL = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (7, 7))     # the photo around it: 4-5 px
OUTER_KERNEL = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (11, 11))  # away from the glyphs
OUTLINE_MIN_PIXELS = 40
OUTLINE_TOLERANCE = 40      # levels per channel around the outline colour
OUTLINE_SHARE = 0.5         # outline pixels per glyph pixel, at least (a 1 px stroke's 3 px outline: ~1-2)
OUTLINE_OUTER = 0.25        # share of the photo 4-5 px away that is the outline colour, at most
OUTLINE_APART = 100         # levels (some channel) between the outline and the glyph colour


# --- lines: the trained detector, the glyphs inside its boxes, overlay or scene ------------

OVERLAY, SCENE = "overlay", "scene"
FLAT_OVERLAY = "overlay: flat "   # how `_judge`'s reason starts for a flat-coloured overlay
MAX_LINES = 60              # lines judged and read per photo; a page of text is not an overlay
GLYPH_CONTRAST = 20         # grey levels, at least, between a glyph and its surroundings
                            # (a 70 % opaque caption on a bright sky: ~40; dark-on-dark: ~30)
RIM_THRESHOLD = GLYPH_CONTRAST // 2  # the least contrast of a glyph's core pixel
TEXT_TOLERANCE = 1.5        # x the 80th percentile of the strokes' spread around the text's colour,
MIN_TEXT_TOLERANCE, MAX_TEXT_TOLERANCE = 24, 64  # ... within these levels per channel
CORE_ALPHA = 0.5            # of the way from the photo around a pixel to the text's colour: a glyph's core
EDGE_ALPHA = 0.15           # ... and its anti-aliased edge, from the photo beside the text (`_edge`)
FRAME_SHARE = 0.05          # of the box's top and bottom rows filled by the pick: then the other side is tried
WIDE_FACTOR = 2.0           # x the strokes' width: parts of the pick this wide are photo (`_wide`)
WIDE_PERCENTILE = 70        # of the pick's depth (distance to its edge), x 2: the strokes' width
WIDE_MIN = 7                # px: the least width of such a part
BESIDE = 7                  # px: the window the photo beside the text is measured in (`_beside`)
PEAK_CELL = 16              # levels: the colour histogram's cells (`_peak_colour`)
SECOND_SHARE = 0.3          # an outline's pixels: at least this share of the text's,
SECOND_CENTRAL = 0.65       # ... this share in the box's middle half,
SECOND_HUG = 0.6            # ... and this share within 4 px of the glyphs
HUG_KERNEL = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (9, 9))
SECOND_PIECE = 4            # px: a piece of the second colour this small is a speck;
SECOND_SPECKS = 0.3         # ... a second colour with more of its pixels in specks is a JPEG's speckle
FILL_REACH = 0.25           # x the window: how far the text's colour is followed into thick strokes
MAX_GLYPH_THRESHOLD = 64    # ... and at most this: any overlay meant to be read stands out so far
BOX_MARGIN = 2              # px around the detector's box that glyph pixels (an outline) may take
MAX_TILT = 3.0              # degrees: an overlay is drawn level; a sign or label in the scene rarely is
MAX_SKEW = 3.0              # degrees between the box's sides and a rectangle's (perspective)
OVERLAY_FLAT = 0.6          # share of glyph pixels within FLAT_TOLERANCE of their colour ...
OVERLAY_LUMA_IQR = 12       # ... or their luminance's interquartile range (JPEG keeps luminance)
OVERLAY_CRISP = 0.4         # share of glyph edge pixels that step by EDGE_STEP
WORK_HEIGHT = 48            # px: taller lines are measured scaled down to this
MIN_READ = 0.7              # recogniser confidence for a detected box to count as text
WEAK_READ = 0.5             # ... or this much when the line is a flat-coloured overlay (`_judge`): an
                            # 11 px yellow JPEG caption read "Sampi" 0.60; the weak reads of the bench's
                            # text-free photos (a 7 px watermark "D2TARULS" 0.65, "80%" 0.57) are not flat
                            # (luminance IQR 22-40 levels against OVERLAY_LUMA_IQR's 12)
MIN_CHARACTERS = 2          # letters or digits read in it, at least
MIN_LINE_HEIGHT = 10        # px: the detector's box around a 7 px caption is 10 px tall; an 8 px
                            # box on a clean photo's railing read "II" at 0.94 (with the tiled look)
CONTINUE_GAP = 1.0          # line heights: a line goes on past its box while its glyphs recur this near
CONTINUE_STEP = 4           # line heights looked at past the last glyph at a time
CONTINUE_MAX = 40           # line heights a box may grow by on each side, at most
CONTINUE_PAD = 0.25         # line heights around the last glyphs in the box that is read again
CONTINUE_SAME = 0.9         # share of the first box's glyphs the grown line's pick keeps there
CONTINUE_SLACK = 0.05       # the grown line's read may be this much less sure than the cut one's:
                            # "12/08/2" read 0.99998, the whole timestamp 0.991


@dataclass(frozen=True)
class TextLine:
    """One line of text found in a photo.

    `box` is (x0, y0, x1, y1) in photo pixels, ends exclusive; `quad` the detector's four
    corners (x, y), clockwise from top-left; `glyphs` (y1 - y0, x1 - x0) bool, the line's
    text pixels inside `box`. `kind` is OVERLAY (proposed for removal) or SCENE (kept,
    listed so the operator can include it), `reason` says why in a few words.
    """

    box: tuple[int, int, int, int]
    quad: tuple[tuple[float, float], ...]
    glyphs: np.ndarray
    words: str
    confidence: float
    kind: str
    reason: str
    source: str  # "model" or "classical"

    def to_dict(self) -> dict:
        return {
            "box": list(self.box), "quad": [list(p) for p in self.quad], "words": self.words,
            "confidence": round(self.confidence, 3), "kind": self.kind, "reason": self.reason,
            "source": self.source,
        }


@dataclass(frozen=True)
class TextFound:
    """What Find text found: `mask` (H, W) uint8, 255 over the overlay lines' glyphs; all
    `lines`, overlays and scene text; `model` False when the classical finder ran alone."""

    mask: np.ndarray
    lines: tuple[TextLine, ...]
    model: bool

    def mask_with(self, include=()) -> np.ndarray:
        """The mask of the lines whose indices are in `include` plus the overlays: an
        operator's choice of lines, a kept scene line among them."""
        out = np.zeros_like(self.mask)
        for index, line in enumerate(self.lines):
            if line.kind == OVERLAY or index in include:
                x0, y0, x1, y1 = line.box
                out[y0:y1, x0:x1][line.glyphs] = 255
        return out


def find_text(rgb: np.ndarray) -> np.ndarray:
    """(H, W) uint8 mask, 255 over overlaid text in `rgb` (H, W, 3) uint8; zeros if none.

    The mask of `find_lines` (what the editor, the service and the command line used
    before lines existed).
    """
    return find_lines(rgb).mask


def find_lines(rgb: np.ndarray, *, side: int = textdetect.DETECT_SIDE, tiles: bool = True,
               colour: bool = True) -> TextFound:
    """The text lines in `rgb` (H, W, 3) uint8, each judged overlay or scene, and the
    mask over the overlays; the detector sees the photo at `side` px. The classical
    finder alone when the model cannot load.

    Inside each line's box the glyph pixels are picked by the text's colour
    (`_glyph_pixels`). The detector looks twice: at the whole photo and in tiles
    (`textdetect.detect`), which finds small low-contrast captions the whole look misses,
    and, `colour`, at the photo's colourfulness (a yellow caption on a light photo).
    `tiles=False, colour=False` (the upload screen, which only wants the words, with half
    Find text's time) looks once, at the whole photo.
    """
    _check(rgb)
    engine = textdetect.load()
    if engine is None:
        return _classical_lines(rgb)
    quads, _ = textdetect.detect(engine, rgb, side, tiles=tiles, colour=colour)
    quads = quads[:MAX_LINES]
    h, w = rgb.shape[:2]
    mask = np.zeros((h, w), np.uint8)
    lines = []
    for quad, (text, confidence) in zip(quads, textdetect.read(engine, rgb, quads)):
        # The detector also boxes a circle, a bright line, a run of railings; the
        # recogniser reads nothing sure there. A line is text when it reads as two or
        # more letters or digits with MIN_READ confidence (a lone "O" on a disc: 0.64),
        # or WEAK_READ when it is also judged a flat-coloured overlay (below).
        weak = not _reads(text, confidence)
        if (weak and not _reads(text, confidence, WEAK_READ)) or _line_height(quad) < MIN_LINE_HEIGHT:
            continue
        x0, y0 = np.floor(quad.min(axis=0)).astype(int) - BOX_MARGIN
        x1, y1 = np.ceil(quad.max(axis=0)).astype(int) + BOX_MARGIN + 1
        x0, y0, x1, y1 = max(0, x0), max(0, y0), min(w, x1), min(h, y1)
        if x1 - x0 < 2 or y1 - y0 < 2:
            continue
        picked, strokes = _line_glyphs(rgb, (x0, y0, x1, y1), _line_height(quad))
        kind, reason = _judge(rgb[y0:y1, x0:x1], picked, strokes, quad)
        if weak and not reason.startswith(FLAT_OVERLAY):
            continue
        if kind == OVERLAY:
            x0, x1, picked, quad, text, confidence = _continue_line(
                engine, rgb, (x0, y0, x1, y1), quad, picked, text, confidence)
            mask[y0:y1, x0:x1][picked] = 255
        lines.append(TextLine(
            box=(int(x0), int(y0), int(x1), int(y1)), quad=tuple((float(x), float(y)) for x, y in quad),
            glyphs=picked, words=text, confidence=confidence, kind=kind, reason=reason, source="model",
        ))
    return TextFound(mask=mask, lines=_merge_duplicates(lines), model=True)


def _merge_duplicates(lines: list[TextLine]) -> tuple[TextLine, ...]:
    """`lines` with each line whose box lies at least half inside another line's of the
    same kind and a like height (within 2x), which reads at least as many letters and
    digits, folded into that one: its box grows to hold both, its glyphs are both's.
    The detector's whole look and its tiles box one line twice when the smaller box came
    first ("Camora" inside "Camera 2 Front Door": `textdetect._merge` keeps a later box
    only when it is not half inside an earlier one); a line grown past its box
    (`_continue_line`) can take in another's. Read twice, the words came twice."""
    lines = list(lines)
    area = lambda b: max(1, (b[2] - b[0]) * (b[3] - b[1]))
    # Largest first: a small box folds into the line that holds it.
    order = sorted(range(len(lines)), key=lambda i: -area(lines[i].box))
    for i in order[::-1]:
        small = lines[i]
        if small is None:
            continue
        for j in order:
            big = lines[j]
            if j == i or big is None or big.kind != small.kind:
                continue
            (a0, b0, a1, b1), (c0, d0, c1, d1) = small.box, big.box
            inside = textdetect.overlap(small.box, big.box)
            if (inside < 0.5 * area(small.box) or not 0.5 <= (d1 - d0) / (b1 - b0) <= 2
                    or sum(c.isalnum() for c in big.words) < sum(c.isalnum() for c in small.words)):
                continue
            x0, y0, x1, y1 = min(a0, c0), min(b0, d0), max(a1, c1), max(b1, d1)
            glyphs = np.zeros((y1 - y0, x1 - x0), bool)
            glyphs[d0 - y0:d1 - y0, c0 - x0:c1 - x0] |= big.glyphs
            glyphs[b0 - y0:b1 - y0, a0 - x0:a1 - x0] |= small.glyphs
            lines[j] = TextLine(box=(x0, y0, x1, y1), quad=big.quad, glyphs=glyphs, words=big.words,
                                confidence=big.confidence, kind=big.kind, reason=big.reason, source=big.source)
            lines[i] = None
            break
    return tuple(line for line in lines if line is not None)


def screen(rgb: np.ndarray) -> list[TextLine]:
    """The overlay lines in `rgb`, with their words: the upload pre-filter's answer
    (empty: no overlaid text found). Scene text is not reported. The detector sees the
    photo smaller than Find text's (SCREEN_SIDE): screening runs on every upload."""
    return [line for line in find_lines(rgb, side=textdetect.SCREEN_SIDE, tiles=False, colour=False).lines if line.kind == OVERLAY]


REMAINS_REACH = 3           # px around the repaired pixels that a line left behind may start
REMAINS_SIDEWAYS = 8        # line heights searched left and right of the repair


def text_remains(before_rgb: np.ndarray, after_rgb: np.ndarray, mask: np.ndarray) -> list[str]:
    """The words of text still found where a repair worked: [] when none is left.

    The repair's footprint is the `mask` (H, W) plus every pixel it changed between
    `before_rgb` and `after_rgb` (the engine dilates the mask and feathers its edge).
    The detector runs on `after_rgb` around that footprint; a line counts when its box
    reaches the footprint (the last letters a mask missed stand just beside it), and
    untouched text farther away does not, nor a box whose words do not read as text
    (find_lines' test). Without the model, the classical finder's text in the footprint
    counts, as "?".
    """
    _check(before_rgb)
    _check(after_rgb)
    if before_rgb.shape != after_rgb.shape or mask.shape != after_rgb.shape[:2]:
        raise ValueError(f"shapes differ: before {before_rgb.shape}, after {after_rgb.shape}, mask {mask.shape}")
    footprint = (mask > 0) | (before_rgb != after_rgb).any(axis=2)
    if not footprint.any():
        return []
    ys, xs = np.nonzero(footprint)
    y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    # A line the repair cut through runs on past the footprint, mostly sideways: search a
    # margin around it, wide enough for the rest of a caption (REMAINS_SIDEWAYS heights).
    pad_y = max(32, (y1 - y0) // 2)
    pad_x = max(64, REMAINS_SIDEWAYS * (y1 - y0))
    h, w = mask.shape
    y0, y1, x0, x1 = max(0, y0 - pad_y), min(h, y1 + pad_y), max(0, x0 - pad_x), min(w, x1 + pad_x)
    region = np.ascontiguousarray(after_rgb[y0:y1, x0:x1])
    near = cv2.dilate(footprint[y0:y1, x0:x1].astype(np.uint8), np.ones((2 * REMAINS_REACH + 1,) * 2, np.uint8)) > 0
    engine = textdetect.load()
    if engine is None:
        return ["?"] if (classical_find_text(region) > 0)[near].any() else []
    quads, _ = textdetect.detect(engine, region)
    touching = []
    for quad in quads:
        qx0, qy0 = np.floor(quad.min(axis=0)).astype(int)
        qx1, qy1 = np.ceil(quad.max(axis=0)).astype(int) + 1
        if near[max(0, qy0):qy1, max(0, qx0):qx1].any():
            touching.append(quad)
    if not touching:
        return []
    # The same test as find_lines: a smear the detector boxes but nobody can read is not text.
    return [text for text, confidence in textdetect.read(engine, region, np.array(touching)) if _reads(text, confidence)]


def _continue_line(engine, rgb: np.ndarray, box: tuple[int, int, int, int], quad: np.ndarray, picked: np.ndarray,
                   text: str, confidence: float):
    """(x0, x1, glyphs, quad, words, confidence) of an overlay line whose glyphs `picked`
    reach the side of its `box` (x0, y0, x1, y1): the detector's box sometimes ends
    inside a line ("12/08/2" of a timestamp, "Camera 2 Front" without "Door", a box
    starting 7 px after the first digit). The box is grown along the line's band (same
    rows) while its glyphs, picked as in the box (`_line_glyphs`: the text's colour from
    the whole band), recur within CONTINUE_GAP line heights. The grown line is kept when
    its pick inside the first box is still the first one's (CONTINUE_SAME) and, read
    again, it reads as text with more letters and digits than the first read, at most
    CONTINUE_SLACK less sure. Otherwise the line is as found.
    """
    x0, y0, x1, y1 = box
    h, w = rgb.shape[:2]
    height = _line_height(quad)
    gap = max(2, int(round(CONTINUE_GAP * height)))
    step = max(gap + 1, int(round(CONTINUE_STEP * height)))
    limit = int(round(CONTINUE_MAX * height))
    # A glyph column counts where it has pixels in the band's middle half: the text
    # crowds it, specks of the photo above and below the line do not.
    rows = np.arange(y1 - y0)[:, None] + 0.5
    middle = np.abs(rows - (y1 - y0) / 2) <= (y1 - y0) / 4

    def columns(glyphs, left):
        return left + np.flatnonzero((glyphs & middle).any(axis=0))

    found = columns(picked, x0)
    if found.size == 0:
        return x0, x1, picked, quad, text, confidence
    first, last = int(found[0]), int(found[-1])
    edge = BOX_MARGIN + 1
    new0, new1 = x0, x1
    for side in (-1, 1):
        end = first if side < 0 else last
        if (end - x0 > edge) if side < 0 else (x1 - 1 - end > edge):
            continue    # the glyphs stop inside the box: the detector saw the line's end
        while (end > 0) if side < 0 else (end < w - 1):
            a, b = (max(0, end - step), new1) if side < 0 else (new0, min(w, end + step + 1))
            glyphs, _ = _line_glyphs(rgb, (a, y0, b, y1), height)
            seen = columns(glyphs, a)
            beyond = seen[seen < end][::-1] if side < 0 else seen[seen > end]
            moved = end
            for x in beyond:
                if abs(x - moved) > gap:
                    break
                moved = int(x)
            if moved == end:
                break
            end = moved
            if side < 0:
                first, new0 = end, max(0, end - BOX_MARGIN)
            else:
                last, new1 = end, min(w, end + BOX_MARGIN + 1)
            if abs(end - (x0 if side < 0 else x1)) > limit or ((end - a > gap) if side < 0 else (b - 1 - end > gap)):
                break   # the glyphs stopped before the strip's end (or the line is long enough)
    if (new0, new1) == (x0, x1):
        return x0, x1, picked, quad, text, confidence
    pad = CONTINUE_PAD * height
    grown = quad.astype(np.float32).copy()
    if new0 < x0:
        grown[[0, 3], 0] -= grown[[0, 3], 0].min() - max(0.0, first - pad)
    if new1 > x1:
        grown[[1, 2], 0] += min(float(w), last + 1 + pad) - grown[[1, 2], 0].max()
    # The same colour rule: inside the first box the grown line's pick must be the
    # first one's (a band that runs on over scenery can move the text's colour, and a
    # black "DO NOT COPY" was then picked as the photo around it).
    glyphs, _ = _line_glyphs(rgb, (new0, y0, new1, y1), height)
    inside = glyphs[:, x0 - new0:x1 - new0]
    if (inside & picked).sum() < CONTINUE_SAME * max(inside.sum(), picked.sum()):
        return x0, x1, picked, quad, text, confidence
    # The reader must see more letters or digits in it, as surely: a run of the photo's
    # bright specks past the line's end adds none, or reads as junk.
    (words, sure), = textdetect.read(engine, rgb, grown[None])
    letters = sum(c.isalnum() for c in words)
    if not _reads(words, sure) or sure < confidence - CONTINUE_SLACK or letters <= sum(c.isalnum() for c in text):
        return x0, x1, picked, quad, text, confidence
    return new0, new1, glyphs, grown, words, sure


def _reads(text: str, confidence: float, least: float = MIN_READ) -> bool:
    return confidence >= least and sum(c.isalnum() for c in text) >= MIN_CHARACTERS


def _check(rgb) -> None:
    if not isinstance(rgb, np.ndarray) or rgb.dtype != np.uint8 or rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"rgb must be uint8 (H, W, 3), got {getattr(rgb, 'dtype', type(rgb))} {getattr(rgb, 'shape', '')}")


def _line_height(quad: np.ndarray) -> float:
    return float(max(np.linalg.norm(quad[3] - quad[0]), np.linalg.norm(quad[2] - quad[1]), 1.0))


def _line_glyphs(rgb: np.ndarray, box: tuple[int, int, int, int], height: float) -> tuple[np.ndarray, np.ndarray]:
    """(glyphs, strokes), each (y1 - y0, x1 - x0) bool: the text pixels inside `box`
    (x0, y0, x1, y1) of a line `height` px tall, and the strokes alone (the pixels on the
    text's side of the photo: without an outline, their colour is the one it was drawn in).

    The detector says where a line is; its pixels are those that stand out from the photo
    around them: far, in some channel, from the median over a window wider than a stroke
    (about half the line's height: the detector's box is ~1.6x the letters). A median is
    blind to strokes (they fill less than half of any window) and to the gaps between
    letters (they are the photo), whatever the colours; an outline stands out as the
    strokes do. Beside a hard edge of the photo the median is wrong for half a window: a
    top-hat (black-hat) vetoes those pixels. The threshold is Otsu's over the box, within
    GLYPH_CONTRAST..MAX_GLYPH_THRESHOLD. That pick says where the strokes are and their
    colour; the glyphs are then picked by that colour (`_glyph_pixels`).
    """
    x0, y0, x1, y1 = box
    # Tall lines have their photo-around (the median) and top-hats measured at
    # WORK_HEIGHT: the window stays small (and cheap), and strokes stay thinner than half
    # of it. The colours are judged at full size: judging them small and enlarging the
    # mask cost recall on the bench (0.854 -> 0.817) and added extra area.
    factor = min(1.0, WORK_HEIGHT / height)
    size = int(np.clip(round(height * factor * 0.5), 5, 41)) | 1
    margin = int(np.ceil(size / factor))
    # Work on the box plus a window's margin, so the filter sees past the box's edge.
    h, w = rgb.shape[:2]
    cx0, cy0, cx1, cy1 = max(0, x0 - margin), max(0, y0 - margin), min(w, x1 + margin), min(h, y1 + margin)
    crop = np.ascontiguousarray(rgb[cy0:cy1, cx0:cx1])
    work = crop
    if factor < 1.0:
        small = (max(1, round((cx1 - cx0) * factor)), max(1, round((cy1 - cy0) * factor)))
        work = cv2.resize(crop, small, interpolation=cv2.INTER_AREA)
    local = cv2.medianBlur(work, size)
    # Beside a hard edge of the photo the median is the other side's colour for half a
    # window; a top-hat (black-hat) there is zero, as both sides are wider than the window.
    # Across planes they mix polarities (yellow letters are dark in blue), which the median
    # does not; each vetoes the other's false pixels.
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (size, size))
    planes = [cv2.cvtColor(work, cv2.COLOR_RGB2GRAY)] + [np.ascontiguousarray(work[:, :, c]) for c in range(3)]
    hats = np.max([cv2.morphologyEx(p, op, kernel) for p in planes for op in (cv2.MORPH_TOPHAT, cv2.MORPH_BLACKHAT)], axis=0)
    if factor < 1.0:
        local = cv2.resize(local, (cx1 - cx0, cy1 - cy0), interpolation=cv2.INTER_LINEAR)
        hats = cv2.resize(hats, (cx1 - cx0, cy1 - cy0), interpolation=cv2.INTER_LINEAR)
    reach = max(1, round(size * FILL_REACH / factor))
    return _glyph_pixels(crop, local, hats, reach, (x0 - cx0, y0 - cy0, x1 - cx0, y1 - cy0))


def _glyph_pixels(crop: np.ndarray, local: np.ndarray, hats: np.ndarray, reach: int,
                  box: tuple[int, int, int, int]) -> tuple[np.ndarray, np.ndarray]:
    """`_line_glyphs` on `crop` (h, w, 3), given the photo around each pixel `local` (h, w, 3)
    (the median), the strongest top-hat `hats` (h, w) and how far thick strokes are
    followed, `reach` px: (glyphs, strokes) inside `box` (x0, y0, x1, y1) of the crop.

    The contrast pick (median and top-hat, Otsu) says which side the strokes are on and
    their colour; but inside a box over busy scenery it also takes the scenery's own
    bright or dark bits (56 % extra area on the bench). So the glyphs are then picked by
    colour: a pixel is text when it is close to the text's colour (TEXT_TOLERANCE) and
    lies at least CORE_ALPHA of the way from the photo around it (the median) to that
    colour; grown through the text's colour into thick strokes, where the median is the
    text's own colour. Outlined or shadowed text has a second colour of its own
    (`_second_colour`). Last, the anti-aliased edge: the pixels next to the glyphs that
    lean towards one of their colours (`_edge`).
    """
    x0, y0, x1, y1 = box
    inner = (slice(y0, y1), slice(x0, x1))
    difference = crop.astype(np.int16) - local.astype(np.int16)
    response = np.minimum(np.abs(difference).max(axis=2).astype(np.uint8), hats)[inner]
    otsu, _ = cv2.threshold(np.ascontiguousarray(response), 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    # Otsu alone splits at the strongest contrast in the box: over busy scenery (red
    # flowers under an orange caption) that is the scenery's own edges, above the text's.
    picked = response >= np.clip(otsu, GLYPH_CONTRAST, MAX_GLYPH_THRESHOLD)
    # Strokes: the picked pixels brighter than the photo around them, or those darker,
    # whichever stand out more in all (their count times their median contrast): text is
    # drawn to be read. (Not the side farther from the colour of the box's frame: a white
    # caption over a mountain against a white sky has the sky in the frame, and the
    # mountain's darker bits were taken for the text; bench recall 0.07 -> 0.37 there.)
    colours = crop[inner].astype(np.int16)
    luma = difference[inner] @ LUMA
    sides = []
    for side in (luma > 0, luma < 0):
        pixels = picked & side
        if pixels.sum() >= 4:
            sides.append((float(np.median(response[pixels])) * pixels.sum(), pixels))
    if not sides:
        return picked, np.zeros(colours.shape[:2], bool)
    sides.sort(key=lambda item: -item[0])
    # The detector's box is about 1.6x the letters' height, centred on them: the text's
    # pixels crowd its middle half, the photo's fill it evenly.
    rows = np.arange(colours.shape[0])[:, None] + 0.5
    middle = np.broadcast_to(np.abs(rows - colours.shape[0] / 2) <= colours.shape[0] / 4, colours.shape[:2])
    photo, away = local[inner].astype(np.float32), difference[inner].astype(np.float32)

    def towards(colour):
        """How far each pixel lies from the photo around it (the median) towards `colour`
        (0: the photo, 1: the colour): bright scenery under white text is close in colour
        but not along that line, pink flowers under a yellow caption are along neither."""
        way = colour.astype(np.float32) - photo
        return (away * way).sum(axis=2) / np.maximum((way * way).sum(axis=2), 1.0)

    def by_colour(strokes):
        """The glyphs (h, w) bool of the text whose strongest pixels are `strokes`."""
        # The text's colour: the colour that most of the strokes' pixels that stand out most
        # (the rest is their anti-aliased edge, half photo) crowd around, in the box's middle
        # half. Not their median: over a flowerbed the strokes' side also holds blossoms as
        # bright as the letters, and the median of both is neither (a yellow caption over
        # pink and white flowers was judged white, and took the flowers: 2.9x its area).
        # The tolerance follows their spread: a JPEG's ringing and halved chroma spread a
        # flat caption over tens of levels.
        strength = response[strokes]
        stronger = strength >= np.median(strength)
        strong = colours[strokes][stronger]
        central = middle[strokes][stronger]
        text = _peak_colour(strong[central] if central.sum() >= 4 else strong)
        spread = np.percentile(np.abs(strong - text).max(axis=1), 80)
        tolerance = float(np.clip(TEXT_TOLERANCE * spread, MIN_TEXT_TOLERANCE, MAX_TEXT_TOLERANCE))
        close = np.abs(colours - text).max(axis=2) <= tolerance
        core = leaning = close & (towards(text) >= CORE_ALPHA) & (response >= RIM_THRESHOLD)
        # Inside a stroke wider than half the window the median is the text's colour, and
        # the lean towards it means nothing: the text's colour near the core is text too.
        near = cv2.dilate(core.astype(np.uint8), cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * reach + 1,) * 2)) > 0
        filled = close & near
        # ... but only where it leans towards the text from the photo beside that fill
        # (`_beside`): around thin letters in a colour near the photo's (blue letters on a
        # blue sky) the fill ran 2-3 px into the photo all round them (bench salt 16: 1.4x
        # the letters' area). Inside a bold stroke no photo is near and the fill stands.
        # The outline's tests (`_second_colour`) keep the whole fill: they measure the
        # outline against the letters' extent.
        ground, count = _beside(colours, filled, BESIDE)
        core = core | (filled & ((_lean(colours, ground, text) >= CORE_ALPHA) | (count < 1)))
        # The fill may also run into photo of the text's colour beside the letters (dark
        # trees beside black letters, the sky between thin blue ones): a clump or a band
        # far wider than a stroke (`_wide`). What leans towards the text from the median
        # stays: a bold letter's rim is wide where its fill is.
        whole = core
        core = core & ~(_wide(core) & ~leaning)
        used = [text]
        candidates = (response >= GLYPH_CONTRAST) & ~close & middle
        second = _second_colour(colours, filled, text, candidates, response, middle, towards)
        if second is not None:
            colour, pixels = second
            used.append(colour)
            core, whole = core | pixels, whole | pixels
        # The side is chosen on the pick before the wide parts are dropped: dropped, a band
        # through the box's margin thins, and a 60 % caption's side was lost to it.
        return _edge(colours, core, used), _frame_share(_edge(colours, whole, used))

    # Around bold dark letters on a dark photo, or a 60 % opaque caption, the photo between
    # and around the letters can stand out more than they do, and the pick then takes the
    # photo: a band filling the box, letters left out (fresh salts 51 and 52: 10-12 points
    # of extra, 8 of recall). The detector's box has a margin above and below the letters
    # (BOX_MARGIN), which text leaves clear and such a band runs through: when the pick
    # fills its top and bottom rows (FRAME_SHARE), the other side is picked too, and taken
    # when it fills them less than half as much.
    strokes = sides[0][1]
    glyphs, framed = by_colour(strokes)
    if len(sides) > 1 and framed > FRAME_SHARE:
        other, other_framed = by_colour(sides[1][1])
        if other_framed < framed / 2:
            strokes, glyphs = sides[1][1], other
    return glyphs, strokes


def _wide(glyphs: np.ndarray) -> np.ndarray:
    """The parts of `glyphs` (h, w) bool much wider than its strokes (WIDE_FACTOR): photo
    of the text's colour taken beside the letters (dark trees beside black letters, the
    sky between thin blue ones) is a clump or a band; letters are strokes of one width.
    The strokes' width is read from the pick's depth at a high percentile
    (WIDE_PERCENTILE), so that where photo is most of the pick the width comes out large
    and little is dropped (the depth's median along the strokes' middle cut bold JPEG
    letters: bench salt 16 recall 86.4 -> 75.9 %)."""
    if glyphs.sum() < CORE_PIXELS:
        return np.zeros_like(glyphs)
    depth = cv2.distanceTransform(glyphs.astype(np.uint8), cv2.DIST_L2, 3)
    stroke = 2.0 * float(np.percentile(depth[glyphs], WIDE_PERCENTILE))
    size = max(WIDE_MIN, int(round(WIDE_FACTOR * stroke)) | 1)
    return cv2.morphologyEx(glyphs.astype(np.uint8), cv2.MORPH_OPEN,
                            cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))) > 0


def _frame_share(glyphs: np.ndarray) -> float:
    """Share of the top and bottom rows of a line's box that `glyphs` (h, w) bool fill."""
    return float(np.concatenate([glyphs[:1], glyphs[-1:]]).mean())


def _beside(colours: np.ndarray, text: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """(h, w, 3) float32 mean colour of the pixels that are not `text` (h, w) bool in a
    `size` x `size` window around each pixel, and (h, w) how many there are: the photo
    beside the text, which the median misses where bold letters fill half its window."""
    photo = (~text).astype(np.float32)
    count = cv2.boxFilter(photo, -1, (size, size), normalize=False)
    total = np.stack([cv2.boxFilter(colours[:, :, c].astype(np.float32) * photo, -1, (size, size), normalize=False)
                      for c in range(3)], axis=2)
    return total / np.maximum(count, 1e-3)[:, :, None], count


def _lean(colours: np.ndarray, photo: np.ndarray, colour: np.ndarray) -> np.ndarray:
    """(h, w) how far each pixel of `colours` lies from `photo` (h, w, 3) towards `colour` (3,)."""
    way = colour.astype(np.float32) - photo
    return ((colours.astype(np.float32) - photo) * way).sum(axis=2) / np.maximum((way * way).sum(axis=2), 1.0)


def _second_colour(colours: np.ndarray, core: np.ndarray, text: np.ndarray, candidates: np.ndarray,
                   response: np.ndarray, middle: np.ndarray, towards) -> tuple[np.ndarray, np.ndarray] | None:
    """(colour, pixels (h, w) bool) of an outline or shadow drawn with the text `core`
    (h, w) bool of colour `text`, or None.

    An outline (or a drop shadow, or a second layer of text offset from the first) is a
    second flat colour in the line's box, far from the text's (OUTLINE_APART). Its
    colour is the one the `candidates` (pixels that stand out from the photo, not of the
    text's colour, in the box's middle half) crowd around most; its pixels are those close
    to it (MIN_TEXT_TOLERANCE) that lean at least CORE_ALPHA towards it, both from the
    median around them and from the photo beside the text (BESIDE): next to bold
    letters the median is half text, and the dark photo between blue letters seemed to
    stand out as an outline. It is taken when it is at least SECOND_SHARE of the text's
    pixels, runs along the line (SECOND_CENTRAL of it in the box's middle half) and hugs
    the glyphs (SECOND_HUG of it within 4 px of them): the photo's own colour fills the
    box evenly, and a JPEG's ringing around a caption is one pixel thin. A colour with
    more than SECOND_SPECKS of its pixels in specks (pieces of SECOND_PIECE px or less)
    is the speckle a JPEG leaves around a small caption, and is not taken.
    Not a ring test against the photo around the glyphs (the classical finder's
    `_outline_colour`): it refuses an outline whose colour is common in the photo, and
    misses a shadow drawn a few pixels off.
    """
    if candidates.sum() < max(8, SECOND_SHARE * core.sum()):
        return None
    colour = _peak_colour(colours[candidates])
    if np.abs(colour - text).max() < OUTLINE_APART:
        return None
    photo, count = _beside(colours, cv2.dilate(core.astype(np.uint8), CROSS) > 0, BESIDE)
    pixels = ((np.abs(colours - colour).max(axis=2) <= MIN_TEXT_TOLERANCE) & (towards(colour) >= CORE_ALPHA)
              & (response >= RIM_THRESHOLD) & (_lean(colours, photo, colour) >= CORE_ALPHA) & (count >= 1))
    taken = int(pixels.sum())
    if taken < SECOND_SHARE * core.sum():
        return None
    # A JPEG rounds a small caption's blocks into specks of another colour around it,
    # a few pixels each; an outline or a shadow is drawn along the letters, in pieces as
    # long as a stroke. The JPEG breaks a 1 px outline too, but most of it stays in long
    # pieces (on 11 px captions: 11-19 % of an outline's pixels in specks, 35-68 % of
    # the speckle's). Dropping the specks alone cut a thin outline to 80-88 %.
    _, _, stats, _ = cv2.connectedComponentsWithStats(pixels.astype(np.uint8), connectivity=8)
    pieces = stats[1:, cv2.CC_STAT_AREA]
    if pieces[pieces <= SECOND_PIECE].sum() > SECOND_SPECKS * taken:
        return None
    hug = cv2.dilate(core.astype(np.uint8), HUG_KERNEL) > 0
    if middle[pixels].mean() < SECOND_CENTRAL or hug[pixels].mean() < SECOND_HUG:
        return None
    return colour, pixels


def _edge(colours: np.ndarray, core: np.ndarray, used: list[np.ndarray]) -> np.ndarray:
    """`core` (h, w) bool and its anti-aliased edge: the pixels next to it (a 1 px cross)
    that lean at least EDGE_ALPHA from the photo beside the text towards one of the
    colours `used`. Growing by 1 px everywhere took the photo next to every hard edge
    (bench: about 9 of the 13 points of extra area); the median is no measure here, as next to
    bold letters it is half text."""
    grown = cv2.dilate(core.astype(np.uint8), CROSS) > 0
    photo, count = _beside(colours, grown, BESIDE)
    lean = np.max([_lean(colours, photo, colour) for colour in used], axis=0)
    lean[count < 1] = 1.0   # inside a bold letter no photo is near: its edge is the letter's
    return core | (grown & (lean >= EDGE_ALPHA))


def _peak_colour(pixels: np.ndarray) -> np.ndarray:
    """The colour that most of `pixels` (N, 3) int16 crowd around: the median of those
    near the fullest cell of a 16-level colour histogram summed over its 3x3x3
    neighbours (a JPEG spreads a flat colour across cells)."""
    cells = (pixels // PEAK_CELL).astype(np.int64) + 1
    count = np.zeros((18, 18, 18), np.int64)
    np.add.at(count, (cells[:, 0], cells[:, 1], cells[:, 2]), 1)
    summed = sum(np.roll(count, (a, b, c), axis=(0, 1, 2)) for a in (-1, 0, 1) for b in (-1, 0, 1) for c in (-1, 0, 1))
    centre = np.array(np.unravel_index(int(np.argmax(summed[1:17, 1:17, 1:17])), (16, 16, 16))) * PEAK_CELL + PEAK_CELL // 2
    return np.median(pixels[np.abs(pixels - centre).max(axis=1) <= PEAK_CELL * 3 // 2], axis=0)


COLOUR_NAMES = ((0, "red"), (20, "orange"), (40, "yellow"), (80, "green"), (160, "cyan"),
                (200, "blue"), (270, "magenta"), (330, "red"))


def _colour_name(rgb) -> str:
    r, g, b = (float(v) for v in rgb)
    high, low = max(r, g, b), min(r, g, b)
    if high - low < 48:
        luma = 0.299 * r + 0.587 * g + 0.114 * b
        return "white" if luma >= 190 else "black" if luma <= 70 else "grey"
    hue = int(cv2.cvtColor(np.uint8([[[r, g, b]]]), cv2.COLOR_RGB2HSV_FULL)[0, 0, 0]) * 360 / 256
    return [name for start, name in COLOUR_NAMES if hue >= start][-1]


def _judge(crop: np.ndarray, glyphs: np.ndarray, strokes: np.ndarray, quad: np.ndarray) -> tuple[str, str]:
    """(kind, reason) for a line whose box holds `crop` (h, w, 3), `glyphs` and `strokes` (h, w) bool.

    An overlay is drawn level (the detector's box is a level rectangle: MAX_TILT,
    MAX_SKEW), in one flat colour (or outlined), with sharp edges. A label, sign or cover
    in the scene is tilted or in perspective, shaded, or blurred by the lens. What this
    cannot tell: a flat label photographed square-on, sharp and evenly lit, looks like an
    overlay; the operator sees it listed and can leave it out.
    """
    top, bottom = quad[1] - quad[0], quad[2] - quad[3]
    left, right = quad[3] - quad[0], quad[2] - quad[1]
    tilt = max(abs(np.degrees(np.arctan2(v[1], v[0]))) for v in (top, bottom))
    # Perspective: the sides' angle to the top and bottom's perpendicular (a tilted
    # rectangle has none).
    skew = max(abs(90.0 - np.degrees(np.arctan2(abs(a[0] * b[1] - a[1] * b[0]), np.dot(a, b))))
               for a in (top, bottom) for b in (left, right))
    if tilt > MAX_TILT:
        # Around a small caption the detector's box is loose and may lean (a 9 px caption
        # on a bright JPEG: 7°, its letters level); the glyphs' own axis says how the
        # letters run, when the line is long enough to have one. (Not the strokes: over
        # a busy photo they hold its specks above and below the line.)
        tilt = min(tilt, _axis_tilt(glyphs))
    if tilt > MAX_TILT or skew > MAX_SKEW:
        return SCENE, f"scene text: kept (tilted {max(tilt, skew):.0f}°)"
    if strokes.sum() < 4:
        return SCENE, "scene text: kept (no strokes stand out)"
    colours = crop.astype(np.int16)
    # Thin anti-aliased strokes have pixels only partly covered: judge the colour on the
    # half that stands out most (nearest the colour the text was drawn in).
    distance = np.abs(colours - np.median(colours[~strokes], axis=0) if (~strokes).any() else colours).max(axis=2)
    values = colours[strokes & (distance >= np.median(distance[strokes]))]
    flat = float((np.abs(values - np.median(values, axis=0)).max(axis=1) <= FLAT_TOLERANCE).mean())
    low, high = np.percentile(values @ LUMA, (25, 75))
    spread = high - low
    outlined = _outline_colour(colours, strokes) is not None
    g = strokes.astype(np.uint8)
    edge = (g - cv2.erode(g, CROSS)).astype(bool)
    step = np.max([cv2.morphologyEx(np.ascontiguousarray(crop[:, :, c]), cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8))
                   for c in range(3)], axis=0)
    crisp = float((step[edge] >= EDGE_STEP).mean()) if edge.any() else 0.0
    is_flat = flat >= OVERLAY_FLAT or spread <= OVERLAY_LUMA_IQR
    # Either alone may fail an overlay: a 1 px caption's strokes are all anti-aliased edge
    # (not flat), a JPEG's ring (not crisp). Scene text in focus but shaded, or flat but
    # blurred by the lens, fails one; level, shaded and blurred fails both.
    if not (is_flat or outlined or crisp >= OVERLAY_CRISP):
        return SCENE, "scene text: kept (shaded and soft-edged)"
    colour = _colour_name(np.median(values, axis=0))
    return OVERLAY, f"{FLAT_OVERLAY if is_flat else 'overlay: '}{colour}{', outlined' if outlined else ''}"


def _axis_tilt(pixels: np.ndarray) -> float:
    """Degrees from level of the long axis of the `pixels` (h, w) bool; 90 when they do
    not run along a line (fewer than 20, or less than 3x longer than wide)."""
    ys, xs = np.nonzero(pixels)
    if len(xs) < 20:
        return 90.0
    cov = np.cov(np.stack([xs, ys]).astype(np.float64))
    values = np.linalg.eigvalsh(cov)
    if values[1] < 9 * max(values[0], 1e-6):
        return 90.0
    angle = 0.5 * np.degrees(np.arctan2(2 * cov[0, 1], cov[0, 0] - cov[1, 1]))
    return float(abs(angle))


def _classical_lines(rgb: np.ndarray) -> TextFound:
    """The classical finder's mask, and a line per group of its glyphs (no words: reading
    needs the model)."""
    mask = classical_find_text(rgb)
    lines = []
    if mask.any():
        count, _, stats, _ = cv2.connectedComponentsWithStats(cv2.dilate(mask, GROUP_KERNEL), connectivity=8)
        for x, y, bw, bh, _ in stats[1:]:
            glyphs = mask[y:y + bh, x:x + bw] > 0
            quad = ((float(x), float(y)), (float(x + bw), float(y)), (float(x + bw), float(y + bh)), (float(x), float(y + bh)))
            lines.append(TextLine(
                box=(int(x), int(y), int(x + bw), int(y + bh)), quad=quad, glyphs=glyphs, words="", confidence=0.0,
                kind=OVERLAY, reason="overlay: classical finder (no model)", source="classical",
            ))
    return TextFound(mask=mask, lines=tuple(lines), model=False)


# --- the classical finder (the fallback) ---------------------------------------------------

def classical_find_text(rgb: np.ndarray) -> np.ndarray:
    """(H, W) uint8 mask, 255 over overlaid text in `rgb` (H, W, 3) uint8, by the classical filters alone."""
    _check(rgb)
    h, w = rgb.shape[:2]
    found = np.zeros((h, w), np.uint8)
    scale = min(1.0, DETECT_SIDE / max(h, w))
    # A second, half-size pass finds text whose strokes are too wide for the window.
    for factor in (scale, scale / 2):
        if factor != scale and max(h, w) * factor < MIN_SIDE:
            break
        # At least 1 px a side: a 2100x1 strip must not shrink to nothing (OpenCV refuses 0).
        size = (max(1, round(w * factor)), max(1, round(h * factor)))
        small = rgb if factor == 1.0 else cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
        mask = _find(small)
        if not mask.any():
            continue
        if factor != 1.0:
            mask = cv2.resize(mask, (w, h), interpolation=cv2.INTER_LINEAR)
            mask = np.where(mask >= 128, 255, 0).astype(np.uint8)
        found |= mask
    return found


def _find(rgb: np.ndarray) -> np.ndarray:
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (WINDOW, WINDOW))
    planes = [cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)] + [np.ascontiguousarray(rgb[:, :, c]) for c in range(3)]
    response = np.max([cv2.morphologyEx(p, op, kernel) for p in planes
                       for op in (cv2.MORPH_TOPHAT, cv2.MORPH_BLACKHAT)], axis=0)
    candidate = response >= CONTRAST
    if not candidate.any():
        return np.zeros(rgb.shape[:2], np.uint8)
    # An overlay is drawn in one colour: split the candidates by colour before joining
    # pixels into glyphs, or a caption over foliage merges with the leaves around it.
    # Per-pixel contrast with its 3x3 neighbours in any channel: high all along a glyph's
    # edge, where an overlay steps sharply to the photo; low where a colour range of the
    # photo's own texture merely fades out.
    square = np.ones((3, 3), np.uint8)
    step = np.max([cv2.morphologyEx(p, cv2.MORPH_GRADIENT, square) for p in planes[1:]], axis=0)
    sharp = step >= EDGE_STEP
    # Every array gets a 1 px empty frame: OpenCV's distance transform and erosion treat
    # the outside of an array as foreground, which made glyphs touching a colour box's
    # side "thick" and left their edge uncounted (a caption alone in its colour, whose
    # box is its own).
    framed = np.pad(rgb, ((1, 1), (1, 1), (0, 0))).astype(np.int16)
    sharp = np.pad(sharp, 1)
    found = np.zeros(sharp.shape, np.uint8)
    ys, xs = np.nonzero(candidate)
    channels = [np.ascontiguousarray(rgb[ys, xs, c]) for c in range(3)]
    levels = np.arange(256)
    for colour, tolerance, flat_tolerance in _main_colours(rgb[ys, xs]):
        # max(|value - colour|) <= tolerance, channel by channel through lookup tables:
        # the same test, several times faster.
        pick = (np.abs(levels - colour[0]) <= tolerance)[channels[0]]
        pick &= (np.abs(levels - colour[1]) <= tolerance)[channels[1]]
        pick &= (np.abs(levels - colour[2]) <= tolerance)[channels[2]]
        if not pick.any():
            continue
        py, px = ys[pick] + 1, xs[pick] + 1
        # Each colour is searched only in the box around its pixels (and the frame).
        y0, y1, x0, x1 = py.min() - 1, py.max() + 2, px.min() - 1, px.max() + 2
        near = np.zeros((y1 - y0, x1 - x0), bool)
        near[py - y0, px - x0] = True
        found[y0:y1, x0:x1] |= _glyphs(near, sharp[y0:y1, x0:x1], framed[y0:y1, x0:x1], flat_tolerance)
    mask = found[1:-1, 1:-1].copy()
    if not mask.any():
        return mask
    # An outline, and the anti-aliased edge, are high-contrast pixels hugging the glyphs.
    # Only the 4 nearest neighbours, and no further growth: repair() dilates what it is
    # given, and every px more costs PSNR (a 3x3 rim: 33.66 dB over the photo, 74 % extra
    # area on average; the cross: 33.92 dB, 59 %, for the same recall; bench/README.md).
    mask = _outline(rgb, mask)
    rim = cv2.dilate(mask, CROSS) > 0
    mask[rim & (response >= RIM_CONTRAST)] = 255
    return mask


def _outline(rgb: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """`mask` plus the outline drawn around its glyphs, where there is one.

    Per row (glyphs joined by GROUP_KERNEL), `_outline_colour` decides whether the ring
    within 2 px of the glyphs holds an outline; if so, the ring pixels of that colour are
    added, and the rim step after this adds their anti-aliased edge. Outlines only show
    around 1 px strokes: OpenCV draws anti-aliased text of thickness 2-5 alike, so the
    bench's outline (thickness + 2) is hidden under the core text for thicker strokes;
    and an outline of the photo's own colour (black around white text on a dark photo)
    cannot be told from the photo.
    """
    group_count, groups, stats, _ = cv2.connectedComponentsWithStats(cv2.dilate(mask, GROUP_KERNEL), connectivity=8)
    colours = rgb.astype(np.int16)
    out = mask
    reach = OUTER_KERNEL.shape[0] // 2
    for g in range(1, group_count):
        x, y, w, h = stats[g, :4]
        y0, y1 = max(0, y - reach), min(mask.shape[0], y + h + reach)
        x0, x1 = max(0, x - reach), min(mask.shape[1], x + w + reach)
        glyph = (groups[y0:y1, x0:x1] == g) & (mask[y0:y1, x0:x1] > 0)
        colour = _outline_colour(colours[y0:y1, x0:x1], glyph)
        if colour is None:
            continue
        ring = (cv2.dilate(glyph.astype(np.uint8), RING_KERNEL) > 0) & ~glyph
        outline = ring & (np.abs(colours[y0:y1, x0:x1] - colour).max(axis=2) <= OUTLINE_TOLERANCE)
        if out is mask:
            out = mask.copy()
        out[y0:y1, x0:x1][outline] = 255
    return out


def _outline_colour(colours: np.ndarray, glyph: np.ndarray, apart: int = 0, outer: float = 1.0):
    """The colour of an outline around the `glyph` pixels of `colours` (H, W, 3) int16, or None.

    The candidate is the median of the ring pixels (within 2 px) farthest from the glyph
    colour (top 30 %). It is an outline when it is far from the glyph colour (`apart`,
    at least OUTLINE_APART), covers at least OUTLINE_SHARE as many ring pixels as there
    are glyph pixels, and is rare in the photo 4-5 px away (`outer`, at most
    OUTLINE_OUTER): an outline hugs the glyphs, while a dark photo around white text is
    dark there too.
    """
    glyph_u8 = glyph.astype(np.uint8)
    wide = cv2.dilate(glyph_u8, RING_KERNEL) > 0
    ring_px = colours[wide & ~glyph]
    outer_px = colours[(cv2.dilate(glyph_u8, OUTER_KERNEL) > 0) & ~(cv2.dilate(glyph_u8, GAP_KERNEL) > 0)]
    glyph_px = colours[glyph]
    if len(ring_px) < OUTLINE_MIN_PIXELS or len(outer_px) == 0 or len(glyph_px) == 0:
        return None
    glyph_colour = np.median(glyph_px, axis=0)
    far = np.abs(ring_px - glyph_colour).max(axis=1)
    colour = np.median(ring_px[far >= np.percentile(far, 70)], axis=0)
    share = (np.abs(ring_px - colour).max(axis=1) <= OUTLINE_TOLERANCE).sum() / len(glyph_px)
    outer_share = (np.abs(outer_px - colour).max(axis=1) <= OUTLINE_TOLERANCE).mean()
    if (share < OUTLINE_SHARE or outer_share > min(outer, OUTLINE_OUTER)
            or np.abs(glyph_colour - colour).max() < max(apart, OUTLINE_APART)):
        return None
    return colour


def _main_colours(pixels: np.ndarray) -> list[tuple[np.ndarray, int, int]]:
    """(colour (3,) int16, tolerance, flatness tolerance) to try, from `pixels` (N, 3) uint8.

    The most common coarse bins (32 levels wide, +-COLOUR_TOLERANCE: the anti-aliased
    edge and a 70 % opaque overlay's blend stay in), then the most common fine bins
    (8 levels, +-FINE_TOLERANCE): an opaque overlay is one exact colour, and the narrow
    range keeps its glyphs apart from scene detail of a near colour that the coarse
    range joins them to (an orange caption over red flowers, black text over dark rock).
    Whatever a +-10 range picks is nearly flat by construction, so rows found in a fine
    bin must be flat to FINE_FLAT_TOLERANCE, as only an opaque overlay is.
    """
    coarse = (pixels // 32).astype(np.int32)
    counts = np.bincount(coarse[:, 0] * 64 + coarse[:, 1] * 8 + coarse[:, 2], minlength=512)
    top = np.argsort(counts)[::-1][:COLOURS]
    top = top[counts[top] >= 12]
    centres = np.stack([top // 64, (top // 8) % 8, top % 8], axis=1).astype(np.int16) * 32 + 16
    out = [(c, COLOUR_TOLERANCE, FLAT_TOLERANCE) for c in centres]
    fine = (pixels // 8).astype(np.int32)
    counts = np.bincount(fine[:, 0] * 1024 + fine[:, 1] * 32 + fine[:, 2], minlength=32768)
    top = np.argsort(counts)[::-1][:FINE_COLOURS]
    top = top[counts[top] >= FINE_MIN_PIXELS]
    centres = np.stack([top // 1024, (top // 32) % 32, top % 32], axis=1).astype(np.int16) * 8 + 4
    return out + [(c, FINE_TOLERANCE, FINE_FLAT_TOLERANCE) for c in centres]


def _flatness(colours: np.ndarray, glyph: np.ndarray, tolerance: int) -> tuple[float, float]:
    """(share of the `glyph` pixels within `tolerance` levels of their median colour, per
    channel; interquartile range of their luminance).

    Measured inside the strokes (the glyphs eroded by a cross, away from the anti-aliased
    edge) when that holds CORE_PIXELS; 1 px strokes have no inside, so then on all of them.
    """
    core = cv2.erode(glyph.astype(np.uint8), CROSS).astype(bool)
    values = colours[core]
    if len(values) < CORE_PIXELS:
        values = colours[glyph]
    if len(values) == 0:
        return 0.0, 255.0
    spread = np.abs(values - np.median(values, axis=0)).max(axis=1)
    luma = values @ LUMA
    low, high = np.percentile(luma, (25, 75))
    return float((spread <= tolerance).mean()), float(high - low)


def _glyphs(candidate: np.ndarray, sharp: np.ndarray, colours: np.ndarray, flat_tolerance: int) -> np.ndarray:
    """(H, W) uint8 255 where a candidate component passes the glyph and row filters.

    `colours` (H, W, 3) int16 is the photo under `candidate`, for the flatness test at
    `flat_tolerance` levels.
    """
    binary = candidate.astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
    if count <= 1:
        return np.zeros(candidate.shape, np.uint8)
    x, y, bw, bh, area = (stats[:, i] for i in range(5))
    edge = (binary - cv2.erode(binary, np.ones((3, 3), np.uint8))).astype(bool)
    edge_labels = labels[edge]
    crisp = np.bincount(edge_labels, sharp[edge], minlength=count) / np.maximum(np.bincount(edge_labels, minlength=count), 1)
    # Stroke width: twice the deepest point of the component (distance transform) may be
    # at most 0.45 of its height, and a 3 px stroke always passes (bold lettering 8 px
    # tall has them); counted as pixels deeper than that, which is cheaper than a
    # per-component maximum.
    depth = cv2.distanceTransform(binary, cv2.DIST_L2, 3)
    limit = np.maximum(2.0, 0.225 * bh).astype(np.float32)
    too_deep = depth > limit[labels]
    thick = np.bincount(labels[too_deep], minlength=count) > 0
    fill = area / np.maximum(bw * bh, 1)
    ok = (
        (bh >= MIN_HEIGHT) & (bh <= MAX_HEIGHT) & (bw <= 3 * MAX_HEIGHT) & (area >= 12)
        & ~thick & (fill >= 0.08) & (fill <= 0.9) & (crisp >= SOFT_CRISP)
    )
    ok[0] = False
    keep, boxes = _rows(np.flatnonzero(ok), x, y, bw, bh, cv2.integral(binary), crisp >= MIN_CRISP)
    chosen = np.zeros(count, bool)
    chosen[keep] = True
    glyph = chosen[labels]
    found = np.zeros_like(glyph)
    extended = np.zeros(count, bool)
    # Pieces a row may be extended by: crisp components that are not glyphs of a row that
    # stands out (those of a crowded row are, until it passes).
    settled = np.zeros(count, bool)
    for box in boxes:
        if not box[6]:
            settled[box[7]] = True
    loose = ~settled & (crisp >= SOFT_CRISP) & (area >= 4)
    loose[0] = False
    for y0, y1, x0, x1, size, crisp_row, crowded, _ in boxes:
        row_x0, row_x1 = x0, x1
        pad = (y1 - y0) // 2
        x0, x1 = max(0, x0 - pad), x1 + pad
        row_glyphs, row_colour = glyph[y0:y1, x0:x1], candidate[y0:y1, x0:x1]
        # In a caption's box nearly all of its colour is glyphs; in a run of foliage
        # that happened to line up, most of it is leaves the glyph filters refused.
        if row_glyphs.sum() < MIN_ROW_SHARE * row_colour.sum():
            continue
        # An overlay is rendered in one flat colour: inside its strokes nearly every pixel
        # is that colour (a 70 % opaque one: close to it). Flowers, stones and leaves that
        # line up are shaded, and spread over the colour range they were picked by (of
        # the rows found on the 20 untouched bench photos, all but a roof's edge, 0.64,
        # have <= 0.6 of their pixels within 8 levels; most text rows > 0.9). After JPEG
        # a caption's channels spread (chroma at half resolution, ringing) but its
        # luminance stays flat: text rows' IQR is 0-9 levels at quality 75, scene rows'
        # 8-18, so a flat luminance passes a row too. Rows with glyphs of blurred edges
        # (SOFT_CRISP) pass only that way, and stricter: they are where scene blobs are.
        flat, spread = _flatness(colours[y0:y1, x0:x1], row_glyphs, flat_tolerance)
        # The photo between dark (bright) letters is bright (dark) next to them and lines up
        # like they do, but it is the colour of the bands above and below the row: text is
        # not, of either. Both bands must differ (the rows of sky, sea or wall at the edge
        # of a darker area, that differ from one band only, were 0-9 levels from the other;
        # text rows >= 30): salt 77 pooled extra 0.204 -> 0.184, no text lost.
        h = y1 - y0
        glyph_colour = np.median(colours[y0:y1, x0:x1][row_glyphs], axis=0)
        bands = [colours[max(0, y0 - h):y0, x0:x1], colours[y1:y1 + h, x0:x1]]
        apart = [np.abs(np.median(band.reshape(-1, 3), axis=0) - glyph_colour).max() for band in bands if band.size]
        if apart and min(apart) < BAND_CONTRAST:
            continue
        full = size >= FULL_ROW
        if crisp_row:
            passed = flat >= (MIN_FLAT if full else SHORT_ROW_FLAT) or spread <= (LUMA_IQR if full else SHORT_LUMA_IQR)
        else:
            passed = spread <= (SOFT_LUMA_IQR if full else SOFT_SHORT_LUMA_IQR)
        if not passed:
            continue
        # A row whose colour is common around it (CROWDED_BAND_RATIO) passes only with a
        # strong outline (black text with a white outline over dark foliage), and is taken
        # as its glyphs alone: the colour around it is the photo's.
        if crowded:
            if _outline_colour(colours[y0:y1, x0:x1], row_glyphs, CROWDED_OUTLINE_APART, CROWDED_OUTLINE_OUTER) is not None:
                found[y0:y1, x0:x1] |= row_glyphs
            continue
        # The rest of that colour in the box is text too: punctuation, brackets, dots and
        # underscores that the glyph filters were too strict for; but only components that
        # stand within the row's band (FILL_SLACK): scene pieces that the box merely cuts
        # run beyond it. Salt 77: pooled extra 0.190 -> 0.186, mean recall 0.925 -> 0.924
        # (whole components inside the box only: 0.180 but recall 0.916, salt 78 0.876 -> 0.869).
        slack = FILL_SLACK * h
        inside = (y >= y0 - slack) & (y + bh <= y1 + slack)
        inside[0] = False
        found[y0:y1, x0:x1] |= row_glyphs | (row_colour & inside[labels[y0:y1, x0:x1]])
        # A row goes on past its last glyph where the glyph filters refused a piece: bars
        # (l, I, 1: fill > 0.9), or letters whose edge half-merges with the photo. Pieces
        # of its colour standing in its band, close to its end, extend it, one after the
        # other. Measured: salt 77 mean recall 0.896 -> 0.909, salt 78 0.855 -> 0.878,
        # pooled extra +0.005.
        near = (loose & (y >= y0 - EXTEND_SLACK * h) & (y + bh <= y1 + EXTEND_SLACK * h)
                & (bh >= EXTEND_MIN_HEIGHT * h) & (bw <= EXTEND_MAX_WIDTH * h))
        ids = list(np.flatnonzero(near & ~extended))
        grown = True
        while grown and ids:
            grown = False
            for i in list(ids):
                if x[i] <= row_x1 + EXTEND_GAP * h and x[i] + bw[i] >= row_x0 - EXTEND_GAP * h:
                    extended[i] = True
                    row_x0, row_x1 = min(row_x0, x[i]), max(row_x1, x[i] + bw[i])
                    ids.remove(i)
                    grown = True
    if extended.any():
        found |= extended[labels]
    return np.where(found, 255, 0).astype(np.uint8)


def _rows(ids: np.ndarray, x, y, bw, bh, integral: np.ndarray, hard: np.ndarray) -> tuple[np.ndarray, list]:
    """(glyph ids, row boxes): the glyphs among `ids` in a row of at least MIN_GLYPHS similar ones.

    A row must also stand out: the bands just above and below it hold much less of its
    colour than the row does (MAX_BAND_RATIO). A caption does; foliage or brickwork of
    one colour, whose fragments line up anywhere you look, does not. Rows up to
    CROWDED_BAND_RATIO are returned as crowded: they pass only with an outline. A box is
    (y0, y1, x0, x1, glyph count, all glyphs crisp, crowded, glyph ids).
    """
    if len(ids) < MIN_GLYPHS:
        return ids[:0], []
    # Candidates are few after the glyph filters; all pairs is simple and fast enough.
    ids = ids[:MAX_CANDIDATES]
    top, bottom = y[ids], y[ids] + bh[ids]
    left, right = x[ids], x[ids] + bw[ids]
    height = bh[ids].astype(np.float32)
    tall = np.maximum(height[:, None], height[None, :])
    overlap = np.minimum(bottom[:, None], bottom[None, :]) - np.maximum(top[:, None], top[None, :])
    gap = np.maximum(left[:, None], left[None, :]) - np.minimum(right[:, None], right[None, :])
    similar = np.minimum(height[:, None], height[None, :]) >= 0.5 * tall
    linked = (overlap >= 0.6 * tall) & (gap <= 1.2 * tall) & similar
    group = _connected(linked)
    keep = np.zeros(len(ids), bool)
    boxes = []
    rows_h, cols_w = integral.shape[0] - 1, integral.shape[1] - 1

    def density(y0, y1, x0, x1):
        y0, y1, x0, x1 = max(0, y0), min(rows_h, y1), max(0, x0), min(cols_w, x1)
        if y1 <= y0 or x1 <= x0:
            return 0.0
        total = integral[y1, x1] - integral[y0, x1] - integral[y1, x0] + integral[y0, x0]
        return total / ((y1 - y0) * (x1 - x0))

    for g in np.flatnonzero(np.bincount(group) >= MIN_GLYPHS):
        members = group == g
        y0, y1 = int(top[members].min()), int(bottom[members].max())
        x0, x1 = int(left[members].min()), int(right[members].max())
        h = y1 - y0
        if x1 - x0 < 1.5 * h:
            continue
        # Glyphs stand on a baseline (or hang from a cap line); blobs of texture do not.
        base = np.abs(bottom[members] - np.median(bottom[members])) <= 0.2 * h
        cap = np.abs(top[members] - np.median(top[members])) <= 0.2 * h
        if max(base.mean(), cap.mean()) < 0.7:
            continue
        inside = density(y0, y1, x0, x1)
        around = max(density(y0 - h, y0, x0, x1), density(y1, y1 + h, x0, x1))
        crowded = around > MAX_BAND_RATIO * inside
        if around <= CROWDED_BAND_RATIO * inside:
            keep |= members
            boxes.append((y0, y1, x0, x1, int(members.sum()), bool(hard[ids[members]].all()), crowded, ids[members]))
    return ids[keep], boxes


def _connected(linked: np.ndarray) -> np.ndarray:
    """Component index per node of the undirected graph given as an (N, N) bool matrix."""
    n = len(linked)
    group = np.full(n, -1)
    current = 0
    for start in range(n):
        if group[start] >= 0:
            continue
        frontier = [start]
        group[start] = current
        while frontier:
            node = frontier.pop()
            for nxt in np.flatnonzero(linked[node] & (group < 0)):
                group[nxt] = current
                frontier.append(nxt)
        current += 1
    return group
