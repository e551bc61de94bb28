"""Opening cases, numbering under concurrency, approvals, assignment, reviews."""

from __future__ import annotations

import re
import threading
from datetime import timedelta
from typing import Any

import pytest
from django.db import connections
from django.utils import timezone

from tests.factories import Role, UserFactory, build_tree
from tests.records.conftest import local
from tests.records.factories import fill, make_incident, open_case
from tests.records.test_stages import FIELDS, reach
from zhian.core.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    PreconditionFailed,
    ValidationFailed,
)
from zhian.core.models import AuditEvent
from zhian.records.choices import Stage
from zhian.records.models import Case, CaseCounter, CaseEntry
from zhian.records.selectors import board_for, case_timeline, review_scores
from zhian.records.services.approvals import (
    do_approve,
    do_escalate,
    do_return,
    do_submit_for_approval,
)
from zhian.records.services.cases import do_assign_officer, do_move_case, do_update_case
from zhian.records.services.reviews import CHECKLIST, do_review_case


def test_case_number_format_and_sequence(people: dict[str, Any]) -> None:
    first = open_case(people["officer"], case_type="criminal", accepted_at=local(2026, 3, 2, 9))
    second = open_case(people["officer"], case_type="criminal", accepted_at=local(2026, 3, 3, 9))
    admin = open_case(people["officer"], accepted_at=local(2026, 3, 3, 9))
    assert first.number == "A3302032026000001"
    assert second.number == "A3302032026000002"
    assert admin.number == "X3302032026000001"


def test_open_from_incident_takes_its_station_and_timeline(people: dict[str, Any]) -> None:
    incident = make_incident(people["dispatcher"], lon=120.05, lat=30.01)  # in S2
    with pytest.raises(NotFound):
        open_case(people["officer"], incidents=(incident.pk,))  # S1 officer: not in scope
    case = open_case(people["officer_s2"], incidents=(incident.pk,))
    assert case.jurisdiction.code == "S2" and case.bureau.code == "B"
    assert list(case.incidents.all()) == [incident]
    timeline = case_timeline(people["officer_s2"], case)
    assert timeline[0].source == incident.number  # the call comes first
    assert timeline[-1].source == case.number
    assert AuditEvent.objects.filter(action="case.open", object_id=str(case.pk)).exists()


def test_open_validates_before_writing(people: dict[str, Any]) -> None:
    from tests.records.factories import CaseInput, do_open_case

    with pytest.raises(ValidationFailed) as refused:
        do_open_case(
            acting_user=people["officer"],
            data=CaseInput(
                case_type="criminal", category_code="X01", title=" ", jurisdiction_code="S1"
            ),
        )
    assert set(refused.value.extra["fields"]) == {"category", "title"}
    assert not Case.objects.exists() and not CaseCounter.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_openings_get_gapless_unique_numbers() -> None:
    tree = build_tree()
    officer = UserFactory(username="race", roles=[(Role.PATROL_OFFICER, tree["S1"])])
    threads = 20
    start = threading.Barrier(threads)
    errors: list[BaseException] = []

    def opener() -> None:
        try:
            start.wait()
            open_case(officer, case_type="criminal")
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    pool = [threading.Thread(target=opener) for _ in range(threads)]
    for th in pool:
        th.start()
    for th in pool:
        th.join()
    assert errors == []
    numbers = sorted(Case.objects.values_list("number", flat=True))
    year = timezone.localtime().year
    assert numbers == [f"A330203{year}{n:06d}" for n in range(1, threads + 1)]


def test_return_fix_resubmit_approve_and_escalate(people: dict[str, Any]) -> None:
    officer, supervisor, leader = people["officer"], people["supervisor"], people["leader"]
    case = fill(open_case(officer), officer, summary="简要", legal_basis="治安管理处罚法")
    approval = do_submit_for_approval(
        case, acting_user=officer, target=Stage.FILED, expected_version=case.version
    )
    with pytest.raises(Conflict):  # one open approval at a time
        do_submit_for_approval(
            case, acting_user=officer, target=Stage.FILED, expected_version=case.version
        )
    with pytest.raises(ValidationFailed):
        do_return(approval, acting_user=supervisor, reason="  ")
    do_return(approval, acting_user=supervisor, reason="案情不清，请补充时间地点")
    assert board_for(supervisor)["returned"] == [approval]
    case.refresh_from_db()
    fill(case, officer, summary="2026年3月2日晚8时许，张某在某路殴打李某")
    again = do_submit_for_approval(
        case, acting_user=officer, target=Stage.FILED, expected_version=case.version
    )
    assert board_for(supervisor)["returned"] == []
    do_escalate(again, acting_user=supervisor, reason="涉及多人，请局领导审批")
    with pytest.raises(PermissionDenied):
        do_approve(again, acting_user=supervisor)  # escalated: the leader decides
    do_approve(again, acting_user=leader, reason="同意立案")
    case.refresh_from_db()
    assert case.stage == Stage.FILED
    kinds = list(case.entries.values_list("kind", flat=True))
    assert kinds == [
        "opened",
        "submitted",
        "returned",
        "submitted",
        "escalated",
        "approved",
        "stage",
    ]
    with pytest.raises(Conflict):
        do_approve(again, acting_user=leader)


