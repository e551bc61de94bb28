"""The KPI pages: scope, drill-down, figure entry and report downloads."""

from __future__ import annotations

import io
import re
from datetime import date
from typing import Any

from django.test import Client
from openpyxl import load_workbook

from tests.factories import PASSWORD
from tests.metrics.conftest import local, manual_rate
from zhian.metrics import selectors
from zhian.metrics.models import MonthlyFigure
from zhian.metrics.periods import Period
from zhian.metrics.services.figures import do_enter_monthly_figure
from zhian.metrics.services.reports import change_number

MARCH = "kind=month&m=2026-03"


def client_for(user: Any) -> Client:
    c = Client()
    assert c.login(username=user.username, password=PASSWORD)
    return c


def cell(html: str, code: str) -> str:
    """The text of the 本期 cell of one indicator's row."""
    row = re.search(rf'data-indicator="{code}">(.*?)</tr>', html, re.S)
    assert row, code
    value = re.search(r'class="num value">(.*?)</td>', row.group(1), re.S)
    assert value
    return re.sub(r"<[^>]+>", " ", value.group(1)).split()[0]


def test_a_station_leader_sees_only_their_station(
    tree: dict[str, Any], people: dict[str, Any], make_incident: Any
) -> None:
    # Given crimes in both stations
    make_incident(local(2026, 3, 3, 9), station="S1")
    make_incident(local(2026, 3, 3, 9), station="S2")
    make_incident(local(2026, 3, 4, 9), station="S2")
    c = client_for(people["s1_leader"])
    # The default jurisdiction is their station, which counts only its own row
    page = c.get(f"/metrics/?{MARCH}")
    assert page.status_code == 200
    assert cell(page.content.decode(), "crime_incidents") == "1"
    # The other station and the bureau do not exist for them
    assert c.get(f"/metrics/?j=S2&{MARCH}").status_code == 404
    assert c.get(f"/metrics/?j=B&{MARCH}").status_code == 404
    assert c.get(f"/metrics/drill/crime_incidents/?j=S2&{MARCH}").status_code == 404
    assert c.get(f"/metrics/report.xlsx?j=B&{MARCH}").status_code == 404
    # and the drill-down lists only the station's incident
    drill = c.get(f"/metrics/drill/crime_incidents/?j=S1&{MARCH}").content.decode()
    assert drill.count("/dispatch/incidents/") == 1


def test_the_leader_sees_the_bureau_and_drills_to_the_rows(
    tree: dict[str, Any], people: dict[str, Any], make_incident: Any
) -> None:
    a = make_incident(local(2026, 3, 3, 9), station="S1")
    b = make_incident(local(2026, 3, 3, 9), station="S2")
    make_incident(local(2026, 3, 3, 9), station="S2", category="0302")  # traffic: not counted
    c = client_for(people["leader"])
    html = c.get(f"/metrics/?j=B&{MARCH}").content.decode()
    assert cell(html, "crime_incidents") == "2"
    assert cell(html, "accidents") == "—"  # nothing entered: a dash, never 0
    assert "以下月份尚未填报" in html
    drill = c.get(f"/metrics/drill/crime_incidents/?j=B&{MARCH}").content.decode()
    assert a.number in drill and b.number in drill
    assert drill.count("/dispatch/incidents/") == 2


def test_a_user_without_a_kpi_role_is_refused(tree: dict[str, Any], people: dict[str, Any]) -> None:
    assert client_for(people["patrol"]).get("/metrics/").status_code == 404


