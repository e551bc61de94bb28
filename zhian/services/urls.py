from django.urls import path

from zhian.services import views

app_name = "services"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("reports/<int:report_id>/", views.report_detail, name="report"),
    path("reports/<int:report_id>/accept/", views.report_accept, name="report_accept"),
    path("reports/<int:report_id>/forward/", views.report_forward, name="report_forward"),
    path("reports/<int:report_id>/grid/", views.report_to_grid, name="report_to_grid"),
    path("reports/<int:report_id>/finish/", views.report_finish, name="report_finish"),
    path("reports/<int:report_id>/reject/", views.report_reject, name="report_reject"),
    path("reports/<int:report_id>/note/", views.report_note, name="report_note"),
    path("reports/<int:report_id>/reveal/", views.report_reveal, name="report_reveal"),
    path("reports/<int:report_id>/photos/<int:photo_id>/", views.report_photo, name="report_photo"),
    path(
        "appointments/<int:appointment_id>/visit/",
        views.appointment_visit,
        name="appointment_visit",
    ),
    path(
        "consultations/<int:consultation_id>/",
        views.consultation_detail,
        name="consultation",
    ),
    path("complaints/<int:complaint_id>/", views.complaint_detail, name="complaint"),
    path("complaints/<int:complaint_id>/assign/", views.complaint_assign, name="complaint_assign"),
    path(
        "complaints/<int:complaint_id>/conclude/",
        views.complaint_conclude,
        name="complaint_conclude",
    ),
    path("complaints/<int:complaint_id>/reply/", views.complaint_reply, name="complaint_reply"),
    path("complaints/<int:complaint_id>/note/", views.complaint_note, name="complaint_note"),
    path("complaints/<int:complaint_id>/reveal/", views.complaint_reveal, name="complaint_reveal"),
    path("figures/", views.figures, name="figures"),
    path("open311/", views.open311_clients, name="open311_clients"),
]
