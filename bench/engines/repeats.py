"""Repeated copies in the patch engine's fill: where do they come from?

    .venv/bin/python -m bench.engines.repeats field CASE_DIR [CASE_DIR ...]   # a judge case folder each
    .venv/bin/python -m bench.engines.repeats post [--set NAME=VALUE,...]

`field` fills each case's input.png/mask.png with `patch.complete` and prints, per
pyramid level, how the hole's matches spread over the sources: how many distinct
sources they use, the most used source's count, the share of the ten most used, and
the most crowded 5x5 window of sources against what uniform use would put there. Many
targets on one source region is what an occurrence (reuse) penalty acts on.

`post` is a made-up photo: grain-like grass with one white post beside a large hole
(three seeds, 96 and 128 px). It prints the white pixels the fill puts in the hole
against the post's own: the repeated-post failure of objects2 32725 in miniature
(the fill copies the post two to four times). --set changes patch constants by name.
"""

from __future__ import annotations

import argparse
import sys

import cv2
import numpy as np

from repairapp.engines import patch

WINDOW = 5          # px (at the level) of the source window whose crowding is reported
WHITE = 180         # a pixel is the post's when all three channels exceed this


def _record_fields() -> dict:
    """Wraps _Level.vote and vote_best so that each level's last field is kept, by level size."""
    fields = {}

    def wrap(name):
        original = getattr(patch._Level, name)

        def recorded(self, *args, **kwargs):
            src = self.nnf_y[self.h_idx].astype(np.int64) * self.wp + self.nnf_x[self.h_idx]
            fields[self.size] = (src, len(self.source_idx), self.wp)
            return original(self, *args, **kwargs)
        setattr(patch._Level, name, recorded)
    wrap("vote")
    wrap("vote_best")
    return fields


def field(cases: list[str]) -> None:
    fields = _record_fields()
    for case in cases:
        fields.clear()
        image = cv2.imread(f"{case}/input.png")[:, :, ::-1].copy()
        hole = cv2.imread(f"{case}/mask.png", 0) > 127
        patch.complete(image, hole)
        print(case, f"hole {hole.mean():.2f}")
        for size, (src, sources, wp) in fields.items():
            sy, sx = np.divmod(src, wp)
            count = np.zeros((int(sy.max()) + WINDOW, wp), np.float32)
            np.add.at(count, (sy, sx), 1)
            crowd = cv2.boxFilter(count, -1, (WINDOW, WINDOW), normalize=False)
            uniform = len(src) * WINDOW ** 2 / sources
            _, uses = np.unique(src, return_counts=True)
            uses = np.sort(uses)[::-1]
            print(f"  level {size}: targets {len(src)} sources {sources} distinct {len(uses)} "
                  f"top1 {uses[0]} top10 share {uses[:10].sum() / len(src):.3f} "
                  f"most crowded window / uniform {crowd.max() / uniform:.1f}")


def post_photo(seed: int, size: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    grass = rng.normal(0, 18, (size, size, 1)) + np.array([60, 140, 50])
    image = np.clip(grass, 0, 255).astype(np.uint8)
    image[20:size - 10, 10:16] = (235, 235, 225)
    hole = np.zeros((size, size), bool)
    hole[8:size - 4, 26:size - 6] = True
    return image, hole


def post() -> None:
    for seed in range(3):
        for size in (96, 128):
            image, hole = post_photo(seed, size)
            out = patch.complete(image, hole)
            white = int((out[hole].min(axis=1) > WHITE).sum())
            print(f"seed {seed} size {size}: white px in the hole {white}, "
                  f"the post's own {int((image.min(axis=2) > WHITE).sum())}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=("field", "post"))
    parser.add_argument("cases", nargs="*")
    parser.add_argument("--set", default="", help="NAME=VALUE,... patch constants")
    args = parser.parse_args(argv)
    for pair in filter(None, args.set.split(",")):
        name, value = pair.split("=")
        setattr(patch, name, type(getattr(patch, name))(value))
    field(args.cases) if args.what == "field" else post()


if __name__ == "__main__":
    main(sys.argv[1:])
