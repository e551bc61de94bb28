"""The dispatch API: idempotent POSTs, optimistic concurrency, scoping, status codes."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connections
from django.test import Client
from django.utils import timezone

from zhian.core.models import AuditEvent
from zhian.core.models.idempotency import IdempotencyRecord
from zhian.core.services.tokens import do_create_token
from zhian.dispatch.models import Incident, Unit, UnitPosition

pytestmark = pytest.mark.django_db

INCIDENT = {
    "channel": "call_110",
    "category": "0104",
    "address": "Aleksanterinkatu 52",
    "lon": 24.9405,
    "lat": 60.1690,
    "caller_name": "王五",
    "caller_phone": "13800000000",
}


def client_for(user: Any) -> Client:
    _, secret = do_create_token(acting_user=user, name="t")
    return Client(headers={"Authorization": f"Bearer {secret}"})


def post(client: Client, path: str, body: Any, **headers: str) -> Any:
    return client.post(path, body, content_type="application/json", headers=headers)


def race(user: Any, path: str, body: Any, key: str, copies: int = 6) -> list[Any]:
    """``copies`` threads POST the same body with the same Idempotency-Key at once."""
    _, secret = do_create_token(acting_user=user, name="t")
    responses: list[Any] = []

    def send() -> None:
        try:
            responses.append(
                Client(headers={"Authorization": f"Bearer {secret}"}).post(
                    path, body, content_type="application/json", headers={"Idempotency-Key": key}
                )
            )
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(copies)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return responses


def test_create_incident_returns_it_and_hides_caller_details(people: dict[str, Any]) -> None:
    response = post(client_for(people["dispatcher"]), "/api/v1/incidents", INCIDENT)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"].startswith("HKI-")
    assert body["priority"] == 1  # 故意伤害
    assert body["jurisdiction"] == "HKI-W-1-1"
    assert "王五" not in response.content.decode()
    assert body["probable_duplicates"] == []


def test_idempotency_key_creates_one_incident(people: dict[str, Any]) -> None:
    client = client_for(people["dispatcher"])
    first = post(client, "/api/v1/incidents", INCIDENT, **{"Idempotency-Key": "call-7781"})
    again = post(client, "/api/v1/incidents", INCIDENT, **{"Idempotency-Key": "call-7781"})
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert again["Idempotent-Replayed"] == "true"
    assert Incident.objects.count() == 1
    other = post(
        client,
        "/api/v1/incidents",
        {**INCIDENT, "address": "另一地址"},
        **{"Idempotency-Key": "call-7781"},
    )
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_with_one_key_create_one_incident(people: dict[str, Any]) -> None:
    responses = race(people["dispatcher"], "/api/v1/incidents", INCIDENT, "storm-1")
    results = [r.json()["id"] for r in responses]
    assert len(results) == 6 and len(set(results)) == 1
    assert Incident.objects.count() == 1


def test_second_report_nearby_is_offered_as_duplicate_then_merged(people: dict[str, Any]) -> None:
    client = client_for(people["dispatcher"])
    first = post(client, "/api/v1/incidents", INCIDENT).json()
    second = post(
        client, "/api/v1/incidents", {**INCIDENT, "category": "0201", "lon": 24.9407}
    ).json()
    assert [d["number"] for d in second["probable_duplicates"]] == [first["number"]]
    merged = post(client, f"/api/v1/incidents/{second['id']}/merge", {"into": first["id"]})
    assert merged.status_code == 200, merged.content
    assert Incident.objects.get(pk=first["id"]).calls.count() == 2


def test_stale_update_is_refused(people: dict[str, Any]) -> None:
    client = client_for(people["dispatcher"])
    incident = post(client, "/api/v1/incidents", INCIDENT).json()
    path = f"/api/v1/incidents/{incident['id']}"
    ok = client.patch(
        path, {"priority": 2}, content_type="application/json", headers={"If-Match": "1"}
    )
    assert ok.status_code == 200 and ok.json()["version"] == 2
    stale = client.patch(
        path, {"priority": 4}, content_type="application/json", headers={"If-Match": "1"}
    )
    assert stale.status_code == 412
    assert stale["Content-Type"].startswith("application/problem+json")
    assert Incident.objects.get(pk=incident["id"]).priority == 2
    missing = client.patch(path, {"priority": 4}, content_type="application/json")
    assert missing.status_code == 428


def test_update_that_changes_nothing_still_checks_if_match(people: dict[str, Any]) -> None:
    client = client_for(people["dispatcher"])
    incident = post(client, "/api/v1/incidents", INCIDENT).json()
    path = f"/api/v1/incidents/{incident['id']}"
    for body in ({}, {"priority": incident["priority"]}):
        stale = client.patch(path, body, content_type="application/json", headers={"If-Match": "7"})
        assert stale.status_code == 412, stale.content
        assert stale.json()["current_version"] == 1
        same = client.patch(path, body, content_type="application/json", headers={"If-Match": "1"})
        assert same.status_code == 200 and same.json()["version"] == 1


def test_dispatch_flow_and_illegal_transition_is_409(people: dict[str, Any], units: Any) -> None:
    client = client_for(people["dispatcher"])
    incident = post(client, "/api/v1/incidents", INCIDENT).json()
    unit = units["W-01"]
    sent = post(client, f"/api/v1/incidents/{incident['id']}/dispatch", {"unit_ids": [unit.pk]})
    assert sent.status_code == 201, sent.content
    assignment = sent.json()[0]["id"]
    again = post(client, f"/api/v1/incidents/{incident['id']}/dispatch", {"unit_ids": [unit.pk]})
    assert again.status_code == 409
    assert again.json()["code"] == "unit_not_available"
    jump = post(client, f"/api/v1/assignments/{assignment}/steps", {"step": "transporting"})
    assert jump.status_code == 409
    assert jump.json()["code"] == "illegal_transition"
    assert (
        post(client, f"/api/v1/assignments/{assignment}/steps", {"step": "en_route"}).status_code
        == 200
    )
    assert Unit.objects.get(pk=unit.pk).status == "en_route"
    timeline = client.get(f"/api/v1/incidents/{incident['id']}/timeline").json()
    assert [e["kind"] for e in timeline] == ["received", "dispatched", "en_route"]


def test_recommendations_endpoint(people: dict[str, Any], units: Any, road_network: Any) -> None:
    client = client_for(people["dispatcher"])
    incident = post(client, "/api/v1/incidents", INCIDENT).json()
    body = client.get(f"/api/v1/incidents/{incident['id']}/recommendations", {"k": 3}).json()
    assert body["method"] == "road_network"
    assert [u["eta_s"] for u in body["units"]] == sorted(u["eta_s"] for u in body["units"])


def test_other_stations_rows_are_404(people: dict[str, Any], units: Any) -> None:
    west = post(client_for(people["dispatcher"]), "/api/v1/incidents", INCIDENT).json()
    east = client_for(people["east_dispatcher"])
    assert east.get(f"/api/v1/incidents/{west['id']}").status_code == 404
    assert east.get(f"/api/v1/units/{units['W-01'].pk}").status_code == 404
    listed = {u["call_sign"] for u in east.get("/api/v1/units").json()["results"]}
    assert listed == {"E-01", "E-02", "E-03"}
    assert (
        post(
            east, f"/api/v1/incidents/{west['id']}/dispatch", {"unit_ids": [units["E-01"].pk]}
        ).status_code
        == 404
    )


def test_avl_positions_update_the_unit(people: dict[str, Any], units: Any) -> None:
    client = client_for(people["patrol_w"])
    unit = units["W-02"]
    now = timezone.now().isoformat()
    response = post(
        client,
        f"/api/v1/units/{unit.pk}/positions",
        {"positions": [{"lon": 24.9391, "lat": 60.1722, "at": now}]},
    )
    assert response.status_code == 201, response.content
    unit.refresh_from_db()
    assert (unit.lon, unit.lat) == (24.9391, 60.1722)
    assert UnitPosition.objects.filter(unit=unit).count() == 1
    bad = post(
        client,
        f"/api/v1/units/{unit.pk}/positions",
        {"positions": [{"lon": 240, "lat": 60.1, "at": now}]},
    )
    assert bad.status_code == 422
    assert UnitPosition.objects.filter(unit=unit).count() == 1


def test_caller_details_need_a_purpose(people: dict[str, Any]) -> None:
    client = client_for(people["dispatcher"])
    incident = post(client, "/api/v1/incidents", INCIDENT).json()
    path = f"/api/v1/incidents/{incident['id']}/reveal-callers"
    assert post(client, path, {"purpose": ""}).status_code == 422
    rows = post(client, path, {"purpose": "回拨核实"}).json()
    assert rows[0]["caller_phone"] == "13800000000"
    assert AuditEvent.objects.filter(action="personal_data.read", purpose="回拨核实").count() == 1


def test_availability_toggle_with_if_match(people: dict[str, Any], units: Any) -> None:
    client = client_for(people["patrol_w"])
    unit = units["W-03"]
    path = f"/api/v1/units/{unit.pk}/availability"
    off = client.put(
        path,
        {"status": "unavailable"},
        content_type="application/json",
        headers={"If-Match": str(unit.version)},
    )
    assert off.status_code == 200 and off.json()["status"] == "unavailable"
    stale = client.put(
        path,
        {"status": "available"},
        content_type="application/json",
        headers={"If-Match": str(unit.version)},
    )
    assert stale.status_code == 412


def test_feedback_endpoint(people: dict[str, Any]) -> None:
    client = client_for(people["dispatcher"])
    incident = post(client, "/api/v1/incidents", INCIDENT).json()
    response = post(client, f"/api/v1/incidents/{incident['id']}/feedback", {"note": "现场已处置"})
    assert response.status_code == 201
    assert [e["kind"] for e in response.json()] == ["received", "feedback"]
    assert (
        post(client, f"/api/v1/incidents/{incident['id']}/feedback", {"note": ""}).status_code
        == 422
    )


def test_a_retried_unit_acknowledgement_replays_instead_of_409(
    people: dict[str, Any], units: Any
) -> None:
    """A 到达 sent twice over a flaky mobile link: the retry gets the first answer."""
    client = client_for(people["dispatcher"])
    incident = post(client, "/api/v1/incidents", INCIDENT).json()
    sent = post(
        client, f"/api/v1/incidents/{incident['id']}/dispatch", {"unit_ids": [units["W-01"].pk]}
    ).json()
    path = f"/api/v1/assignments/{sent[0]['id']}/steps"
    first = post(client, path, {"step": "on_scene"}, **{"Idempotency-Key": "ack-1"})
    again = post(client, path, {"step": "on_scene"}, **{"Idempotency-Key": "ack-1"})
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    # without a key the same retry is a second, illegal transition
    assert post(client, path, {"step": "on_scene"}).status_code == 409
    timeline = client.get(f"/api/v1/incidents/{incident['id']}/timeline").json()
    assert [e["kind"] for e in timeline].count("on_scene") == 1
    # another user's identical key is theirs alone
    other = client_for(people["east_dispatcher"])
    refused = post(other, path, {"step": "on_scene"}, **{"Idempotency-Key": "ack-1"})
    assert refused.status_code == 404
    overlong = post(client, path, {"step": "cleared"}, **{"Idempotency-Key": "k" * 256})
    assert overlong.status_code == 422
    assert overlong.json()["code"] == "invalid_idempotency_key"
    assert overlong["Content-Type"].startswith("application/problem+json")


def test_revealing_callers_with_a_key_is_audited_every_time(people: dict[str, Any]) -> None:
    client = client_for(people["dispatcher"])
    incident = post(client, "/api/v1/incidents", INCIDENT).json()
    path = f"/api/v1/incidents/{incident['id']}/reveal-callers"
    for _ in range(2):
        rows = post(client, path, {"purpose": "回拨核实"}, **{"Idempotency-Key": "r-1"})
        assert rows.status_code == 200 and "Idempotent-Replayed" not in rows
    assert AuditEvent.objects.filter(action="personal_data.read").count() == 2
    stored = IdempotencyRecord.objects.values_list("body", flat=True)
    assert not any("13800000000" in json.dumps(b, ensure_ascii=False) for b in stored)


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_of_a_dispatch_replay_instead_of_conflicting(
    people: dict[str, Any], units: Any
) -> None:
    """Six copies of one 派警 racing: one sends the unit, five replay its answer (no 409)."""
    client = client_for(people["dispatcher"])
    incident = post(client, "/api/v1/incidents", INCIDENT).json()
    path = f"/api/v1/incidents/{incident['id']}/dispatch"
    responses = race(people["dispatcher"], path, {"unit_ids": [units["W-01"].pk]}, "send-W-01")
    assert [r.status_code for r in responses] == [201] * 6
    assert len({r.json()[0]["id"] for r in responses}) == 1


def test_refused_requests_are_not_recorded_so_a_corrected_retry_runs(
    people: dict[str, Any],
) -> None:
    client = client_for(people["dispatcher"])
    bad = post(client, "/api/v1/incidents", {**INCIDENT, "lon": 999}, **{"Idempotency-Key": "k"})
    assert bad.status_code == 422
    assert not IdempotencyRecord.objects.exists() and not Incident.objects.exists()
    good = post(client, "/api/v1/incidents", INCIDENT, **{"Idempotency-Key": "k"})
    assert good.status_code == 201 and "Idempotent-Replayed" not in good
    assert Incident.objects.count() == 1


def test_unauthenticated_or_csrf_failing_posts_with_a_key_do_nothing(
    people: dict[str, Any],
) -> None:
    anonymous = post(Client(), "/api/v1/incidents", INCIDENT, **{"Idempotency-Key": "a"})
    assert anonymous.status_code == 401
    assert anonymous.json()["code"] == "unauthenticated"
    session = Client(enforce_csrf_checks=True)
    session.force_login(people["dispatcher"])
    no_csrf = post(session, "/api/v1/incidents", INCIDENT, **{"Idempotency-Key": "c"})
    assert no_csrf.status_code in (401, 403)
    assert not IdempotencyRecord.objects.exists() and not Incident.objects.exists()


def test_keys_expire_after_a_day(people: dict[str, Any]) -> None:
    client = client_for(people["dispatcher"])
    first = post(client, "/api/v1/incidents", INCIDENT, **{"Idempotency-Key": "old"})
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=25))
    again = post(client, "/api/v1/incidents", INCIDENT, **{"Idempotency-Key": "old"})
    assert again.status_code == 201 and again.json()["id"] != first.json()["id"]
    assert IdempotencyRecord.objects.count() == 1  # the expired record was replaced
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=25))
    out = StringIO()
    call_command("prune_idempotency_keys", stdout=out)
    assert "deleted 1 " in out.getvalue() and not IdempotencyRecord.objects.exists()