def test_the_xlsx_report_cells_equal_the_dashboard_numbers(
    tree: dict[str, Any], people: dict[str, Any], make_incident: Any
) -> None:
    for day in (2, 3, 4):
        make_incident(local(2025, 3, day, 9))
    make_incident(local(2026, 3, 2, 9))
    do_enter_monthly_figure(
        manual_rate(),
        tree["B"],
        date(2026, 3, 1),
        12,
        denominator=40,
        acting_user=people["analyst"],
    )
    response = client_for(people["leader"]).get(f"/metrics/report.xlsx?j=B&{MARCH}")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content))["指标"]
    cells = {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    dash = selectors.dashboard(people["leader"], "B", Period.month(2026, 3))
    assert len(cells) == len(dash.rows) == 9  # the eight and the manual rate
    for r in dash.rows:
        _name, current, last_year, yoy, yoy_pct, previous, mom, num, den, ci, _n = cells[
            r.indicator.name
        ]
        assert current == r.current.display
        assert last_year == (r.last_year.display if r.last_year else "—")
        assert previous == r.previous.display
        assert yoy == change_number(r.year_change) and mom == change_number(r.period_change)
        if r.year_change.percent is not None:
            assert yoy_pct == round(r.year_change.percent * 100, 1)
        assert (num, den) == (r.current.numerator, r.current.denominator)
        assert (ci or "") == r.current.interval_display
    # Hand-computed: 1 crime this March against 3 last March
    assert cells["违法犯罪警情"][1:5] == ("1", "3", -2, -66.7)
    assert cells["人工填报比率"][1] == "30.0%"
    assert cells["事故"][1] == "—"
    notes = load_workbook(io.BytesIO(response.content))["说明"]
    assert any("数据截止" in str(v) for row in notes.iter_rows(values_only=True) for v in row)


def test_the_monthly_pdf_downloads(tree: dict[str, Any], people: dict[str, Any]) -> None:
    response = client_for(people["leader"]).get(f"/metrics/report.pdf?j=B&{MARCH}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert client_for(people["leader"]).get(f"/metrics/report.exe?j=B&{MARCH}").status_code == 404


def test_figures_page_enters_and_refuses_with_the_field_named(
    tree: dict[str, Any], people: dict[str, Any]
) -> None:
    manual_rate()
    c = client_for(people["s1_analyst"])
    ok = c.post(
        "/metrics/figures/",
        {"indicator": "accidents", "jurisdiction": "S1", "month": "2026-03", "value": "7"},
    )
    assert ok.status_code == 302
    assert MonthlyFigure.objects.get().value == 7
    refused = c.post(
        "/metrics/figures/",
        {"indicator": "manual_rate", "jurisdiction": "S1", "month": "2026-03", "value": "7"},
    )
    assert refused.status_code == 422
    assert "比率指标须填写分母" in refused.content.decode()
    assert (
        c.post(
            "/metrics/figures/",
            {"indicator": "accidents", "jurisdiction": "S2", "month": "2026-03", "value": "7"},
        ).status_code
        == 404
    )


def test_ranking_and_indicator_pages_render(tree: dict[str, Any], people: dict[str, Any]) -> None:
    c = client_for(people["leader"])
    ranking = c.get(f"/metrics/ranking/?j=B&{MARCH}").content.decode()
    assert 'data-station="S1"' in ranking and 'data-station="S2"' in ranking
    assert "现行案件破案率" in ranking
    page = c.get("/metrics/indicators/").content.decode()
    assert "违法犯罪警情" in page and "添加本局指标" in page
    assert c.get("/metrics/reports/").status_code == 200


def test_a_leader_adds_an_indicator_and_changes_a_weight_on_the_pages(
    tree: dict[str, Any], people: dict[str, Any]
) -> None:
    from zhian.metrics.models import IndicatorDefinition, RankingWeight

    c = client_for(people["leader"])
    bad = c.post(
        "/metrics/indicators/",
        {
            "code": "theft",
            "name": "盗窃",
            "definition": "盗窃类警情",
            "kind": "count",
            "direction": "fall",
            "source": "dispatch.incidents",
            "params": '{"top_categories": ["77"]}',
            "denominator_source": "",
            "denominator_params": "",
            "order": "5",
        },
    )
    assert bad.status_code == 422 and "没有这些警情大类" in bad.content.decode()
    ok = c.post(
        "/metrics/indicators/",
        {
            "code": "theft",
            "name": "盗窃",
            "definition": "盗窃类警情",
            "kind": "count",
            "direction": "fall",
            "source": "dispatch.incidents",
            "params": '{"top_categories": ["01"]}',
            "denominator_source": "",
            "denominator_params": "",
            "order": "5",
        },
    )
    assert ok.status_code == 302
    assert IndicatorDefinition.objects.get(code="theft").params == {"top_categories": ["01"]}
    assert (
        c.post("/metrics/ranking/weight/", {"indicator": "theft", "weight": "2.5"}).status_code
        == 302
    )
    assert str(RankingWeight.objects.get(indicator__code="theft").weight) == "2.50"
    # An analyst may view but not configure
    refused = client_for(people["analyst"]).post(
        "/metrics/ranking/weight/", {"indicator": "theft", "weight": "9"}, follow=True
    )
    assert "无权" in refused.content.decode()
    assert str(RankingWeight.objects.get(indicator__code="theft").weight) == "2.50"


def test_stored_reports_are_listed_and_served_only_in_scope(
    tree: dict[str, Any], people: dict[str, Any]
) -> None:
    from zhian.metrics.models import StoredReport
    from zhian.metrics.services.reports import generate_due_reports

    generate_due_reports(date(2026, 3, 4))
    s2 = StoredReport.objects.get(kind="month", jurisdiction__code="S2")
    s1 = StoredReport.objects.get(kind="month", jurisdiction__code="S1")
    c = client_for(people["s1_leader"])
    listing = c.get("/metrics/reports/").content.decode()
    assert listing.count(".pdf") == 2  # S1's weekly and monthly
    assert c.get(f"/metrics/reports/{s1.pk}.pdf").content.startswith(b"%PDF")
    assert c.get(f"/metrics/reports/{s2.pk}.pdf").status_code == 404
