from django.http import Http404


def _todo(*args, **kwargs):  # type: ignore[no-untyped-def]
    raise Http404


case_list = open_case = board = rule_list = scores = case_detail = case_edit = case_move = _todo
case_submit = case_event = case_review = dossier_pdf = approval_decide = deadline_extend = _todo
