"""The overdue scan (超时督办): remind when a clock runs out, then escalate one level up
the jurisdiction tree, and again one more level up.

Stage 1 (the reminder) is due at the deadline; stage ``k + 1`` (escalation to the
``k``-th ancestor of the report's jurisdiction) ``k`` × ``ZHIAN_GRID_ESCALATE_AFTER_HOURS``
after it, for at most ``ZHIAN_GRID_ESCALATION_LEVELS`` levels and never past the bureau.
A scan that was down catches up: every stage due is made, each on the timeline.

Each referral carries the stage it reached and when its next one is due
(``next_alert_at``, indexed where set), so a scan reads only what is due. Work is done in
batches of :data:`BATCH`, one transaction each (its alerts, timeline entries, inbox
messages and one audit row): a conditional UPDATE moves only referrals still at the stage
and status that were read, and the unique constraint on :class:`SlaAlert` refuses a
second copy of any alert, so a second or concurrent scan acts once."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhian.core import audit
from zhian.core.models import Jurisdiction
from zhian.grid.choices import EventKind, SlaClock
from zhian.grid.models import Referral, ReportEvent, SlaAlert
from zhian.grid.services import notify

JOB = "grid_sla_scan"
BATCH = 200
logger = logging.getLogger(__name__)


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


@dataclass
class _Plan:
    referral: Referral
    clock: str
    target: int
    next_at: datetime | None
    escalated_code: str | None


def _plan(referral: Referral, now: datetime) -> _Plan | None:
    clock = referral.running_clock
    if clock is None:
        return _Plan(referral, "", referral.alert_stage, None, None)  # just clear the alert
    deadline = referral.sign_due_at if clock == SlaClock.SIGN else referral.resolve_due_at
    top = last_stage(referral)
    target = due_stage(deadline, now, top)
    if target <= referral.alert_stage:
        return None
    above = ancestors_above(referral.report.jurisdiction)
    return _Plan(
        referral,
        clock,
        target,
        deadline + target * _interval() if target < top else None,
        above[target - 2] if target >= 2 else None,
    )


def scan_overdue(*, now: datetime | None = None, limit: int = 5000) -> ScanResult:
    """Remind and escalate every referral whose next alert is due, in batches."""
    now = now or timezone.now()
    result = ScanResult()
    due = list(
        Referral.objects.filter(next_alert_at__lte=now)
        .select_related("report__jurisdiction", "department")
        .order_by("next_alert_at", "pk")[:limit]
    )
    result.examined = len(due)
    for start in range(0, len(due), BATCH):
        plans = [p for r in due[start : start + BATCH] if (p := _plan(r, now)) is not None]
        if not plans:
            continue
        try:
            _apply(plans, now, result)
        except IntegrityError:
            # Another scan made these alerts first (the unique constraint said so).
            logger.info("overdue scan: a concurrent scan handled a batch first")
    return result


@transaction.atomic
def _apply(plans: list[_Plan], now: datetime, result: ScanResult) -> None:
    codes = {p.escalated_code for p in plans if p.escalated_code}
    codes |= {c for p in plans for c in ancestors_above(p.referral.report.jurisdiction)}
    places = {j.code: j for j in Jurisdiction.objects.filter(code__in=codes).defer("boundary")}
    # The guard: one UPDATE that moves only the referrals still as they were read.
    moved = _guarded_update(
        [
            (
                p.referral.pk,
                p.referral.alert_stage,
                p.referral.status,
                p.target,
                p.next_at,
                places[p.escalated_code].pk if p.escalated_code else p.referral.escalated_to_id,
            )
            for p in plans
        ]
    )
    if not moved:
        return
    still = set(
        Referral.objects.filter(
            pk__in=[p.referral.pk for p in plans],
        ).values_list("pk", "alert_stage", "status")
    )
    alerts, events, made = [], [], []
    for p in plans:
        r = p.referral
        if not p.clock or (r.pk, p.target, r.status) not in still:
            continue
        cycle = r.reopen_count if p.clock == SlaClock.RESOLVE else 0
        above = ancestors_above(r.report.jurisdiction)
        for stage in range(r.alert_stage + 1, p.target + 1):
            where = places[above[stage - 2]] if stage >= 2 else None
            alerts.append(
                SlaAlert(
                    referral=r, clock=p.clock, cycle=cycle, stage=stage, jurisdiction=where, at=now
                )
            )
            events.append(_event(r, p.clock, stage, where, now))
            made.append((r, stage, where))
        r.alert_stage, r.next_alert_at = p.target, p.next_at
    if not made:
        return
    SlaAlert.objects.bulk_create(alerts)
    ReportEvent.objects.bulk_create(events)
    notify.overdue_batch(made)
    result.alerts += [(r.pk, r.running_clock or "", stage) for r, stage, _w in made]
    reminded = sum(1 for _r, stage, _w in made if stage == 1)
    result.reminded += reminded
    result.escalated += len(made) - reminded
    audit.record(
        actor=None,
        action="referral.overdue_scan",
        object_type="grid.referral",
        data={
            "job": JOB,
            "alerts": [
                {"referral": r.pk, "stage": stage, "escalated_to": where.code if where else None}
                for r, stage, where in made
            ],
        },
    )


def _guarded_update(rows: list[tuple[int, int, str, int, datetime | None, int | None]]) -> int:
    """``UPDATE … SET stage, next alert, escalated-to … WHERE (id, stage, status) IN (…)``
    in one statement (row values: SQLite ≥ 3.15 and PostgreSQL), built by hand because
    the ORM spends more time composing a few hundred ``When``s than the database runs it."""
    table = connection.ops.quote_name(Referral._meta.db_table)
    adapt = connection.ops.adapt_datetimefield_value
    params: list[Any] = []
    sets = []
    same: Callable[[Any], Any] = lambda v: v  # noqa: E731
    columns: list[tuple[str, int, Callable[[Any], Any]]] = [
        ("alert_stage", 3, same),
        ("next_alert_at", 4, adapt),
        ("escalated_to_id", 5, same),
    ]
    for column, index, value_of in columns:
        whens = []
        for row in rows:
            whens.append("WHEN %s THEN %s")
            params += [row[0], value_of(row[index])]
        sets.append(f"{column} = CASE id {' '.join(whens)} ELSE {column} END")
    guard = ", ".join("(%s, %s, %s)" for _row in rows)
    for row in rows:
        params += [row[0], row[1], row[2]]
    sql = (
        f"UPDATE {table} SET {', '.join(sets)} WHERE (id, alert_stage, status) IN (VALUES {guard})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _event(
    referral: Referral, clock: str, stage: int, where: Jurisdiction | None, now: datetime
) -> ReportEvent:
    what = _("签收") if clock == SlaClock.SIGN else _("办结")
    params = {"dept": referral.department.name, "what": what}
    if stage == 1:
        kind, note = EventKind.REMINDED, _("%(dept)s超过%(what)s时限，已提醒") % params
    else:
        kind = EventKind.ESCALATED
        note = _("%(dept)s超过%(what)s时限，升级至%(where)s") % {
            **params,
            "where": where.name if where else "",
        }
    return ReportEvent(
        report_id=referral.report_id,
        referral=referral,
        kind=kind,
        actor=None,
        at=now,
        note=note,
        data={
            "clock": clock,
            "stage": stage,
            "department": referral.department.code,
            "escalated_to": where.code if where else None,
        },
    )
