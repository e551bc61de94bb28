"""The overdue scan (超时督办): remind when a clock runs out, then escalate one level up
the jurisdiction tree, and again one more level up.

Stage 1 (the reminder) is due at the deadline; stage ``k + 1`` (escalation to the
``k``-th ancestor of the report's jurisdiction) ``k`` × ``ZHIAN_GRID_ESCALATE_AFTER_HOURS``
after it, for at most ``ZHIAN_GRID_ESCALATION_LEVELS`` levels and never past the bureau.
Each referral carries the stage it reached and when its next one is due
(``next_alert_at``, indexed where set), so a scan reads only what is due, and a
conditional UPDATE on the stage makes a second or concurrent scan act once."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhian.core import audit
from zhian.core.models import Jurisdiction
from zhian.grid.choices import EventKind, SlaClock
from zhian.grid.models import Referral, SlaAlert
from zhian.grid.services import notify
from zhian.grid.services.timeline import add_event

JOB = "grid_sla_scan"


@dataclass
class ScanResult:
    reminded: int = 0
    escalated: int = 0
    examined: int = 0
    alerts: list[tuple[int, str, int]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"reminded": self.reminded, "escalated": self.escalated, "examined": self.examined}


def _interval() -> timedelta:
    return timedelta(hours=float(settings.ZHIAN_GRID_ESCALATE_AFTER_HOURS))


def ancestors_above(jurisdiction: Jurisdiction) -> list[str]:
    """Codes of the ancestors, nearest first: a grid's sector, station, bureau."""
    return list(reversed(jurisdiction.ancestor_codes()[:-1]))


def last_stage(referral: Referral) -> int:
    levels = min(
        int(settings.ZHIAN_GRID_ESCALATION_LEVELS),
        len(ancestors_above(referral.report.jurisdiction)),
    )
    return 1 + levels


def due_stage(due: datetime, now: datetime, top: int) -> int:
    """The stage a clock that ran out at ``due`` should have reached at ``now``."""
    if now < due:
        return 0
    return min(top, 1 + int((now - due) / _interval()))


def scan_overdue(*, now: datetime | None = None, limit: int = 5000) -> ScanResult:
    """Remind and escalate every referral whose next alert is due. Each referral is its
    own transaction, so one failure does not undo the others' alerts."""
    now = now or timezone.now()
    result = ScanResult()
    due = (
        Referral.objects.filter(next_alert_at__lte=now)
        .select_related("report__jurisdiction", "department")
        .order_by("next_alert_at", "pk")[:limit]
    )
    for referral in due:
        result.examined += 1
        _advance(referral, now, result)
    return result


@transaction.atomic
def _advance(referral: Referral, now: datetime, result: ScanResult) -> None:
    clock = referral.running_clock
    if clock is None:
        Referral.objects.filter(pk=referral.pk, version=referral.version).update(next_alert_at=None)
        return
    deadline = referral.sign_due_at if clock == SlaClock.SIGN else referral.resolve_due_at
    top = last_stage(referral)
    target = due_stage(deadline, now, top)
    if target <= referral.alert_stage:
        return
    above = ancestors_above(referral.report.jurisdiction)
    escalated_code = above[target - 2] if target >= 2 else None
    escalated = (
        Jurisdiction.objects.get(code=escalated_code) if escalated_code else referral.escalated_to
    )
    next_at = deadline + target * _interval() if target < top else None
    # The guard: only the scan that moves the stage from what it read acts.
    won = Referral.objects.filter(
        pk=referral.pk, status=referral.status, alert_stage=referral.alert_stage
    ).update(alert_stage=target, next_alert_at=next_at, escalated_to=escalated)
    if not won:
        return
    cycle = referral.reopen_count if clock == SlaClock.RESOLVE else 0
    made: list[tuple[int, Jurisdiction | None]] = []
    for stage in range(referral.alert_stage + 1, target + 1):
        where = Jurisdiction.objects.get(code=above[stage - 2]) if stage >= 2 else None
        SlaAlert.objects.create(
            referral=referral, clock=clock, cycle=cycle, stage=stage, jurisdiction=where, at=now
        )
        _record(referral, clock, stage, where, now)
        made.append((stage, where))
        result.alerts.append((referral.pk, clock, stage))
        if stage == 1:
            result.reminded += 1
        else:
            result.escalated += 1
    referral.alert_stage, referral.next_alert_at, referral.escalated_to = target, next_at, escalated
    for stage, where in made:
        notify.overdue(referral, stage, where)


def _record(
    referral: Referral, clock: str, stage: int, where: Jurisdiction | None, now: datetime
) -> None:
    what = _("签收") if clock == SlaClock.SIGN else _("办结")
    params = {"dept": referral.department.name, "what": what}
    if stage == 1:
        kind, action = EventKind.REMINDED, "referral.remind"
        note = _("%(dept)s超过%(what)s时限，已提醒") % params
    else:
        kind, action = EventKind.ESCALATED, "referral.escalate"
        note = _("%(dept)s超过%(what)s时限，升级至%(where)s") % {
            **params,
            "where": where.name if where else "",
        }
    data = {
        "clock": clock,
        "stage": stage,
        "department": referral.department.code,
        "escalated_to": where.code if where else None,
    }
    add_event(referral.report, kind, actor=None, referral=referral, at=now, note=note, data=data)
    audit.record(actor=None, action=action, obj=referral, data={**data, "job": JOB})
