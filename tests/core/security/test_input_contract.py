"""One input contract for every API operation, generated from the OpenAPI description (so a
new endpoint is covered the day it appears): a body that is not JSON is a 415, a body over
the cap a 413, an id beyond 64 bits a 404, a lone surrogate a 422, all problem+json; then
the field rules (zone-less and out-of-window times, booleans as numbers, overlong text,
invisible characters in names) each refused on the field, and a crash in production is
problem+json too."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from tests.factories import Role, UserFactory
from zhian.api import api

pytestmark = pytest.mark.django_db

SCHEMA = api.get_openapi_schema(path_prefix="/api/v1")
OPERATIONS = [
    (method.upper(), path, op)
    for path, item in SCHEMA["paths"].items()
    for method, op in item.items()
    if method in {"get", "post", "put", "patch", "delete"}
]
WITH_BODY = [(m, p, op) for m, p, op in OPERATIONS if "requestBody" in op]
WITH_INT_PATH = [
    (m, p, op)
    for m, p, op in OPERATIONS
    if any(
        prm["in"] == "path" and prm.get("schema", {}).get("type") == "integer"
        for prm in op.get("parameters", [])
    )
]


def fill(path: str, value: str = "1") -> str:
    import re

    return re.sub(r"\{[^}]+\}", value, path)


def ident(case: tuple[str, str, Any]) -> str:
    return f"{case[0]} {case[1]}"


@pytest.fixture
def client(tree: dict[str, Any]) -> Client:
    user = UserFactory(username="contract", roles=[(Role.DISPATCHER, tree["B"])])
    c = Client()
    c.force_login(user)
    return c


def is_problem(response: Any, status: int) -> bool:
    return response.status_code == status and response["Content-Type"].startswith(
        "application/problem+json"
    )


def test_the_schema_has_operations_to_check() -> None:
    assert len(WITH_BODY) >= 8 and len(WITH_INT_PATH) >= 8


@pytest.mark.parametrize("case", WITH_BODY, ids=ident)
def test_a_body_that_is_not_json_is_a_415(client: Client, case: tuple[str, str, Any]) -> None:
    method, path, _op = case
    response = client.generic(method, fill(path), "name=x", content_type="text/plain")
    assert is_problem(response, 415), response.content[:300]


@pytest.mark.parametrize("case", WITH_BODY, ids=ident)
def test_a_body_over_the_cap_is_a_413(
    client: Client, settings: Any, case: tuple[str, str, Any]
) -> None:
    method, path, _op = case
    settings.ZHIAN_API_MAX_BODY_BYTES = 2048
    body = json.dumps({"narrative": "长" * 3000})
    response = client.generic(method, fill(path), body, content_type="application/json")
    assert is_problem(response, 413) and response.json()["limit"] == 2048


@pytest.mark.parametrize("case", WITH_BODY, ids=ident)
def test_a_lone_surrogate_is_a_422(client: Client, case: tuple[str, str, Any]) -> None:
    method, path, _op = case
    body = '{"name": "a\\ud800b", "address": "\\udfff", "purpose": "x\\ud83d"}'
    response = client.generic(method, fill(path), body, content_type="application/json")
    assert is_problem(response, 422), response.content[:300]


@pytest.mark.parametrize("case", WITH_INT_PATH, ids=ident)
@pytest.mark.parametrize("value", [str(2**63), str(2**64 + 1), "9" * 40])
def test_an_id_beyond_64_bits_is_a_404(
    client: Client, case: tuple[str, str, Any], value: str
) -> None:
    method, path, _op = case
    response = client.generic(method, fill(path, value), "{}", content_type="application/json")
    assert response.status_code in {404, 422} and response["Content-Type"].startswith(
        "application/problem+json"
    ), (response.status_code, response.content[:300])


# --- Field rules, each refused on the field it names.

GOOD_INCIDENT = {
    "channel": "call_110",
    "category": "0101",
    "address": "文三路 1 号",
    "lon": 120.01,
    "lat": 30.01,
}


@pytest.fixture
def seeded(db: Any) -> None:
    import importlib

    from django.apps import apps

    from zhian.dispatch.models import IncidentCategory

    if not IncidentCategory.objects.exists():
        importlib.import_module("zhian.dispatch.migrations.0002_seed_categories_and_plans").seed(
            apps, None
        )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"received_at": "2025-01-01T08:00:00"}, "received_at"),  # no zone
        ({"received_at": "1970-01-01T00:00:00+08:00"}, "received_at"),  # before the bureau
        ({"received_at": "2099-01-01T00:00:00+08:00"}, "received_at"),  # the future
        ({"received_at": "9999-12-31T23:59:59+14:00"}, "received_at"),  # calendar's end
        ({"lon": True}, "lon"),
        ({"lat": False}, "lat"),
        ({"priority": True}, "priority"),
        ({"narrative": "长" * 4001}, "narrative"),  # the form's cap, not a megabyte
        ({"address": "x" * 201}, "address"),
        ({"category": "01\u202e01"}, "category"),  # bidi override in an identifier
        ({"category": "01\u200b01"}, "category"),  # zero width
    ],
)
def test_each_field_rule_is_a_422_naming_the_field(
    client: Client, seeded: None, change: dict[str, Any], field: str
) -> None:
    response = client.post(
        "/api/v1/incidents", {**GOOD_INCIDENT, **change}, content_type="application/json"
    )
    assert is_problem(response, 422), response.content[:300]
    assert any(field in e["loc"] for e in response.json()["errors"]), response.json()


def test_the_good_incident_is_accepted(client: Client, seeded: None) -> None:
    fine = client.post(
        "/api/v1/incidents",
        {**GOOD_INCIDENT, "received_at": "2025-06-01T08:00:00+08:00"},
        content_type="application/json",
    )
    assert fine.status_code == 201, fine.content


def test_names_refuse_invisible_characters(tree: dict[str, Any]) -> None:
    admin = UserFactory(username="namer", roles=[(Role.ADMINISTRATOR, tree["B"])])
    c = Client()
    c.force_login(admin)
    response = c.patch(
        "/api/v1/jurisdictions/S1",
        {"name": "第一\u202e派出所"},
        content_type="application/json",
        headers={"If-Match": str(tree["S1"].version)},
    )
    assert is_problem(response, 422)
    assert response.json()["errors"][0]["loc"][-1] == "name"


def test_a_crash_in_production_is_problem_json(
    client: Client, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A bug stands in for any unexpected exception in a handler.
    def broken(user: Any) -> Any:
        raise RuntimeError("bug")

    monkeypatch.setattr("zhian.core.selectors.tokens_for", broken)
    settings.DEBUG = False
    client.raise_request_exception = False
    response = client.get("/api/v1/tokens")
    assert is_problem(response, 500)
    assert response.json()["code"] == "server_error" and "bug" not in response.content.decode()


def test_the_page_form_refuses_the_names_the_api_refuses(tree: dict[str, Any]) -> None:
    admin = UserFactory(username="pagenamer", roles=[(Role.ADMINISTRATOR, tree["B"])])
    c = Client()
    c.force_login(admin)
    response = c.post(
        "/jurisdictions/S1/",
        {"name": "第一\u200b派出所", "name_en": "", "version": tree["S1"].version},
    )
    assert response.status_code == 422
    assert "不可见字符" in response.content.decode()
    tree["S1"].refresh_from_db()
    assert "\u200b" not in tree["S1"].name
