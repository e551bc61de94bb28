from django.urls import path

from zhian.insights import views

app_name = "insights"
urlpatterns = [
    path("", views.maps, name="maps"),
    path("forecasts/", views.forecasts, name="forecasts"),
    path("forecasts/<int:forecast_id>/", views.forecast_detail, name="forecast"),
    path("alerts/", views.alerts, name="alerts"),
    path("plans/", views.plans, name="plans"),
    path("plans/<int:plan_id>/", views.plan_detail, name="plan"),
    path("plans/<int:plan_id>/stops/log/", views.plan_stop_log, name="plan_stop_log"),
    path("incidents/<int:incident_id>/links/", views.incident_links, name="incident_links"),
    path(
        "incidents/<int:incident_id>/links/<int:candidate_id>/",
        views.link_decide,
        name="link_decide",
    ),
]
