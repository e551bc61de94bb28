"""A leader in a real browser: opens the dashboard, switches to one station, drills from
the case count to the cases behind it, and downloads the monthly PDF."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Dialog

from tests.browser import log_in
from tests.factories import Role, UserFactory
from tests.metrics import intake_rows as rows
from zhian.metrics.periods import local_midnight

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def earlier_this_month() -> datetime:
    """A moment a few minutes ago, but inside this local month (so the dashboard's default
    period holds it even in the first minutes of a month)."""
    month = timezone.localdate().replace(day=1)
    return max(timezone.now() - timedelta(minutes=5), local_midnight(month) + timedelta(seconds=1))


def test_leader_switches_station_drills_down_and_downloads_the_pdf(
    browser_context: Any,
    live_server: Any,
    tree: dict[str, Any],
    people: dict[str, Any],
    make_incident: Any,
    password: str,
    test_output: Path,
) -> None:
    at = earlier_this_month()
    officer = UserFactory(
        username="bamj", roles=[(Role.CASE_OFFICER, tree["S1"]), (Role.CASE_OFFICER, tree["S2"])]
    )
    s1_cases = [rows.case(officer, "S1", accepted=at) for _ in range(2)]
    rows.case(officer, "S2", accepted=at)
    rows.case(officer, "S2", accepted=at, stage="not_filed")  # not a case
    make_incident(at, station="S2")

    page = browser_context.new_page()
    log_in(page, live_server, people["leader"].username, password)
    page.click("nav.modules >> text=考核")
    page.wait_for_selector("table.kpi")
    cases_cell = "tr[data-indicator=cases] td.value"
    assert page.inner_text(cases_cell).split()[0] == "3"  # the bureau: both stations
    assert page.inner_text("tr[data-indicator=crime_incidents] td.value").split()[0] == "1"
    page.screenshot(path=str(test_output / "metrics-dashboard.png"), full_page=True)

    # Switch to the first station: the select submits by itself (metrics.js)
    page.select_option("select[name=j]", "S1")
    page.wait_for_url("**j=S1**")
    assert page.inner_text(cases_cell).split()[0] == "2"
    assert page.inner_text("tr[data-indicator=crime_incidents] td.value").split()[0] == "0"

    # Drill from the case count to the station's cases (linked to the case pages)
    page.click(f"{cases_cell} a.drill")
    page.wait_for_selector("#drill-rows")
    listed = page.locator("#drill-rows tbody tr")
    assert listed.count() == 2
    assert {listed.nth(i).locator("a").inner_text() for i in range(2)} == {
        c.number for c in s1_cases
    }
    page.screenshot(path=str(test_output / "metrics-drill.png"), full_page=True)
    page.click("text=返回六降两升")
    page.wait_for_selector("table.kpi")

    with page.expect_download() as info:
        page.click("#download-pdf")
    download = info.value
    target = test_output / "metrics-monthly.pdf"
    download.save_as(str(target))
    assert target.read_bytes().startswith(b"%PDF")
    assert download.suggested_filename.endswith(".pdf")


def test_leader_maps_an_indicator_by_station_and_clicks_through_to_the_rows(
    browser_context: Any,
    live_server: Any,
    tree: dict[str, Any],
    people: dict[str, Any],
    make_incident: Any,
    password: str,
    test_output: Path,
) -> None:
    at = earlier_this_month()
    for _ in range(3):
        make_incident(at, station="S2")
    make_incident(at, station="S1")
    errors: list[str] = []
    page = browser_context.new_page()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    log_in(page, live_server, people["leader"].username, password)
    page.goto(f"{live_server.url}/metrics/")
    page.wait_for_selector("table.kpi")
    # Choosing an indicator draws the stations as shaded areas labelled with their values
    page.select_option("select[name=map]", "crime_incidents")
    page.wait_for_selector("#kpi-map path.area")
    assert page.locator("#kpi-map path.area").count() == 2
    assert page.locator("#kpi-map path.tone-class-4").count() == 1  # S2: most incidents
    labels = page.locator(".area-label").all_inner_texts()
    assert sorted(" ".join(t.split()) for t in labels) == ["第1派出所 1", "第2派出所 3"]
    assert page.locator("#kpi-map-legend li").count() == 6  # five shades and "—"
    page.screenshot(path=str(test_output / "metrics-map.png"), full_page=True)
    # Clicking the east station opens its incidents
    page.locator("#kpi-map path.tone-class-4").click()
    page.wait_for_selector("#drill-rows")
    assert page.locator("#drill-rows tbody tr").count() == 3
    assert "j=S2" in page.url
    assert not [e for e in errors if "Content Security Policy" in e], errors


CSP_WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push([e.violatedDirective, e.blockedURI, e.sourceFile].join(" "));
});
"""
CHART = "echarts.getInstanceByDom(document.querySelector('#kpi-trend-card [data-chart]'))"


def test_the_trend_chart_draws_the_chosen_indicator_with_gaps_and_within_the_csp(
    browser_context: Any,
    live_server: Any,
    tree: dict[str, Any],
    people: dict[str, Any],
    make_incident: Any,
    password: str,
    test_output: Path,
) -> None:
    from zhian.metrics.models import IndicatorDefinition

    # Given an indicator whose name is a script payload, and two incidents this month
    IndicatorDefinition.objects.filter(code="crime_incidents").update(
        name="<img src=x onerror=alert(1)>"
    )
    at = earlier_this_month()
    make_incident(at, station="S1")
    make_incident(at, station="S2")
    browser_context.add_init_script(CSP_WATCH)
    page = browser_context.new_page()
    dialogs: list[str] = []

    def on_dialog(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    log_in(page, live_server, people["leader"].username, password)
    page.goto(f"{live_server.url}/metrics/")
    page.wait_for_selector("#kpi-trend-card [data-chart] canvas")
    # When the leader picks the crime-incidents indicator and hovers the chart
    page.select_option("#kpi-trend-card select[data-indicator]", "crime_incidents")
    option = page.evaluate(f"{CHART}.getOption().series[0]")
    box = page.locator("#kpi-trend-card [data-chart]").bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] - 30, box["y"] + box["height"] / 2)
    page.wait_for_timeout(200)
    page.screenshot(path=str(test_output / "metrics-trend.png"), full_page=True)
    # Then the chart shows its last-12-month series, this month's 2 incidents last
    assert option["name"] == "<img src=x onerror=alert(1)>"
    assert len(option["data"]) == 12 and option["data"][-1] == 2
    # ... and nothing ran and the policy held
    assert dialogs == []
    assert page.evaluate("window.__csp") == []
