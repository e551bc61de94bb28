"""巡防计划执行情况: did a patrol plan happen? The patrol dose each unit delivered to its
planned cells, computed on read from the unit's AVL fixes (车载定位) in the shift.

Time is credited exactly as for the 巡防图 (``patrol_cells``): each fix taken in the
shift window gets the time to the same unit's next fix, at most ``MAX_FIX_SECONDS``
(the next fix may fall after the window); a unit's last fix gets nothing until its next
one arrives. A fix is placed in the plan's own cells (the forecast's squares, ``epsg``
metres, ``cell_size_m`` side, named ``"x_min:y_min"``), not in the 巡防图's H3 cells, so
the plan and the fixes name the same cells.

A visit is **done** when the unit spent at least ``DONE_SHARE`` of the planned dwell in
the cell at any time in the shift (order and planned times are shown, not required). A
visit counts towards the shares once its planned departure has passed or it is done;
until then it is pending. Units are vehicles; nobody is tracked here.

Each visit also carries the tactics officers logged at that stop (巡逻措施登记,
``stop_logs``), read in one query per plan.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.utils import timezone
from django.utils.translation import gettext as _
from pyproj import Transformer

from zhian.analytics.grids import SquareGrid
from zhian.analytics.presence import dwell_seconds
from zhian.core.errors import ValidationFailed
from zhian.dispatch.selectors import fixes_around
from zhian.insights.choices import PatrolTactic
from zhian.insights.models import PatrolPlan, PatrolStopLog
from zhian.insights.services.patrol_cells import MAX_FIX_SECONDS

#: A visit is done when the unit was credited at least this share of the planned dwell.
DONE_SHARE = 0.5

NOT_STARTED, IN_PROGRESS, FINISHED = "not_started", "in_progress", "finished"
DONE, MISSED, PENDING, NO_DATA = "done", "missed", "pending", "no_data"


@dataclass
class VisitExecution:
    """One planned stop: planned time against the minutes actually credited in the cell."""

    order: int
    cell: str
    area: str
    area_label: str
    risk: float
    planned_arrive: dt.datetime
    planned_depart: dt.datetime
    planned_minutes: float
    actual_minutes: float | None  # None: the unit has no fix in the window
    first_entered: dt.datetime | None
    status: str  # done / missed / pending / no_data
    assessed: bool  # due (planned departure passed) or already done, unit with data
    tactics: list[str] = field(default_factory=list)  # logged 巡逻措施, in choice order
    note: str = ""  # the latest non-empty note logged at the stop
    logged_at: dt.datetime | None = None  # when a tactic was last logged here

    @property
    def tactic_labels(self) -> list[str]:
        return [str(PatrolTactic(t).label) for t in self.tactics]


@dataclass
class UnitExecution:
    """One unit's route: planned against delivered minutes, cells done."""

    unit: int
    call_sign: str
    has_data: bool | None  # None before the shift starts
    fixes: int
    planned_minutes: float
    actual_minutes: float | None  # in its own planned cells, the whole window
    delivered_minutes: float | None  # per visit at most the planned dwell
    cells_planned: int
    cells_done: int | None
    off_route_minutes: float | None  # in the plan's cells assigned to other units
    visits: list[VisitExecution] = field(default_factory=list)


@dataclass
class PlanExecution:
    """The execution report of one plan (``state``: not_started, in_progress, finished)."""

    plan_id: int
    state: str
    shift_start: dt.datetime
    shift_end: dt.datetime
    assessed_until: dt.datetime | None
    done_share: float
    max_fix_seconds: int
    units: list[UnitExecution]
    units_without_data: int
    planned_minutes: float
    assessed_planned_minutes: float
    assessed_delivered_minutes: float
    delivered_minutes: float
    actual_minutes: float
    delivered_share: float | None
    cells_planned: int
    cells_assessed: int
    cells_done: int
    cells_logged: int  # stops with at least one logged tactic
    risk_done_share: float | None
    plan_risk_covered_share: float | None
    delivered_risk_covered_share: float | None

    @property
    def done_percent(self) -> int:
        return round(self.done_share * 100)

    @property
    def delivered_percent(self) -> float | None:
        return None if self.delivered_share is None else self.delivered_share * 100


