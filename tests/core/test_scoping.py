"""No user sees or changes rows outside their jurisdictions, through pages or the API."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.factories import Role, UserFactory
from zhian.core import selectors
from zhian.core.models import AuditEvent, Jurisdiction
from zhian.core.services.tokens import do_create_token

pytestmark = pytest.mark.django_db


def api_client(user: Any) -> Client:
    _, secret = do_create_token(acting_user=user, name="test")
    return Client(headers={"Authorization": f"Bearer {secret}"})


def session_client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def expected_codes(root: str) -> set[str]:
    """Independently computed scope: the root and every code below it."""
    return {c for c in Jurisdiction.objects.values_list("code", flat=True) if c.startswith(root)}


def test_selector_returns_only_the_users_subtree(station_users: dict[str, Any]) -> None:
    codes = set(selectors.jurisdictions_for(station_users["disp1"]).values_list("code", flat=True))
    assert codes == expected_codes("S1")
    leader = set(
        selectors.jurisdictions_for(station_users["leader"]).values_list("code", flat=True)
    )
    assert leader == expected_codes("")


def test_user_without_roles_sees_nothing(tree: dict[str, Any]) -> None:
    nobody = UserFactory(username="nobody")
    assert not selectors.jurisdictions_for(nobody).exists()


def test_api_list_is_scoped_and_paginated(station_users: dict[str, Any]) -> None:
    client = api_client(station_users["disp1"])
    response = client.get("/api/v1/jurisdictions")
    assert response.status_code == 200
    body = response.json()
    assert {j["code"] for j in body["results"]} == expected_codes("S1")
    assert body["next"] is None
    first = client.get("/api/v1/jurisdictions", {"page_size": 2}).json()
    assert len(first["results"]) == 2
    assert first["next"]


@pytest.mark.parametrize("code", ["S2", "S2-1", "S2-1-2"])
def test_api_detail_outside_scope_is_404(station_users: dict[str, Any], code: str) -> None:
    client = api_client(station_users["disp1"])
    response = client.get(f"/api/v1/jurisdictions/{code}")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/problem+json")
    assert client.get("/api/v1/jurisdictions/S1-1").status_code == 200


def test_api_geojson_is_scoped(station_users: dict[str, Any]) -> None:
    client = api_client(station_users["admin2"])
    data = client.get("/api/v1/jurisdictions.geojson", {"kind": "grid"}).json()
    assert {f["properties"]["code"] for f in data["features"]} == {
        c for c in expected_codes("S2") if c.count("-") == 2
    }


def test_api_cannot_change_another_stations_row(station_users: dict[str, Any]) -> None:
    client = api_client(station_users["admin1"])
    response = client.patch(
        "/api/v1/jurisdictions/S2-1",
        {"name": "越权修改"},
        content_type="application/json",
        headers={"If-Match": "1"},
    )
    assert response.status_code == 404
    assert Jurisdiction.objects.get(code="S2-1").name != "越权修改"


def test_api_role_without_change_right_gets_403(station_users: dict[str, Any]) -> None:
    client = api_client(station_users["disp1"])
    response = client.patch(
        "/api/v1/jurisdictions/S1-1",
        {"name": "调度员改名"},
        content_type="application/json",
        headers={"If-Match": "1"},
    )
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden_action"


def test_api_rename_in_scope_is_audited(station_users: dict[str, Any]) -> None:
    client = api_client(station_users["admin1"])
    response = client.patch(
        "/api/v1/jurisdictions/S1-1",
        {"name": "新名字"},
        content_type="application/json",
        headers={"If-Match": "1", "X-Request-ID": "req-42"},
    )
    assert response.status_code == 200, response.content
    assert response.json()["version"] == 2
    event = AuditEvent.objects.get(action="jurisdiction.rename")
    assert event.actor == "admin1"
    assert event.request_id == "req-42"
    assert event.data["after"]["name"] == "新名字"


def test_pages_are_scoped(station_users: dict[str, Any]) -> None:
    client = session_client(station_users["disp1"])
    listing = client.get("/jurisdictions/").content.decode()
    assert "S1-1-1" in listing
    assert "S2-1" not in listing
    assert client.get("/jurisdictions/S2-1/").status_code == 404
    assert client.get("/jurisdictions/S1-1/").status_code == 200


def test_page_post_outside_scope_changes_nothing(station_users: dict[str, Any]) -> None:
    client = session_client(station_users["admin1"])
    response = client.post("/jurisdictions/S2-1/", {"name": "越权", "name_en": "", "version": 1})
    assert response.status_code == 404
    response = client.post(
        "/jurisdictions/S1-1/", {"name": "本所改名", "name_en": "", "version": 1}
    )
    assert response.status_code == 302
    assert Jurisdiction.objects.get(code="S1-1").name == "本所改名"
    assert Jurisdiction.objects.get(code="S2-1").name != "越权"


def test_audit_events_are_scoped_to_actors_in_scope(station_users: dict[str, Any]) -> None:
    supervisor = UserFactory(
        username="sup1",
        roles=[(Role.SUPERVISOR, station_users["admin1"].role_assignments.first().jurisdiction)],
    )
    client1 = api_client(station_users["admin1"])
    client2 = api_client(station_users["admin2"])
    for client, code in ((client1, "S1-1"), (client2, "S2-1")):
        client.patch(
            f"/api/v1/jurisdictions/{code}",
            {"name": "x"},
            content_type="application/json",
            headers={"If-Match": "1"},
        )
    actors = {
        e["actor"] for e in api_client(supervisor).get("/api/v1/audit/events").json()["results"]
    }
    assert "admin1" in actors
    assert "admin2" not in actors
    assert api_client(station_users["disp1"]).get("/api/v1/audit/events").json()["results"] == []
