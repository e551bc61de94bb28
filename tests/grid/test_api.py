"""The grid API: a draft sent twice stores one report, If-Match on referral steps,
scoping, problem+json."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import pytest
from django.test import Client

from tests.grid.factories import photo_bytes
from zhian.core.services.tokens import do_create_token
from zhian.grid.models import GridReport, Referral, ReportPhoto

pytestmark = pytest.mark.django_db

DRAFT = {
    "report_type": "safety_hazard",
    "description": "3 号楼消防通道被电动车堵塞",
    "address": "幸福里 3 号楼",
    "lon": 120.01,
    "lat": 30.01,
}
PHOTO = {
    "name": "现场.jpg",
    "data": "data:image/jpeg;base64," + base64.b64encode(photo_bytes()).decode(),
}


def client_for(user: Any) -> Client:
    _, secret = do_create_token(acting_user=user, name="t")
    return Client(headers={"Authorization": f"Bearer {secret}"})


def post(client: Client, path: str, body: Any = None, **headers: str) -> Any:
    return client.post(path, body or {}, content_type="application/json", headers=headers)


def test_a_draft_sent_again_after_a_network_drop_stores_one_report(
    people: dict[str, Any], rules: Any
) -> None:
    # Given a phone that made its Idempotency-Key when the draft was made, sent the POST,
    # and lost the connection before the answer arrived ...
    client = client_for(people["worker"])
    key = str(uuid.uuid4())
    draft = {**DRAFT, "photos": [PHOTO]}
    first = post(client, "/api/v1/grid/reports", draft, **{"Idempotency-Key": key})
    assert first.status_code == 201
    # ... when the network returns it sends the same draft with the same key again:
    again = post(client, "/api/v1/grid/reports", draft, **{"Idempotency-Key": key})
    # then the first answer is replayed and one report (with one set of referrals) exists.
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert GridReport.objects.count() == 1
    assert Referral.objects.count() == 2
    assert first.json()["photos"] == 1 and ReportPhoto.objects.count() == 1
    # A new draft (new key) is a new report.
    third = post(client, "/api/v1/grid/reports", DRAFT, **{"Idempotency-Key": str(uuid.uuid4())})
    assert third.status_code == 201 and GridReport.objects.count() == 2


def test_the_liaison_signs_and_resolves_with_if_match_and_the_worker_verifies(
    people: dict[str, Any], rules: Any
) -> None:
    worker, liaison = client_for(people["worker"]), client_for(people["liaison"])
    report = post(worker, "/api/v1/grid/reports", {**DRAFT, "report_type": "assistance"}).json()
    (referral,) = report["referrals"]
    assert [e["kind"] for e in report["timeline"]] == ["submitted", "referred"]

    inbox = liaison.get("/api/v1/grid/inbox").json()["results"]
    assert [r["id"] for r in inbox] == [referral["id"]]
    path = f"/api/v1/grid/referrals/{referral['id']}"
    missing = post(liaison, f"{path}/sign")
    assert missing.status_code == 428
    assert missing.headers["Content-Type"].startswith("application/problem+json")
    signed = post(liaison, f"{path}/sign", **{"If-Match": '"1"'})
    assert signed.status_code == 200 and signed.json()["status"] == "signed"
    done = {"resolution": "已清理", "photos": [PHOTO]}
    no_photo = post(liaison, f"{path}/resolve", {"resolution": "已清理"}, **{"If-Match": "2"})
    assert no_photo.status_code == 422
    stale = post(liaison, f"{path}/resolve", done, **{"If-Match": "1"})
    assert stale.status_code == 412 and stale.json()["code"] == "stale_version"
    assert post(liaison, f"{path}/progress", {"note": "已通知物业"}).status_code == 204
    resolved = post(liaison, f"{path}/resolve", done, **{"If-Match": "2"})
    assert resolved.json()["status"] == "resolved"
    # The liaison may not verify their own work; the worker rates it.
    refused = post(liaison, f"{path}/verify", {"rating": 5}, **{"If-Match": "3"})
    assert refused.status_code == 403
    bad = post(worker, f"{path}/verify", {"rating": 9}, **{"If-Match": "3"})
    assert bad.status_code == 422
    ok = post(worker, f"{path}/verify", {"rating": 4}, **{"If-Match": "3"})
    assert ok.status_code == 200 and ok.json()["rating"] == 4
    detail = worker.get(f"/api/v1/grid/reports/{report['id']}").json()
    assert detail["status"] == "closed"
    assert [e["kind"] for e in detail["timeline"]] == [
        "submitted",
        "referred",
        "signed",
        "progress",
        "resolved",
        "verified",
    ]


def test_other_jurisdictions_reports_do_not_exist_for_the_caller(
    people: dict[str, Any], rules: Any
) -> None:
    east = client_for(people["east_worker"])
    report = post(client_for(people["worker"]), "/api/v1/grid/reports", DRAFT).json()
    response = east.get(f"/api/v1/grid/reports/{report['id']}")
    assert response.status_code == 404
    assert json.loads(response.content)["code"] == "not_found"
    assert east.get("/api/v1/grid/reports").json()["results"] == []
    outside = post(east, "/api/v1/grid/reports", DRAFT)
    assert outside.status_code == 422 and outside.json()["code"] == "outside_jurisdiction"


def test_scorecard_endpoint(people: dict[str, Any], rules: Any) -> None:
    post(client_for(people["worker"]), "/api/v1/grid/reports", DRAFT)
    leader = client_for(people["leader"])
    rows = leader.get("/api/v1/grid/scorecard?start=2020-01-01&end=2020-12-31").json()
    assert rows == []
    from django.utils import timezone

    today = timezone.localdate().isoformat()
    rows = leader.get(f"/api/v1/grid/scorecard?start={today}&end={today}").json()
    assert {r["department"] for r in rows} == {"城管执法中队", "市场监管所"}
    assert leader.get(f"/api/v1/grid/scorecard?start={today}&end=2020-01-01").status_code == 422


def test_disputes_api_masks_parties_and_reveals_with_a_purpose(
    people: dict[str, Any], rules: Any
) -> None:
    worker, officer = client_for(people["worker"]), client_for(people["community"])
    dispute = post(
        worker,
        "/api/v1/grid/disputes",
        {
            "dispute_type": "neighbour",
            "title": "漏水",
            "summary": "楼上漏水多次争吵",
            "address": "幸福里",
            "lon": 120.01,
            "lat": 30.01,
        },
    )
    assert dispute.status_code == 201 and dispute.json()["risk_level"] == "low"
    dispute_id = dispute.json()["id"]
    party = post(
        worker,
        f"/api/v1/grid/disputes/{dispute_id}/parties",
        {"role": "complainant", "name": "张三丰", "phone": "13800138000"},
    )
    assert party.status_code == 201
    assert (party.json()["name"], party.json()["phone"]) == ("张**", "*******8000")
    party_id = party.json()["id"]
    assert (
        post(
            worker, f"/api/v1/grid/parties/{party_id}/reveal", {"purpose": "联系当事人调解"}
        ).status_code
        == 403
    )
    assert (
        post(officer, f"/api/v1/grid/parties/{party_id}/reveal", {"purpose": "看"}).status_code
        == 422
    )
    clear = post(
        officer,
        f"/api/v1/grid/parties/{party_id}/reveal",
        {"purpose": "联系当事人调解"},
        **{"Idempotency-Key": "r1"},
    )
    assert clear.json()["name"] == "张三丰"
    from zhian.core.models.idempotency import IdempotencyRecord

    assert not IdempotencyRecord.objects.filter(key="r1").exists()  # personal data not stored
    risen = post(
        officer,
        f"/api/v1/grid/disputes/{dispute_id}/risk",
        {"threat_of_violence": True, "weapon_mentioned": False},
        **{"If-Match": "1"},
    )
    assert risen.status_code == 200
    body = risen.json()
    assert body["risk_level"] == "high" and body["raised_incident"]


def test_places_api_records_an_inspection_that_opens_a_hazard(
    people: dict[str, Any], places: dict[str, Any]
) -> None:
    from zhian.grid.services.place_rules import checklist

    worker = client_for(people["worker"])
    hotel = places["hotel"]
    rows = worker.get("/api/v1/grid/places?place_type=hotel").json()["results"]
    assert [r["name"] for r in rows] == ["如家酒店"] and rows[0]["risk_tier"] == 2
    results = {code: "pass" for code, _label in checklist("hotel")}
    results["cctv"] = "fail"
    made = post(worker, f"/api/v1/grid/places/{hotel.pk}/inspections", {"results": results})
    assert made.status_code == 201 and made.json()["failed_items"] == 1
    hazards = worker.get("/api/v1/grid/hazards").json()["results"]
    assert [(h["place_id"], h["item"]) for h in hazards] == [(hotel.pk, "cctv")]
    del results["cctv"]
    assert (
        post(
            worker, f"/api/v1/grid/places/{hotel.pk}/inspections", {"results": results}
        ).status_code
        == 422
    )


def test_each_input_rule_is_a_422_naming_the_field(people: dict[str, Any]) -> None:
    """Given a good report draft, when one field breaks the input contract of
    zhian.core.schema_types (too long, empty, a boolean or infinity as a coordinate) or a
    place name carries an invisible character, then the API answers 422 problem+json
    naming that field and stores nothing."""
    worker = client_for(people["worker"])
    for change, field in (
        ({"description": "长" * 2001}, "description"),
        ({"description": ""}, "description"),
        ({"address": "路" * 201}, "address"),
        ({"lon": True}, "lon"),
        ({"lat": "Infinity"}, "lat"),
    ):
        response = post(worker, "/api/v1/grid/reports", {**DRAFT, **change})
        assert response.status_code == 422, (field, response.content[:300])
        assert response["Content-Type"].startswith("application/problem+json")
        errors = response.json().get("errors", [])
        assert any(field in e["loc"] for e in errors), (field, response.json())
    assert not GridReport.objects.exists()
    place = {
        "name": "实验\u200b小学",
        "place_type": "school",
        "address": "学院路 1 号",
        "lon": 120.01,
        "lat": 30.01,
        "operator_name": "王校长",
        "operator_phone": "0571-87654321",
    }
    refused = post(client_for(people["community"]), "/api/v1/grid/places", place)
    assert refused.status_code == 422
    assert any("name" in e["loc"] for e in refused.json()["errors"]), refused.json()
