"""A version as a download, for the pages and the API alike: the stored lossless PNG as
it is, or re-encoded as JPEG or WebP (repairapp/imaging.py does the encoding), under a
name that says what it is (`coffee-v2.jpg`)."""

from django.http import HttpResponse
from django.utils.http import content_disposition_header

from . import http, imaging
from .models import Version



def version_download(version: Version, *, fmt: str = "png", quality: int = imaging.DEFAULT_EXPORT_QUALITY,
                     as_attachment: bool = True) -> HttpResponse:
    """Raises FileNotFoundError if the stored file is gone, ImageError if `fmt` cannot
    hold the photo (WebP above 16383 px a side)."""
    name = version.file_name_for(fmt)
    if fmt == "png":
        response = http.immutable_response(version.file.open("rb"), content_type="image/png")
    else:
        response = HttpResponse(version.export(fmt, quality=quality), content_type=imaging.EXPORT_FORMATS[fmt][1])
        response["Cache-Control"] = http.IMMUTABLE
    response["Content-Disposition"] = content_disposition_header(as_attachment, name)
    return response
