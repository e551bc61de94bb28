from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from zhian.api import api
from zhian.core import views as core_views

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    # The admin site has no log-on form of its own: the staff one (lock-out, audit, MFA).
    path(
        "admin/login/",
        RedirectView.as_view(pattern_name="core:login", query_string=True),
        name="admin_login",
    ),
    path("admin/", admin.site.urls),
    path("dispatch/", include("zhian.dispatch.urls")),
    path("grid/", include("zhian.grid.urls")),
    path("services/", include("zhian.services.urls")),
    path("s/", include("zhian.services.portal_urls")),
    path("s/", include("zhian.insights.public_urls")),
    path("open311/v2/", include("zhian.services.open311_urls")),
    path("cases/", include("zhian.records.urls")),
    path("insights/", include("zhian.insights.urls")),
    path("metrics/", include("zhian.metrics.urls")),
    path("", include("zhian.core.urls")),
]
