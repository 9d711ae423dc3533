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
"""

from __future__ import annotations

import cv2
import numpy as np

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


def find_text(rgb: np.ndarray) -> np.ndarray:
    """(H, W) uint8 mask, 255 over overlaid text in `rgb` (H, W, 3) uint8; zeros if none."""
    if not isinstance(rgb, np.ndarray) or rgb.dtype != np.uint8 or rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"rgb must be uint8 (H, W, 3), got {getattr(rgb, 'dtype', type(rgb))} {getattr(rgb, 'shape', '')}")
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
