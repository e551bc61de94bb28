from django.urls import path

from zhian.dispatch import views

app_name = "dispatch"
urlpatterns = [
    path("", views.board, name="board"),
    path("board/live/", views.board_live, name="board_live"),
    path("new/", views.intake, name="intake"),
    path("incidents/", views.incident_list, name="incidents"),
    path("incidents/<int:incident_id>/", views.incident_detail, name="incident"),
    path(
        "incidents/<int:incident_id>/dispatch/", views.incident_dispatch, name="incident_dispatch"
    ),
    path(
        "incidents/<int:incident_id>/timeline/",
        views.incident_timeline_live,
        name="incident_timeline_live",
    ),
    path("incidents/<int:incident_id>/merge/", views.incident_merge, name="incident_merge"),
    path("incidents/<int:incident_id>/edit/", views.incident_edit, name="incident_edit"),
    path("incidents/<int:incident_id>/close/", views.incident_close, name="incident_close"),
    path("incidents/<int:incident_id>/callers/", views.incident_callers, name="incident_callers"),
    path("incidents/<int:incident_id>/plan-step/", views.plan_step, name="plan_step"),
    path(
        "incidents/<int:incident_id>/feedback/", views.incident_feedback, name="incident_feedback"
    ),
    path("assignments/<int:assignment_id>/step/", views.assignment_step, name="assignment_step"),
    path(
        "assignments/<int:assignment_id>/cancel/",
        views.assignment_cancel,
        name="assignment_cancel",
    ),
    path(
        "assignments/<int:assignment_id>/reassign/",
        views.assignment_reassign,
        name="assignment_reassign",
    ),
    path("units/", views.unit_list, name="units"),
    path("units/live/", views.unit_list_live, name="units_live"),
    path("units/<int:unit_id>/availability/", views.unit_availability, name="unit_availability"),
    path("coverage/", views.coverage, name="coverage"),
]
