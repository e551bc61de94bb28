from django.urls import path

from zhian.metrics import views

app_name = "metrics"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("drill/<slug:code>/", views.drill, name="drill"),
    path("ranking/", views.ranking, name="ranking"),
    path("ranking/weight/", views.set_weight, name="set_weight"),
    path("figures/", views.figure_list, name="figures"),
    path("indicators/", views.indicator_list, name="indicators"),
    path("report.<str:fmt>", views.report_download, name="report"),
    path("reports/", views.report_list, name="reports"),
    path("reports/<int:report_id>.<str:fmt>", views.stored_report, name="stored_report"),
]
