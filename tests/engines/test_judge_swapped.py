"""The judge's `swapped` set: each photo with another photo's mask, turned (bench tooling).

Made-up photos and masks (never the shared data): the mask of photo i must be photo
(i + 7) % n's, mirrored on even cases and transposed on odd ones (`swapped2`: photo
(i + 13) % n's, flipped upside down on even cases and rotated 90 degrees on odd ones),
greyed in the input.
"""

import json

import cv2
import numpy as np
import pytest

from bench.engines import common
from bench.engines.judge import cases


def _photos(n=9, side=32):
    rng = np.random.default_rng(0)
    return [(f"p{i}", rng.integers(0, 256, (side, side, 3), dtype=np.uint8)) for i in range(n)]


def _mask_of(name):
    """An L-shaped mask that tells its owner, a mirror and a transpose apart."""
    index = int(name[1:])
    mask = np.zeros((32, 32), np.uint8)
    mask[2:20, 1 + index:4 + index] = 255  # a vertical bar whose column says whose mask it is
    mask[2:5, 1 + index:25] = 255  # and a bar to the right at its top
    return mask


def _mirrored_or_transposed(mask, index):
    return mask[:, ::-1] if index % 2 == 0 else mask.T


def _flipped_or_rotated(mask, index):
    return mask[::-1] if index % 2 == 0 else np.rot90(mask)


@pytest.mark.parametrize(("set_name", "offset", "turn"), [
    ("swapped", "SWAP_OFFSET", _mirrored_or_transposed),
    ("swapped2", "SWAP2_OFFSET", _flipped_or_rotated),  # photo (i + 13) % n's mask: held out again
])
def test_swapped_gives_each_photo_another_photos_mask_turned(tmp_path, monkeypatch, set_name, offset, turn):
    monkeypatch.setattr(common, "freeform_mask", _mask_of)
    photos = _photos()
    rows = getattr(cases, set_name)(tmp_path, photos)
    assert [r["case"] for r in rows] == [name for name, _ in photos]
    for index, row in enumerate(rows):
        donor = photos[(index + getattr(cases, offset)) % len(photos)][0]
        assert row["mask_of"] == donor != row["photo"]
        folder = tmp_path / set_name / row["case"]
        mask = cv2.imread(str(folder / "mask.png"), cv2.IMREAD_GRAYSCALE)
        np.testing.assert_array_equal(mask, turn(_mask_of(donor), index))
        truth = cv2.cvtColor(cv2.imread(str(folder / "truth.png")), cv2.COLOR_BGR2RGB)
        np.testing.assert_array_equal(truth, photos[index][1])
        grey = cv2.cvtColor(cv2.imread(str(folder / "input.png")), cv2.COLOR_BGR2RGB)
        assert (grey[mask > 0] == cases.GREY).all()
        np.testing.assert_array_equal(grey[mask == 0], truth[mask == 0])
    json.dumps(rows)  # cases.json must be able to hold the rows