def plan_grid(plan: PatrolPlan) -> tuple[int, float]:
    """The projection and side of the plan's square cells: stored with the plan (or, for
    a plan made before they were, its forecast's). Checked against every stop: its
    centre must fall in the cell it names."""
    visits = [v for r in plan.routes for v in r["visits"]]
    if not visits:
        return 4326, 1.0  # nothing planned, nothing to place
    stored = plan.summary.get("grid")
    fc = plan.forecast
    if stored:
        epsg, size = int(stored[0]), float(stored[1])
    elif fc is not None and fc.epsg is not None:
        epsg, size = int(fc.epsg), float(fc.cell_size_m)
    else:
        epsg, size = 0, 0.0
    lon = np.array([v["lon"] for v in visits], dtype=np.float64)
    lat = np.array([v["lat"] for v in visits], dtype=np.float64)
    if size <= 0 or cell_ids(epsg, size, lon, lat) != [v["cell"] for v in visits]:
        raise ValidationFailed(
            _("无法确定该计划的网格，不能评估执行情况"), code="plan_grid_unknown"
        )
    return epsg, size


@functools.lru_cache(maxsize=16)
def _projection(epsg: int) -> Transformer:
    return Transformer.from_crs(4326, epsg, always_xy=True)


def cell_ids(epsg: int, size: float, lon: np.ndarray, lat: np.ndarray) -> list[str]:
    """The plan's cell id (``"x_min:y_min"``, as ``do_make_patrol_plan`` names them) of
    each lon/lat point."""
    if lon.size == 0:
        return []
    x, y = _projection(epsg).transform(lon, lat)
    ix, iy = SquareGrid(size).index(x, y)
    return [f"{a * size:.0f}:{b * size:.0f}" for a, b in zip(ix.tolist(), iy.tolist(), strict=True)]


def _unit_credit(
    unit_id: int,
    arr: dict[str, np.ndarray],
    start: dt.datetime,
    until: dt.datetime,
    grid: tuple[int, float],
) -> tuple[int, dict[str, int], dict[str, int]]:
    """A unit's fixes in ``[start, until)`` (``arr``: its fixes around that window): how
    many, seconds credited per plan cell and the epoch second of the first fix in each
    cell."""
    t = arr["t"]
    lo, hi = int(start.timestamp()), int(until.timestamp())
    inside = (t >= lo) & (t < hi)
    if not inside.any():
        return 0, {}, {}
    after = t[t >= hi]
    follow = {unit_id: int(after[0])} if after.size else None
    idx = np.flatnonzero(inside)
    secs = dwell_seconds(np.full(idx.size, unit_id), t[idx], MAX_FIX_SECONDS, follow)
    cells = cell_ids(*grid, arr["lon"][idx], arr["lat"][idx])
    seconds: dict[str, int] = defaultdict(int)
    first: dict[str, int] = {}
    for c, s, at in zip(cells, secs.tolist(), t[idx].tolist(), strict=True):
        seconds[c] += s
        first.setdefault(c, at)
    return int(idx.size), dict(seconds), first


