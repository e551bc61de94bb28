"""The records API: problem+json errors, If-Match, masking, scoping."""

from __future__ import annotations

from typing import Any

from django.test import Client

from tests.records.test_parties import VALID_ID

API = "/api/v1"


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post(client: Client, path: str, body: Any, **headers: str) -> Any:
    return client.post(API + path, body, content_type="application/json", headers=headers)


def test_open_move_and_refusals_through_the_api(people: dict[str, Any]) -> None:
    officer = client_for(people["officer"])
    created = post(
        officer,
        "/cases",
        {
            "case_type": "administrative",
            "category": "X01",
            "title": "殴打他人案",
            "jurisdiction": "S1",
        },
    )
    assert created.status_code == 201, created.content
    case = created.json()
    assert case["number"].startswith("X330203") and case["stage"] == "accepted"
    # an illegal step: problem+json with the allowed steps
    refused = post(officer, f"/cases/{case['id']}/move", {"stage": "closed"}, **{"If-Match": "1"})
    assert refused.status_code == 409
    assert refused["Content-Type"].startswith("application/problem+json")
    assert refused.json()["code"] == "illegal_transition"
    # an update without If-Match is refused
    patch = officer.patch(
        API + f"/cases/{case['id']}", {"summary": "x"}, content_type="application/json"
    )
    assert patch.status_code == 428
    patch = officer.patch(
        API + f"/cases/{case['id']}",
        {"summary": "简要案情", "legal_basis": "治安管理处罚法"},
        content_type="application/json",
        headers={"If-Match": str(case["version"])},
    )
    assert patch.status_code == 200, patch.content
    submitted = post(
        officer,
        f"/cases/{case['id']}/submit",
        {"stage": "filed"},
        **{"If-Match": str(patch.json()["version"])},
    )
    assert submitted.status_code == 201, submitted.content
    supervisor = client_for(people["supervisor"])
    board = supervisor.get(API + "/records/board").json()
    assert [a["id"] for a in board["pending"]] == [submitted.json()["id"]]
    returned = post(supervisor, f"/approvals/{submitted.json()['id']}/return", {"reason": ""})
    assert returned.status_code == 422
    approved = post(supervisor, f"/approvals/{submitted.json()['id']}/approve", {"reason": "同意"})
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    timeline = officer.get(API + f"/cases/{case['id']}/timeline").json()
    assert [t["kind"] for t in timeline] == ["opened", "submitted", "approved", "stage"]
    deadlines = officer.get(API + f"/cases/{case['id']}/deadlines").json()
    assert deadlines[0]["rule"] == "X_HANDLING" and deadlines[0]["status"] == "open"
    # out of scope: a station-2 officer gets 404
    assert client_for(people["officer_s2"]).get(API + f"/cases/{case['id']}").status_code == 404
    listed = supervisor.get(API + "/cases?stage=filed").json()
    assert [c["id"] for c in listed["results"]] == [case["id"]]


def test_parties_are_masked_and_reveal_is_audited(people: dict[str, Any]) -> None:
    officer = client_for(people["officer"])
    case = post(
        officer,
        "/cases",
        {"case_type": "criminal", "category": "A01", "title": "盗窃案", "jurisdiction": "S1"},
    ).json()
    bad = post(
        officer,
        f"/cases/{case['id']}/parties",
        {
            "role": "victim",
            "name": "李四",
            "legal_basis": "criminal_procedure",
            "id_number": VALID_ID[:17] + "0",
        },
    )
    assert bad.status_code == 422 and bad.json()["code"] == "id_checksum"
    party = post(
        officer,
        f"/cases/{case['id']}/parties",
        {
            "role": "victim",
            "name": "李四",
            "legal_basis": "criminal_procedure",
            "id_number": VALID_ID,
            "phone": "13812345678",
        },
    )
    assert party.status_code == 201
    assert party.json()["id_number"] == "**************" + VALID_ID[-4:]
    assert VALID_ID not in officer.get(API + f"/cases/{case['id']}/parties").content.decode()
    clear = post(officer, f"/parties/{party.json()['id']}/reveal", {"purpose": "通知被害人到所"})
    assert clear.status_code == 200 and clear.json()["id_number"] == VALID_ID


GOOD_CASE = {"case_type": "administrative", "category": "X01", "title": "殴打他人案"}


def test_each_input_rule_is_a_422_naming_the_field(people: dict[str, Any]) -> None:
    """Given a good case body, when one field breaks the input contract of
    zhian.core.schema_types (too long, an invisible character in a code, a date-time
    without a zone, an id beyond 64 bits), then the API answers 422 problem+json naming
    that field and opens nothing. (A NUL or lone surrogate anywhere in a body is refused
    before parsing, see tests/core/security/test_input_contract.py.)"""
    officer = client_for(people["officer"])
    for change, field in (
        ({"title": "案" * 121}, "title"),
        ({"summary": "长" * 4001}, "summary"),
        ({"category": "X\u200b01"}, "category"),
        ({"category": "X\u202e01"}, "category"),
        ({"accepted_at": "2026-03-02T09:00:00"}, "accepted_at"),
        ({"incidents": [2**64]}, "incidents"),
    ):
        response = post(officer, "/cases", {**GOOD_CASE, "jurisdiction": "S1", **change})
        assert response.status_code == 422, (field, response.content[:300])
        assert response["Content-Type"].startswith("application/problem+json")
        assert any(field in e["loc"] for e in response.json().get("errors", [])), (
            field,
            response.json(),
        )
    assert post(officer, "/cases", {**GOOD_CASE, "jurisdiction": "S1"}).status_code == 201
