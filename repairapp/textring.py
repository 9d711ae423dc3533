"""The JPEG ringing around removed text: what a text repair takes beside the letters.

A JPEG keeps each 8x8 block's coarse frequencies and rounds off the fine ones; a sharp
letter's edge is made of fine ones, so the blocks around it come back with ripples, faint
copies of the letters' outlines (the colour planes, stored at half size, spread them over
16 px). Find text's mask covers the letters and their anti-aliased rim, and the repair
grows it by `dilate` px; the ripples beyond stay, and after the text is gone its shape
can still be seen on a smooth sky, a few grey levels (20 at worst beside a strong blue
caption) (bench/README.md, "Fourth round: reading and removing").

The ripples belong to the repair, not to Find text's mask: that mask is where the text
is (the editor shows it, the operator toggles its lines, the bench's extra area counts
it, the "text remains" guard reads around it); the ripples are what the JPEG made of
the text's edges, as the anti-aliased rim that `dilate` takes is what drawing made of
them. So the worker and the command grow a text mask here, for a photo that came as a
JPEG, just before the fill.

Taking the whole block around each letter costs more than it gains: on JPEG q75 captions
the fill's error is larger than the ripples' (PSNR in the box -0.6 dB for 2 px more,
-1.9 dB for 4), and on a textured photo the ripples are hidden anyway. So the ripples
are predicted, not guessed from the photo (a ridge or a cloud's edge beside a caption
stands out from the sky as much as a ripple does, and filling it costs): the text is put
back on a smooth guess of the photo behind it and saved as a JPEG; the pixels where that
JPEG ripples by LEVEL or more are taken, where the photo around is smooth (a halo shows
there, and the fill is good there).

Shapes: rgb (H, W, 3) uint8; mask (H, W), nonzero = the text.
"""

from __future__ import annotations

import cv2
import numpy as np

REACH = 8         # px from the text the ripples are looked for in: one JPEG block
QUALITY = 75      # the test JPEG's quality: a common web quality (the upload's is not kept;
                  # a better one rippled less, and the repair then takes a few px too many)
LEVEL = 6         # grey levels, in some channel, the test JPEG's ripple must reach (4, with no
                  # smoothness test: 0.9 x the text's area was taken, and the box lost 2-3 dB)
REFERENCE = 6     # px beyond 2 x REACH: the photo that says whether the place is smooth ...
SMOOTH = 3.0      # ... its mean deviation from its mean, in grey levels, at most (a sky or a
                  # wall; on grass or stone a halo is hidden and a fill shows. 5, measured
                  # nearer, 8-14 px, also took dark shaded places: 16 of 60 JPEG captions
                  # lost 0.3-1.3 dB in the box)
MIN_REFERENCE = 8  # reference pixels in a window, at least, to judge by
JPEG_FORMATS = ("JPEG",)  # source formats whose text rings (WebP's lossy mode would too: not measured)


def ringing(rgb: np.ndarray, mask: np.ndarray, *, dilate: int = 2) -> np.ndarray:
    """(H, W) bool: the pixels beside the text of `mask` where a JPEG of it ripples.

    Looked for farther than `dilate` px from the mask (the repair takes those anyway) and
    at most REACH, where the photo 2 x REACH to 2 x REACH + REFERENCE px from the text is smooth.
    """
    text = mask > 0
    out = np.zeros(text.shape, bool)
    if not text.any():
        return out
    margin = 2 * REACH + REFERENCE
    h, w = text.shape
    # Each line by itself, in a crop: a caption in a 24 MP photo costs what the caption does.
    near = cv2.dilate(text.astype(np.uint8), np.ones((2 * margin + 1,) * 2, np.uint8))
    count, _, stats, _ = cv2.connectedComponentsWithStats(near, connectivity=8)
    for x, y, bw, bh, _ in stats[1:count]:
        # Crops start on the photo's 16 px grid (JPEG's blocks of colour, from its top
        # left), so the test JPEG's blocks are the upload's.
        y0, y1 = max(0, y - margin) // 16 * 16, min(h, y + bh + margin)
        x0, x1 = max(0, x - margin) // 16 * 16, min(w, x + bw + margin)
        out[y0:y1, x0:x1] |= _ringing(rgb[y0:y1, x0:x1], text[y0:y1, x0:x1], dilate)
    return out


def _ringing(rgb: np.ndarray, text: np.ndarray, dilate: int) -> np.ndarray:
    distance = cv2.distanceTransform((~text).astype(np.uint8), cv2.DIST_L2, 5)
    band = (distance > dilate) & (distance <= REACH)
    # The photo without the text and its ripples (a smooth guess from around them), the
    # text put back on it, and that saved as a JPEG: where the JPEG ripples, so did the upload's.
    background = cv2.inpaint(np.ascontiguousarray(rgb), (distance <= REACH).astype(np.uint8), 3, cv2.INPAINT_TELEA)
    composed = np.where(text[:, :, None], rgb, background)
    _, data = cv2.imencode(".jpg", composed[:, :, ::-1], [cv2.IMWRITE_JPEG_QUALITY, QUALITY])
    ripples = np.abs(cv2.imdecode(data, cv2.IMREAD_COLOR)[:, :, ::-1].astype(np.int16) - composed).max(axis=2)
    # Where the photo around is smooth: its mean deviation over the REFERENCE ring, by window.
    # The ring starts past the colour ripples' reach (2 x REACH: the colour planes are
    # stored at half size), which would make the smoothest sky around a strong caption look rough.
    reference = ((distance > 2 * REACH) & (distance <= 2 * REACH + REFERENCE)).astype(np.float32)
    window = (2 * (2 * REACH + REFERENCE) + 1,) * 2
    count = np.maximum(cv2.boxFilter(reference, -1, window, normalize=False), 1)[:, :, None]
    photo = rgb.astype(np.float32)
    mean = cv2.boxFilter(photo * reference[:, :, None], -1, window, normalize=False) / count
    apart = np.abs(photo - mean) * reference[:, :, None]
    spread = (cv2.boxFilter(apart, -1, window, normalize=False) / count).max(axis=2)
    smooth = (count[:, :, 0] >= MIN_REFERENCE) & (spread <= SMOOTH)
    return band & (ripples > LEVEL) & smooth


def grow_over_ringing(rgb: np.ndarray, mask: np.ndarray, source_format: str, *, dilate: int = 2) -> np.ndarray:
    """(H, W) uint8 0/255: the text `mask` plus its JPEG ringing, for the repair, when the
    photo came as a JPEG (`source_format`); the mask as it is otherwise (a PNG's text has
    no ripples, and what stands out beside it is the photo's own)."""
    drawn = mask > 0
    if source_format in JPEG_FORMATS:
        drawn = drawn | ringing(rgb, mask, dilate=dilate)
    return np.where(drawn, 255, 0).astype(np.uint8)
