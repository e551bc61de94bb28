"""Open311 GeoReport v2: every endpoint in JSON and XML with the specification's field
names, and its error format (a list of {code, description}; XML <errors><error>)."""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree as ET

import pytest
from django.test import Client

from tests.services.conftest import S1_POINT
from zhian.services.models import OnlineReport
from zhian.services.operations.open311_clients import (
    do_create_open311_client,
    do_revoke_open311_client,
)

pytestmark = pytest.mark.django_db

BASE = "/open311/v2"
SERVICE_FIELDS = {
    "service_code",
    "service_name",
    "description",
    "metadata",
    "type",
    "keywords",
    "group",
}
REQUEST_FIELDS = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
}


@pytest.fixture
def api_key(tree: dict[str, Any], people: dict[str, Any]) -> str:
    _client, key = do_create_open311_client(acting_user=people["admin"], name="12345 热线")
    return key


def _post(key: str, fmt: str = "json", **fields: Any) -> Any:
    body = {
        "api_key": key,
        "service_code": "noise",
        "lat": str(S1_POINT[1]),
        "long": str(S1_POINT[0]),
        "address_string": "测试路 1 号",
        "description": "广场舞音响声音过大，晚上十点后仍未停止",
        "phone": "13800138000",
        **fields,
    }
    return Client().post(f"{BASE}/requests.{fmt}", {k: v for k, v in body.items() if v is not None})


def _xml(response: Any) -> ET.Element:
    text = response.content.decode()
    assert text.startswith('<?xml version="1.0" encoding="utf-8"?>')
    assert response["Content-Type"].startswith("text/xml")
    return ET.fromstring(text.split("?>", 1)[1])


def _json_errors(response: Any, status: int) -> str:
    assert response.status_code == status
    body = response.json()
    assert isinstance(body, list) and set(body[0]) == {"code", "description"}
    assert body[0]["code"] == status
    return str(body[0]["description"])


def _xml_errors(response: Any, status: int) -> str:
    assert response.status_code == status
    root = _xml(response)
    assert root.tag == "errors"
    (error,) = root.findall("error")
    assert error.findtext("code") == str(status)
    return error.findtext("description") or ""


def test_service_list_json_and_xml(tree: dict[str, Any]) -> None:
    body = Client().get(f"{BASE}/services.json").json()
    assert [s["service_code"] for s in body] == [
        "lost_property",
        "minor_damage",
        "noise",
        "traffic_obstruction",
        "tip",
    ]
    assert all(set(s) == SERVICE_FIELDS for s in body)
    assert body[2]["type"] == "realtime" and body[2]["metadata"] is False
    root = _xml(Client().get(f"{BASE}/services.xml"))
    assert root.tag == "services"
    services = root.findall("service")
    assert len(services) == 5
    assert {c.tag for c in services[0]} == SERVICE_FIELDS
    assert services[2].findtext("metadata") == "false"


def test_service_definition_and_an_unknown_service_code(tree: dict[str, Any]) -> None:
    body = Client().get(f"{BASE}/services/noise.json").json()
    assert body == {"service_code": "noise", "attributes": []}
    root = _xml(Client().get(f"{BASE}/services/noise.xml"))
    assert root.tag == "service_definition" and root.findtext("service_code") == "noise"
    assert "pothole" in _json_errors(Client().get(f"{BASE}/services/pothole.json"), 404)
    assert "pothole" in _xml_errors(Client().get(f"{BASE}/services/pothole.xml"), 404)
    assert Client().get(f"{BASE}/services.html").status_code == 404


def test_post_creates_the_same_object_as_the_portal(api_key: str) -> None:
    response = _post(api_key)
    assert response.status_code == 201
    (created,) = response.json()
    assert set(created) == {"service_request_id", "token", "service_notice", "account_id"}
    report = OnlineReport.objects.get()
    assert report.tracking.code == created["service_request_id"]
    assert report.tracking.channel == "open311" and report.jurisdiction.code == "S1-1-1"
    root = _xml(_post(api_key, fmt="xml", phone=None))
    request = root.find("request")
    assert root.tag == "service_requests" and request is not None
    assert request.findtext("service_request_id") and request.findtext("token")
    assert OnlineReport.objects.count() == 2


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_post_errors(api_key: str, fmt: str) -> None:
    errors = _json_errors if fmt == "json" else _xml_errors
    assert "api_key" in errors(_post("o311_wrong", fmt=fmt), 403)
    assert "api_key" in errors(_post("", fmt=fmt), 403)
    assert "pothole" in errors(_post(api_key, fmt=fmt, service_code="pothole"), 404)
    missing = _post(api_key, fmt=fmt, lat=None, long=None, address_string=None)
    assert "location" in errors(missing, 400)
    assert "description" in errors(_post(api_key, fmt=fmt, description="x"), 400)
    assert "lat" in errors(_post(api_key, fmt=fmt, lat="north"), 400)
    assert not OnlineReport.objects.exists()


