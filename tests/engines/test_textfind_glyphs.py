"""Find text's glyph pick inside the detector's box (textfind._glyph_pixels): which pixels
of a found line go into the mask. Each kind of text here was mis-picked on the bench
(bench/README.md, "Fourth round: finding"); every picture is made here.
"""

import cv2
import numpy as np
import pytest

from repairapp import textdetect, textfind
from tests import photos
from tests.photos import scene_rgb

FONT = cv2.FONT_HERSHEY_SIMPLEX


@pytest.fixture(autouse=True)
def model():
    if textdetect.load() is None:
        pytest.skip("the text model is not installed")


def layer(shape, text, origin, scale, thickness):
    out = np.zeros(shape[:2], np.uint8)
    cv2.putText(out, text, origin, FONT, scale, 255, thickness, cv2.LINE_AA)
    return out.astype(np.float32) / 255


def paint(img, coverage, colour):
    out = img.astype(np.float32) * (1 - coverage[:, :, None]) + np.float32(colour) * coverage[:, :, None]
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def jpeg(rgb, quality=75):
    ok, data = cv2.imencode(".jpg", rgb[:, :, ::-1], [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return np.ascontiguousarray(cv2.imdecode(data, cv2.IMREAD_COLOR)[:, :, ::-1])


def overlay_line(found, coverage):
    text = coverage > 0
    (line,) = [line for line in found.lines
               if text[line.box[1]:line.box[3], line.box[0]:line.box[2]].sum() >= 0.8 * text.sum()]
    assert line.kind == textfind.OVERLAY, line.reason
    return line


def test_a_shadow_drawn_a_few_pixels_off_is_taken_with_the_text():
    # A second flat colour along the line: the old pick took the text's colour and a
    # ring 2 px around it, and left the shadow's letters where they stood clear of it.
    img = scene_rgb(1)
    shadow = layer(img.shape, "Price 1250 EUR", (63, 123), 1.3, 3)
    text = layer(img.shape, "Price 1250 EUR", (60, 120), 1.3, 3)
    photo = paint(paint(img, shadow, (255, 255, 255)), text, (200, 20, 20))
    found = textfind.find_lines(photo)
    overlay_line(found, np.maximum(shadow, text))
    proposed = found.mask > 0
    shadow_only = (shadow >= 0.5) & (text == 0)
    assert (proposed & shadow_only).sum() >= 0.8 * shadow_only.sum()
    assert (proposed & (text >= 0.5)).sum() >= 0.95 * (text >= 0.5).sum()
    assert (proposed & (np.maximum(shadow, text) == 0)).sum() <= 0.1 * (np.maximum(shadow, text) >= 0.25).sum()


def test_white_text_over_a_dark_hill_under_a_white_sky_is_taken_where_it_shows():
    # The box's frame is the white sky, so the darker hill was taken for the strokes'
    # side; the strokes are the side that stands out more in all.
    rng = np.random.default_rng(3)
    img = np.full((300, 600, 3), 252, np.float32)
    yy, xx = np.mgrid[0:300, 0:600]
    hill = yy > 150 - 60 * np.exp(-((xx - 150) / 90.0) ** 2)
    img[hill] = np.float32([150, 175, 195]) + rng.normal(0, 10, (int(hill.sum()), 1))
    img = cv2.GaussianBlur(img, (0, 0), 1.0).clip(0, 255).astype(np.uint8)
    text = layer(img.shape, "12/08/2023 09:15", (20, 140), 1.6, 4)
    photo = paint(img, text, (255, 255, 255))
    shows = (text >= 0.5) & (np.abs(photo.astype(int) - img.astype(int)).max(axis=2) > 40)
    found = textfind.find_lines(photo)
    proposed = found.mask > 0
    assert (proposed & shows).sum() >= 0.8 * shows.sum()
    assert (proposed & (text == 0)).sum() <= 0.15 * (text >= 0.25).sum()


def flowerbed(seed=0, size=(300, 560)):
    """Green leaves with pink and white blossoms as bright as a yellow caption."""
    return photos.flowerbed(seed, size, blossoms=1500, pink=(235, 150, 200))


def test_a_jpeg_caption_over_pink_and_white_blossoms_takes_the_letters_alone():
    # The strokes' side held the letters and the blossoms; their median colour was
    # neither, and the mask took the flowerbed. The text's colour is the one most of
    # the strongest pixels in the box's middle half crowd around.
    text = layer((300, 560), "Camera 2 Front Door", (30, 160), 1.0, 3)
    photo = jpeg(paint(flowerbed(), text, (255, 220, 0)))
    found = textfind.find_lines(photo)
    overlay_line(found, text)
    proposed = found.mask > 0
    assert (proposed & (text >= 0.25)).sum() >= 0.9 * (text >= 0.25).sum()
    assert (proposed & (text == 0)).sum() <= 0.3 * (text >= 0.25).sum()


def test_bold_letters_take_their_edge_but_no_ring_of_photo():
    # A 1 px grow all round took the photo next to every hard edge of the letters; the
    # edge pixels are taken where they lean towards the text from the photo beside it.
    img = scene_rgb(3)
    text = layer(img.shape, "SALE 49", (40, 300), 2.4, 9)
    photo = paint(img, text, (40, 90, 255))
    found = textfind.find_lines(photo)
    overlay_line(found, text)
    proposed = found.mask > 0
    assert (proposed & (text >= 0.25)).sum() >= 0.97 * (text >= 0.25).sum()
    assert (proposed & (text == 0)).sum() <= 0.05 * (text >= 0.25).sum()


def cut_short(caption, keep):
    """`caption` drawn white over a scene and found with its detector box cut to the
    `keep` share of its width (on the bench the box ended at "12/08/2" of a timestamp),
    picked and read as find_lines does, then continued along its band
    (textfind._continue_line). Returns (the caption's coverage, the cut box's read, its
    glyphs, the continued line's read, its glyphs)."""
    img = scene_rgb(1)
    text = layer(img.shape, caption, (30, 120), 1.0, 2)
    photo = paint(img, text, (255, 255, 255))
    engine = textdetect.load()
    quads, _ = textdetect.detect(engine, photo)
    (quad,) = quads
    cut = quad.copy()
    cut[[1, 2], 0] = quad[0, 0] + keep * (quad[1, 0] - quad[0, 0])
    ((first_read, confidence),) = textdetect.read(engine, photo, cut[None])
    x0, y0 = np.floor(cut.min(axis=0)).astype(int) - textfind.BOX_MARGIN
    x1, y1 = np.ceil(cut.max(axis=0)).astype(int) + textfind.BOX_MARGIN + 1
    box = (x0, y0, x1, y1)
    picked, _ = textfind._line_glyphs(photo, box, textfind._line_height(cut))
    short = np.zeros(photo.shape[:2], bool)
    short[y0:y1, x0:x1] = picked
    x0, x1, glyphs, _, words, _ = textfind._continue_line(engine, photo, box, cut, picked, first_read, confidence)
    grown = np.zeros(photo.shape[:2], bool)
    grown[y0:y1, x0:x1] = glyphs
    return text, first_read, short, words, grown


def test_a_caption_whose_box_is_cut_short_is_masked_to_its_end():
    text, first, short, words, grown = cut_short("12/08/2023 09:15:44", 0.4)
    letters = text >= 0.5
    assert (short & letters).sum() < 0.6 * letters.sum()        # the cut box holds part of the line
    assert words.replace(" ", "") == "12/08/202309:15:44", (first, words)
    assert (grown & letters).sum() >= 0.97 * letters.sum()
    assert (grown & (text == 0)).sum() <= 0.1 * (text >= 0.25).sum()


def test_a_line_is_not_continued_into_the_photo_past_its_end():
    # The box holds the whole caption: nothing past it is the line's, even where the
    # photo beside it has bright detail of the text's colour.
    _, first, short, words, grown = cut_short("Lot 17", 1.0)
    assert words == first
    assert (grown == short).all()


def test_a_line_boxed_twice_is_listed_once_with_both_boxes_glyphs():
    # The whole look boxed "Camora" (the start of the line), a tile the whole line:
    # both were read and listed, and the words came twice.
    def line(box, words, fill):
        x0, y0, x1, y1 = box
        glyphs = np.zeros((y1 - y0, x1 - x0), bool)
        glyphs[:, fill] = True
        return textfind.TextLine(box=box, quad=((x0, y0), (x1, y0), (x1, y1), (x0, y1)), glyphs=glyphs, words=words,
                                 confidence=0.96, kind=textfind.OVERLAY, reason="overlay: flat green", source="model")

    part = line((10, 102, 190, 130), "Camora", slice(0, 3))
    whole = line((14, 100, 460, 134), "Camera 2 Front Door", slice(100, 110))
    other = line((14, 200, 120, 230), "Lot 17", slice(0, 5))
    merged = textfind._merge_duplicates([part, whole, other])
    assert [m.words for m in merged] == ["Camera 2 Front Door", "Lot 17"]
    kept = merged[0]
    assert kept.box == (10, 100, 460, 134)
    found = textfind.TextFound(mask=np.zeros((300, 500), np.uint8), lines=merged, model=True).mask_with()
    assert found[102:130, 10:13].all() and found[100:134, 114:124].all()   # both boxes' glyphs
    assert found[200:230, 14:19].all()


def small_jpeg_caption(scene, caption, colour, outline=None):
    """`caption` about 11 px tall, 1 px strokes, drawn in `colour` over scene `scene`
    (with a 1 px `outline` around the letters, if given) and saved as a JPEG q75: the
    size at which the JPEG's speckle was taken for a second colour on the bench.
    Returns (photo, the letters' coverage, the outline's coverage or None)."""
    img = scene_rgb(scene)
    text = layer(img.shape, caption, (40, 300), 0.45, 1)
    if outline is None:
        return jpeg(paint(img, text, colour)), text, None
    ring = cv2.dilate((text * 255).astype(np.uint8), np.ones((3, 3), np.uint8)).astype(np.float32) / 255
    return jpeg(paint(paint(img, ring, outline), text, colour)), text, ring


@pytest.mark.parametrize("scene", [1, 2])
def test_a_small_jpeg_caption_takes_no_speckle_around_it_as_a_second_colour(scene):
    # The JPEG rounds the caption's blocks into specks of another colour beside the
    # letters; taken as an outline they were most of the JPEG's extra area on the bench.
    photo, text, _ = small_jpeg_caption(scene, "Camera 2 Front Door", (255, 220, 0))
    found = textfind.find_lines(photo)
    overlay_line(found, text)
    proposed = found.mask > 0
    assert (proposed & (text >= 0.5)).sum() >= 0.95 * (text >= 0.5).sum()
    assert (proposed & (text == 0)).sum() <= 0.3 * (text >= 0.25).sum()


@pytest.mark.parametrize("scene", [1, 2, 3])
def test_a_small_outlined_jpeg_caption_keeps_its_whole_outline(scene):
    # The same JPEG breaks a 1 px outline into short pieces too; the outline is the
    # second colour still, every piece of it.
    photo, text, ring = small_jpeg_caption(scene, "Price 1250 EUR", (255, 255, 255), outline=(0, 0, 0))
    found = textfind.find_lines(photo)
    overlay_line(found, ring)
    proposed = found.mask > 0
    outline = (ring >= 0.5) & (text == 0)
    assert (proposed & outline).sum() >= 0.9 * outline.sum()
    assert (proposed & (text >= 0.5)).sum() >= 0.85 * (text >= 0.5).sum()
    assert (proposed & (ring == 0)).sum() <= 0.1 * (ring >= 0.25).sum()


def grass(seed, shape=(160, 560)):
    """A dark lawn: bright blades of grass on dark ground, busier than any letter."""
    rng = np.random.default_rng(seed)
    img = np.zeros(shape + (3,), np.float32) + np.float32([45, 50, 35])
    for _ in range(700):
        x, y = int(rng.integers(0, shape[1])), int(rng.integers(0, shape[0]))
        length, lean = int(rng.integers(8, 30)), int(rng.integers(-4, 5))
        colour = tuple(float(v) for v in rng.uniform([90, 110, 60], [190, 200, 140]))
        cv2.line(img, (x, y), (x + lean, y - length), colour, 1, cv2.LINE_AA)
    return cv2.GaussianBlur(img, (0, 0), 0.6).clip(0, 255).astype(np.uint8)


def test_bold_black_text_on_dark_grass_takes_the_letters_not_the_grass_around_them():
    # The grass between and around the letters stands out from the dark ground more than
    # the black letters do, so the pick took it for the text (main: 36 % of the letters,
    # half their area in grass); that band runs through the box's margin above and below
    # the letters, which the letters leave clear, so the other side is taken.
    img = grass(1)
    coverage = np.zeros(img.shape[:2], np.uint8)
    cv2.putText(coverage, "Summer 2021", (30, 100), cv2.FONT_HERSHEY_DUPLEX, 1.3, 255, 3, cv2.LINE_AA)
    coverage = coverage.astype(np.float32) / 255
    photo = paint(img, coverage, (0, 0, 0))
    found = textfind.find_lines(photo)
    overlay_line(found, coverage)
    proposed, text = found.mask > 0, coverage >= 0.25
    assert (proposed & text).sum() >= 0.9 * text.sum()
    assert (proposed & (coverage == 0)).sum() <= 0.1 * text.sum()


def rock(seed, shape=(160, 560)):
    """Grey rock: blotches of dark and light grey with a fine grain."""
    rng = np.random.default_rng(seed)
    blotches = cv2.resize(rng.uniform(0, 1, (shape[0] // 8, shape[1] // 8)).astype(np.float32), (shape[1], shape[0]),
                          interpolation=cv2.INTER_CUBIC)
    v = np.clip(blotches + rng.normal(0, 0.12, shape).astype(np.float32), 0, 1)[:, :, None]
    return (np.float32([45, 50, 60]) * (1 - v) + np.float32([150, 155, 165]) * v).clip(0, 255).astype(np.uint8)


@pytest.mark.parametrize("seed", [1, 2])
def test_a_semi_transparent_bold_caption_over_rock_takes_no_clumps_of_rock(seed):
    # A 60 % opaque blue caption's colour is near the grey rock's, and the fill into its
    # bold strokes (through the text's colour, within reach of the core) ran on into the
    # rock beside them (799920d: 14-15 % of the letters' area in rock, all round them);
    # the fill is now kept only where it leans towards the text from the photo beside it.
    img = rock(seed)
    coverage = layer(img.shape, "SALE 49.99", (30, 105), 1.9, 4)
    photo = paint(img, coverage * 0.6, (40, 90, 255))
    found = textfind.find_lines(photo)
    overlay_line(found, coverage)
    proposed, text = found.mask > 0, coverage >= 0.25
    assert (proposed & text).sum() >= 0.95 * text.sum()
    assert (proposed & (coverage == 0)).sum() <= 0.05 * text.sum()


def test_a_clump_much_wider_than_the_strokes_is_told_from_the_letters():
    # Photo of the text's colour taken beside the letters (dark trees beside black
    # letters, bench salt 16 06549; sky between thin blue ones, 13004) is a clump or a band
    # far wider than a stroke: `_wide` finds it, and none of the letters' strokes.
    glyphs = np.zeros((80, 400), np.uint8)
    cv2.putText(glyphs, "DO NOT COPY", (10, 60), cv2.FONT_HERSHEY_DUPLEX, 1.5, 1, 5)
    strokes = glyphs > 0
    clump = np.zeros_like(glyphs)
    cv2.ellipse(clump, (370, 40), (14, 22), 0, 0, 360, 1, -1)
    clump = (clump > 0) & ~strokes
    wide = textfind._wide(strokes | clump)
    assert (wide & clump).sum() >= 0.8 * clump.sum()
    assert (wide & strokes).sum() <= 0.02 * strokes.sum()
