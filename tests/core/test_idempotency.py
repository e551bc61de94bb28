"""``Idempotency-Key`` on every API POST (zhian.core.idempotency), through the real API."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from zhian.core.models import ApiToken
from zhian.core.models.idempotency import IdempotencyRecord
from zhian.core.services.tokens import do_create_token

pytestmark = pytest.mark.django_db


def bearer_client(user: Any) -> Client:
    _, secret = do_create_token(acting_user=user, name="t")
    return Client(headers={"Authorization": f"Bearer {secret}"})


def post(client: Client, path: str, body: Any, key: str) -> Any:
    return client.post(
        path, body, content_type="application/json", headers={"Idempotency-Key": key}
    )


def test_token_secrets_are_never_stored_for_replay(station_users: dict[str, Any]) -> None:
    client = bearer_client(station_users["admin1"])
    first = post(client, "/api/v1/tokens", {"name": "脚本"}, "tok-1")
    again = post(client, "/api/v1/tokens", {"name": "脚本"}, "tok-1")
    assert first.status_code == again.status_code == 201
    assert first.json()["secret"] != again.json()["secret"]
    assert "Idempotent-Replayed" not in again
    assert ApiToken.objects.filter(name="脚本").count() == 2
    assert not IdempotencyRecord.objects.exists()


def test_the_openapi_description_offers_the_header_on_stored_posts_only(
    station_users: dict[str, Any],
) -> None:
    client = Client()
    client.force_login(station_users["admin1"])
    paths = client.get("/api/v1/openapi.json").json()["paths"]

    def header_names(path: str, method: str) -> list[str]:
        params = paths[path][method].get("parameters", [])
        return [p["name"] for p in params if p["in"] == "header"]

    assert "Idempotency-Key" in header_names("/api/v1/incidents", "post")
    assert "Idempotency-Key" in header_names("/api/v1/incidents/{incident_id}/dispatch", "post")
    assert "Idempotency-Key" not in header_names("/api/v1/tokens", "post")
    assert "Idempotency-Key" not in header_names("/api/v1/incidents", "get")
    reveal = "/api/v1/incidents/{incident_id}/reveal-callers"
    assert "Idempotency-Key" not in header_names(reveal, "post")
