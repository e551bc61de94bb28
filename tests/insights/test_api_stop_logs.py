"""巡逻措施登记 through the API: ``POST /insights/plans/{id}/stops/log`` stores the tactics
of a planned stop (201), refuses a wrong submission with 422 naming the field, is scoped
through the plan (404) and the role (403), and the execution endpoint shows the tactics."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tests.factories import Role, UserFactory
from tests.insights.factories import plan_with_stops
from zhian.core.models import AuditEvent
from zhian.core.services.tokens import do_create_token
from zhian.dispatch.models import Unit
from zhian.insights.models import PatrolPlan, PatrolStopLog

pytestmark = pytest.mark.django_db


def api_client(user: Any) -> Client:
    _, secret = do_create_token(acting_user=user, name="t")
    return Client(headers={"Authorization": f"Bearer {secret}"})


def west_plan(hki: dict[str, Any], units: dict[str, Unit], days_ago: int) -> PatrolPlan:
    """The west station's night-shift plan that started ``days_ago`` days ago (-1: starts
    tomorrow); yesterday's (1) is open for logging at any time of today."""
    w1, w2 = units["W-01"], units["W-02"]
    assert w1.lon is not None and w1.lat is not None and w2.lon is not None
    assert w2.lat is not None
    return plan_with_stops(
        hki["HKI-W"],
        day=timezone.localdate() - dt.timedelta(days=days_ago),
        shift="night",
        stops={w1: [(w1.lon, w1.lat, 0.3)], w2: [(w2.lon, w2.lat, 0.1)]},
    )


def url(plan: PatrolPlan) -> str:
    return f"/api/v1/insights/plans/{plan.pk}/stops/log"


def body(plan: PatrolPlan, k: int = 0, **change: Any) -> dict[str, Any]:
    route = plan.routes[k]
    return {
        "unit": route["unit"],
        "cell": route["visits"][0]["cell"],
        "tactics": ["foot_patrol", "prevention_advice"],
        "note": "沿街商铺发放防盗提示",
    } | change


def test_logging_a_stop_returns_what_is_stored_and_the_execution_shows_it(
    people: dict[str, Any], hki: dict[str, Any], units: dict[str, Unit]
) -> None:
    # given yesterday's night-shift plan of the west station
    plan = west_plan(hki, units, 1)
    client = api_client(people["patrol_w"])
    # when the west patrol officer logs two tactics at W-01's stop
    r = client.post(url(plan), body(plan), content_type="application/json")
    # then 201 with the stored rows
    assert r.status_code == 201, r.content
    out = r.json()
    assert out["plan_id"] == plan.pk and out["unit"] == units["W-01"].pk
    assert [x["tactic"] for x in out["logs"]] == ["foot_patrol", "prevention_advice"]
    assert [x["label"] for x in out["logs"]] == ["步巡", "防范宣传"]
    assert {x["note"] for x in out["logs"]} == {"沿街商铺发放防盗提示"}
    assert AuditEvent.objects.filter(action="insights.plan.log").count() == 1
    # and the same submission again stores nothing new
    again = client.post(url(plan), body(plan), content_type="application/json")
    assert again.status_code == 201
    assert PatrolStopLog.objects.filter(plan=plan).count() == 2
    # and the execution endpoint carries the tactics on the stop and in the totals
    ex = client.get(f"/api/v1/insights/plans/{plan.pk}/execution").json()
    visit = ex["units"][0]["visits"][0]
    assert visit["tactics"] == ["foot_patrol", "prevention_advice"]
    assert visit["note"] == "沿街商铺发放防盗提示" and visit["logged_at"]
    assert ex["units"][1]["visits"][0]["tactics"] == []
    assert ex["cells_logged"] == 1
    # and a tactic logged by mistake is withdrawn by naming it
    fix = body(plan) | {"tactics": [], "withdraw": ["prevention_advice"]}
    fixed = client.post(url(plan), fix, content_type="application/json")
    assert fixed.status_code == 201, fixed.content
    assert [x["tactic"] for x in fixed.json()["logs"]] == ["foot_patrol"]


@pytest.mark.parametrize(
    ("days_ago", "change", "field", "code"),
    [
        (1, {"cell": "other_unit"}, "cell", "cell_not_planned"),
        (1, {"tactics": ["stop_and_search"]}, "tactics", "unknown_tactic"),
        (1, {"note": "住户身份证 11010519491231002X"}, "note", "note_has_id_number"),
        (1, {"note": "店主手机13800138000"}, "note", "note_has_mobile"),
        (-1, {}, "recorded_at", "log_before_shift"),
        (3, {}, "recorded_at", "log_window_closed"),
    ],
)
def test_a_wrong_submission_is_a_422_naming_the_field_and_stores_nothing(
    people: dict[str, Any],
    hki: dict[str, Any],
    units: dict[str, Unit],
    days_ago: int,
    change: dict[str, Any],
    field: str,
    code: str,
) -> None:
    plan = west_plan(hki, units, days_ago)
    if change.get("cell") == "other_unit":
        change = {"cell": plan.routes[1]["visits"][0]["cell"]}  # W-02's stop
    r = api_client(people["patrol_w"]).post(
        url(plan), body(plan, **change), content_type="application/json"
    )
    assert r.status_code == 422, r.content
    assert r["Content-Type"].startswith("application/problem+json")
    problem = r.json()
    assert problem["code"] == code and field in problem["fields"]
    assert problem["field_codes"] == {field: code}
    assert not PatrolStopLog.objects.exists()


def test_a_note_over_200_characters_is_refused_by_the_schema(
    people: dict[str, Any], hki: dict[str, Any], units: dict[str, Unit]
) -> None:
    plan = west_plan(hki, units, 1)
    r = api_client(people["patrol_w"]).post(
        url(plan), body(plan, note="门" * 201), content_type="application/json"
    )
    assert r.status_code == 422
    assert any("note" in e["loc"] for e in r.json()["errors"])
    assert not PatrolStopLog.objects.exists()


def test_logging_is_scoped_by_the_plan_and_the_role(
    people: dict[str, Any], hki: dict[str, Any], units: dict[str, Unit]
) -> None:
    plan = west_plan(hki, units, 1)
    east = UserFactory(username="xl_e", roles=[(Role.PATROL_OFFICER, hki["HKI-E"])])
    # another station's patrol officer: 404, the plan does not exist for them
    r = api_client(east).post(url(plan), body(plan), content_type="application/json")
    assert r.status_code == 404
    # an analyst of the station may view the plan but not log: 403
    r = api_client(people["analyst_w"]).post(url(plan), body(plan), content_type="application/json")
    assert r.status_code == 403
    # a dispatcher does not see plans at all: 404
    dispatcher = api_client(people["dispatcher"])
    r = dispatcher.post(url(plan), body(plan), content_type="application/json")
    assert r.status_code == 404
    assert not PatrolStopLog.objects.exists()
