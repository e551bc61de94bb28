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


# ---- 转网格: the grid route ------------------------------------------------------------


def _close_through_the_grid(grid_report: Any, community: Any, tree: dict[str, Any]) -> None:
    """The grid's own flow: whistle to a department, its liaison signs and resolves with a
    photo, the community officer verifies (the report closes)."""
    from tests.factories import Role, UserFactory
    from tests.grid.factories import photo
    from zhian.grid.services.departments import do_add_liaison, do_create_department
    from zhian.grid.services.reports import (
        do_refer_report,
        do_resolve_referral,
        do_sign_referral,
        do_verify_referral,
    )

    admin = UserFactory(username="grid_admin", roles=[(Role.ADMINISTRATOR, tree["B"])])
    liaison = UserFactory(username="cg_liaison", roles=[(Role.DEPARTMENT_LIAISON, tree["B"])])
    department = do_create_department(
        acting_user=admin, code="CG", name="城管", kind="urban_management", jurisdiction=tree["B"]
    )
    do_add_liaison(department, liaison, acting_user=admin)
    referral = do_refer_report(grid_report, department, acting_user=community)
    referral = do_sign_referral(referral, acting_user=liaison, expected_version=referral.version)
    referral = do_resolve_referral(
        referral,
        acting_user=liaison,
        expected_version=referral.version,
        resolution="已劝导酒吧降低音量并签订承诺书",
        photos=[photo()],
    )
    do_verify_referral(referral, acting_user=community, expected_version=referral.version, rating=5)


def test_a_report_handed_to_the_grid_becomes_a_grid_report_and_finishes_when_it_closes(
    tree: dict[str, Any], people: dict[str, Any], citizen: Any
) -> None:
    from zhian.grid.models import GridReport
    from zhian.services.operations.reports import do_hand_to_grid, sync_forwarded_reports

    report = submit_report(NOISE, citizen=citizen)
    do_hand_to_grid(report, acting_user=people["community"], expected_version=1)
    report.refresh_from_db()
    grid_report = GridReport.objects.get()
    assert report.status == ReportStatus.FORWARDED and report.route == RouteTarget.GRID
    assert report.grid_report == grid_report and report.incident is None
    # The place and the description travel; the citizen's phone does not.
    assert grid_report.report_type == "dispute" and grid_report.jurisdiction.code == "S1-1-1"
    assert report.tracking.code in grid_report.description
    assert "13800138000" not in grid_report.description
    assert AuditEvent.objects.filter(action="report.forward", object_id=str(report.pk)).exists()
    # Once forwarded it cannot go to dispatch as well, nor to the grid twice.
    with pytest.raises(Conflict):
        do_forward_report(report, acting_user=people["community"], expected_version=2)
    with pytest.raises(Conflict):
        do_hand_to_grid(report, acting_user=people["community"], expected_version=2)

    assert sync_forwarded_reports() == 0  # the grid report is still open
    _close_through_the_grid(grid_report, people["community"], tree)
    assert sync_forwarded_reports() == 1
    report.refresh_from_db()
    assert report.status == ReportStatus.FINISHED and report.tracking.finished_at is not None


def test_handing_to_the_grid_needs_a_point_and_a_role_that_files_grid_reports(
    tree: dict[str, Any], people: dict[str, Any], citizen: Any
) -> None:
    from zhian.core.errors import PermissionDenied
    from zhian.grid.models import GridReport
    from zhian.services.operations.reports import do_hand_to_grid

    no_point = submit_report(
        ReportInput(**{**NOISE.__dict__, "lon": None, "lat": None}), citizen=citizen
    )
    with pytest.raises(ValidationFailed) as exc:  # it lands in the bureau's queue
        do_hand_to_grid(no_point, acting_user=people["bureau_supervisor"], expected_version=1)
    assert "lon" in exc.value.extra["fields"]
    # A dispatcher handles reports but does not file grid reports (the grid's own rule).
    report = submit_report(NOISE, citizen=citizen)
    with pytest.raises(PermissionDenied):
        do_hand_to_grid(report, acting_user=people["dispatcher"], expected_version=1)
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED and not GridReport.objects.exists()


def test_a_stale_version_hands_nothing_to_the_grid(
    tree: dict[str, Any], people: dict[str, Any], citizen: Any
) -> None:
    from zhian.core.errors import PreconditionFailed
    from zhian.grid.models import GridReport
    from zhian.services.operations.reports import do_hand_to_grid

    report = submit_report(NOISE, citizen=citizen)
    with pytest.raises(PreconditionFailed):
        do_hand_to_grid(
            report, acting_user=people["community"], expected_version=7, report_type="other"
        )
    assert not GridReport.objects.exists()
