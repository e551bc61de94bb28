"""Patrol plans on the platform: from the stored forecast, alerts and the station's units,
inside the shift, within the dose cap, each cell once, stored with the fairness spread."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from tests.insights.factories import record_incident, scatter_incidents
from zhian.core.errors import PermissionDenied, ValidationFailed
from zhian.insights.services.alerts import scan_near_repeat
from zhian.insights.services.forecasts import refresh_forecasts
from zhian.insights.services.plans import do_make_patrol_plan, shift_window, tomorrow

pytestmark = pytest.mark.django_db


@pytest.fixture
def road_network(settings: Any) -> Path:
    path = Path(settings.ZHIAN_SHARED_DATA) / "helsinki.osm.pbf"
    if not path.exists():
        pytest.fail(f"{path} is missing: the shared data sets must sit beside the repo")
    settings.ZHIAN_ROAD_NETWORK = str(path)
    settings.ZHIAN_PATROL_SOLVER_SECONDS = 0.5
    return path


@pytest.fixture
def forecasted(people: dict[str, Any], units: Any) -> None:
    now = timezone.now()
    scatter_incidents(people["dispatcher"], 150, until=now, days=90, seed=5)
    refresh_forecasts(now)


def test_a_day_shift_plan_respects_shift_cap_and_units(
    people: dict[str, Any], hki: dict[str, Any], forecasted: None, road_network: Path
) -> None:
    # given a burglary with a live alert in the west station
    record_incident(people["dispatcher"], code="0105", lon=24.9400, lat=60.1700)
    scan_near_repeat()
    # when the west analyst plans tomorrow's day shift with a 25 % cap
    day = tomorrow()
    plan = do_make_patrol_plan(
        hki["HKI-W"], day=day, shift="day", cap_share=0.25, acting_user=people["analyst_w"]
    )
    start, end = shift_window(day, "day")
    assert (plan.shift_start, plan.shift_end) == (start, end)
    assert end - start == dt.timedelta(hours=12)
    # then only the west station's three units patrol, inside the shift
    assert {r["call_sign"] for r in plan.routes} == {"W-01", "W-02", "W-03"}
    visits = [v for r in plan.routes for v in r["visits"]]
    assert visits, "nothing planned"
    for r in plan.routes:
        assert start.timestamp() <= r["start"] <= r["end"] <= end.timestamp()
        for v in r["visits"]:
            assert v["depart"] - v["arrive"] == 15 * 60
    # each cell once, no area above 25 % of the week's patrol time
    assert len({v["cell"] for v in visits}) == len(visits)
    per_area = Counter(v["area"] for v in visits)
    limit = plan.summary["area_limit_s"]
    assert limit == pytest.approx(0.25 * 3 * 12 * 3600)
    assert max(per_area.values()) * 900 <= limit
    assert plan.summary["travel_method"] == "road_network"
    assert 0 < plan.summary["risk_covered_share"] <= 1
    assert plan.forecast is not None  # and its grid is kept for the execution report
    assert plan.summary["grid"] == [plan.forecast.epsg, float(plan.forecast.cell_size_m)]
    assert plan.summary["spread"]["regions"]
    # the alerted cells are flagged as such
    assert any(v["alert"] for v in visits)


def test_the_weeks_earlier_plans_count_towards_the_cap(
    people: dict[str, Any], hki: dict[str, Any], forecasted: None, road_network: Path
) -> None:
    day = tomorrow()
    first = do_make_patrol_plan(
        hki["HKI-W"], day=day, shift="day", cap_share=0.2, acting_user=people["analyst_w"]
    )
    second = do_make_patrol_plan(
        hki["HKI-W"], day=day, shift="night", cap_share=0.2, acting_user=people["analyst_w"]
    )
    used: Counter[str] = Counter()
    for plan in (first, second):
        for r in plan.routes:
            for v in r["visits"]:
                used[v["area"]] += 900
    # the second plan's limit is a share of both shifts' time, and no area exceeds it
    assert max(used.values()) <= second.summary["area_limit_s"] + 1e-6


def test_plans_need_an_analyst_a_forecast_and_a_valid_shift(
    people: dict[str, Any], hki: dict[str, Any], units: Any
) -> None:
    with pytest.raises(PermissionDenied):
        do_make_patrol_plan(hki["HKI-W"], day=tomorrow(), shift="day", acting_user=people["leader"])
    with pytest.raises(ValidationFailed) as err:
        do_make_patrol_plan(
            hki["HKI-W"], day=tomorrow(), shift="day", acting_user=people["analyst_w"]
        )
    assert err.value.code == "no_forecast"
    with pytest.raises(ValidationFailed) as err:
        do_make_patrol_plan(
            hki["HKI-W"], day=tomorrow(), shift="dusk", acting_user=people["analyst_w"]
        )
    assert err.value.code == "invalid_shift"
