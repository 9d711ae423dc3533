"""bench.engines.repeats: the field's source histogram per level, on a made-up case folder."""

import cv2
import numpy as np

from bench.engines import repeats


def test_field_reports_each_level(tmp_path, capsys):
    image, hole = repeats.post_photo(0, 96)
    cv2.imwrite(str(tmp_path / "input.png"), np.where(hole[:, :, None], 128, image)[:, :, ::-1].astype(np.uint8))
    cv2.imwrite(str(tmp_path / "mask.png"), hole.astype(np.uint8) * 255)
    repeats.field([str(tmp_path)])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(str(tmp_path)) and "hole 0.5" in lines[0]
    levels = [line for line in lines[1:] if line.strip().startswith("level")]
    assert len(levels) >= 2  # the pyramid has at least two levels at 96 px
    for line in levels:
        top1 = int(line.split("top1 ")[1].split()[0])
        targets = int(line.split("targets ")[1].split()[0])
        assert 1 <= top1 <= targets


def test_post_photo_has_one_post_outside_the_hole():
    image, hole = repeats.post_photo(1, 128)
    white = image.min(axis=2) > repeats.WHITE
    assert white.sum() == 6 * (128 - 30) and not (white & hole).any()
