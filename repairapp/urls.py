"""The pages (front/), the API under /api/v1/ (api/), Django admin and the queue dashboard."""

from django.contrib import admin
from django.urls import include, path

from .api import views as api_views
from .front.auth import admin_login_page, admins_only, decorator_include, login_brake

urlpatterns = [
    path("", include("repairapp.front.urls")),
    path("api/v1/", include("repairapp.api.urls")),
    # Django admin's own login, behind the same brake, refusing on its own page (listed
    # before admin's URLs).
    path("admin/login/", login_brake(admin.site.login, admin_login_page)),
    path("admin/", admin.site.urls),
    path("django-rq/", decorator_include(admins_only, "django_rq.urls")),
]


# A request Django refuses before any view (a malformed Host header) still gets JSON under /api/.
handler400 = api_views.bad_request
handler404 = api_views.page_not_found
