from django.contrib import admin
from django.urls import include, path

from zhian.api import api
from zhian.core import views as core_views

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("dispatch/", include("zhian.dispatch.urls")),
    path("metrics/", include("zhian.metrics.urls")),
    path("", include("zhian.core.urls")),
]
