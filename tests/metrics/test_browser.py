"""A leader in a real browser: opens the dashboard, switches to one station, drills from
the case count to the figures behind it, and downloads the monthly PDF."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from tests.browser import log_in
from tests.metrics.conftest import indicator
from zhian.metrics.periods import local_midnight
from zhian.metrics.services.figures import do_enter_monthly_figure

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_leader_switches_station_drills_down_and_downloads_the_pdf(
    browser_context: Any,
    live_server: Any,
    tree: dict[str, Any],
    people: dict[str, Any],
    make_incident: Any,
    password: str,
    test_output: Path,
) -> None:
    month = timezone.localdate().replace(day=1)
    cases = indicator("cases")
    do_enter_monthly_figure(
        cases, tree["S1"], month, 7, note="S1 月报", acting_user=people["analyst"]
    )
    do_enter_monthly_figure(cases, tree["S2"], month, 5, acting_user=people["analyst"])
    at = max(timezone.now() - timedelta(minutes=5), local_midnight(month) + timedelta(seconds=1))
    make_incident(at, station="S2")

    page = browser_context.new_page()
    log_in(page, live_server, people["leader"].username, password)
    page.click("nav.modules >> text=考核")
    page.wait_for_selector("table.kpi")
    cases_cell = "tr[data-indicator=cases] td.value"
    assert page.inner_text(cases_cell).split()[0] == "12"  # the bureau: both stations
    assert page.inner_text("tr[data-indicator=crime_incidents] td.value").split()[0] == "1"
    page.screenshot(path=str(test_output / "metrics-dashboard.png"), full_page=True)

    # Switch to the first station: the select submits by itself (metrics.js)
    page.select_option("select[name=j]", "S1")
    page.wait_for_url("**j=S1**")
    assert page.inner_text(cases_cell).split()[0] == "7"
    assert page.inner_text("tr[data-indicator=crime_incidents] td.value").split()[0] == "0"

    # Drill from the case count to the figure behind it
    page.click(f"{cases_cell} a.drill")
    page.wait_for_selector("#drill-rows")
    rows = page.locator("#drill-rows tbody tr")
    assert rows.count() == 1
    assert "S1 月报" in rows.first.inner_text()
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
