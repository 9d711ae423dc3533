"""Photos for the issue-13 UI tests, made here (no data from outside the repository)."""

from __future__ import annotations

from PIL import Image

from repairapp import services
from tests.conftest import encode, mask_png, textured_rgb

WIDTH, HEIGHT = 96, 64


def photo_bytes(seed: int = 1) -> bytes:
    return encode(Image.fromarray(textured_rgb(WIDTH, HEIGHT, seed=seed)), "PNG")


def make_asset(owner, name: str = "mug.png", seed: int = 1):
    return services.asset_create(owner=owner, data=photo_bytes(seed), file_name=name)


def make_version(owner, run_worker, capture, name: str = "mug.png"):
    """A photo of `owner` with version 2 made by a real repair on the real worker."""
    asset = make_asset(owner, name)
    with capture(execute=True):
        job = services.repair_request_create(user=owner, version=asset.latest_version(),
                                             mask_data=mask_png(WIDTH, HEIGHT, (30, 20, 50, 40)), engine="telea")
    run_worker()
    job.refresh_from_db()
    assert job.status == "succeeded", job.error
    return job.result_version
