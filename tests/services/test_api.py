"""Staff API of 便民服务: scoped lists, If-Match on actions, no contact data."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from tests.services.conftest import S1_POINT
from zhian.core.services.tokens import do_create_token
from zhian.services.operations.complaints import ComplaintInput, submit_complaint
from zhian.services.operations.reports import ReportInput, submit_report

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    _token, secret = do_create_token(acting_user=user, name="t")
    return Client(headers={"Authorization": f"Bearer {secret}"})


@pytest.fixture
def report(tree: dict[str, Any], citizen: Any) -> Any:
    return submit_report(
        ReportInput(
            category="noise",
            description="夜间施工噪声很大",
            phone="13800138000",
            address="测试路 5 号",
            lon=S1_POINT[0],
            lat=S1_POINT[1],
        ),
        citizen=citizen,
    )


def test_report_queue_is_scoped_and_holds_no_phone(report: Any, people: dict[str, Any]) -> None:
    mine = client_for(people["dispatcher"]).get("/api/v1/services/reports")
    assert mine.status_code == 200
    (row,) = mine.json()["results"]
    assert row["code"] == report.tracking.code and row["jurisdiction"] == "S1-1-1"
    assert "13800138000" not in mine.content.decode()
    assert client_for(people["dispatcher2"]).get("/api/v1/services/reports").json()["results"] == []
    assert (
        client_for(people["dispatcher2"]).get(f"/api/v1/services/reports/{report.pk}").status_code
        == 404
    )


def test_actions_need_if_match_and_refuse_a_stale_version(
    report: Any, people: dict[str, Any]
) -> None:
    client = client_for(people["dispatcher"])
    url = f"/api/v1/services/reports/{report.pk}/accept"

    def accept(**headers: str) -> Any:
        return client.post(url, "", content_type="application/json", headers=headers)

    assert accept().status_code == 428
    assert accept(**{"If-Match": "7"}).status_code == 412
    accepted = accept(**{"If-Match": "1"})
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    finished = client.post(
        f"/api/v1/services/reports/{report.pk}/finish",
        json.dumps({"public_note": "已责令施工方停止夜间施工"}),
        content_type="application/json",
        headers={"If-Match": "2"},
    )
    assert finished.json()["status"] == "finished"


def test_a_report_is_handed_to_the_grid_through_the_api(
    report: Any, people: dict[str, Any]
) -> None:
    url = f"/api/v1/services/reports/{report.pk}/grid"
    community = client_for(people["community"])
    body = json.dumps({"report_type": "safety_hazard"})
    assert community.post(url, body, content_type="application/json").status_code == 428
    bad = community.post(
        url, json.dumps({"report_type": "person"}), "application/json", headers={"If-Match": "1"}
    )
    assert bad.status_code == 422 and "report_type" in bad.content.decode()
    done = community.post(url, body, content_type="application/json", headers={"If-Match": "1"})
    assert done.status_code == 200, done.content
    assert done.json()["route"] == "grid" and done.json()["grid_report_id"] is not None
    again = community.post(url, body, content_type="application/json", headers={"If-Match": "2"})
    assert again.status_code == 409


def test_complaint_assignment_inside_the_unit_is_refused_by_the_api(
    tree: dict[str, Any], people: dict[str, Any], citizen: Any
) -> None:
    complaint = submit_complaint(
        ComplaintInput(
            unit=tree["S1"], description="民警出警后未告知处理结果", phone="13800138002"
        ),
        citizen=citizen,
    )
    client = client_for(people["leader"])
    url = f"/api/v1/services/complaints/{complaint.pk}/assign"
    inside = client.post(
        url,
        json.dumps({"handler_id": people["station_supervisor"].pk}),
        content_type="application/json",
        headers={"If-Match": "1"},
    )
    assert inside.status_code == 403 and inside.json()["code"] == "handler_inside_unit"
    outside = client.post(
        url,
        json.dumps({"handler_id": people["bureau_supervisor"].pk}),
        content_type="application/json",
        headers={"If-Match": "1"},
    )
    assert outside.status_code == 200 and outside.json()["status"] == "assigned"
    assert "13800138002" not in client.get("/api/v1/services/complaints").content.decode()
    figures = client.get("/api/v1/services/figures", {"start": "2026-01-01", "end": "2026-12-31"})
    assert figures.status_code == 200 and figures.json()["complaints"] == []


def test_the_openapi_document_includes_the_services_endpoints(tree: dict[str, Any]) -> None:
    schema = Client().get("/api/v1/openapi.json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/services/appointments" in paths and "/api/v1/services/figures" in paths


def test_staff_enter_a_complaint_received_by_phone(
    tree: dict[str, Any], people: dict[str, Any]
) -> None:
    client = client_for(people["leader"])
    body = {"unit": "S1", "description": "电话反映：民警出警时未出示证件", "phone": "13800138009"}
    created = client.post(
        "/api/v1/services/complaints", json.dumps(body), content_type="application/json"
    )
    assert created.status_code == 201, created.content
    assert created.json()["unit"] == "S1" and "13800138009" not in created.content.decode()
    officer = client_for(people["patrol"])
    refused = officer.post(
        "/api/v1/services/complaints", json.dumps(body), content_type="application/json"
    )
    assert refused.status_code == 403


def test_each_input_rule_is_a_422_naming_the_field(
    tree: dict[str, Any], people: dict[str, Any]
) -> None:
    """Given a good complaint entered by staff, when one field breaks the input contract of
    zhian.core.schema_types (too long, an invisible character in a unit code or a name, a
    date-time without a zone or in the future), then the API answers 422 problem+json
    naming that field and records nothing."""
    from zhian.services.models import Complaint

    client = client_for(people["leader"])
    body = {"unit": "S1", "description": "电话反映：民警出警时未出示证件", "phone": "13800138009"}
    for change, field in (
        ({"description": "长" * 4001}, "description"),
        ({"officer_reference": "警" * 101}, "officer_reference"),
        ({"unit": "S\u200b1"}, "unit"),
        ({"complainant_name": "张\u202e三"}, "complainant_name"),
        ({"occurred_at": "2026-03-02T09:00:00"}, "occurred_at"),
        ({"occurred_at": "2099-01-01T09:00:00+08:00"}, "occurred_at"),
    ):
        response = client.post(
            "/api/v1/services/complaints",
            json.dumps({**body, **change}),
            content_type="application/json",
        )
        assert response.status_code == 422, (field, response.content[:300])
        assert response["Content-Type"].startswith("application/problem+json")
        errors = response.json().get("errors", [])
        assert any(field in e["loc"] for e in errors), (field, response.json())
    assert not Complaint.objects.exists()
