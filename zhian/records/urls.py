from django.urls import path

from zhian.records import views

app_name = "records"
urlpatterns = [
    path("", views.case_list, name="cases"),
    path("open/", views.open_case, name="open"),
    path("board/", views.board, name="board"),
    path("rules/", views.rule_list, name="rules"),
    path("scores/", views.scores, name="scores"),
    path("<int:case_id>/", views.case_detail, name="case"),
    path("<int:case_id>/edit/", views.case_edit, name="edit"),
    path("<int:case_id>/move/", views.case_move, name="move"),
    path("<int:case_id>/submit/", views.case_submit, name="submit"),
    path("<int:case_id>/event/", views.case_event, name="event"),
    path("<int:case_id>/review/", views.case_review, name="review"),
    path("<int:case_id>/dossier.pdf", views.dossier_pdf, name="dossier"),
    path("approvals/<int:approval_id>/decide/", views.approval_decide, name="decide"),
    path("deadlines/<int:deadline_id>/extend/", views.deadline_extend, name="extend"),
]
