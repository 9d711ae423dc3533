"""The pages and the editor's JSON endpoints (session login, CSRF)."""

from django.contrib.auth import views as django_auth_views
from django.urls import path

from . import accounts, assets, editor, history, masks, media, review, tokens
from .auth import RateLimitedLoginView

urlpatterns = [
    path("", assets.asset_list, name="asset-list"),
    path("favicon.ico", assets.favicon, name="favicon"),
    path("assets/upload", assets.asset_upload, name="asset-upload"),
    path("assets/<int:asset_id>/", editor.editor, name="editor"),
    path("assets/<int:asset_id>/repairs", editor.repair_create, name="repair-create"),
    path("jobs/<int:job_id>", editor.job_status, name="job-status"),
    path("jobs/<int:job_id>/mask", media.job_mask, name="job-mask"),
    path("versions/<int:version_id>/image", media.version_image, name="version-image"),
    path("versions/<int:version_id>/thumb", media.version_thumb, name="version-thumb"),
    path("versions/<int:version_id>/diff", media.version_diff, name="version-diff"),
    path("versions/<int:version_id>/submit", review.version_submit, name="version-submit"),
    path("versions/<int:version_id>/display", media.version_display, name="version-display"),
    path("versions/<int:version_id>/find-text", editor.version_find_text, name="version-find-text"),
    path("masks/", masks.saved_masks, name="saved-masks"),
    path("masks/<int:mask_id>/image", masks.saved_mask_image, name="saved-mask-image"),
    path("masks/<int:mask_id>/delete", masks.saved_mask_delete, name="saved-mask-delete"),
    path("assets/<int:asset_id>/published", media.asset_published, name="asset-published"),
    path("assets/<int:asset_id>/history", history.asset_history, name="asset-history"),
    path("assets/<int:asset_id>/archive", assets.asset_archive, name="asset-archive"),
    path("review/", review.review_queue, name="review-queue"),
    path("review/<int:version_id>/", review.review_page, name="review-page"),
    path("review/<int:version_id>/decide", review.review_decide, name="review-decide"),
    path("history/", history.history, name="history"),
    path("login/", RateLimitedLoginView.as_view(), name="login"),
    path("logout/", django_auth_views.LogoutView.as_view(), name="logout"),
    path("settings/tokens", tokens.token_list, name="token-list"),
    path("settings/tokens/<int:token_id>/revoke", tokens.token_revoke, name="token-revoke"),
    path("settings/users", accounts.user_list, name="user-list"),
    path("settings/users/<int:user_id>/role", accounts.user_role, name="user-role"),
    path("settings/users/<int:user_id>/active", accounts.user_active, name="user-active"),
]
