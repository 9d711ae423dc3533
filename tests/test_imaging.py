"""imaging: decoding by content, limits, orientation, colour modes, masks, encoding."""

import io
import re

import numpy as np
import pytest
from PIL import Image

from repairapp import imaging
from tests.conftest import encode, photo_bytes, textured_rgb


def test_it_decodes_a_real_jpeg_to_rgb_uint8():
    photo = imaging.decode_photo(photo_bytes())
    assert photo.rgb.dtype == np.uint8 and photo.rgb.shape == (512, 512, 3)
    assert photo.alpha is None and photo.source_format == "JPEG"


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_it_decodes_png_and_webp_losslessly(fmt):
    rgb = textured_rgb()
    kwargs = {"lossless": True} if fmt == "WEBP" else {}
    photo = imaging.decode_photo(encode(Image.fromarray(rgb), fmt, **kwargs))
    assert np.array_equal(photo.rgb, rgb)


def test_it_applies_exif_orientation():
    rgb = textured_rgb(80, 40)  # wide as stored
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to view
    data = encode(Image.fromarray(rgb), "JPEG", exif=exif.tobytes(), quality=95)
    photo = imaging.decode_photo(data)
    assert (photo.width, photo.height) == (40, 80)  # upright is tall


def test_a_photo_with_a_broken_exif_block_is_kept_as_stored():
    rgb = textured_rgb(80, 40)
    # A TIFF header whose first directory lies past the end of the block.
    data = encode(Image.fromarray(rgb), "JPEG", exif=b"II*\x00\xff\xff\xff\x7f", quality=95)
    photo = imaging.decode_photo(data)
    assert (photo.width, photo.height) == (80, 40)


def test_it_keeps_rgba_alpha_aside():
    rgba = np.dstack([textured_rgb(), np.full((64, 96), 77, np.uint8)])
    photo = imaging.decode_photo(encode(Image.fromarray(rgba, "RGBA")))
    assert photo.rgb.shape == (64, 96, 3)
    assert np.array_equal(photo.alpha, rgba[:, :, 3])
    assert np.array_equal(photo.rgb, rgba[:, :, :3])


def test_it_scales_16_bit_grey_instead_of_clipping():
    grey16 = (np.arange(64 * 96, dtype=np.uint32).reshape(64, 96) * 10).astype(np.uint16)
    photo = imaging.decode_photo(encode(Image.fromarray(grey16)))
    assert photo.rgb.max() > 200  # clipping would make almost everything 255
    assert photo.rgb[0, 0, 0] == 0 and np.unique(photo.rgb).size > 100


def test_it_converts_cmyk_grey_and_palette():
    rgb = textured_rgb()
    cmyk = imaging.decode_photo(encode(Image.fromarray(rgb).convert("CMYK"), "JPEG", quality=95))
    grey = imaging.decode_photo(encode(Image.fromarray(rgb).convert("L")))
    pal = Image.fromarray(rgb).convert("P", palette=Image.Palette.ADAPTIVE)
    pal.info["transparency"] = 0
    palette = imaging.decode_photo(encode(pal, transparency=0))
    assert cmyk.rgb.shape == grey.rgb.shape == palette.rgb.shape == (64, 96, 3)
    assert np.abs(cmyk.rgb.astype(int) - rgb).mean() < 12
    assert palette.alpha is not None and (palette.alpha == 0).any()


@pytest.mark.parametrize(
    "data",
    [
        b"just some text, not an image",
        b"<html><script>alert(1)</script></html>",
        b"<svg xmlns='http://www.w3.org/2000/svg'></svg>",
        encode(Image.new("RGB", (8, 8)), "TIFF"),
        encode(Image.new("RGB", (8, 8)), "BMP"),
        encode(Image.new("RGB", (8, 8)), "GIF"),
    ],
    ids=["text", "html", "svg", "tiff", "bmp", "gif"],
)
def test_it_refuses_anything_but_jpeg_png_webp_by_content(data):
    with pytest.raises(imaging.UnsupportedImage, match="not a JPEG, PNG or WebP"):
        imaging.decode_photo(data)


