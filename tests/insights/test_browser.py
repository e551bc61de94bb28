"""An analyst in a real browser: the 三张图 for last month, switching layers, exporting
the view, then a patrol plan for tomorrow's day shift, printed.

Uses the Helsinki bureau, units and road network (tests/insights/conftest.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from tests.browser import log_in
from tests.insights.factories import scatter_incidents
from zhian.dispatch.services.units import PositionFix, do_record_positions
from zhian.insights.forms import last_month
from zhian.insights.services.forecasts import refresh_forecasts

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_analyst_opens_the_maps_switches_layers_and_prints_a_plan(
    browser_context: Any,
    live_server: Any,
    people: dict[str, Any],
    units: dict[str, Any],
    password: str,
    settings: Any,
    test_output: Path,
) -> None:
    pbf = Path(settings.ZHIAN_SHARED_DATA) / "helsinki.osm.pbf"
    settings.ZHIAN_ROAD_NETWORK = str(pbf) if pbf.exists() else ""
    settings.ZHIAN_PATROL_SOLVER_SECONDS = 0.5
    # last month's incidents and AVL fixes, and a forecast made from them
    since, until = last_month()
    end = timezone.make_aware(dt.datetime.combine(until, dt.time(0)))
    scatter_incidents(people["dispatcher"], 60, until=end, days=(until - since).days, seed=8)
    for unit in units.values():
        fixes = [
            PositionFix(
                lon=unit.lon, lat=unit.lat + 0.0001 * k, at=end - dt.timedelta(days=2, minutes=k)
            )
            for k in range(10)
        ]
        do_record_positions(unit, fixes, acting_user=people["dispatcher"])
    refresh_forecasts(timezone.now())

    page = browser_context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    log_in(page, live_server, people["analyst"].username, password)
    page.click("nav.modules >> text=研判")
    page.wait_for_selector("#map[data-layer='incidents']")
    assert page.input_value("#id_since") == since.isoformat()
    assert page.locator("#layer-switch").is_visible()
    assert page.locator("#accuracy").is_visible()
    assert "简单计数" in page.locator("#accuracy thead").inner_text()  # the baseline to beat
    # clustered at this zoom: fewer markers than incidents, labelled with counts
    assert page.locator(".cluster-label").count() >= 1
    page.screenshot(path=str(test_output / "insights-incidents.png"))
    # the exported image says what it shows and keeps the cluster counts
    with page.expect_download() as dl:
        page.click("#export-png")
    dl.value.save_as(test_output / "insights-export-incidents.png")
    caption = page.get_attribute("#map", "data-export-caption") or ""
    assert "警情发案图" in caption and since.isoformat() in caption and "导出于" in caption
    assert int(page.get_attribute("#map", "data-export-labels") or 0) >= 1

    page.check("input[name=layer-choice][value=patrol]")
    page.wait_for_selector("#map[data-layer='patrol'][data-empty='false']")
    assert page.locator("#legend [data-layer=patrol]").is_visible()
    assert not page.locator("#legend [data-layer=incidents]").is_visible()
    page.check("input[name=layer-choice][value=deployment]")
    page.wait_for_selector("#map[data-layer='deployment']")

    with page.expect_download() as dl:
        page.click("#export-png")
    assert page.get_attribute("#map", "data-export-labels") == "0"  # the clusters are gone
    png = test_output / "insights-export.png"
    dl.value.save_as(png)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 2000

    # a patrol plan for tomorrow's day shift (the form's defaults), then print it
    page.click("nav.subnav >> text=巡防计划")
    page.select_option("#id_j", "HKI-W")
    assert page.input_value("#id_shift") == "day"
    page.click("#plan-form button[type=submit]")
    page.wait_for_selector("#plan-map[data-routes='3']")
    assert page.locator(".unit-plan").count() == 3
    page.evaluate("window.print = () => { window.__printed = true; }")
    page.click("#print-plan")
    assert page.evaluate("window.__printed") is True
    page.emulate_media(media="print")
    assert not page.locator("header.topbar").is_visible()
    page.pdf(path=str(test_output / "insights-plan.pdf"))
    assert errors == []


def test_a_busy_period_shows_single_incidents_only_when_zoomed_in(
    browser_context: Any,
    live_server: Any,
    people: dict[str, Any],
    password: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tests.insights.factories import record_incident
    from zhian.insights import selectors

    # given more incidents than the page sends as points: 8 at one spot and 8 at the
    # corners, so the map's first view is centred on the spot
    monkeypatch.setattr(selectors, "MAP_POINT_LIMIT", 10)
    at = timezone.make_aware(dt.datetime.combine(last_month()[0], dt.time(12)))
    spot = (24.9450, 60.1720)
    for k in range(8):
        record_incident(
            people["dispatcher"], code="0105", lon=spot[0] + 1e-5 * k, lat=spot[1], at=at
        )
    for dx, dy in ((-1, -1), (-1, 1), (1, -1), (1, 1)) * 2:
        lon, lat = spot[0] + dx * 0.009, spot[1] + dy * 0.007
        record_incident(people["dispatcher"], code="0101", lon=lon, lat=lat, at=at)

    page = browser_context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    log_in(page, live_server, people["analyst"].username, password)
    page.goto(live_server.url + "/insights/")
    # zoomed out: counted cells only, and the legend says to zoom in
    page.wait_for_selector("#map[data-points='zoomed-out']")
    assert "放大到 16" in page.inner_text("#points-note")
    # zoomed in on the spot: its 8 incidents as single points
    while float(page.get_attribute("#map", "data-zoom") or 0) < 17:
        zoom = page.get_attribute("#map", "data-zoom")
        page.click(".leaflet-control-zoom-in")
        page.wait_for_function("z => document.getElementById('map').dataset.zoom !== z", arg=zoom)
    page.wait_for_selector("#map[data-points='8']")
    assert page.inner_text("#points-note").strip() == ""
    # a view that still holds more than the map shows one by one: the message to zoom in
    monkeypatch.setattr(selectors, "MAP_POINT_LIMIT", 5)
    page.click(".leaflet-control-zoom-out")
    page.wait_for_selector("#map[data-points='too-many']")
    assert "请放大地图" in page.inner_text("#points-note")
    assert errors == []


def test_a_patrol_officer_logs_tactics_at_a_stop_without_javascript(
    chromium: Any,
    live_server: Any,
    people: dict[str, Any],
    hki: dict[str, Any],
    units: dict[str, Any],
    password: str,
    test_output: Path,
) -> None:
    from tests.insights.factories import plan_with_stops
    from zhian.insights.models import PatrolStopLog

    # given yesterday's night-shift plan of the west station (open for logging today)
    w1 = units["W-01"]
    plan = plan_with_stops(
        hki["HKI-W"],
        day=timezone.localdate() - dt.timedelta(days=1),
        shift="night",
        stops={w1: [(w1.lon, w1.lat, 0.3), (w1.lon + 0.004, w1.lat, 0.2)]},
    )
    # a browser with scripts off: the form is plain HTML
    context = chromium.new_context(
        locale="zh-CN", viewport={"width": 1440, "height": 900}, java_script_enabled=False
    )
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        # (log_in clicks the first submit button: without scripts, the language switch's)
        page.goto(f"{live_server.url}/login/")
        page.fill("input[name=username]", people["patrol_w"].username)
        page.fill("input[name=password]", password)
        page.click("form:has(input[name=password]) button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        page.goto(f"{live_server.url}/insights/plans/{plan.pk}/")
        # when the officer opens the first stop's form, ticks two tactics and saves
        first = page.locator("#execution details.stop-log").first
        first.locator("summary").click()
        first.locator("input[name=tactics][value=foot_patrol]").check()
        first.locator("input[name=tactics][value=premises_check]").check()
        first.locator("input[name=note]").fill("检查停车场出入口照明")
        first.locator("button[type=submit]").click()
        page.wait_for_url(f"**/insights/plans/{plan.pk}/#execution")
        # then the stop lists them, with the note, and the page says so
        row = page.locator("#execution td.stop-tactics").first
        assert row.locator(".tactics").inner_text() == "步巡、场所安全检查"
        assert "检查停车场出入口照明" in row.inner_text()
        assert "巡逻措施登记已保存" in page.content()
        assert PatrolStopLog.objects.filter(plan=plan).count() == 2
        page.screenshot(path=str(test_output / "insights-stop-log.png"), full_page=True)
        # when the officer unticks the premises check (a wrong tick) and saves again
        first = page.locator("#execution details.stop-log").first
        first.locator("summary").click()
        assert first.locator("input[name=tactics][value=premises_check]").is_checked()
        first.locator("input[name=tactics][value=premises_check]").uncheck()
        first.locator("button[type=submit]").click()
        page.wait_for_url(f"**/insights/plans/{plan.pk}/#execution")
        # then only the foot patrol stays
        row = page.locator("#execution td.stop-tactics").first
        assert row.locator(".tactics").inner_text() == "步巡"
        assert list(PatrolStopLog.objects.values_list("tactic", flat=True)) == ["foot_patrol"]
        # and, like the rest of 执行情况, the forms are not printed
        page.emulate_media(media="print")
        assert not page.locator("#execution").is_visible()
    finally:
        context.close()