def test_a_role_that_may_not_decide_learns_nothing_of_an_approvals_state(
    people: dict[str, Any],
) -> None:
    """Given a decided approval, when an officer (no case.approve) tries every decision,
    then each is refused for want of permission (403), never "already decided" (409)."""
    officer, supervisor = people["officer"], people["supervisor"]
    case = fill(open_case(officer), officer, summary="简要", legal_basis="治安管理处罚法")
    approval = do_submit_for_approval(
        case, acting_user=officer, target=Stage.FILED, expected_version=case.version
    )
    do_approve(approval, acting_user=supervisor, reason="同意")
    approval.refresh_from_db()
    for decide in (do_approve, do_return, do_escalate):
        with pytest.raises(PermissionDenied):
            decide(approval, acting_user=officer, reason="自己批准自己")
    with pytest.raises(Conflict):
        do_approve(approval, acting_user=supervisor)


def test_only_the_assigned_officer_works_the_case(people: dict[str, Any]) -> None:
    case = reach(Stage.FILED, people)
    with pytest.raises(PermissionDenied):
        do_update_case(
            case,
            acting_user=people["officer_b"],
            expected_version=case.version,
            changes={"summary": "x"},
        )
    with pytest.raises(ValidationFailed):  # a station-2 officer may not work station-1 cases
        do_assign_officer(
            case,
            acting_user=people["supervisor"],
            officer=people["officer_s2"],
            expected_version=case.version,
        )
    do_assign_officer(
        case,
        acting_user=people["supervisor"],
        officer=people["officer_b"],
        expected_version=case.version,
    )
    do_move_case(
        case,
        acting_user=people["officer_b"],
        target=Stage.INVESTIGATING,
        expected_version=case.version,
    )
    with pytest.raises(PreconditionFailed):
        do_update_case(
            case,
            acting_user=people["officer_b"],
            expected_version=case.version - 1,
            changes={"summary": "x"},
        )


def test_timeline_is_append_only(people: dict[str, Any]) -> None:
    case = open_case(people["officer"])
    entry = CaseEntry.objects.get(case=case)
    entry.note = "改写"
    with pytest.raises(ValueError):
        entry.save()
    with pytest.raises(ValueError):
        entry.delete()


def test_review_of_closed_case_and_scores(people: dict[str, Any]) -> None:
    case = reach(Stage.DECIDED, people)
    with pytest.raises(Conflict):
        do_review_case(case, acting_user=people["supervisor"], items={})
    do_move_case(
        case, acting_user=people["officer"], target=Stage.CLOSED, expected_version=case.version
    )
    with pytest.raises(PermissionDenied):
        do_review_case(case, acting_user=people["leader"], items={})
    items = {code: True for code, _l, _p in CHECKLIST}
    items["property_handled"] = False
    review = do_review_case(case, acting_user=people["supervisor"], items=items, note="良好")
    assert review.score == 95
    with pytest.raises(Conflict):
        do_review_case(case, acting_user=people["supervisor"], items=items)
    now = timezone.now()
    by_officer = review_scores(people["leader"], now - timedelta(days=1), now + timedelta(days=1))
    assert by_officer == [
        {
            "officer_id": people["officer"].pk,
            "officer__username": "bamj1",
            "officer__display_name": people["officer"].display_name,
            "reviews": 1,
            "average": 95.0,
        }
    ]
    by_station = review_scores(
        people["leader"], now - timedelta(days=1), now + timedelta(days=1), by="station"
    )
    assert by_station[0]["case__jurisdiction__code"] == "S1"


def test_board_load_and_stale_cases(people: dict[str, Any], settings: Any) -> None:
    settings.ZHIAN_CASE_STALE_DAYS = 10
    old = open_case(people["officer"], accepted_at=timezone.now() - timedelta(days=12))
    open_case(people["officer"])
    board = board_for(people["supervisor"])
    assert board["stale"] == [old]
    assert [(row["officer__username"], row["open_cases"]) for row in board["load"]] == [
        ("bamj1", 2)
    ]
    assert re.fullmatch(r"X330203\d{4}\d{6}", old.number)


def test_case_officer_role_opens_and_works_and_sees_a_linked_case(
    people: dict[str, Any], tree: dict[str, Any]
) -> None:
    # Given a 办案民警 at station 1 and a case a patrol officer opened from an incident
    case_officer = UserFactory(username="bamj_case", roles=[(Role.CASE_OFFICER, tree["S1"])])
    incident = make_incident(people["dispatcher"])
    case = open_case(people["officer"], incidents=(incident.pk,))
    # When the supervisor assigns it to the case officer
    do_assign_officer(
        case,
        acting_user=people["supervisor"],
        officer=case_officer,
        expected_version=case.version,
    )
    # Then the case officer works it and reads its timeline (the incident itself may lie
    # outside what a case officer reads in dispatch: it shows as a hidden entry then)
    fill(case, case_officer, **FIELDS)
    timeline = case_timeline(case_officer, case)
    assert timeline[0].source == incident.number
    assert open_case(case_officer).jurisdiction.code == "S1"
    with pytest.raises(PermissionDenied):
        fill(case, people["officer"], summary="不是本人的案件")
