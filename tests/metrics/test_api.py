"""The KPI API: dashboard JSON with "—" as null and a reason, figure entry, scope."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.test import Client

from tests.factories import PASSWORD
from tests.metrics.conftest import local, manual_rate
from zhian.metrics.services.figures import do_enter_monthly_figure


def client_for(user: Any) -> Client:
    c = Client()
    assert c.login(username=user.username, password=PASSWORD)
    return c


def test_dashboard_json_has_values_nulls_with_reasons_and_intervals(
    tree: dict[str, Any], people: dict[str, Any], make_incident: Any
) -> None:
    make_incident(local(2026, 3, 2, 9))
    do_enter_monthly_figure(
        manual_rate(),
        tree["B"],
        date(2026, 3, 1),
        5,
        denominator=10,
        acting_user=people["analyst"],
    )
    body = (
        client_for(people["leader"])
        .get("/api/v1/metrics/dashboard?jurisdiction=B&kind=month&value=2026-03")
        .json()
    )
    rows = {r["indicator"]: r for r in body["rows"]}
    assert rows["crime_incidents"]["current"]["value"] == 1
    assert rows["accidents"]["current"]["value"] is None
    assert "2026-03" in rows["accidents"]["current"]["reason"]
    sat = rows["manual_rate"]["current"]
    assert sat["display"] == "50.0%"
    assert [round(v, 4) for v in sat["interval"]] == [0.2366, 0.7634]


def test_api_scope_and_bad_periods(tree: dict[str, Any], people: dict[str, Any]) -> None:
    c = client_for(people["s1_leader"])
    assert c.get("/api/v1/metrics/dashboard?jurisdiction=S2&value=2026-03").status_code == 404
    bad = c.get("/api/v1/metrics/dashboard?kind=custom&start=2026-03-10&end=2026-03-01")
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_period"


def test_post_figure_then_change_with_version(tree: dict[str, Any], people: dict[str, Any]) -> None:
    c = client_for(people["analyst"])
    body = {"indicator": "accidents", "jurisdiction": "S1", "month": "2026-02", "value": 3}
    made = c.post("/api/v1/metrics/figures", body, content_type="application/json")
    assert made.status_code == 201 and made.json()["version"] == 1
    again = c.post("/api/v1/metrics/figures", body, content_type="application/json")
    assert again.status_code == 409
    changed = c.post(
        "/api/v1/metrics/figures",
        body | {"value": 4, "expected_version": 1},
        content_type="application/json",
    )
    assert changed.status_code == 200 and changed.json()["value"] == 4
    listed = c.get("/api/v1/metrics/figures?indicator=accidents").json()
    assert [f["value"] for f in listed["results"]] == [4]


def test_ranking_json_lists_components_and_weights(
    tree: dict[str, Any], people: dict[str, Any]
) -> None:
    rows = (
        client_for(people["leader"])
        .get("/api/v1/metrics/ranking?jurisdiction=B&month=2026-03")
        .json()
    )
    assert {r["station"] for r in rows} == {"S1", "S2"}
    assert len(rows[0]["components"]) == 8 and rows[0]["components"][0]["weight"] == 1.0


def test_indicator_definitions_are_for_kpi_viewers_only(people: dict[str, Any]) -> None:
    """Given roles without metrics.view (dispatcher, patrol officer), when they ask the API
    for the indicators, then it is 404 as on the page; KPI viewers get the list."""
    for who in ("dispatcher", "patrol"):
        c = client_for(people[who])
        assert c.get("/api/v1/metrics/indicators").status_code == 404, who
        assert c.get("/metrics/indicators/").status_code == 404, who
    for who in ("leader", "s1_analyst"):
        listed = client_for(people[who]).get("/api/v1/metrics/indicators").json()
        codes = [r["code"] for r in listed]
        assert "crime_incidents" in codes, who


def test_each_input_rule_is_a_422_naming_the_field(
    tree: dict[str, Any], people: dict[str, Any]
) -> None:
    """One field at a time breaks the input contract (zhian.core.schema_types): 422 naming
    the field, and no figure is stored."""
    from zhian.metrics.models import MonthlyFigure

    c = client_for(people["analyst"])
    good = {"indicator": "accidents", "jurisdiction": "S1", "month": "2026-02", "value": 3}
    for change, field in (
        ({"indicator": "acc\u200bidents"}, "indicator"),
        ({"jurisdiction": "S\u202e1"}, "jurisdiction"),
        ({"value": True}, "value"),
        ({"value": 10_000_001}, "value"),
        ({"note": "说" * 501}, "note"),
        ({"month": "2026-2"}, "month"),
    ):
        response = c.post("/api/v1/metrics/figures", good | change, content_type="application/json")
        assert response.status_code == 422, (field, response.content[:300])
        assert any(field in e["loc"] for e in response.json().get("errors", [])), response.json()
    assert not MonthlyFigure.objects.exists()
