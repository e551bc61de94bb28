"""巡防计划执行情况: the minutes each planned unit spent in its planned cells in the shift,
from AVL fixes stored through dispatch's own service, credited as the 巡防图 credits them
(the time to the unit's next fix, at most 5 minutes); done at half the planned dwell."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.db.models import Sum
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.insights.factories import plan_with_stops, scatter_incidents
from zhian.core.errors import ValidationFailed
from zhian.dispatch.models import Unit
from zhian.dispatch.services.units import PositionFix, do_record_positions
from zhian.insights.models import PatrolCellDay, PatrolPlan, StoredForecast
from zhian.insights.services.forecasts import refresh_forecasts
from zhian.insights.services.plan_execution import (
    DONE,
    FINISHED,
    IN_PROGRESS,
    MISSED,
    NO_DATA,
    NOT_STARTED,
    PENDING,
    plan_execution,
)
from zhian.insights.services.plans import do_make_patrol_plan

pytestmark = pytest.mark.django_db

FAR = 0.05  # degrees of longitude east: about 2.8 km, outside every planned cell


def lonlat(unit: Unit) -> tuple[float, float]:
    """A unit's position (the fixtures' units all have one)."""
    assert unit.lon is not None and unit.lat is not None
    return unit.lon, unit.lat


def yesterday() -> dt.date:
    return timezone.localdate() - dt.timedelta(days=1)


def record_at(
    unit: Unit, user: Any, lon: float, lat: float, at: dt.datetime, seconds: list[int]
) -> None:
    """Fixes at ``lon, lat`` at ``at`` + each of ``seconds``, through dispatch's service
    (which also keeps the 巡防图's aggregate)."""
    fixes = [PositionFix(lon=lon, lat=lat, at=at + dt.timedelta(seconds=s)) for s in seconds]
    do_record_positions(unit, fixes, acting_user=user)


def stop(plan: PatrolPlan, call_sign: str, k: int = 0) -> dict[str, Any]:
    route = next(r for r in plan.routes if r["call_sign"] == call_sign)
    return route["visits"][k]


def when(ts: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(ts, tz=dt.UTC)


def test_a_unit_that_stayed_in_its_real_plans_cell_did_the_visit(
    people: dict[str, Any], hki: dict[str, Any], units: dict[str, Unit], settings: Any
) -> None:
    # given a plan made by the real planner for yesterday's day shift from a stored
    # forecast (its cells are the forecast's squares, the fixes' are placed in them)
    path = Path(settings.ZHIAN_SHARED_DATA) / "helsinki.osm.pbf"
    if not path.exists():
        pytest.fail(f"{path} is missing: the shared data sets must sit beside the repo")
    settings.ZHIAN_ROAD_NETWORK = str(path)
    settings.ZHIAN_PATROL_SOLVER_SECONDS = 0.5
    now = timezone.now()
    scatter_incidents(people["dispatcher"], 150, until=now, days=90, seed=5)
    refresh_forecasts(now)
    plan = do_make_patrol_plan(
        hki["HKI-W"],
        day=yesterday(),
        shift="day",
        acting_user=people["analyst_w"],
        now=now - dt.timedelta(days=2),  # planned ahead of the shift
    )
    route = next(r for r in plan.routes if r["visits"])
    v = route["visits"][0]
    unit = Unit.objects.get(pk=route["unit"])
    # when the unit reports every minute from the planned arrival for 10 fixes a few
    # metres from the cell's centre, then once 2.8 km away
    t0 = when(v["arrive"])
    record_at(unit, people["dispatcher"], v["lon"] + 0.0001, v["lat"], t0, list(range(0, 600, 60)))
    record_at(unit, people["dispatcher"], v["lon"] + FAR, v["lat"], t0, [600])
    report = plan_execution(plan)
    # then 9 × 60 s + the 10th fix's 60 s to the far fix = 10 minutes: done (≥ 7.5)
    assert report.state == FINISHED and report.assessed_until == plan.shift_end
    mine = next(u for u in report.units if u.unit == unit.pk)
    first = mine.visits[0]
    assert first.cell == v["cell"] and first.actual_minutes == pytest.approx(10.0)
    assert first.status == DONE and first.first_entered == t0
    assert mine.has_data is True and mine.fixes == 11
    assert mine.cells_done == 1 and mine.cells_planned == len(route["visits"])
    assert mine.delivered_minutes == pytest.approx(10.0)
    assert all(x.status == MISSED and x.actual_minutes == 0 for x in mine.visits[1:])
    # the same rule as the 巡防图: its aggregate credited the unit the same 600 s
    credited = PatrolCellDay.objects.filter(unit=unit).aggregate(s=Sum("seconds"))["s"]
    assert credited == 600
    # the plan's other units sent nothing: 无定位数据, not zero patrol
    others = [u for u in report.units if u.unit != unit.pk]
    assert others and report.units_without_data == len(others)
    for u in others:
        assert u.has_data is False and u.actual_minutes is None and u.cells_done is None
        assert all(x.status == NO_DATA and not x.assessed for x in u.visits)
    # totals are over the unit with data only
    planned = 15.0 * len(route["visits"])
    assert report.assessed_planned_minutes == pytest.approx(planned)
    assert report.delivered_share == pytest.approx(10.0 / planned)
    assert report.cells_done == 1 and report.cells_assessed == len(route["visits"])
    risks = [x["risk"] for x in route["visits"]]
    assert report.risk_done_share == pytest.approx(risks[0] / sum(risks))
    assert report.delivered_risk_covered_share == pytest.approx(
        plan.summary["risk_covered_share"] * risks[0] / sum(risks)
    )


def one_stop_each(hki: dict[str, Any], w1: Unit, w2: Unit) -> PatrolPlan:
    """Yesterday's day-shift plan of the west station: one stop at each unit's position."""
    return plan_with_stops(
        hki["HKI-W"],
        day=yesterday(),
        shift="day",
        stops={w1: [(*lonlat(w1), 0.2)], w2: [(*lonlat(w2), 0.1)]},
    )


def test_fixes_outside_the_shift_are_not_counted(
    people: dict[str, Any], hki: dict[str, Any], units: dict[str, Unit]
) -> None:
    w1, w2 = units["W-01"], units["W-02"]
    plan = one_stop_each(hki, w1, w2)
    a, c = stop(plan, "W-01"), stop(plan, "W-02")
    user, start, end = people["dispatcher"], plan.shift_start, plan.shift_end
    # W-01: five fixes before the shift, three in it, one far away, five after it, all
    # but the far one in its planned cell
    record_at(w1, user, a["lon"], a["lat"], start, [-300, -240, -180, -120, -60, 0, 60, 120])
    record_at(w1, user, a["lon"] + FAR, a["lat"], start, [180])
    record_at(w1, user, a["lon"], a["lat"], end, [60, 120, 180, 240, 300])
    # W-02: only before and after the shift
    record_at(w2, user, c["lon"], c["lat"], start, list(range(-600, 0, 60)))
    record_at(w2, user, c["lon"], c["lat"], end, list(range(0, 600, 60)))
    report = plan_execution(plan)
    one, two = report.units
    # then W-01 is credited its three fixes in the shift: 3 × 60 s (the far fix's 300 s
    # are outside the plan's cells); 3 < 7.5 minutes: not done
    assert one.fixes == 4 and one.visits[0].actual_minutes == pytest.approx(3.0)
    assert one.visits[0].status == MISSED and one.visits[0].first_entered == start
    assert one.off_route_minutes == 0 and one.cells_done == 0
    # and W-02, with fixes on both sides of the shift but none in it, has no data
    assert two.has_data is False and two.fixes == 0
    assert two.visits[0].status == NO_DATA and two.visits[0].actual_minutes is None
    assert report.units_without_data == 1
    assert report.delivered_share == pytest.approx(3.0 / 15.0)
    assert report.risk_done_share == 0


def test_before_the_shift_the_plan_has_not_started(
    people: dict[str, Any], hki: dict[str, Any], units: dict[str, Unit]
) -> None:
    w1 = units["W-01"]
    plan = plan_with_stops(
        hki["HKI-W"],
        day=timezone.localdate() + dt.timedelta(days=1),
        shift="day",
        stops={w1: [(*lonlat(w1), 0.2)]},
    )
    report = plan_execution(plan)
    assert report.state == NOT_STARTED and report.assessed_until is None
    assert report.shift_start == plan.shift_start
    assert report.units_without_data == 0 and report.delivered_share is None
    (u,) = report.units
    assert u.has_data is None and u.visits[0].status == PENDING


def test_during_the_shift_it_counts_up_to_now(
    people: dict[str, Any], hki: dict[str, Any], units: dict[str, Unit]
) -> None:
    w1 = units["W-01"]
    plan = plan_with_stops(
        hki["HKI-W"],
        day=yesterday(),
        shift="day",
        stops={w1: [(*lonlat(w1), 0.3), (lonlat(w1)[0] + 0.01, lonlat(w1)[1], 0.1)]},
    )
    a, b = stop(plan, "W-01", 0), stop(plan, "W-01", 1)
    user, start = people["dispatcher"], plan.shift_start
    # cell A from +30 to +38 minutes, then cell B from +39 to +50, then far away
    record_at(w1, user, a["lon"], a["lat"], start, [1800 + 60 * k for k in range(9)])
    record_at(w1, user, b["lon"], b["lat"], start, [2340 + 60 * k for k in range(12)])
    record_at(w1, user, b["lon"] + FAR, b["lat"], start, [3060])
    # when the report is read at +40 minutes
    so_far = plan_execution(plan, now=start + dt.timedelta(minutes=40))
    assert so_far.state == IN_PROGRESS
    assert so_far.assessed_until == start + dt.timedelta(minutes=40)
    va, vb = so_far.units[0].visits
    # then A: 8 × 60 s + 60 s to the +39 fix = 9 minutes, done; B: the +39 fix is credited
    # the minute to the +40 fix, and its planned time has not come: pending
    assert (va.actual_minutes, va.status) == (pytest.approx(9.0), DONE)
    assert (vb.actual_minutes, vb.status) == (pytest.approx(1.0), PENDING)
    assert so_far.cells_assessed == 1 and so_far.delivered_share == pytest.approx(9 / 15)
    # after the shift B has 12 minutes: both done, 21 of 30 planned minutes delivered
    done = plan_execution(plan)
    assert [v.actual_minutes for v in done.units[0].visits] == [
        pytest.approx(9.0),
        pytest.approx(12.0),
    ]
    assert done.cells_done == 2 and done.delivered_share == pytest.approx(21 / 30)
    assert done.risk_done_share == pytest.approx(1.0)


def test_time_in_another_units_cell_is_off_route_and_survives_the_forecast(
    people: dict[str, Any], hki: dict[str, Any], units: dict[str, Unit]
) -> None:
    w1, w2 = units["W-01"], units["W-02"]
    plan = one_stop_each(hki, w1, w2)
    c = stop(plan, "W-02")
    # W-01 spends 5 minutes in W-02's cell, never in its own
    record_at(
        w1,
        people["dispatcher"],
        c["lon"],
        c["lat"],
        plan.shift_start,
        [600 + 60 * k for k in range(6)],
    )
    report = plan_execution(plan)
    one = report.units[0]
    assert one.off_route_minutes == pytest.approx(5.0)
    assert one.visits[0].actual_minutes == 0 and one.visits[0].status == MISSED
    assert report.units[1].has_data is False
    # a plan stored before plans kept their grid reads its forecast's
    grid = plan.summary.pop("grid")
    plan.save(update_fields=["summary"])
    assert plan_execution(plan).units[0].off_route_minutes == pytest.approx(5.0)
    # with the grid kept, the forecast can be deleted
    plan.summary["grid"] = grid
    plan.save(update_fields=["summary"])
    assert plan.forecast_id is not None
    StoredForecast.objects.filter(pk=plan.forecast_id).delete()
    plan.refresh_from_db()
    assert plan.forecast is None
    again = plan_execution(plan)
    assert again.units[0].off_route_minutes == pytest.approx(5.0)
    assert again.units[0].visits[0].cell == one.visits[0].cell
    # and with neither, the report refuses rather than guessing
    plan.summary.pop("grid")
    plan.save(update_fields=["summary"])
    with pytest.raises(ValidationFailed) as err:
        plan_execution(plan)
    assert err.value.code == "plan_grid_unknown"


def test_a_plan_whose_cells_cannot_be_placed_is_refused_not_guessed(
    people: dict[str, Any], hki: dict[str, Any], units: dict[str, Unit]
) -> None:
    # given a plan whose stop names a square its centre is not in (a different grid)
    w1 = units["W-01"]
    plan = plan_with_stops(
        hki["HKI-W"], day=yesterday(), shift="day", stops={w1: [(*lonlat(w1), 0.2)]}
    )
    x, y = (int(v) for v in plan.routes[0]["visits"][0]["cell"].split(":"))
    plan.routes[0]["visits"][0]["cell"] = f"{x + 150}:{y}"
    plan.save(update_fields=["routes"])
    with pytest.raises(ValidationFailed) as err:
        plan_execution(plan)
    assert err.value.code == "plan_grid_unknown"
    # the page still opens and says why there is no report
    client = Client()
    client.force_login(people["analyst_w"])
    page = client.get(reverse("insights:plan", args=[plan.pk]))
    assert page.status_code == 200 and "无法确定该计划的网格" in page.content.decode()
