"""The statutory deadline engine (法定期限): periods start from case events under the rule
version in force on the day they start, end when a completing event happens, and can be
extended once approved. Due instants are stored, so boards and scans are index lookups."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhian.core import audit
from zhian.core.concurrency import update_if_version
from zhian.core.errors import Conflict, ValidationFailed
from zhian.core.models import Role, RoleAssignment, User
from zhian.core.scoping import check_can
from zhian.records.choices import DeadlineStatus, EntryKind
from zhian.records.models import Case, CaseEvent, Deadline, DeadlineExtension, DeadlineRule
from zhian.records.services.notify import notify_later
from zhian.records.services.periods import bureau_zone, period_end
from zhian.records.services.timeline import add_entry

DUE_SOON = timedelta(hours=24)
APPROVER_ACTIONS = {
    "supervisor": "deadline.extend.supervisor",
    "leader": "deadline.extend.leader",
}


def rules_in_force(case_type: str, start_event: str, at: datetime) -> list[DeadlineRule]:
    """For each rule code started by ``start_event``, the version in force on ``at``'s
    local day (the row with the latest ``valid_from`` not after it)."""
    day = at.astimezone(bureau_zone()).date()
    rows = DeadlineRule.objects.filter(
        case_type=case_type, start_event=start_event, active=True, valid_from__lte=day
    ).order_by("code", "-valid_from")
    chosen: dict[str, DeadlineRule] = {}
    for rule in rows:
        chosen.setdefault(rule.code, rule)
    return list(chosen.values())


def compute_due(rule: DeadlineRule, started_at: datetime, extra: int = 0) -> datetime:
    """When a period under ``rule`` from ``started_at`` runs out, ``extra`` units added."""
    return period_end(
        started_at,
        rule.amount + extra,
        rule.unit,
        moves_on_holiday=rule.moves_on_holiday and not rule.custody,
    )


def deadline_flag(deadline: Deadline, now: datetime | None = None) -> str:
    """``overdue`` (盯案), ``due_soon`` (within 24 h), ``running``, or the closed status."""
    if deadline.status != DeadlineStatus.OPEN:
        return str(deadline.status)
    now = now or timezone.now()
    if deadline.due_at <= now:
        return "overdue"
    if deadline.due_at - now <= DUE_SOON:
        return "due_soon"
    return "running"


def supervisors_of(case: Case) -> list[User]:
    """The 法制监督员 holding the role on the case's unit or an ancestor of it."""
    parts = case.jurisdiction.path.strip("/").split("/")
    ancestors = ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]
    ids = RoleAssignment.objects.filter(
        role=Role.SUPERVISOR, jurisdiction__path__in=ancestors
    ).values("user_id")
    return list(User.objects.filter(pk__in=ids, is_active=True))


def apply_event(event: CaseEvent) -> list[Deadline]:
    """Inside the caller's transaction: meet the open periods ``event`` completes, then
    start the periods it begins. Returns the started deadlines."""
    case = event.case
    for deadline in case.deadlines.filter(status=DeadlineStatus.OPEN).select_related("rule"):
        if event.kind in deadline.rule.end_events and event.at >= deadline.started_at:
            met = DeadlineStatus.MET if event.at < deadline.due_at else DeadlineStatus.LATE
            Deadline.objects.filter(pk=deadline.pk, status=DeadlineStatus.OPEN).update(
                status=met, met_at=event.at
            )
    started = []
    for rule in rules_in_force(case.case_type, event.kind, event.at):
        due = compute_due(rule, event.at)
        started.append(
            Deadline.objects.create(
                case=case,
                rule=rule,
                start_event=event,
                started_at=event.at,
                base_due_at=due,
                due_at=due,
            )
        )
    return started


def lapse_open_deadlines(case: Case, at: datetime) -> None:
    """A case that reached a final stage has no running periods left."""
    case.deadlines.filter(status=DeadlineStatus.OPEN).update(
        status=DeadlineStatus.LAPSED, met_at=at
    )


