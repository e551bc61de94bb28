"""Insights pages: the 三张图 for a period, scoped layers, forecasts with progress,
alerts, and a patrol plan made, shown, printable and its execution."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.insights.factories import (
    plan_with_stops,
    record_incident,
    scatter_incidents,
    yesterdays_plan_with_one_stop_kept,
)
from zhian.dispatch.services.units import PositionFix, do_record_positions
from zhian.insights.forms import last_month
from zhian.insights.models import PatrolPlan, StoredForecast
from zhian.insights.services.alerts import scan_near_repeat
from zhian.insights.services.forecasts import refresh_forecasts
from zhian.insights.services.plans import tomorrow

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page_data(response: Any, script_id: str = "insights-data") -> Any:
    html = response.content.decode()
    m = re.search(rf'<script id="{script_id}" type="application/json">(.*?)</script>', html, re.S)
    assert m, f"no {script_id} on the page"
    return json.loads(m.group(1))


@pytest.fixture
def month(people: dict[str, Any], units: Any) -> tuple[dt.date, dt.date]:
    """Incidents and AVL fixes of both stations in the last calendar month."""
    since, until = last_month()
    end = timezone.make_aware(dt.datetime.combine(until, dt.time(0)))
    scatter_incidents(people["dispatcher"], 40, until=end, days=(until - since).days, seed=2)
    start = end - dt.timedelta(days=3)
    for unit in units.values():
        fixes = [
            PositionFix(lon=unit.lon + 0.0001 * k, lat=unit.lat, at=start + dt.timedelta(minutes=k))
            for k in range(20)
        ]
        do_record_positions(unit, fixes, acting_user=people["dispatcher"])
    return since, until


def test_the_nav_links_to_insights(people: dict[str, Any]) -> None:
    html = client_for(people["analyst"]).get("/").content.decode()
    assert f'href="{reverse("insights:maps")}"' in html


def test_the_maps_show_last_month_by_default(
    people: dict[str, Any], month: tuple[dt.date, dt.date]
) -> None:
    response = client_for(people["analyst"]).get(reverse("insights:maps"))
    assert response.status_code == 200
    data = page_data(response)
    assert data["layer"] == "incidents"
    assert data["incidents"]["count"] == 40
    assert sum(c[2] for c in data["incidents"]["density"]) == 40
    assert data["patrol"]["units"] == 6
    # 19 one-minute gaps per unit are credited
    assert sum(c[2] for c in data["patrol"]["cells"]) == pytest.approx(6 * 19)
    html = response.content.decode()
    assert "<script>" not in html.replace("<script src=", "")  # no inline code (CSP)
    assert 'id="export-png"' in html


def test_a_station_user_never_sees_another_stations_layers(
    people: dict[str, Any], month: tuple[dt.date, dt.date], hki: dict[str, Any]
) -> None:
    client = client_for(people["analyst_w"])
    # the picker offers only the west station
    response = client.get(reverse("insights:maps"))
    data = page_data(response)
    assert all(p[0] < 24.945 for p in data["incidents"]["points"])
    assert data["patrol"]["units"] == 3
    assert "HKI-E" not in response.content.decode()
    # asking for the east station or the bureau is refused, on the page and the API
    assert client.get(reverse("insights:maps"), {"j": "HKI-E"}).status_code == 400
    since, until = (str(d) for d in month)  # the client sends str(value)
    api = client.get(
        "/api/v1/insights/layers/incidents",
        {"jurisdiction": "HKI-E", "since": since, "until": until},
    )
    assert api.status_code == 404
    api = client.get(
        "/api/v1/insights/layers/patrol", {"jurisdiction": "HKI", "since": since, "until": until}
    )
    assert api.status_code == 404
    own = client.get(
        "/api/v1/insights/layers/incidents",
        {"jurisdiction": "HKI-W", "since": since, "until": until},
    )
    assert own.status_code == 200 and all(p[0] < 24.945 for p in own.json()["points"])


def test_roles_without_analysis_get_no_maps(people: dict[str, Any]) -> None:
    assert client_for(people["dispatcher"]).get(reverse("insights:maps")).status_code == 403
    # a patrol officer is sent to the station's patrol plans
    response = client_for(people["patrol_w"]).get(reverse("insights:maps"))
    assert response.status_code == 302 and response["Location"] == reverse("insights:plans")


def test_an_analyst_runs_a_forecast_and_sees_it(
    people: dict[str, Any], month: tuple[dt.date, dt.date], django_capture_on_commit_callbacks: Any
) -> None:
    client = client_for(people["analyst"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("insights:forecasts"),
            {"j": "HKI", "category": "", "method": "best", "horizon_days": 7},
        )
    fc = StoredForecast.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "insights:forecast", args=[fc.pk]
    )
    page = client.get(response["Location"]).content.decode()
    assert "decay" in page and fc.code_version in page
    api = client.get(f"/api/v1/insights/forecasts/{fc.pk}").json()
    assert api["status"] == "done" and api["progress"] == 100 and api["cells"]
    # a leader sees forecasts but has no form to run one
    leader_page = client_for(people["leader"]).get(reverse("insights:forecasts")).content.decode()
    assert 'id="forecast-form"' not in leader_page and 'id="forecast-list"' in leader_page


def test_alerts_page_lists_active_alerts(people: dict[str, Any]) -> None:
    record_incident(people["dispatcher"], code="0105", lon=24.940, lat=60.170)
    scan_near_repeat()
    html = client_for(people["analyst"]).get(reverse("insights:alerts")).content.decode()
    assert 'id="alert-list"' in html and "0105" in html and "200" in html
    east = client_for(people["analyst_e"]).get(reverse("insights:alerts")).content.decode()
    assert 'id="alert-list"' not in east


def test_a_plan_for_tomorrows_day_shift_is_made_and_printable(
    people: dict[str, Any], units: Any, settings: Any
) -> None:
    path = Path(settings.ZHIAN_SHARED_DATA) / "helsinki.osm.pbf"
    settings.ZHIAN_ROAD_NETWORK = str(path) if path.exists() else ""
    settings.ZHIAN_PATROL_SOLVER_SECONDS = 0.5
    now = timezone.now()
    scatter_incidents(people["dispatcher"], 100, until=now, days=60, seed=4)
    refresh_forecasts(now)
    client = client_for(people["analyst_w"])
    form = client.get(reverse("insights:plans")).content.decode()
    assert f'value="{tomorrow().isoformat()}"' in form
    response = client.post(
        reverse("insights:plans"),
        {"j": "HKI-W", "day": tomorrow().isoformat(), "shift": "day", "dwell_minutes": 15},
    )
    plan = PatrolPlan.objects.get()
    assert response.status_code == 302
    page = client.get(reverse("insights:plan", args=[plan.pk]))
    html = page.content.decode()
    assert 'id="print-plan"' in html
    assert html.count('class="unit-plan"') == 3  # W-01..W-03, one printable block each
    assert page_data(page, "plan-data")["routes"]
    # the west patrol officer sees the plan; the east analyst does not
    assert (
        client_for(people["patrol_w"]).get(reverse("insights:plan", args=[plan.pk])).status_code
        == 200
    )
    assert (
        client_for(people["analyst_e"]).get(reverse("insights:plan", args=[plan.pk])).status_code
        == 404
    )


def test_a_plan_without_a_forecast_says_so_on_the_form(people: dict[str, Any], units: Any) -> None:
    response = client_for(people["analyst_w"]).post(
        reverse("insights:plans"),
        {"j": "HKI-W", "day": tomorrow().isoformat(), "shift": "day", "dwell_minutes": 15},
    )
    assert response.status_code == 422
    assert "还没有已完成的风险预测" in response.content.decode()


def test_the_pages_have_an_english_catalogue(people: dict[str, Any]) -> None:
    client = client_for(people["analyst"])
    client.cookies["django_language"] = "en"
    html = client.get(reverse("insights:plans"), headers={"accept-language": "en"}).content.decode()
    assert "Make a patrol plan" in html and "Weekly cap per area (%)" in html
    assert "生成巡防计划" not in html


def test_a_busy_period_sends_counted_cells_not_points(
    people: dict[str, Any], month: tuple[dt.date, dt.date], monkeypatch: pytest.MonkeyPatch
) -> None:
    from zhian.insights import selectors

    monkeypatch.setattr(selectors, "MAP_POINT_LIMIT", 10)
    data = page_data(client_for(people["analyst"]).get(reverse("insights:maps")))
    assert data["incidents"]["truncated"] is True and data["incidents"]["points"] == []
    assert data["incidents"]["count"] == 40
    assert sum(c[2] for c in data["incidents"]["density"]) == 40


def test_the_plan_page_shows_what_was_carried_out(
    people: dict[str, Any], hki: dict[str, Any], units: Any
) -> None:
    # given yesterday's west plan: W-01 stayed 10 minutes in its cell, W-02 sent nothing
    plan = yesterdays_plan_with_one_stop_kept(hki, units, people["dispatcher"])
    # when the west patrol officer opens the plan
    page = client_for(people["patrol_w"]).get(reverse("insights:plan", args=[plan.pk]))
    html = page.content.decode()
    # then the 执行情况 section shows the totals, W-01's ✓ with 10.0 minutes, W-02 as
    # 无定位数据 (no zero minutes), and how time is credited
    assert page.status_code == 200 and 'id="execution"' in html
    assert "班次已结束" in html and "交付 10 / 应到 15 分钟（67%）" in html
    w1_block = html.split('data-unit="W-01"')[-1].split("</article>")[0]
    w2_block = html.split('data-unit="W-02"')[-1].split("</article>")[0]
    assert "10.0" in w1_block and "✓" in w1_block
    assert "无定位数据" in w2_block and "✓" not in w2_block and "✗" not in w2_block
    assert "最多 300 秒（5 分钟）" in html and "50% 即为“完成”" in html
    # and in English
    client = client_for(people["patrol_w"])
    client.cookies["django_language"] = "en"
    english = client.get(reverse("insights:plan", args=[plan.pk])).content.decode()
    assert "Execution" in english and "No position data" in english
    assert "执行情况" not in english and "无定位数据" not in english
    # another station's analyst gets the plan's 404
    assert (
        client_for(people["analyst_e"]).get(reverse("insights:plan", args=[plan.pk])).status_code
        == 404
    )


def test_a_plan_for_tomorrow_says_its_shift_has_not_started(
    people: dict[str, Any], hki: dict[str, Any], units: Any
) -> None:
    w1 = units["W-01"]
    plan = plan_with_stops(
        hki["HKI-W"], day=tomorrow(), shift="day", stops={w1: [(w1.lon, w1.lat, 0.2)]}
    )
    html = client_for(people["analyst_w"]).get(reverse("insights:plan", args=[plan.pk]))
    text = html.content.decode()
    assert f"班次尚未开始（{tomorrow().isoformat()} 08:00 开始）" in text
    assert "无定位数据" not in text


def test_days_outside_the_accepted_window_are_refused_on_the_forms(
    people: dict[str, Any], units: Any
) -> None:
    client = client_for(people["analyst_w"])
    # the plan form: year 9999 overflowed the shift's end (a 500 before)
    response = client.post(
        reverse("insights:plans"),
        {"j": "HKI-W", "day": "9999-12-31", "shift": "night", "dwell_minutes": 15},
    )
    assert response.status_code in (400, 422)
    assert "日期须在" in response.content.decode()
    assert not PatrolPlan.objects.exists()
    # the maps' period
    maps = client.get(reverse("insights:maps"), {"since": "0001-01-01", "until": "0001-02-01"})
    assert maps.status_code == 400 and "日期须在" in maps.content.decode()


def test_the_alerts_page_says_which_list_is_empty(people: dict[str, Any]) -> None:
    client = client_for(people["analyst"])
    active = client.get(reverse("insights:alerts")).content.decode()
    every = client.get(reverse("insights:alerts"), {"show": "all"}).content.decode()
    assert "没有生效中的预警" in active and "没有预警记录" in every


def test_a_plan_made_again_says_it_was_replaced(
    people: dict[str, Any], hki: dict[str, Any], units: dict[str, Any]
) -> None:
    w1 = units["W-01"]
    assert w1.lon is not None and w1.lat is not None
    first, second = (
        plan_with_stops(
            hki["HKI-W"], day=tomorrow(), shift="day", stops={w1: [(w1.lon, w1.lat, 0.2)]}
        )
        for _ in range(2)
    )
    client = client_for(people["analyst_w"])
    old = client.get(reverse("insights:plan", args=[first.pk])).content.decode()
    new = client.get(reverse("insights:plan", args=[second.pk])).content.decode()
    assert 'id="replaced-by"' in old and reverse("insights:plan", args=[second.pk]) in old
    assert 'id="replaced-by"' not in new


@pytest.mark.parametrize(
    ("lo", "hi", "undecided"), [(-0.4, 1.1, True), (0.2, 1.3, False)], ids=["holds 0", "above 0"]
)
def test_the_forecast_page_says_how_sure_its_lead_over_the_count_is(
    people: dict[str, Any], hki: dict[str, Any], lo: float, hi: float, undecided: bool
) -> None:
    accuracy = {"weeks": 8, "pai_1": 9.1, "pai_5": 4.0, "baseline_pai_1": 8.7}
    accuracy |= {"baseline_pai_5": 3.9, "weeks_scored": 8, "weeks_better_1": 5}
    accuracy |= {"pai_diff_1": 0.4, "pai_diff_1_lo": lo, "pai_diff_1_hi": hi}
    fc = StoredForecast.objects.create(
        jurisdiction=hki["HKI"],
        data_end=timezone.now(),
        status="done",
        method="decay",
        accuracy=accuracy,
    )
    page = client_for(people["analyst"]).get(reverse("insights:forecast", args=[fc.pk]))
    text = page.content.decode()
    assert f"90% 区间 {lo} 至 {hi}" in text
    assert ("区间含 0" in text) is undecided
