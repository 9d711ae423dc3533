"""The judge's `swapped` set: each photo with another photo's mask, turned (bench tooling).

Made-up photos and masks (never the shared data): the mask of photo i must be photo
(i + 7) % n's, mirrored on even cases and transposed on odd ones, greyed in the input.
"""

import json

import cv2
import numpy as np

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


def test_swapped_gives_each_photo_another_photos_mask_turned(tmp_path, monkeypatch):
    monkeypatch.setattr(common, "freeform_mask", _mask_of)
    photos = _photos()
    rows = cases.swapped(tmp_path, photos)
    assert [r["case"] for r in rows] == [name for name, _ in photos]
    for index, row in enumerate(rows):
        donor = photos[(index + cases.SWAP_OFFSET) % len(photos)][0]
        assert row["mask_of"] == donor != row["photo"]
        expected = _mask_of(donor)
        expected = expected[:, ::-1] if index % 2 == 0 else expected.T
        folder = tmp_path / "swapped" / row["case"]
        mask = cv2.imread(str(folder / "mask.png"), cv2.IMREAD_GRAYSCALE)
        np.testing.assert_array_equal(mask, expected)
        truth = cv2.cvtColor(cv2.imread(str(folder / "truth.png")), cv2.COLOR_BGR2RGB)
        np.testing.assert_array_equal(truth, photos[index][1])
        grey = cv2.cvtColor(cv2.imread(str(folder / "input.png")), cv2.COLOR_BGR2RGB)
        assert (grey[mask > 0] == cases.GREY).all()
        np.testing.assert_array_equal(grey[mask == 0], truth[mask == 0])
    json.dumps(rows)  # cases.json must be able to hold the rows
