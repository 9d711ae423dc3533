"""/api/v1/: the token-authenticated JSON API (see views.py and openapi.py)."""

from django.urls import path, re_path

from . import views

urlpatterns = [
    path("openapi.json", views.openapi_document, name="api-openapi"),
    path("repairs", views.repairs, name="api-repairs"),
    path("repairs/<int:job_id>", views.repair, name="api-repair"),
    path("assets", views.assets, name="api-assets"),
    path("assets/<int:asset_id>", views.asset, name="api-asset"),
    path("versions/<int:version_id>/image", views.version_image_view, name="api-version-image"),
    path("versions/<int:version_id>/diff", views.version_diff_view, name="api-version-diff"),
    path("versions/<int:version_id>/review", views.version_review, name="api-version-review"),
    path("versions/<int:version_id>/submit", views.version_submit_view, name="api-version-submit"),
    # Anything else under /api/v1/ is a JSON 404, not the HTML page; [\s\S], not ".",
    # so that a path holding a newline is caught too (the fuzz suite found one).
    re_path(r"^(?P<rest>[\s\S]*)$", views.not_found),
]
