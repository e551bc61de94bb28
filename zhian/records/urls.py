from django.urls import path

from zhian.records import views

app_name = "records"
urlpatterns = [
    path("", views.case_list, name="cases"),
    path("open/", views.open_case, name="open"),
    path("board/", views.board, name="board"),
    path("rules/", views.rule_list, name="rules"),
    path("rules/<int:rule_id>/revise/", views.rule_revise, name="rule_revise"),
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
urlpatterns += [
    path("<int:case_id>/parties/", views.party_add, name="party_add"),
    path("parties/<int:party_id>/reveal/", views.party_reveal, name="party_reveal"),
    path("<int:case_id>/evidence/", views.evidence_add, name="evidence_add"),
    path("evidence/<int:evidence_id>/custody/", views.custody_add, name="custody_add"),
    path("evidence/<int:evidence_id>/upload/", views.evidence_upload, name="evidence_upload"),
    path("files/<int:file_id>/", views.evidence_file, name="evidence_file"),
]
