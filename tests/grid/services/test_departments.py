"""Routing rules (分派规则): report type × jurisdiction subtree → departments."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import UserFactory
from tests.grid.conftest import IN_S2_1_1
from tests.grid.factories import submit
from zhian.core.errors import Conflict, ValidationFailed
from zhian.grid.choices import ReferralStatus, ReportStatus
from zhian.grid.services.departments import do_add_liaison, do_create_routing_rule, routes_for
from zhian.grid.services.reports import do_refer_report

pytestmark = pytest.mark.django_db


def _routed(report: Any) -> dict[str, tuple[int, int]]:
    return {
        r.department.code: (r.sign_hours, r.resolve_days)
        for r in report.referrals.select_related("department")
    }


def test_a_hazard_in_station_s1_goes_to_both_departments_with_the_local_clock(
    people: dict[str, Any], rules: Any
) -> None:
    report = submit(people["worker"], "safety_hazard")
    # 城管 by the bureau rule with its own defaults; 市场监管 by the S1 rule, 2 h to sign.
    assert _routed(report) == {"CG": (4, 5), "SJ": (2, 10)}
    assert report.status == ReportStatus.IN_PROGRESS
    assert set(report.referrals.values_list("status", flat=True)) == {ReferralStatus.PENDING_SIGN}


def test_a_hazard_in_station_s2_goes_only_where_a_rule_covers_it(
    people: dict[str, Any], rules: Any
) -> None:
    report = submit(people["east_worker"], "safety_hazard", point=IN_S2_1_1)
    assert _routed(report) == {"CG": (4, 5)}


def test_the_deepest_rule_for_a_department_sets_its_clocks(
    tree: dict[str, Any], people: dict[str, Any], departments: dict[str, Any], rules: Any
) -> None:
    do_create_routing_rule(
        acting_user=people["admin"],
        report_type="safety_hazard",
        jurisdiction=tree["S1-1-1"],
        department=departments["CG"],
        sign_hours=1,
        resolve_days=2,
    )
    routes = {r.department.code: r.sign_hours for r in routes_for("safety_hazard", tree["S1-1-1"])}
    assert routes == {"CG": 1, "SJ": 2}
    # The neighbouring grid keeps the bureau-wide clock.
    assert {r.department.code: r.sign_hours for r in routes_for("safety_hazard", tree["S1-1-2"])}[
        "CG"
    ] == 4


def test_an_inactive_department_is_not_routed_to(
    people: dict[str, Any], departments: dict[str, Any], rules: Any
) -> None:
    departments["SJ"].active = False
    departments["SJ"].save()
    assert _routed(submit(people["worker"])) == {"CG": (4, 5)}


def test_a_type_no_rule_covers_waits_for_a_hand_referral(
    people: dict[str, Any], departments: dict[str, Any], rules: Any
) -> None:
    report = submit(people["worker"], "other")
    assert report.status == ReportStatus.UNROUTED and not report.referrals.exists()
    referral = do_refer_report(
        report, departments["SJ"], acting_user=people["community"], note="请市场监管处理"
    )
    report.refresh_from_db()
    assert report.status == ReportStatus.IN_PROGRESS
    assert (referral.sign_hours, referral.resolve_days) == (8, 10)
    with pytest.raises(Conflict):
        do_refer_report(report, departments["SJ"], acting_user=people["community"])


def test_a_rule_outside_the_departments_area_or_twice_is_refused(
    tree: dict[str, Any], people: dict[str, Any], departments: dict[str, Any], rules: Any
) -> None:
    with pytest.raises(Conflict):
        do_create_routing_rule(
            acting_user=people["admin"],
            report_type="safety_hazard",
            jurisdiction=tree["B"],
            department=departments["CG"],
        )
    with pytest.raises(ValidationFailed) as err:
        do_create_routing_rule(
            acting_user=people["admin"],
            report_type="safety_hazard",
            jurisdiction=tree["B"],
            department=departments["CG"],
            sign_hours=0,
        )
    assert err.value.code == "invalid_sla"


def test_only_a_user_holding_the_liaison_role_can_be_a_departments_liaison(
    people: dict[str, Any], departments: dict[str, Any]
) -> None:
    with pytest.raises(ValidationFailed) as err:
        do_add_liaison(departments["CG"], people["worker"], acting_user=people["admin"])
    assert err.value.code == "not_a_liaison"
    assert departments["CG"].members.filter(pk=people["worker"].pk).count() == 0
    outsider = UserFactory(username="nobody")
    with pytest.raises(ValidationFailed):
        do_add_liaison(departments["CG"], outsider, acting_user=people["admin"])
