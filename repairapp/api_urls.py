"""/api/v1/: the token-authenticated JSON API (see api.py and openapi.py)."""

from django.urls import path, re_path

from . import api

urlpatterns = [
    path("openapi.json", api.openapi_document, name="api-openapi"),
    path("repairs", api.repairs, name="api-repairs"),
    path("repairs/<int:job_id>", api.repair, name="api-repair"),
    path("assets", api.assets, name="api-assets"),
    path("assets/<int:asset_id>", api.asset, name="api-asset"),
    path("versions/<int:version_id>/image", api.version_image_view, name="api-version-image"),
    path("versions/<int:version_id>/diff", api.version_diff_view, name="api-version-diff"),
    path("versions/<int:version_id>/review", api.version_review, name="api-version-review"),
    path("versions/<int:version_id>/submit", api.version_submit_view, name="api-version-submit"),
    # Anything else under /api/v1/ is a JSON 404, not the HTML page; [\s\S], not ".",
    # so that a path holding a newline is caught too (the fuzz suite found one).
    re_path(r"^(?P<rest>[\s\S]*)$", api.not_found),
]
