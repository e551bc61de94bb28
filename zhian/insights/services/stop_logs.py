"""巡逻措施登记: officers record the tactics they used at a planned patrol stop, so the
plan's 执行情况 shows not only that a car was in the cell but what was done there.

Place-based only: a tactic is something done at a place (foot patrol, visible presence,
a premises check, crime-prevention advice); the note says what was done there, never who
was met. As a guard rail a note holding what looks like a resident ID number or a mobile
number is refused (the patterns of ``zhian.core.parties``).

Logging a tactic at a stop again updates its row (its note, who recorded it and when)
instead of adding one; tactics not named stay as they were. A tactic logged by mistake is
withdrawn by naming it in ``withdraw`` (the page's form withdraws the tactics it showed
ticked and the officer unticked); only rows that still exist are withdrawn, so two
officers' submissions never undo each other's unseen work. The audit trail keeps every
submission and what it actually withdrew.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhian.core import audit
from zhian.core.errors import ValidationFailed
from zhian.core.parties import personal_number_in
from zhian.core.scoping import check_can
from zhian.dispatch.selectors import unit_ids_under
from zhian.insights.choices import PatrolTactic
from zhian.insights.models import PatrolPlan, PatrolStopLog

#: Tactics can be logged from the shift's start until this long after its end (a fixed
#: rule, not a setting: the record is made at the end of the shift or the next day).
LOG_GRACE = dt.timedelta(hours=24)
#: At most this many characters of note (the column's length).
NOTE_MAX = 200


def log_window(plan: PatrolPlan) -> tuple[dt.datetime, dt.datetime]:
    """When tactics may be logged for ``plan``: from the shift's start to ``LOG_GRACE``
    after its end."""
    return plan.shift_start, plan.shift_end + LOG_GRACE


def log_open(plan: PatrolPlan, now: dt.datetime | None = None) -> bool:
    start, end = log_window(plan)
    return start <= (now or timezone.now()) <= end


def _errors(
    plan: PatrolPlan,
    unit_id: int,
    cell: str,
    tactics: list[str],
    note: str,
    now: dt.datetime,
    withdraw: list[str],
) -> dict[str, tuple[str, str]]:
    """Every problem with the submission: field → (stable code, message)."""
    errors: dict[str, tuple[str, str]] = {}
    start, end = log_window(plan)
    if now < start:
        errors["recorded_at"] = ("log_before_shift", _("班次尚未开始，不能登记巡逻措施"))
    elif now > end:
        errors["recorded_at"] = (
            "log_window_closed",
            _("班次结束已超过 24 小时，不能再登记巡逻措施"),
        )
    route = next((r for r in plan.routes if int(r["unit"]) == unit_id), None)
    if route is None:
        errors["unit"] = ("unit_not_on_plan", _("该巡逻力量不在本计划中"))
    elif unit_id not in unit_ids_under(plan.jurisdiction.path):
        errors["unit"] = ("unit_not_found", _("该巡逻力量已不存在"))
    elif cell not in {v["cell"] for v in route["visits"]}:
        errors["cell"] = ("cell_not_planned", _("该网格不是这个巡逻力量的计划巡逻点"))
    unknown = [t for t in tactics + withdraw if t not in PatrolTactic.values]
    if unknown:
        errors["tactics"] = (
            "unknown_tactic",
            _("未知的巡逻措施：%(t)s") % {"t": "、".join(unknown)[:100]},
        )
    elif not tactics and not withdraw:
        errors["tactics"] = ("tactic_required", _("请至少选择一项巡逻措施"))
    elif set(tactics) & set(withdraw):
        errors["tactics"] = ("tactic_conflict", _("同一项措施不能既登记又撤销"))
    if len(note) > NOTE_MAX:
        errors["note"] = ("note_too_long", _("措施说明最多 200 个字符"))
    elif (kind := personal_number_in(note)) is not None:
        errors["note"] = (
            f"note_has_{kind}",
            _("措施说明只记录在该地点做了什么，不能包含身份证号或电话号码"),
        )
    return errors


@transaction.atomic
def do_log_patrol_stop(
    plan: PatrolPlan,
    *,
    unit_id: int,
    cell: str,
    tactics: list[str],
    note: str = "",
    withdraw: list[str] | None = None,
    acting_user: Any,
    now: dt.datetime | None = None,
) -> list[PatrolStopLog]:
    """Record the tactics ``unit_id`` used at its planned stop in ``cell`` of ``plan``,
    withdraw those named in ``withdraw``, and return the stop's logged rows (in the order
    of the choices)."""
    check_can(acting_user, "insights.plan.log", plan.jurisdiction)
    now = now or timezone.now()
    note = note.strip()
    wanted = list(dict.fromkeys(t.strip() for t in tactics))
    unwanted = list(dict.fromkeys(t.strip() for t in withdraw or []))
    errors = _errors(plan, unit_id, cell, wanted, note, now, unwanted)
    if errors:
        codes = [code for code, _msg in errors.values()]
        raise ValidationFailed(
            "；".join(msg for _code, msg in errors.values()),
            code=codes[0] if len(codes) == 1 else "invalid_stop_log",
            fields={f: msg for f, (_code, msg) in errors.items()},
            field_codes={f: code for f, (code, _msg) in errors.items()},
        )
    stop = PatrolStopLog.objects.filter(plan=plan, unit_id=unit_id, cell=cell)
    # one tactic at a time, so the audit names only the rows this submission removed
    withdrawn = [t for t in unwanted if stop.filter(tactic=t).delete()[0]]
    # One upsert: a repeated (or concurrent) submission of a tactic updates its row.
    PatrolStopLog.objects.bulk_create(
        [
            PatrolStopLog(
                plan=plan,
                unit_id=unit_id,
                cell=cell,
                tactic=t,
                note=note,
                recorded_by=acting_user,
                recorded_at=now,
            )
            for t in wanted
        ],
        update_conflicts=True,
        unique_fields=["plan", "unit", "cell", "tactic"],
        update_fields=["note", "recorded_by", "recorded_at"],
    )
    rows = list(stop.all())
    order = {t: k for k, t in enumerate(PatrolTactic.values)}
    rows.sort(key=lambda r: order[r.tactic])
    audit.record(
        actor=acting_user,
        action="insights.plan.log",
        obj=plan,
        data={
            "unit": unit_id,
            "cell": cell,
            "tactics": wanted,
            "note": note,
            "withdrawn": withdrawn,
        },
    )
    return rows
