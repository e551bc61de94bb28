"""巡防公开报告: per finished week and planning jurisdiction, each area's planned patrol
time next to its share of the week's incidents, published a set delay after the week."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from tests.insights.factories import plan_with_stops, record_incident
from zhian.core.errors import NotFound
from zhian.dispatch.models import Unit
from zhian.insights.services.patrol_report import (
    latest_published_week,
    patrol_report,
    published_weeks,
)

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(unit: Unit) -> tuple[float, float, float]:
    assert unit.lon is not None and unit.lat is not None
    return (unit.lon, unit.lat, 1.0)


def test_a_week_is_published_the_set_delay_after_it_ends(settings: Any) -> None:
    settings.ZHIAN_PATROL_REPORT_DELAY_DAYS = 7
    # the week of Monday 16 November ends on Sunday 22nd; 7 whole days later is the 30th
    monday_30th = dt.datetime(2026, 11, 30, 0, 5, tzinfo=SHANGHAI)
    assert latest_published_week(monday_30th) == dt.date(2026, 11, 16)
    assert latest_published_week(monday_30th - dt.timedelta(minutes=10)) == dt.date(2026, 11, 9)
    weeks = published_weeks(monday_30th)
    assert weeks[0] == dt.date(2026, 11, 16) and len(weeks) == 12
    assert all(w.weekday() == 0 for w in weeks)
    with pytest.raises(NotFound) as refused:
        patrol_report(dt.date(2026, 11, 25), now=monday_30th)
    assert refused.value.code == "week_not_published"
    assert "2026-12-07" in refused.value.message


def test_each_area_planned_time_stands_next_to_its_share_of_the_incidents(
    hki: dict[str, Any],
    units: dict[str, Unit],
    people: dict[str, Any],
    django_assert_num_queries: Any,
) -> None:
    # Given a week three weeks back: the bureau's day-shift plan, made twice (the second
    # replaces the first), and a night-shift plan of the western station
    tuesday = timezone.localdate() - dt.timedelta(days=21)
    tuesday -= dt.timedelta(days=tuesday.weekday() - 1)
    w1, w2, e1 = units["W-01"], units["W-02"], units["E-01"]
    # (each stop in the area its incidents are recorded in: the station's one grid)
    west_grid, east_grid = hki["HKI-W-1-1"], hki["HKI-E-1-1"]
    grids = {w1: west_grid, w2: west_grid, e1: east_grid}
    plan_with_stops(
        hki["HKI"], day=tuesday, shift="day", stops={w1: [at(w1)] * 4, e1: [at(e1)]}, areas=grids
    )
    replacing = plan_with_stops(
        hki["HKI"],
        day=tuesday,
        shift="day",
        stops={w1: [at(w1), at(w2)], e1: [at(e1)]},
        areas=grids,
    )
    # (as do_make_patrol_plan stores them: cells left out, and the cap's limit per area)
    replacing.summary |= {"skipped": {"dose_cap": 4, "unreachable": 2}, "area_limit_s": 5400}
    replacing.save()
    plan_with_stops(hki["HKI-W"], day=tuesday, shift="night", stops={w2: [at(w2)]}, areas=grids)
    # and three incidents in the west, one in the east that week, one the week after
    noon = dt.datetime.combine(tuesday, dt.time(12), tzinfo=SHANGHAI)
    for unit in (w1, w1, w2, e1):
        assert unit.lon is not None and unit.lat is not None
        record_incident(people["dispatcher"], code="0101", lon=unit.lon, lat=unit.lat, at=noon)
    assert w1.lon is not None and w1.lat is not None
    record_incident(
        people["dispatcher"], code="0101", lon=w1.lon, lat=w1.lat, at=noon + dt.timedelta(days=7)
    )

    # When the week's report is read (any day of the week names it): plans, incident
    # counts and the places' names, whatever the number of sections
    with django_assert_num_queries(3):
        report = patrol_report(tuesday + dt.timedelta(days=3))

    # Then there is a section per planning jurisdiction, counting only the plans in force
    assert report.week_start == tuesday - dt.timedelta(days=1)
    assert report.week_end == tuesday + dt.timedelta(days=5)
    sections = {s.jurisdiction: s for s in report.sections}
    bureau, west = sections[hki["HKI"].name], sections[hki["HKI-W"].name]
    assert len(sections) == 2
    assert (bureau.planned_hours, bureau.incidents) == (0.8, 4)
    assert (bureau.cap_share, bureau.capped_cell_shifts) == (0.2, 4)
    # the cap in hours, next to the busiest area's hours
    assert (bureau.cap_hours, bureau.largest_area_hours) == (1.5, 0.5)
    areas = {a.name: a for a in bureau.areas}
    assert areas[west_grid.name].planned_hours == 0.5
    assert areas[west_grid.name].patrol_share == pytest.approx(2 / 3)
    assert areas[west_grid.name].incident_share == pytest.approx(3 / 4)
    assert areas[east_grid.name].incidents == 1
    assert bureau.dissimilarity == pytest.approx(0.5 * (abs(2 / 3 - 3 / 4) + abs(1 / 3 - 1 / 4)))
    # the station's section counts only the incidents inside it
    assert (west.planned_hours, west.incidents, west.capped_cell_shifts) == (0.2, 3, 0)
    assert west.cap_hours is None  # its plan stored no limit
    assert west.dissimilarity == pytest.approx(0.0)


def test_a_week_without_plans_has_no_sections(hki: dict[str, Any]) -> None:
    assert patrol_report(latest_published_week()).sections == []
