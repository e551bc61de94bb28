"""Approval steps (审批): an officer submits (立案), a supervisor approves, returns with
reasons, or escalates to the bureau's leadership, who approve or return."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhian.core import audit
from zhian.core.errors import Conflict, PreconditionFailed, ValidationFailed
from zhian.core.scoping import check_can
from zhian.records.choices import ApprovalStatus, EntryKind, Stage
from zhian.records.models import Approval, Case
from zhian.records.services.cases import (
    apply_transition,
    check_can_work_case,
    check_transition,
    missing_fields,
)
from zhian.records.services.deadlines import supervisors_of
from zhian.records.services.notify import notify_later
from zhian.records.services.timeline import add_entry, touch

OPEN_APPROVAL = (ApprovalStatus.PENDING, ApprovalStatus.ESCALATED)


@transaction.atomic
def do_submit_for_approval(
    case: Case, *, acting_user: Any, target: str, expected_version: int, note: str = ""
) -> Approval:
    """提交审批 for a step that requires one (立案); the case's required fields must be filled."""
    step = check_transition(case, target)
    check_can_work_case(acting_user, case)
    if not step.via_approval:
        raise Conflict(_("该步骤无需审批，可直接办理"), code="no_approval_needed")
    if case.version != expected_version:
        raise PreconditionFailed(
            _("该案件已被他人修改，请刷新后重试"), current_version=case.version
        )
    errors = missing_fields(case, step)
    if len(note) > 2000:
        errors["note"] = _("说明不超过 2000 字")
    if errors:
        raise ValidationFailed(
            "；".join(str(v) for v in errors.values()), code="missing_fields", fields=errors
        )
    now = timezone.now()
    try:
        with transaction.atomic():
            approval = Approval.objects.create(
                case=case,
                target_stage=target,
                submitted_by=acting_user,
                submitted_at=now,
                note=note.strip(),
            )
    except IntegrityError:
        raise Conflict(_("该案件已有待审批事项"), code="approval_pending") from None
    touch(case, at=now)
    add_entry(
        case,
        EntryKind.SUBMITTED,
        actor=acting_user,
        note=note.strip(),
        data={"target": target, "approval": approval.pk},
        at=now,
    )
    audit.record(actor=acting_user, action="case.submit", obj=approval, data={"target": target})
    notify_later(
        supervisors_of(case),
        kind="case.submitted",
        case=case,
        title=_("%(number)s 提请“%(stage)s”审批")
        % {"number": case.number, "stage": Stage(target).label},
    )
    return approval


def _check_decider(user: Any, approval: Approval) -> None:
    """Permission first: a role that may not decide learns nothing of the approval's state."""
    action = "case.approve_escalated" if approval.level > 1 else "case.approve"
    check_can(user, action, approval.case.jurisdiction)
    if approval.status not in OPEN_APPROVAL:
        raise Conflict(_("该审批已处理"), code="approval_decided")


@transaction.atomic
def do_approve(approval: Approval, *, acting_user: Any, reason: str = "") -> Approval:
    """Approve: the case takes the requested step at once."""
    _check_decider(acting_user, approval)
    case = approval.case
    step = check_transition(case, approval.target_stage)
    errors = missing_fields(case, step)
    if errors:
        raise ValidationFailed(
            "；".join(str(v) for v in errors.values()), code="missing_fields", fields=errors
        )
    now = timezone.now()
    claimed = Approval.objects.filter(pk=approval.pk, status=approval.status).update(
        status=ApprovalStatus.APPROVED,
        decided_by=acting_user,
        decided_at=now,
        reason=reason.strip(),
    )
    if not claimed:
        raise Conflict(_("该审批已处理"), code="approval_decided")
    approval.refresh_from_db()
    add_entry(
        case,
        EntryKind.APPROVED,
        actor=acting_user,
        note=reason.strip(),
        at=now,
        data={"target": approval.target_stage, "approval": approval.pk},
    )
    apply_transition(case, step, acting_user=acting_user, at=now)
    audit.record(
        actor=acting_user,
        action="case.approve",
        obj=approval,
        data={"target": approval.target_stage},
    )
    notify_later(
        [case.officer],
        kind="case.approved",
        title=_("%(number)s 审批通过") % {"number": case.number},
        case=case,
    )
    return approval


def _decide(
    approval: Approval, *, acting_user: Any, reason: str, status: str, kind: str
) -> Approval:
    _check_decider(acting_user, approval)
    if not reason.strip():
        raise ValidationFailed(
            _("请填写理由"), code="reason_required", fields={"reason": _("请填写理由")}
        )
    if len(reason) > 2000:
        raise ValidationFailed(
            _("理由不超过 2000 字"), code="reason_too_long", fields={"reason": _("内容过长")}
        )
    now = timezone.now()
    fields: dict[str, Any] = {"status": status, "reason": reason.strip()}
    if status == ApprovalStatus.ESCALATED:
        fields["level"] = approval.level + 1
    else:
        fields.update(decided_by=acting_user, decided_at=now)
    if not Approval.objects.filter(
        pk=approval.pk, status=approval.status, level=approval.level
    ).update(**fields):
        raise Conflict(_("该审批已处理"), code="approval_decided")
    approval.refresh_from_db()
    case = approval.case
    touch(case, at=now)
    add_entry(
        case,
        kind,
        actor=acting_user,
        note=reason.strip(),
        at=now,
        data={"target": approval.target_stage, "approval": approval.pk},
    )
    audit.record(
        actor=acting_user, action=f"case.{kind}", obj=approval, data={"reason": reason.strip()}
    )
    return approval


@transaction.atomic
def do_return(approval: Approval, *, acting_user: Any, reason: str) -> Approval:
    """退回补充: the officer fixes the case and submits again."""
    approval = _decide(
        approval,
        acting_user=acting_user,
        reason=reason,
        status=ApprovalStatus.RETURNED,
        kind=EntryKind.RETURNED,
    )
    notify_later(
        [approval.case.officer, approval.submitted_by],
        kind="case.returned",
        case=approval.case,
        title=_("%(number)s 审批被退回") % {"number": approval.case.number},
        body=approval.reason,
    )
    return approval


@transaction.atomic
def do_escalate(approval: Approval, *, acting_user: Any, reason: str) -> Approval:
    """提请上级: a supervisor passes the decision to the bureau's leadership."""
    check_can(acting_user, "case.approve", approval.case.jurisdiction)
    if approval.level > 1:
        raise Conflict(_("已提请局领导审批，不能再次提请"), code="already_escalated")
    return _decide(
        approval,
        acting_user=acting_user,
        reason=reason,
        status=ApprovalStatus.ESCALATED,
        kind=EntryKind.ESCALATED,
    )