def test_a_revoked_key_is_refused(api_key: str, people: dict[str, Any]) -> None:
    from zhian.services.models import Open311Client

    do_revoke_open311_client(Open311Client.objects.get(), acting_user=people["admin"])
    _json_errors(_post(api_key), 403)


def test_get_requests_with_filters_json_and_xml(
    api_key: str, tree: dict[str, Any], people: dict[str, Any]
) -> None:
    noise = _post(api_key).json()[0]["service_request_id"]
    lost = _post(api_key, service_code="lost_property", description="遗失一个蓝色双肩包").json()[0][
        "service_request_id"
    ]
    # Another client's request is not visible to this one.
    _other, other_key = do_create_open311_client(acting_user=people["admin"], name="其他系统")
    _post(other_key)
    client = Client()
    rows = client.get(f"{BASE}/requests.json", {"api_key": api_key}).json()
    assert {r["service_request_id"] for r in rows} == {noise, lost}
    assert all(set(r) == REQUEST_FIELDS for r in rows)
    assert {r["status"] for r in rows} == {"open"}
    by_code = client.get(
        f"{BASE}/requests.json", {"api_key": api_key, "service_code": "noise"}
    ).json()
    assert [r["service_request_id"] for r in by_code] == [noise]
    by_id = client.get(
        f"{BASE}/requests.json", {"api_key": api_key, "service_request_id": f"{lost},ZZZZZZZZZZ"}
    ).json()
    assert [r["service_request_id"] for r in by_id] == [lost]
    assert (
        client.get(f"{BASE}/requests.json", {"api_key": api_key, "status": "closed"}).json() == []
    )
    window = {"start_date": "2020-01-01T00:00:00+08:00", "end_date": "2020-02-01T00:00:00Z"}
    assert client.get(f"{BASE}/requests.json", {"api_key": api_key, **window}).json() == []
    swapped = {"start_date": window["end_date"], "end_date": window["start_date"]}
    _json_errors(client.get(f"{BASE}/requests.json", {"api_key": api_key, **swapped}), 400)
    _json_errors(
        client.get(f"{BASE}/requests.json", {"api_key": api_key, "start_date": "yesterday"}), 400
    )
    _json_errors(
        client.get(f"{BASE}/requests.json", {"api_key": api_key, "status": "pending"}), 400
    )
    _json_errors(client.get(f"{BASE}/requests.json"), 403)
    root = _xml(client.get(f"{BASE}/requests.xml", {"api_key": api_key, "status": "open"}))
    requests = root.findall("request")
    assert root.tag == "service_requests" and len(requests) == 2
    assert {c.tag for c in requests[0]} == REQUEST_FIELDS


def test_get_one_request_and_a_token_json_and_xml(api_key: str) -> None:
    created = _post(api_key).json()[0]
    rid, token = created["service_request_id"], created["token"]
    client = Client()
    (row,) = client.get(f"{BASE}/requests/{rid}.json", {"api_key": api_key}).json()
    assert (
        row["service_request_id"] == rid
        and row["lat"] == S1_POINT[1]
        and row["long"] == S1_POINT[0]
    )
    assert row["agency_responsible"] and row["requested_datetime"].endswith("+08:00")
    root = _xml(client.get(f"{BASE}/requests/{rid}.xml", {"api_key": api_key}))
    assert root.find("request/service_request_id").text == rid  # type: ignore[union-attr]
    assert client.get(f"{BASE}/tokens/{token}.json", {"api_key": api_key}).json() == [
        {"service_request_id": rid, "token": token}
    ]
    root = _xml(client.get(f"{BASE}/tokens/{token}.xml", {"api_key": api_key}))
    assert root.find("request/token").text == token  # type: ignore[union-attr]
    _json_errors(client.get(f"{BASE}/requests/ZZZZZZZZZZ.json", {"api_key": api_key}), 404)
    _xml_errors(client.get(f"{BASE}/tokens/nope.xml", {"api_key": api_key}), 404)
    _xml_errors(client.get(f"{BASE}/requests/{rid}.xml", {"api_key": "o311_bad"}), 403)


def test_a_keyed_client_is_not_held_to_the_portal_address_limit(
    api_key: str, settings: Any
) -> None:
    settings.ZHIAN_PORTAL_RATE_LIMITS = {"report_ip": (1, 3600), "report_phone": (100, 86400)}
    assert _post(api_key).status_code == 201
    assert _post(api_key, phone="13800138001").status_code == 201
