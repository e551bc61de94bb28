"""Insights API: run and follow a forecast, list alerts, make and read a plan and its
execution; scoped and permission-checked like the pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tests.insights.factories import (
    record_incident,
    scatter_incidents,
    yesterdays_plan_with_one_stop_kept,
)
from zhian.core.services.tokens import do_create_token
from zhian.insights.services.alerts import scan_near_repeat
from zhian.insights.services.plans import tomorrow

pytestmark = pytest.mark.django_db


def api_client(user: Any) -> Client:
    _, secret = do_create_token(acting_user=user, name="t")
    return Client(headers={"Authorization": f"Bearer {secret}"})


def test_forecast_run_and_follow(
    people: dict[str, Any], hki: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    scatter_incidents(people["dispatcher"], 60, until=timezone.now(), days=30)
    client = api_client(people["analyst"])
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(
            "/api/v1/insights/forecasts",
            {"jurisdiction": "HKI", "method": "best"},
            content_type="application/json",
        )
    assert r.status_code == 202 and r.json()["status"] == "queued"
    got = client.get(f"/api/v1/insights/forecasts/{r.json()['id']}").json()
    assert got["status"] == "done" and got["method"] == "decay" and got["cells"]
    listed = client.get("/api/v1/insights/forecasts").json()
    assert [f["id"] for f in listed["results"]] == [got["id"]]
    # a leader may read but not run
    leader = api_client(people["leader"])
    refused = leader.post(
        "/api/v1/insights/forecasts", {"jurisdiction": "HKI"}, content_type="application/json"
    )
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden_action"
    assert leader.get(f"/api/v1/insights/forecasts/{got['id']}").status_code == 200


def test_alerts_and_plans_are_scoped(
    people: dict[str, Any], units: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    path = Path(settings.ZHIAN_SHARED_DATA) / "helsinki.osm.pbf"
    settings.ZHIAN_ROAD_NETWORK = str(path) if path.exists() else ""
    settings.ZHIAN_PATROL_SOLVER_SECONDS = 0.3
    record_incident(people["dispatcher"], code="0105", lon=24.940, lat=60.170)
    scan_near_repeat()
    west, east = api_client(people["analyst_w"]), api_client(people["analyst_e"])
    assert len(west.get("/api/v1/insights/alerts").json()["results"]) == 1
    assert east.get("/api/v1/insights/alerts").json()["results"] == []
    # no forecast yet: the plan is refused with the reason
    body = {"jurisdiction": "HKI-W", "day": tomorrow().isoformat(), "shift": "day"}
    r = west.post("/api/v1/insights/plans", body, content_type="application/json")
    assert r.status_code == 422 and r.json()["code"] == "no_forecast"
    scatter_incidents(people["dispatcher"], 60, until=timezone.now(), days=30, seed=1)
    with django_capture_on_commit_callbacks(execute=True):
        west.post(
            "/api/v1/insights/forecasts", {"jurisdiction": "HKI-W"}, content_type="application/json"
        )
    r = west.post("/api/v1/insights/plans", body, content_type="application/json")
    assert r.status_code == 201
    plan = r.json()
    assert {u["call_sign"] for u in plan["routes"]} == {"W-01", "W-02", "W-03"}
    assert west.get(f"/api/v1/insights/plans/{plan['id']}").status_code == 200
    assert east.get(f"/api/v1/insights/plans/{plan['id']}").status_code == 404
    assert (
        east.post("/api/v1/insights/plans", body, content_type="application/json").status_code
        == 404
    )


def test_each_input_rule_is_a_422_naming_the_field(people: dict[str, Any]) -> None:
    """One field at a time breaks the input contract (zhian.core.schema_types): a code
    with an invisible character, a boolean as a number, a day written as a number (read
    as a Unix time otherwise) or out of the bureau's window: 422 naming the field, and
    nothing is queued or planned."""
    from zhian.insights.models import PatrolPlan, StoredForecast

    client = api_client(people["analyst"])
    cases = [
        ("/api/v1/insights/forecasts", {"jurisdiction": "HKI\u200b"}, "jurisdiction"),
        ("/api/v1/insights/forecasts", {"jurisdiction": "HKI", "category": "01" * 9}, "category"),
        (
            "/api/v1/insights/forecasts",
            {"jurisdiction": "HKI", "horizon_days": True},
            "horizon_days",
        ),
        ("/api/v1/insights/plans", {"jurisdiction": "HKI", "day": 0}, "day"),
        ("/api/v1/insights/plans", {"jurisdiction": "HKI", "day": "2099-01-01"}, "day"),
        (
            "/api/v1/insights/plans",
            {"jurisdiction": "HKI", "day": "2026-01-01", "dwell_minutes": True},
            "dwell_minutes",
        ),
    ]
    for path, body, field in cases:
        response = client.post(path, body, content_type="application/json")
        assert response.status_code == 422, (field, response.content[:300])
        assert response["Content-Type"].startswith("application/problem+json")
        assert any(field in e["loc"] for e in response.json().get("errors", [])), response.json()
    assert not StoredForecast.objects.exists() and not PatrolPlan.objects.exists()


def test_a_plans_execution_is_read_in_the_plans_scope(
    people: dict[str, Any], hki: dict[str, Any], units: Any
) -> None:
    # given yesterday's day-shift plan of the west station, W-01 10 minutes in its cell
    plan = yesterdays_plan_with_one_stop_kept(hki, units, people["dispatcher"])
    url = f"/api/v1/insights/plans/{plan.pk}/execution"
    # when the west patrol officer reads it: 10 minutes, done; W-02 without fixes is null
    r = api_client(people["patrol_w"]).get(url)
    assert r.status_code == 200
    body = r.json()
    assert body["state"] == "finished" and body["units_without_data"] == 1
    one, two = body["units"]
    assert one["visits"][0]["actual_minutes"] == pytest.approx(10.0)
    assert one["visits"][0]["status"] == "done" and one["cells_done"] == 1
    assert two["has_data"] is False and two["visits"][0]["actual_minutes"] is None
    assert two["visits"][0]["status"] == "no_data"
    assert body["delivered_share"] == pytest.approx(10 / 15)
    # then another station's analyst gets the plan's 404, and a dispatcher too
    assert api_client(people["analyst_e"]).get(url).status_code == 404
    assert api_client(people["dispatcher"]).get(url).status_code == 404
    assert (
        api_client(people["analyst_w"]).get("/api/v1/insights/plans/999999/execution").status_code
        == 404
    )


def test_a_reversed_period_is_refused_in_the_users_language(people: dict[str, Any]) -> None:
    client = api_client(people["analyst"])
    query = {"jurisdiction": "HKI", "since": "2026-02-01", "until": "2026-01-01"}
    zh = client.get("/api/v1/insights/layers/incidents", query)
    en = client.get("/api/v1/insights/layers/incidents", query, headers={"Accept-Language": "en"})
    assert zh.status_code == en.status_code == 422
    assert zh.json()["code"] == "invalid_period"
    assert "止日期须晚于起日期" in zh.json()["detail"]
    assert "after" in en.json()["detail"] and "止" not in en.json()["detail"]
