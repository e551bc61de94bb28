"""The public patrol report page: open to anyone, whole past weeks only, no unit, cell or
time of day on it; the portal's home page links it."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from tests.insights.factories import plan_with_stops
from zhian.dispatch.models import Unit
from zhian.insights.services.patrol_report import latest_published_week

pytestmark = pytest.mark.django_db
URL = "/s/patrol-report/"


def test_anyone_reads_a_past_week_without_units_cells_or_times(
    hki: dict[str, Any], units: dict[str, Unit]
) -> None:
    assert reverse("insights_public:patrol_report") == URL
    monday = latest_published_week()
    w1 = units["W-01"]
    assert w1.lon is not None and w1.lat is not None
    plan = plan_with_stops(
        hki["HKI-W"],
        day=monday + dt.timedelta(days=2),
        shift="day",
        stops={w1: [(w1.lon, w1.lat, 1.0)] * 2},
    )
    page = Client().get(URL)  # the newest published week by default
    assert page.status_code == 200
    text = page.content.decode()
    assert hki["HKI-W"].name in text and "0.5" in text  # two 15-minute stops
    assert monday.isoformat() in text
    visit = plan.routes[0]["visits"][0]
    for secret in ("W-01", visit["cell"], str(visit["lon"]), "08:00"):
        assert secret not in text


def test_an_unpublished_week_and_a_bad_date_are_refused_with_the_reason(db: Any) -> None:
    today = timezone.localdate()
    soon = Client().get(URL, {"week": today.isoformat()})
    assert soon.status_code == 404
    assert "公开" in soon.content.decode()
    bad = Client().get(URL, {"week": "2026-02-30"})
    assert bad.status_code == 400
    far = Client().get(URL, {"week": "1800-01-01"})
    assert far.status_code == 400
    empty = Client().get(URL, {"week": latest_published_week().isoformat()})
    assert empty.status_code == 200 and "该周没有巡防计划" in empty.content.decode()


def test_the_portal_home_links_the_report(db: Any) -> None:
    home = Client().get(reverse("portal:home"))
    assert URL in home.content.decode() and "巡防公开报告" in home.content.decode()


def test_the_week_downloads_as_a_spreadsheet_of_the_same_figures(
    hki: dict[str, Any], units: dict[str, Unit]
) -> None:
    monday = latest_published_week()
    w1 = units["W-01"]
    assert w1.lon is not None and w1.lat is not None
    plan_with_stops(
        hki["HKI-W"],
        day=monday + dt.timedelta(days=2),
        shift="day",
        stops={w1: [(w1.lon, w1.lat, 1.0)] * 2},
    )
    page = Client().get(URL).content.decode()
    link = reverse("insights_public:patrol_report_xlsx") + f"?week={monday.isoformat()}"
    assert link in page
    download = Client().get(link)
    assert download.status_code == 200
    assert download["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(download.content)).active
    assert sheet is not None
    header, row = (list(r) for r in sheet.iter_rows(values_only=True))
    assert header[:5] == ["周一", "周日", "计划辖区", "片区", "热点巡防（小时）"]
    assert row[0].date() == monday and row[2] == hki["HKI-W"].name and row[4] == 0.5
    assert row[5] == 1.0 and row[8] == 0.2  # all the week's hot-spot patrol; the cap
    assert Client().get(link.replace(monday.isoformat(), "2999-01-01")).status_code == 400
    too_soon = timezone.localdate().isoformat()
    assert Client().get(link.replace(monday.isoformat(), too_soon)).status_code == 404
