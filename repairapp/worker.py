"""The rq worker class for repairs.

Importing the engines here means numpy, OpenCV and the Django models are loaded once
in the worker before it forks, not again in every job's work-horse. The text models
(textdetect: ~2 s the first time) are loaded when the worker starts, for the same reason:
rq forks a work-horse per job, and a model loaded in the work-horse dies with it.

Some modules a repair needs are imported lazily by the libraries themselves, on first use:
numpy's `fft` (the periodicity check), `random` (the patch engine's seeded generator) and
`ma` (which `np.percentile` imports), and Pillow's format plugins (`Image.open` loads
them). Imported in the work-horse they cost every job ~0.04 s CPU, so they are imported
here, once.
"""

import resource

import numpy.fft  # noqa: F401  (pre-import: see above)
import numpy.ma  # noqa: F401
import numpy.random  # noqa: F401
from django.conf import settings
from django.db import connections
from PIL import Image
from rq import Worker

from . import jobs, textdetect  # noqa: F401  (pre-import: see above)
from .engines import pipeline  # noqa: F401

# Image.open loads the plugins the first time it runs; a work-horse must not pay for it.
Image.preinit()


def limit_memory(megabytes: int) -> None:
    """Cap this process's address space; past it, allocations fail with MemoryError."""
    if megabytes > 0:
        limit = megabytes * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


class RepairWorker(Worker):
    def __init__(self, *args, **kwargs):
        # Jobs are queued as JSON; a worker started without --serializer must still read them.
        kwargs["serializer"] = settings.RQ_SERIALIZER
        super().__init__(*args, **kwargs)
        textdetect.load()  # cached: every forked work-horse inherits the loaded models

    def main_work_horse(self, job, queue):
        # Runs in the forked work-horse only: the limit dies with it.
        limit_memory(settings.REPAIR_MEMORY_LIMIT_MB)
        return super().main_work_horse(job, queue)

    def handle_work_horse_killed(self, job, retpid, ret_val, rusage):
        super().handle_work_horse_killed(job, retpid, ret_val, rusage)
        try:
            jobs.record_worker_death(job)
        finally:
            # The next work-horse is forked from this process: it must not inherit a
            # live database socket that both processes would then talk over.
            connections.close_all()
