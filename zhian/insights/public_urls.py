"""研判's public pages, under the portal's ``/s/`` prefix (no log-in)."""

from django.urls import path

from zhian.insights import public_views

app_name = "insights_public"
urlpatterns = [
    path("patrol-report/", public_views.patrol_report, name="patrol_report"),
    path("patrol-report/xlsx/", public_views.patrol_report_xlsx, name="patrol_report_xlsx"),
]
