"""Benchmarks and drills, one package per subject: engines (+ engines.judge), e2e,
editor, reliability, text. Run each from the repository's root as a module, e.g.
`.venv/bin/python -m bench.engines.quality`; each writes results/<script>.json|txt in
its own folder. bench/README.md has the commands and the figures."""

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# The reference photos: the repository is cloned with shared/ beside it.
DATA = REPO.parent / "shared" / "data" / "places2_512_freeform"