@transaction.atomic
def do_extend_deadline(
    deadline: Deadline,
    *,
    acting_user: Any,
    option: int,
    amount: int,
    reason: str,
    expected_version: int,
) -> Deadline:
    """Approve an extension (延长期限) offered by the rule: ``option`` indexes the rule's
    extensions, ``amount`` is at most that option's amount, the approver holds its role."""
    rule, case = deadline.rule, deadline.case
    options = rule.extensions or []
    if not 0 <= option < len(options):
        raise ValidationFailed(_("该期限规则没有这种延长方式"), code="no_such_extension")
    chosen = options[option]
    check_can(
        acting_user,
        APPROVER_ACTIONS.get(chosen.get("approver", "leader"), "deadline.extend.leader"),
        case.jurisdiction,
    )
    if deadline.status != DeadlineStatus.OPEN:
        raise Conflict(_("该期限已结束，不能延长"), code="deadline_closed")
    errors = {}
    if not reason.strip():
        errors["reason"] = _("请填写延长理由")
    if not 1 <= amount <= int(chosen["amount"]):
        errors["amount"] = _("延长数须在 1 至 %(max)s 之间") % {"max": chosen["amount"]}
    granted = list(deadline.extension_rows.all())
    if len(granted) >= rule.max_extensions:
        errors["option"] = _("已达到最多延长次数（%(n)s 次）") % {"n": rule.max_extensions}
    extra = sum(row.amount for row in granted) + amount
    cap = chosen.get("max_total")
    if cap is not None and extra > int(cap) and "amount" not in errors:
        errors["amount"] = _("延长合计不得超过 %(max)s") % {"max": cap}
    if errors:
        raise ValidationFailed(
            "；".join(str(v) for v in errors.values()), code="invalid_extension", fields=errors
        )
    due_before = deadline.due_at
    due_after = compute_due(rule, deadline.started_at, extra)
    update_if_version(deadline, expected_version, due_at=due_after)
    now = timezone.now()
    DeadlineExtension.objects.create(
        deadline=deadline,
        label=str(chosen.get("label", ""))[:120],
        amount=amount,
        unit=rule.unit,
        reason=reason.strip(),
        approved_by=acting_user,
        approved_at=now,
        due_before=due_before,
        due_after=due_after,
    )
    add_entry(
        case,
        EntryKind.EXTENDED,
        actor=acting_user,
        note=reason.strip(),
        data={
            "rule": rule.code,
            "amount": amount,
            "unit": rule.unit,
            "due_at": due_after.isoformat(),
        },
    )
    audit.record(
        actor=acting_user,
        action="deadline.extend",
        obj=deadline,
        data={"rule": rule.code, "amount": amount, "reason": reason.strip()},
    )
    notify_later(
        [case.officer],
        kind="case.deadline_extended",
        case=case,
        title=_("%(number)s 的期限已延长") % {"number": case.number},
        body=reason.strip(),
    )
    return deadline


def scan_deadlines(now: datetime | None = None) -> dict[str, int]:
    """Notify officer and supervisors once when an open period comes within 24 h of its
    end and once when it passes it. Each notice is claimed by a conditional UPDATE, so
    overlapping scans never send one twice."""
    now = now or timezone.now()
    sent = {"due_soon": 0, "overdue": 0}
    soon = Deadline.objects.filter(
        status=DeadlineStatus.OPEN,
        due_at__gt=now,
        due_at__lte=now + DUE_SOON,
        due_soon_notified_at__isnull=True,
    )
    late = Deadline.objects.filter(
        status=DeadlineStatus.OPEN, due_at__lte=now, overdue_notified_at__isnull=True
    )
    for flag, qs, field in (
        ("due_soon", soon, "due_soon_notified_at"),
        ("overdue", late, "overdue_notified_at"),
    ):
        for deadline in qs.select_related("case__jurisdiction", "case__officer", "rule"):
            with transaction.atomic():
                claimed = Deadline.objects.filter(
                    pk=deadline.pk, **{f"{field}__isnull": True}
                ).update(**{field: now})
                if not claimed:
                    continue
                case = deadline.case
                title = (
                    _("%(number)s：%(rule)s 将在 24 小时内到期")
                    if flag == "due_soon"
                    else _("%(number)s：%(rule)s 已超期")
                ) % {"number": case.number, "rule": deadline.rule.name}
                notify_later(
                    [case.officer, *supervisors_of(case)],
                    kind=f"case.{flag}",
                    title=title,
                    case=case,
                )
                sent[flag] += 1
    return sent


def next_due_by_case(case_ids: list[int] | None = None) -> dict[int, datetime]:
    """Every open case's next due instant (the earliest open period)."""
    from django.db.models import Min

    qs = Deadline.objects.filter(status=DeadlineStatus.OPEN)
    if case_ids is not None:
        qs = qs.filter(case_id__in=case_ids)
    return dict(qs.values("case_id").annotate(due=Min("due_at")).values_list("case_id", "due"))