def test_it_refuses_an_empty_file():
    with pytest.raises(imaging.ImageError, match="empty"):
        imaging.decode_photo(b"")


def test_it_refuses_a_truncated_jpeg():
    data = encode(Image.fromarray(textured_rgb(400, 300)), "JPEG")
    with pytest.raises(imaging.ImageError, match="truncated or corrupt"):
        imaging.decode_photo(data[: len(data) // 2])


def test_it_refuses_a_decompression_bomb_from_its_header():
    # 30000×30000 declared, a few KB on disk: refused before any pixel is decoded.
    bomb = encode(Image.new("1", (30000, 30000)), "PNG", optimize=True)
    assert len(bomb) < 200_000
    with pytest.raises(imaging.ImageTooLarge, match="900.0 MP; the limit is 40.0 MP"):
        imaging.decode_photo(bomb)


def test_it_refuses_animated_images():
    frames = [Image.new("RGB", (8, 8), c) for c in ("red", "blue")]
    out = io.BytesIO()
    frames[0].save(out, format="PNG", save_all=True, append_images=frames[1:])
    with pytest.raises(imaging.UnsupportedImage, match="animated"):
        imaging.decode_photo(out.getvalue())


def _mask_bytes(arr, mode="L"):
    return encode(Image.fromarray(arr, mode))


def test_mask_binarises_grey_levels_at_128():
    arr = np.array([[0, 127, 128, 255]], np.uint8)
    mask = imaging.decode_mask(_mask_bytes(arr), size=(4, 1))
    assert mask.tolist() == [[0, 0, 255, 255]]


def test_mask_of_another_size_names_both_sizes():
    with pytest.raises(imaging.ImageError, match="mask is 4×1 but the photo is 8×2"):
        imaging.decode_mask(_mask_bytes(np.full((1, 4), 255, np.uint8)), size=(8, 2))


def test_empty_mask_is_refused():
    with pytest.raises(imaging.ImageError, match="mask is empty"):
        imaging.decode_mask(_mask_bytes(np.zeros((2, 2), np.uint8)), size=(2, 2))


def test_rgba_mask_with_empty_colour_uses_its_alpha():
    rgba = np.zeros((2, 3, 4), np.uint8)
    rgba[0, 1, 3] = 200  # painted only in alpha, as a canvas export may be
    mask = imaging.decode_mask(_mask_bytes(rgba, "RGBA"), size=(3, 2))
    assert mask.tolist() == [[0, 255, 0], [0, 0, 0]]


def test_a_canvas_mask_is_its_colour_where_alpha_is_opaque_in_every_mode():
    """Grey >= 128 where alpha >= 128 (an RGBA, LA or palette canvas with colour), alpha
    alone where the colour is empty, grey alone without alpha: pixel by pixel."""
    rng = np.random.default_rng(4)
    grey = rng.integers(0, 256, (9, 11), dtype=np.uint8)
    alpha = rng.integers(0, 256, (9, 11), dtype=np.uint8)
    both = np.where((grey >= 128) & (alpha >= 128), 255, 0)
    cases = {
        "RGBA": (Image.fromarray(np.dstack([grey, grey, grey, alpha]), "RGBA"), both),
        "LA": (Image.fromarray(np.dstack([grey, alpha]), "LA"), both),
        "empty colour": (Image.fromarray(np.dstack([grey * 0, grey * 0, grey * 0, alpha]), "RGBA"),
                         np.where(alpha >= 128, 255, 0)),
        "L": (Image.fromarray(grey, "L"), np.where(grey >= 128, 255, 0)),
        "16-bit": (Image.fromarray(grey.astype(np.uint16) * 257), np.where(grey >= 128, 255, 0)),
    }
    for name, (img, expected) in cases.items():
        mask = imaging.decode_mask(encode(img), size=(11, 9))
        assert mask.dtype == np.uint8 and mask.shape == (9, 11), name
        assert np.array_equal(mask, expected), name


def test_png_size_reads_the_header_only():
    data = imaging.encode_png(textured_rgb())
    assert imaging.png_size(data) == (96, 64)
    assert imaging.png_size(data[:30]) == (96, 64)  # the rest is not needed
    assert imaging.png_size(photo_bytes(0)) is None  # a JPEG
    assert imaging.png_size(b"") is None


def test_png_encoding_round_trips_every_pixel_and_alpha():
    rgb = textured_rgb()
    alpha = np.random.default_rng(3).integers(0, 256, (64, 96), dtype=np.uint8)
    photo = imaging.decode_photo(imaging.encode_png(rgb, alpha))
    assert np.array_equal(photo.rgb, rgb) and np.array_equal(photo.alpha, alpha)


def test_mask_encoding_is_one_bit_and_round_trips():
    mask = np.zeros((300, 400), np.uint8)
    mask[50:90, 100:300] = 255
    data = imaging.encode_mask(mask)
    assert Image.open(io.BytesIO(data)).mode == "1"
    assert np.array_equal(imaging.decode_mask(data, size=(400, 300)), mask)


def test_dilate_grows_the_mask_by_the_given_radius():
    mask = np.zeros((21, 21), np.uint8)
    mask[10, 10] = 255
    grown = imaging.dilate_mask(mask, 3)
    assert grown[10, 7] == 255 and grown[10, 13] == 255 and grown[10, 6] == 0
    assert imaging.dilate_mask(mask, 0) is mask


def test_decode_stored_reads_our_pngs_exactly_like_decode_photo():
    rgb = textured_rgb()
    alpha = np.random.default_rng(5).integers(0, 256, (64, 96), dtype=np.uint8)
    for data in (imaging.encode_png(rgb), imaging.encode_png(rgb, alpha)):
        fast, careful = imaging.decode_stored(data), imaging.decode_photo(data)
        assert np.array_equal(fast.rgb, careful.rgb)
        assert (fast.alpha is None and careful.alpha is None) or np.array_equal(fast.alpha, careful.alpha)


def test_exports_are_png_jpeg_or_webp_at_the_quality_asked():
    rgb = textured_rgb(64, 48)
    alpha = np.full((48, 64), 255, np.uint8)
    alpha[:, :32] = 0  # the left half transparent
    photo = imaging.Photo(rgb=rgb, alpha=alpha, source_format="PNG")
    png = Image.open(io.BytesIO(imaging.encode_export(photo, "png")))
    assert png.format == "PNG" and np.array_equal(np.asarray(png), np.dstack([rgb, alpha]))
    jpeg = Image.open(io.BytesIO(imaging.encode_export(photo, "jpeg", quality=95)))
    assert jpeg.format == "JPEG" and jpeg.mode == "RGB"
    assert np.asarray(jpeg)[:, :28].min() > 240  # no alpha in JPEG: the transparent part is white
    webp = Image.open(io.BytesIO(imaging.encode_export(photo, "webp")))
    assert webp.format == "WEBP" and webp.mode == "RGBA" and np.asarray(webp)[:, :28, 3].max() == 0
    small, large = (len(imaging.encode_export(photo, "jpeg", quality=q)) for q in (20, 95))
    assert small < large


@pytest.mark.parametrize("call, words", [
    (lambda p: imaging.encode_export(p, "gif"), "unknown format 'gif'; known formats: png, jpeg, webp"),
    (lambda p: imaging.encode_export(p, "jpeg", quality=101), "quality 101 is out of range: 1 to 100"),
    (lambda p: imaging.export_format_for("fixed.tiff"), "fixed.tiff: .tiff is not a format this app writes"),
])
def test_an_export_it_cannot_write_is_a_value_error(call, words):
    photo = imaging.Photo(rgb=textured_rgb(8, 8), alpha=None, source_format="PNG")
    with pytest.raises(ValueError, match=re.escape(words)):
        call(photo)


@pytest.mark.parametrize("name, fmt", [("a.PNG", "png"), ("b.jpg", "jpeg"), ("c.v2.jpeg", "jpeg"), ("d.webp", "webp")])
def test_the_extension_names_the_export_format(name, fmt):
    assert imaging.export_format_for(name) == fmt
