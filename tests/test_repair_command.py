"""`manage.py repair`: the local repro tool, run as a user runs it (a subprocess,
no Redis, no database) on photo-like scenes made by tests/photos.py."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from repairapp import imaging
from repairapp.engines import pipeline
from tests.conftest import mask_png, photo_bytes, photo_path
from tests.photos import photo_folder, stroke_mask, stroke_mask_png

ROOT = Path(__file__).resolve().parent.parent


def run_repair(*args, cwd=ROOT):
    # The environment of a plain shell: no database or Redis settings at all.
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DJANGO_SETTINGS_MODULE")}
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "repair", *map(str, args)],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=300,
    )


def _rgb(path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"))


def test_it_repairs_one_real_photo_and_changes_nothing_outside_the_mask(tmp_path):
    photo = photo_path(0)
    mask_path = tmp_path / "mask.png"
    mask_path.write_bytes(mask_png(512, 512, (300, 200, 340, 260)))
    out = tmp_path / "fixed.png"
    result = run_repair("--input", photo, "--mask", mask_path, "--out", out, "--engine", "telea", "--dilate", "2")
    assert result.returncode == 0, result.stderr
    assert f"{out}:" in result.stdout and "telea" in result.stdout
    before = imaging.decode_photo(photo.read_bytes()).rgb
    after = _rgb(out)
    painted = np.zeros((512, 512), np.uint8)
    painted[200:260, 300:340] = 255
    allowed = imaging.dilate_mask(painted, 2) > 0
    changed = np.any(before != after, axis=2)
    assert changed[painted > 0].mean() > 0.5 and not changed[~allowed].any()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp file left


def test_same_inputs_give_identical_bytes(tmp_path):
    mask_path = tmp_path / "strokes.png"
    mask_path.write_bytes(stroke_mask_png(1))
    outs = [tmp_path / "a.png", tmp_path / "b.png"]
    for out in outs:
        assert run_repair("--input", photo_path(1), "--mask", mask_path, "--out", out).returncode == 0
    assert outs[0].read_bytes() == outs[1].read_bytes()


def test_a_mask_of_another_size_is_a_clear_error(tmp_path):
    mask_path = tmp_path / "small.png"
    mask_path.write_bytes(mask_png(100, 50, (1, 1, 10, 10)))
    result = run_repair("--input", photo_path(0), "--mask", mask_path, "--out", tmp_path / "x.png")
    assert result.returncode != 0
    assert "mask is 100×50 but the photo is 512×512" in result.stderr
    assert not (tmp_path / "x.png").exists()


@pytest.mark.parametrize("args, message", [
    (["--engine", "nope"], "unknown engine 'nope'; known engines:"),
    (["--input-dir", "/nonexistent", "--mask-dir", "/tmp", "--out-dir", "/tmp/x"], "no such folder"),
    (["--input-dir", "/tmp"], "go together"),
    ([], "give --input, --mask (or --find-text) and --out"),
    (["--input", "a.jpg", "--mask", "m.png", "--find-text", "--out", "o.png"], "--find-text finds the mask itself"),
    (["--input-dir", "/tmp", "--out-dir", "/tmp/x"], "--mask-dir (or --find-text)"),
])
def test_bad_arguments_are_clear_errors(args, message):
    result = run_repair(*args)
    assert result.returncode != 0 and message in result.stderr


def test_a_missing_input_file_is_a_clear_error(tmp_path):
    result = run_repair("--input", tmp_path / "none.jpg", "--mask", tmp_path / "m.png", "--out", tmp_path / "o.png")
    assert result.returncode != 0 and "no such file" in result.stderr


def test_batch_repairs_a_folder_and_reports_each_failure_without_stopping(tmp_path):
    in_dir, mask_dir, out_dir = tmp_path / "in", tmp_path / "masks", tmp_path / "out"
    photos = photo_folder(in_dir, 5, mask_dir)
    (mask_dir / f"{photos[1].stem}.png").unlink()                                     # a missing mask
    (mask_dir / f"{photos[2].stem}.png").write_bytes(mask_png(64, 64, (1, 1, 9, 9)))  # a size mismatch
    result = run_repair("--input-dir", in_dir, "--mask-dir", mask_dir, "--out-dir", out_dir, "--engine", "telea")
    assert result.returncode == 1
    assert "3 repaired, 2 failed, 5 photos" in result.stdout
    assert f"FAILED {photos[1].name}: no mask named {photos[1].stem}.png" in result.stderr
    assert f"FAILED {photos[2].name}: The mask is 64×64 but the photo is 512×512" in result.stderr
    assert sorted(p.stem for p in out_dir.iterdir()) == sorted(p.stem for i, p in enumerate(photos) if i not in (1, 2))
    for photo in (photos[0], photos[3], photos[4]):
        mask = imaging.decode_mask((mask_dir / f"{photo.stem}.png").read_bytes(), size=(512, 512))
        allowed = imaging.dilate_mask(mask, pipeline.DEFAULT_DILATE) > 0
        changed = np.any(imaging.decode_photo(photo.read_bytes()).rgb != _rgb(out_dir / f"{photo.stem}.png"), axis=2)
        assert not changed[~allowed].any()


def test_the_same_command_runs_through_call_command(tmp_path):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    mask_path = tmp_path / "mask.png"
    mask_path.write_bytes(mask_png(512, 512, (10, 10, 60, 60)))
    call_command("repair", input=photo_path(2), mask=mask_path, out=tmp_path / "o.png", engine="ns")
    assert _rgb(tmp_path / "o.png").shape == (512, 512, 3)
    with pytest.raises(CommandError, match="unknown engine"):
        call_command("repair", input=photo_path(2), mask=mask_path, out=tmp_path / "o.png", engine="zzz")


def _with_caption(photo: Path, path: Path) -> np.ndarray:
    """Write `photo` with a white timestamp burned in as PNG at `path`; returns the untouched RGB."""
    clean = imaging.decode_photo(photo.read_bytes()).rgb
    damaged = np.ascontiguousarray(clean.copy())
    cv2.putText(damaged, "2026-11-28 14:05", (40, 470), cv2.FONT_HERSHEY_SIMPLEX, 1.1, (255, 255, 255), 2, cv2.LINE_AA)
    Image.fromarray(damaged).save(path)
    return clean


def test_find_text_removes_a_burned_in_timestamp_without_a_mask(tmp_path):
    clean = _with_caption(photo_path(1), tmp_path / "stamped.png")
    out = tmp_path / "fixed.png"
    result = run_repair("--input", tmp_path / "stamped.png", "--find-text", "--out", out)
    assert result.returncode == 0, result.stderr
    damaged, fixed = _rgb(tmp_path / "stamped.png"), _rgb(out)
    changed = np.any(damaged != fixed, axis=2)
    # Only the caption's strip changes, and it comes out much closer to the clean photo.
    assert changed[430:480, 30:400].sum() > 500 and not changed[:420].any() and not changed[:, 420:].any()
    band = (slice(430, 480), slice(30, 400))
    error_before = np.abs(damaged[band].astype(int) - clean[band]).mean()
    error_after = np.abs(fixed[band].astype(int) - clean[band]).mean()
    assert error_after < 0.4 * error_before


def test_find_text_on_a_folder_reports_photos_without_text(tmp_path):
    in_dir, out_dir = tmp_path / "in", tmp_path / "out"
    in_dir.mkdir()
    _with_caption(photo_path(1), in_dir / "stamped.png")
    shutil.copy(photo_path(4), in_dir / "plain.jpg")
    result = run_repair("--input-dir", in_dir, "--find-text", "--out-dir", out_dir)
    assert result.returncode == 1
    assert "1 repaired, 1 failed, 2 photos" in result.stdout
    assert "FAILED plain.jpg: no text found in the photo, nothing to remove" in result.stderr
    assert [p.name for p in out_dir.iterdir()] == ["stamped.png"]


def _damaged_and_mask(folder: Path) -> tuple[Path, Path]:
    (folder / "damaged.jpg").write_bytes(photo_bytes(2))
    (folder / "mask.png").write_bytes(stroke_mask_png(2))
    return folder / "damaged.jpg", folder / "mask.png"


@pytest.mark.parametrize("name, fmt", [("fixed.jpg", "JPEG"), ("fixed.JPEG", "JPEG"), ("fixed.webp", "WEBP"),
                                       ("fixed.png", "PNG")])
def test_the_out_name_picks_the_format_written(tmp_path, name, fmt):
    # The seed's call, as it was written: --mode inpaint and a .jpg name.
    _damaged_and_mask(tmp_path)
    result = run_repair("--input", "damaged.jpg", "--mask", "mask.png", "--mode", "inpaint", "--out", name, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    written = Image.open(tmp_path / name)
    assert written.format == fmt and written.size == (512, 512)
    stated = {"JPEG": "JPEG quality 92", "WEBP": "WebP quality 92", "PNG": "PNG (lossless)"}[fmt]
    assert result.stdout.startswith(f"{name}: {stated}, ")
    if fmt == "PNG":  # lossless: outside the grown mask, the photo's own pixels
        allowed = imaging.dilate_mask(stroke_mask(2), pipeline.DEFAULT_DILATE) > 0
        assert not np.any(_rgb(tmp_path / name) != imaging.decode_photo(photo_bytes(2)).rgb, axis=2)[~allowed].any()


def test_quality_is_the_jpeg_quality(tmp_path):
    _damaged_and_mask(tmp_path)
    sizes = {}
    for quality in (40, 95):
        out = tmp_path / f"q{quality}.jpg"
        result = run_repair("--input", "damaged.jpg", "--mask", "mask.png", "--out", out.name,
                            "--quality", quality, cwd=tmp_path)
        assert result.returncode == 0 and f"JPEG quality {quality}" in result.stdout
        sizes[quality] = out.stat().st_size
    assert sizes[40] < 0.7 * sizes[95]


@pytest.mark.parametrize("args, message", [
    (["--out", "fixed.gif"], "--out fixed.gif: .gif is not a format this app writes; end the name with .png, .jpg"),
    (["--out", "fixed"], "--out fixed: no extension to tell the format by; end the name with .png"),
    (["--out", "fixed.jpg", "--quality", "0"], "--quality 0: use 1 to 100"),
    (["--out", "fixed.png", "--mode", "remove_text"], "finds the mask itself (so does --mode remove_text)"),
    (["--out", "fixed.png", "--mode", "inpaint", "--find-text"], "--mode inpaint fills a mask you give"),
    (["--out", "fixed.png", "--mode", "erase"], "invalid choice: 'erase' (choose from 'inpaint', 'remove_text')"),
])
def test_a_name_or_mode_it_will_not_honour_is_refused_before_any_work(tmp_path, args, message):
    _damaged_and_mask(tmp_path)
    result = run_repair("--input", "damaged.jpg", "--mask", "mask.png", *args, cwd=tmp_path)
    assert result.returncode != 0 and message in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["damaged.jpg", "mask.png"]


def test_mode_remove_text_is_find_text(tmp_path):
    _with_caption(photo_path(1), tmp_path / "stamped.png")
    result = run_repair("--input", tmp_path / "stamped.png", "--mode", "remove_text", "--out", tmp_path / "a.png")
    assert result.returncode == 0, result.stderr
    assert run_repair("--input", tmp_path / "stamped.png", "--find-text", "--out", tmp_path / "b.png").returncode == 0
    assert (tmp_path / "a.png").read_bytes() == (tmp_path / "b.png").read_bytes()
    assert (tmp_path / "a.png").read_bytes() != imaging.encode_png(_rgb(tmp_path / "stamped.png"))


def test_tools_repair_py_takes_the_same_call(tmp_path):
    _damaged_and_mask(tmp_path)
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DJANGO_SETTINGS_MODULE")}
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "repair.py"), "--input", "damaged.jpg", "--mask",
                             "mask.png", "--mode", "inpaint", "--out", "fixed.jpg"],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert Image.open(tmp_path / "fixed.jpg").format == "JPEG"
