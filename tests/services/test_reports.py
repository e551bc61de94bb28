"""Online reports: submission, routing, staff handling, forwarding into dispatch."""

from __future__ import annotations

from typing import Any

import pytest

from tests.services.conftest import S1_POINT
from zhian.core.errors import Conflict, NotFound, ValidationFailed
from zhian.core.models import AuditEvent
from zhian.dispatch.models import Incident
from zhian.services.choices import ReportStatus, RouteTarget
from zhian.services.models import OnlineReport, RoutingRule
from zhian.services.operations.reports import (
    ReportInput,
    do_accept_report,
    do_finish_report,
    do_forward_report,
    submit_report,
)
from zhian.services.operations.tracking import CODE_ALPHABET, CODE_LENGTH

pytestmark = pytest.mark.django_db

NOISE = ReportInput(
    category="noise",
    description="楼下酒吧每晚一点后仍有很大的音乐声",
    phone="138 0013 8000",
    address="测试路 1 号",
    lon=S1_POINT[0],
    lat=S1_POINT[1],
)


def test_a_report_gets_an_unguessable_readable_code_and_lands_in_its_station(
    tree: dict[str, Any], citizen: Any
) -> None:
    report = submit_report(NOISE, citizen=citizen)
    code = report.tracking.code
    assert len(code) == CODE_LENGTH and set(code) <= set(CODE_ALPHABET)
    assert not set(code) & set("0O1I")
    assert report.jurisdiction.code == "S1-1-1"
    assert report.route == RouteTarget.STATION
    assert report.tracking.phone == "13800138000"
    event = AuditEvent.objects.get(action="report.submit")
    assert event.actor_id is None and event.data["channel"] == "portal"
    assert "13800138000" not in str(event.data)


def test_a_report_without_coordinates_goes_to_the_bureau(
    tree: dict[str, Any], citizen: Any
) -> None:
    report = submit_report(
        ReportInput(
            category="lost_property",
            description="丢了一个黑色钱包",
            phone="13800138000",
            address="某商场",
        ),
        citizen=citizen,
    )
    assert report.jurisdiction.code == "B"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"category": "murder"}, "category"),
        ({"description": "吵"}, "description"),
        ({"phone": "12345"}, "phone"),
        ({"address": "", "lon": None, "lat": None}, "address"),
        ({"lat": None}, "lat"),
    ],
)
def test_invalid_reports_are_refused_with_the_field(
    tree: dict[str, Any], citizen: Any, changes: dict[str, Any], field: str
) -> None:
    data = ReportInput(**{**NOISE.__dict__, **changes})
    with pytest.raises(ValidationFailed) as exc:
        submit_report(data, citizen=citizen)
    assert field in exc.value.extra["fields"]
    assert not OnlineReport.objects.exists()


def test_a_point_outside_the_bureau_is_refused(tree: dict[str, Any], citizen: Any) -> None:
    with pytest.raises(ValidationFailed) as exc:
        submit_report(ReportInput(**{**NOISE.__dict__, "lon": 121.5, "lat": 31.2}), citizen=citizen)
    assert exc.value.code == "outside_area"


def test_a_rule_routes_the_category_and_staff_forward_it_into_dispatch(
    tree: dict[str, Any], people: dict[str, Any], citizen: Any
) -> None:
    RoutingRule.objects.create(
        category="noise", target=RouteTarget.DISPATCH, incident_category_code="0204"
    )
    report = submit_report(NOISE, citizen=citizen)
    assert report.route == RouteTarget.DISPATCH and report.incident_category_code == "0204"
    # Nothing reaches dispatch by itself: a dispatcher of the station forwards it.
    assert not Incident.objects.exists()
    do_forward_report(report, acting_user=people["dispatcher"], expected_version=1)
    report.refresh_from_db()
    incident = Incident.objects.get()
    assert report.status == ReportStatus.FORWARDED and report.incident == incident
    assert incident.channel == "online" and incident.jurisdiction.code == "S1-1-1"
    assert report.tracking.code in incident.narrative
    with pytest.raises(Conflict):
        do_forward_report(report, acting_user=people["dispatcher"], expected_version=2)


def test_staff_of_another_station_cannot_handle_the_report(
    tree: dict[str, Any], people: dict[str, Any], citizen: Any
) -> None:
    report = submit_report(NOISE, citizen=citizen)
    with pytest.raises(NotFound):
        do_accept_report(report, acting_user=people["dispatcher2"], expected_version=1)
    do_accept_report(report, acting_user=people["dispatcher"], expected_version=1)
    do_finish_report(
        report, acting_user=people["dispatcher"], expected_version=2, public_note="已联系商户整改"
    )
    report.refresh_from_db()
    assert report.status == ReportStatus.FINISHED and report.tracking.finished_at is not None
