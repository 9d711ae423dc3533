from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import account_views, api, editor_views, token_views, views
from .auth_views import RateLimitedLoginView, admins_only, decorator_include, login_brake

urlpatterns = [
    path("", views.asset_list, name="asset-list"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("assets/upload", views.asset_upload, name="asset-upload"),
    path("assets/<int:asset_id>/", views.editor, name="editor"),
    path("assets/<int:asset_id>/repairs", views.repair_create, name="repair-create"),
    path("jobs/<int:job_id>", views.job_status, name="job-status"),
    path("jobs/<int:job_id>/mask", views.job_mask, name="job-mask"),
    path("versions/<int:version_id>/image", views.version_image, name="version-image"),
    path("versions/<int:version_id>/thumb", views.version_thumb, name="version-thumb"),
    path("versions/<int:version_id>/diff", views.version_diff, name="version-diff"),
    path("versions/<int:version_id>/submit", views.version_submit, name="version-submit"),
    path("versions/<int:version_id>/display", editor_views.version_display, name="version-display"),
    path("versions/<int:version_id>/find-text", editor_views.version_find_text, name="version-find-text"),
    path("masks/", editor_views.saved_masks, name="saved-masks"),
    path("masks/<int:mask_id>/image", editor_views.saved_mask_image, name="saved-mask-image"),
    path("masks/<int:mask_id>/delete", editor_views.saved_mask_delete, name="saved-mask-delete"),
    path("assets/<int:asset_id>/published", views.asset_published, name="asset-published"),
    path("assets/<int:asset_id>/history", views.asset_history, name="asset-history"),
    path("assets/<int:asset_id>/archive", views.asset_archive, name="asset-archive"),
    path("review/", views.review_queue, name="review-queue"),
    path("review/<int:version_id>/", views.review_page, name="review-page"),
    path("review/<int:version_id>/decide", views.review_decide, name="review-decide"),
    path("history/", views.history, name="history"),
    path("login/", RateLimitedLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("settings/tokens", token_views.token_list, name="token-list"),
    path("settings/tokens/<int:token_id>/revoke", token_views.token_revoke, name="token-revoke"),
    path("settings/users", account_views.user_list, name="user-list"),
    path("settings/users/<int:user_id>/role", account_views.user_role, name="user-role"),
    path("settings/users/<int:user_id>/active", account_views.user_active, name="user-active"),
    path("api/v1/", include("repairapp.api_urls")),
    # Django admin's own login, behind the same brake (listed before admin's URLs).
    path("admin/login/", login_brake(admin.site.login)),
    path("admin/", admin.site.urls),
    path("django-rq/", decorator_include(admins_only, "django_rq.urls")),
]


# A request Django refuses before any view (a malformed Host header) still gets JSON under /api/.
handler400 = api.bad_request
handler404 = api.page_not_found