def _when(ts: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(ts, tz=dt.UTC)


def plan_execution(plan: PatrolPlan, *, now: dt.datetime | None = None) -> PlanExecution:
    """How much of ``plan`` was carried out by ``now`` (default: the current time)."""
    now = now or timezone.now()
    if now < plan.shift_start:
        state, until = NOT_STARTED, None
    elif now < plan.shift_end:
        state, until = IN_PROGRESS, now
    else:
        state, until = FINISHED, plan.shift_end
    names = plan.summary.get("area_names", {})
    owner = {v["cell"]: r["unit"] for r in plan.routes for v in r["visits"]}
    grid = plan_grid(plan) if until is not None else (4326, 1.0)
    logs = _stop_logs(plan)
    tracks = (
        fixes_around([int(r["unit"]) for r in plan.routes], plan.shift_start, until)
        if until is not None
        else {}
    )
    units = []
    for r in plan.routes:
        fixes, seconds, first = (
            _unit_credit(int(r["unit"]), tracks[int(r["unit"])], plan.shift_start, until, grid)
            if until is not None
            else (0, {}, {})
        )
        has_data = fixes > 0 if until is not None else None
        visits = [_visit(v, names, until, has_data, seconds, first) for v in r["visits"]]
        for visit in visits:
            _add_logs(visit, logs.get((int(r["unit"]), visit.cell)))
        own = {v["cell"] for v in r["visits"]}
        off = sum(s for c, s in seconds.items() if c in owner and c not in own)
        done = [v for v in visits if v.status == DONE]
        units.append(
            UnitExecution(
                unit=int(r["unit"]),
                call_sign=str(r["call_sign"]),
                has_data=has_data,
                fixes=fixes,
                planned_minutes=sum(v.planned_minutes for v in visits),
                actual_minutes=(sum(seconds.get(c, 0) for c in own) / 60) if has_data else None,
                delivered_minutes=sum(_delivered(v) for v in visits) if has_data else None,
                cells_planned=len(visits),
                cells_done=len(done) if has_data else None,
                off_route_minutes=off / 60 if has_data else None,
                visits=visits,
            )
        )
    return _totals(plan, state, until, units)


def _visit(
    v: dict[str, Any],
    names: dict[str, str],
    until: dt.datetime | None,
    has_data: bool | None,
    seconds: dict[str, int],
    first: dict[str, int],
) -> VisitExecution:
    planned = (v["depart"] - v["arrive"]) / 60
    actual = seconds.get(v["cell"], 0) / 60 if has_data else None
    due = until is not None and v["depart"] <= until.timestamp()
    if has_data is None:
        status = PENDING
    elif not has_data:
        status = NO_DATA
    elif actual is not None and actual >= DONE_SHARE * planned:
        status = DONE
    else:
        status = MISSED if due else PENDING
    entered = first.get(v["cell"])
    return VisitExecution(
        order=int(v["order"]),
        cell=str(v["cell"]),
        area=str(v["area"]),
        area_label=v.get("area_name") or names.get(v["area"], v["area"]),
        risk=float(v["risk"]),
        planned_arrive=_when(v["arrive"]),
        planned_depart=_when(v["depart"]),
        planned_minutes=planned,
        actual_minutes=actual,
        first_entered=_when(entered) if entered is not None else None,
        status=status,
        assessed=status in (DONE, MISSED),
    )


def _stop_logs(plan: PatrolPlan) -> dict[tuple[int, str], list[tuple[str, str, dt.datetime]]]:
    """The plan's logged tactics per (unit, cell), oldest first: one query."""
    out: dict[tuple[int, str], list[tuple[str, str, dt.datetime]]] = defaultdict(list)
    rows = PatrolStopLog.objects.filter(plan=plan).order_by("recorded_at", "pk")
    for unit, cell, tactic, note, at in rows.values_list(
        "unit_id", "cell", "tactic", "note", "recorded_at"
    ):
        out[(unit, cell)].append((tactic, note, at))
    return out


def _add_logs(visit: VisitExecution, rows: list[tuple[str, str, dt.datetime]] | None) -> None:
    if not rows:
        return
    logged = {t for t, _note, _at in rows}
    visit.tactics = [t for t in PatrolTactic.values if t in logged]
    visit.note = next((note for _t, note, _at in reversed(rows) if note), "")
    visit.logged_at = rows[-1][2]


def _delivered(v: VisitExecution) -> float:
    return min(v.actual_minutes or 0.0, v.planned_minutes)


def _totals(
    plan: PatrolPlan, state: str, until: dt.datetime | None, units: list[UnitExecution]
) -> PlanExecution:
    visits = [v for u in units for v in u.visits]
    assessed = [v for v in visits if v.assessed]
    done = [v for v in assessed if v.status == DONE]
    planned_assessed = sum(v.planned_minutes for v in assessed)
    delivered_assessed = sum(_delivered(v) for v in assessed)
    risk_assessed = sum(v.risk for v in assessed)
    risk_share = sum(v.risk for v in done) / risk_assessed if risk_assessed > 0 else None
    plan_share = plan.summary.get("risk_covered_share")
    return PlanExecution(
        plan_id=plan.pk,
        state=state,
        shift_start=plan.shift_start,
        shift_end=plan.shift_end,
        assessed_until=until,
        done_share=DONE_SHARE,
        max_fix_seconds=MAX_FIX_SECONDS,
        units=units,
        units_without_data=sum(1 for u in units if u.has_data is False),
        planned_minutes=sum(v.planned_minutes for v in visits),
        assessed_planned_minutes=planned_assessed,
        assessed_delivered_minutes=delivered_assessed,
        delivered_minutes=sum(u.delivered_minutes or 0.0 for u in units),
        actual_minutes=sum(u.actual_minutes or 0.0 for u in units),
        delivered_share=delivered_assessed / planned_assessed if planned_assessed else None,
        cells_planned=len(visits),
        cells_assessed=len(assessed),
        cells_done=len(done),
        cells_logged=sum(1 for v in visits if v.tactics),
        risk_done_share=risk_share,
        plan_risk_covered_share=plan_share,
        delivered_risk_covered_share=(
            plan_share * risk_share if plan_share is not None and risk_share is not None else None
        ),
    )
