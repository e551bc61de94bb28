"""API conventions: auth, problem+json errors, optimistic concurrency, OpenAPI."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import pytest
from django.test import Client

from zhian.core.services.tokens import do_create_token

pytestmark = pytest.mark.django_db


def bearer(user: Any) -> dict[str, str]:
    _, secret = do_create_token(acting_user=user, name="test")
    return {"Authorization": f"Bearer {secret}"}


def test_anonymous_request_gets_problem_json_401(client: Client) -> None:
    response = client.get("/api/v1/jurisdictions")
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["code"] == "unauthenticated"


def test_openapi_schema_and_docs_are_served(client: Client) -> None:
    schema = client.get("/api/v1/openapi.json")
    assert schema.status_code == 200
    assert "/api/v1/jurisdictions" in schema.json()["paths"]
    assert client.get("/api/v1/docs").status_code == 200


def test_update_without_if_match_is_428(station_users: dict[str, Any]) -> None:
    response = Client(headers=bearer(station_users["admin1"])).patch(
        "/api/v1/jurisdictions/S1", {"name": "x"}, content_type="application/json"
    )
    assert response.status_code == 428
    assert response.json()["code"] == "if_match_required"


def test_stale_update_is_refused_with_412(station_users: dict[str, Any]) -> None:
    client = Client(headers=bearer(station_users["admin1"]))
    ok = client.patch(
        "/api/v1/jurisdictions/S1",
        {"name": "第一次"},
        content_type="application/json",
        headers={"If-Match": '"1"'},
    )
    assert ok.status_code == 200
    stale = client.patch(
        "/api/v1/jurisdictions/S1",
        {"name": "第二次"},
        content_type="application/json",
        headers={"If-Match": '"1"'},
    )
    assert stale.status_code == 412
    assert stale.json()["code"] == "stale_version"
    assert client.get("/api/v1/jurisdictions/S1").json()["name"] == "第一次"


def test_invalid_body_is_422_naming_the_field(station_users: dict[str, Any]) -> None:
    response = Client(headers=bearer(station_users["admin1"])).patch(
        "/api/v1/jurisdictions/S1",
        {"name": ""},
        content_type="application/json",
        headers={"If-Match": "1"},
    )
    assert response.status_code == 422
    assert any("name" in e["loc"] for e in response.json()["errors"])
    # RFC 9457: the title names the type, the detail says what happened
    assert response.json()["title"] == HTTPStatus(422).phrase
    assert response.json()["detail"] == "请求参数有误"


def test_session_auth_requires_csrf_for_writes(station_users: dict[str, Any]) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(station_users["admin1"])
    assert client.get("/api/v1/me").json()["username"] == "admin1"
    response = client.patch(
        "/api/v1/jurisdictions/S1",
        {"name": "x"},
        content_type="application/json",
        headers={"If-Match": "1"},
    )
    assert response.status_code in (401, 403)


def test_healthz_reports_the_database(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["database"] in {"sqlite", "postgresql"}


def test_nul_characters_are_refused_before_they_reach_the_database(
    station_users: dict[str, Any],
) -> None:
    """PostgreSQL cannot hold NUL in text: a 500 there, stored on SQLite, before this."""
    client = Client(headers=bearer(station_users["admin1"]))
    body = client.post("/api/v1/tokens", {"name": "a\x00b"}, content_type="application/json")
    assert body.status_code == 422 and body.json()["code"] == "invalid_request"
    key = client.post("/api/v1/tokens", {"x\x00": 1, "name": "ok"}, content_type="application/json")
    assert key.status_code == 422
    query = client.get("/api/v1/jurisdictions", {"kind": "station\x00"})
    assert query.status_code == 422
    fine = client.post("/api/v1/tokens", {"name": "ok"}, content_type="application/json")
    assert fine.status_code == 201
