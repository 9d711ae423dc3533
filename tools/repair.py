#!/usr/bin/env python
"""`python tools/repair.py --input damaged.jpg --mask mask.png --mode inpaint --out fixed.jpg`:
the local repair tool (the same as `manage.py repair`, see repairapp/cli.py) for scripts
that call it by path. Run it with the project's Python, e.g. `.venv/bin/python`."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from repairapp.cli import main  # noqa: E402  (after the path is set)

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
