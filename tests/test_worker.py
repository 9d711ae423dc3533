"""The worker process: what it prepares once, before it forks a work-horse per job."""

import os
import subprocess
import sys

from django.conf import settings

# Run in a fresh interpreter: the test process has imported everything long ago. It
# imports the worker as `manage.py rqworker` does, then runs a repair job's work
# (jobs._repair on a stand-in row: a 160 x 120 photo with a hole the patch engine fills)
# and prints the modules the job imported, which a forked work-horse would import again
# on every job.
JOB_IN_A_FRESH_WORKER = r"""
import io, sys
import django
django.setup()
import numpy as np
import repairapp.worker  # noqa: F401  what the worker imports before it forks
from repairapp import imaging, jobs

rng = np.random.default_rng(3)
y, x = np.mgrid[0:120, 0:160]
photo = np.clip(np.dstack([x, y, x + y])[..., :3] + rng.normal(0, 12, (120, 160, 3)), 0, 255).astype(np.uint8)
mask = np.zeros((120, 160), np.uint8)
mask[40:80, 50:110] = 255
version, mask_png = imaging.encode_png(photo), imaging.encode_mask(mask)


class Stored:
    def __init__(self, data):
        self.data = data

    def open(self, mode):
        return io.BytesIO(self.data)


class Row:
    base_version = type("Version", (), {"file": Stored(version)})()
    mask_file = Stored(mask_png)
    params = {}
    text_source = ""
    engine = "auto"

    def succeed(self, **fields):
        return fields


before = set(sys.modules)
fields = jobs._repair(Row(), [])
assert fields["periodicity"] is not None and fields["changed_inside_mask"] > 0, fields
print(" ".join(sorted(set(sys.modules) - before)))
"""


def test_a_repair_imports_nothing_the_worker_could_have_imported_before_forking(media_root):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "MEDIA_ROOT": str(media_root)}
    result = subprocess.run([sys.executable, "-c", JOB_IN_A_FRESH_WORKER], cwd=settings.BASE_DIR, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    imported = result.stdout.split()
    # numpy.fft, numpy.random, numpy.ma and Pillow's plugins are imported lazily by the
    # libraries on first use; in the work-horse that would be ~0.04 s CPU every job.
    assert [name for name in imported if name.split(".")[0] in ("numpy", "PIL", "cv2", "scipy")] == []
