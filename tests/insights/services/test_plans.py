"""Patrol plans on the platform: from the stored forecast, alerts and the station's units,
inside the shift, within the dose cap, each cell once, stored with the fairness spread."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from tests.insights.factories import plan_with_stops, record_incident, scatter_incidents
from zhian.core.errors import PermissionDenied, ValidationFailed
from zhian.core.models import Jurisdiction
from zhian.insights.models import PatrolPlan, StoredForecast
from zhian.insights.services.alerts import scan_near_repeat
from zhian.insights.services.forecasts import refresh_forecasts
from zhian.insights.services.plans import (
    _week_usage,
    do_make_patrol_plan,
    shift_window,
    tomorrow,
)

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
    # a shift that has ended cannot be planned (nor a published week rewritten)
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    with pytest.raises(ValidationFailed) as err:
        do_make_patrol_plan(
            hki["HKI-W"], day=yesterday, shift="day", acting_user=people["analyst_w"]
        )
    assert err.value.code == "invalid_plan" and "day" in err.value.extra["fields"]
    assert not PatrolPlan.objects.exists()


def test_a_station_plan_from_the_bureau_forecast_keeps_to_the_station(
    people: dict[str, Any], hki: dict[str, Any], units: Any, settings: Any
) -> None:
    settings.ZHIAN_ROAD_NETWORK = ""
    settings.ZHIAN_PATROL_SOLVER_SECONDS = 0.3
    # given incidents in both stations and only the bureau's forecast (the stations'
    # own are removed, so the west station falls back to the bureau's)
    now = timezone.now()
    scatter_incidents(people["dispatcher"], 150, until=now, days=90, seed=5)
    refresh_forecasts(now)
    StoredForecast.objects.exclude(jurisdiction=hki["HKI"]).delete()
    bureau_fc = StoredForecast.objects.get(jurisdiction=hki["HKI"], category_code="")
    west = {
        str(pk)
        for pk in Jurisdiction.objects.filter(path__startswith=hki["HKI-W"].path).values_list(
            "pk", flat=True
        )
    }
    assert any(str(c[3]) not in west for c in bureau_fc.cells)  # the surface spans both
    # when the west analyst plans tomorrow's day shift
    plan = do_make_patrol_plan(
        hki["HKI-W"], day=tomorrow(), shift="day", acting_user=people["analyst_w"]
    )
    # then every stop, every skipped cell and every area name is the west station's
    visits = [v for r in plan.routes for v in r["visits"]]
    assert visits and {v["area"] for v in visits} <= west
    assert {s["area"] for s in plan.skipped} <= west
    assert set(plan.summary["area_names"]) <= west


def test_a_bureau_forecast_without_the_stations_cells_plans_nothing(
    people: dict[str, Any], hki: dict[str, Any], units: Any
) -> None:
    # given incidents in the east station only: no west forecast, the bureau's holds
    # east cells only
    now = timezone.now()
    for k in range(40):
        record_incident(
            people["dispatcher"],
            code="0101",
            lon=24.947 + 0.0002 * k,
            lat=60.170,
            at=now - dt.timedelta(days=1 + k),
        )
    refresh_forecasts(now)
    assert not StoredForecast.objects.filter(jurisdiction=hki["HKI-W"], status="done").exists()
    # then the west plan is refused with the reason, and nothing is stored
    with pytest.raises(ValidationFailed) as err:
        do_make_patrol_plan(
            hki["HKI-W"], day=tomorrow(), shift="day", acting_user=people["analyst_w"]
        )
    assert err.value.code == "no_forecast"
    assert not PatrolPlan.objects.exists()


def test_a_plan_made_again_replaces_the_earlier_one_in_the_dose_count(
    hki: dict[str, Any], units: dict[str, Any]
) -> None:
    # given two plans for tomorrow's night shift (the newer replaces the older) and one
    # for its day shift, each with one 15-minute stop of W-01
    w1 = units["W-01"]
    assert w1.lon is not None and w1.lat is not None
    stop = {w1: [(w1.lon, w1.lat, 0.2)]}
    day = tomorrow()
    for shift in ("night", "night", "day"):
        plan_with_stops(hki["HKI-W"], day=day, shift=shift, stops=stop)
    area = str(w1.station_id)
    # when the day shift is planned again: the two night plans count once, the day
    # shift's own earlier plan not at all
    day_start, _ = shift_window(day, "day")
    night_start, _ = shift_window(day, "night")
    if night_start.isocalendar()[:2] != day_start.isocalendar()[:2]:
        pytest.skip("tomorrow's night shift starts in another ISO week")
    used, total = _week_usage(hki["HKI-W"], day_start)
    assert used == {area: 900} and total == 900
    # and the bureau's week counts the station's plans too (their stops are its areas),
    # its day-shift plan included: only the bureau's own plan for the shift is replaced
    assert _week_usage(hki["HKI"], day_start)[0] == {area: 1800}
    # so, the other way round, a bureau plan for the shift counts in the station's week
    plan_with_stops(hki["HKI"], day=day, shift="day", stops=stop)
    assert _week_usage(hki["HKI-W"], day_start)[0] == {area: 1800}
