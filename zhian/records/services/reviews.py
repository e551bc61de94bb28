"""执法质量考评: a checklist per closed case and its score."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhian.core import audit
from zhian.core.errors import Conflict, ValidationFailed
from zhian.core.scoping import check_can
from zhian.records.choices import FINAL_STAGES, EntryKind
from zhian.records.models import Case, QualityReview
from zhian.records.services.timeline import add_entry

# (code, label, points): the points sum to 100.
CHECKLIST: tuple[tuple[str, Any, int], ...] = (
    ("facts_clear", gettext_lazy("事实清楚"), 20),
    ("evidence_sufficient", gettext_lazy("证据确实充分"), 20),
    ("law_correct", gettext_lazy("适用法律正确"), 20),
    ("procedure_lawful", gettext_lazy("程序合法"), 15),
    ("deadlines_met", gettext_lazy("办案期限符合规定"), 10),
    ("documents_complete", gettext_lazy("法律文书规范齐全"), 10),
    ("property_handled", gettext_lazy("涉案财物管理规范"), 5),
)


def score_of(items: dict[str, bool]) -> int:
    return sum(points for code, _label, points in CHECKLIST if items.get(code))


@transaction.atomic
def do_review_case(
    case: Case, *, acting_user: Any, items: dict[str, bool], note: str = ""
) -> QualityReview:
    """Review a case that reached a final stage; one review per case."""
    check_can(acting_user, "case.review", case.jurisdiction)
    if case.stage not in FINAL_STAGES:
        raise Conflict(_("案件办结后才能考评"), code="case_not_final")
    known = {code for code, _label, _points in CHECKLIST}
    unknown = sorted(set(items) - known)
    if unknown:
        raise ValidationFailed(
            _("未知考评项：%(items)s") % {"items": ", ".join(unknown)}, code="unknown_items"
        )
    if len(note) > 2000:
        raise ValidationFailed(_("说明不超过 2000 字"), code="note_too_long")
    clean = {code: bool(items.get(code)) for code in known}
    try:
        with transaction.atomic():
            review = QualityReview.objects.create(
                case=case,
                reviewer=acting_user,
                officer=case.officer,
                reviewed_at=timezone.now(),
                items=clean,
                score=score_of(clean),
                note=note.strip(),
            )
    except IntegrityError:
        raise Conflict(_("该案件已考评"), code="already_reviewed") from None
    add_entry(
        case, EntryKind.REVIEWED, actor=acting_user, note=note.strip(), data={"score": review.score}
    )
    audit.record(actor=acting_user, action="case.review", obj=review, data={"score": review.score})
    return review
