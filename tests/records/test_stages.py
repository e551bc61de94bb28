"""Every stage transition, allowed for the roles the machine names and refused for others."""

from __future__ import annotations

from typing import Any

import pytest

from tests.records.factories import fill, open_case
from zhian.core.errors import Conflict, NotFound, PermissionDenied, ServiceError, ValidationFailed
from zhian.records.choices import Stage
from zhian.records.models import Case, CaseEvent
from zhian.records.services.approvals import do_approve, do_submit_for_approval
from zhian.records.services.cases import do_move_case
from zhian.records.stages import TRANSITIONS, next_stages

FIELDS = {
    "summary": "2026年3月2日张某在某路殴打李某",
    "legal_basis": "《治安管理处罚法》",
    "decision": "行政拘留五日",
    "transfer_to": "区人民检察院",
    "outcome_note": "处罚已执行",
}


def reach(stage: str, people: dict[str, Any]) -> Case:
    """A case of the assigned officer at ``stage``, through the services."""
    officer, supervisor = people["officer"], people["supervisor"]
    case = fill(open_case(officer), officer, **FIELDS)
    if stage == Stage.ACCEPTED:
        return case
    approval = do_submit_for_approval(
        case, acting_user=officer, target=Stage.FILED, expected_version=case.version
    )
    do_approve(approval, acting_user=supervisor)
    case.refresh_from_db()
    for target in (Stage.INVESTIGATING, Stage.DECIDED):
        if case.stage == stage:
            break
        do_move_case(case, acting_user=officer, target=target, expected_version=case.version)
    assert case.stage == stage
    return case


ACTORS = ("officer", "officer_b", "officer_s2", "supervisor", "leader", "dispatcher")


def allowed_actors(action: str) -> set[str]:
    return {"officer"} if action == "case.work" else {"supervisor", "leader"}


@pytest.mark.parametrize("step", TRANSITIONS, ids=lambda t: f"{t.source}->{t.target}")
@pytest.mark.parametrize("actor", ACTORS)
def test_transition_by_role(step: Any, actor: str, people: dict[str, Any]) -> None:
    case = reach(step.source, people)
    user = people[actor]
    if step.via_approval:
        # 立案 is never a direct move: it goes through submit → approve (tested below)
        with pytest.raises(ServiceError) as refused:
            do_move_case(case, acting_user=user, target=step.target, expected_version=case.version)
        assert refused.value.code in {"approval_required", "forbidden_action", "not_found"}
        return
    if actor in allowed_actors(step.action):
        do_move_case(case, acting_user=user, target=step.target, expected_version=case.version)
        case.refresh_from_db()
        assert case.stage == step.target
        assert case.entries.filter(stage_from=step.source, stage_to=step.target).exists()
        if step.event:
            assert CaseEvent.objects.filter(case=case, kind=step.event).exists()
    else:
        expected = NotFound if actor == "officer_s2" else PermissionDenied
        with pytest.raises(expected):
            do_move_case(case, acting_user=user, target=step.target, expected_version=case.version)
        case.refresh_from_db()
        assert case.stage == step.source


@pytest.mark.parametrize("actor", ACTORS)
def test_filing_approval_by_role(actor: str, people: dict[str, Any]) -> None:
    case = reach(Stage.ACCEPTED, people)
    approval = do_submit_for_approval(
        case, acting_user=people["officer"], target=Stage.FILED, expected_version=case.version
    )
    if actor in {"supervisor", "leader"}:
        do_approve(approval, acting_user=people[actor])
        case.refresh_from_db()
        assert case.stage == Stage.FILED
    else:
        with pytest.raises((PermissionDenied, NotFound)):
            do_approve(approval, acting_user=people[actor])


@pytest.mark.parametrize(
    "stage",
    [
        s
        for s in Stage.values
        if s in (Stage.ACCEPTED, Stage.FILED, Stage.INVESTIGATING, Stage.DECIDED)
    ],
)
def test_illegal_transitions_name_the_allowed_ones(stage: str, people: dict[str, Any]) -> None:
    case = reach(stage, people)
    for target in set(Stage.values) - set(next_stages(stage)):
        with pytest.raises(Conflict) as refused:
            do_move_case(
                case, acting_user=people["supervisor"], target=target, expected_version=case.version
            )
        assert refused.value.code == "illegal_transition"
        assert refused.value.extra["allowed"] == next_stages(stage)


def test_required_fields_are_named(people: dict[str, Any]) -> None:
    officer = people["officer"]
    case = open_case(officer)
    with pytest.raises(ValidationFailed) as refused:
        do_submit_for_approval(
            case, acting_user=officer, target=Stage.FILED, expected_version=case.version
        )
    assert set(refused.value.extra["fields"]) == {"summary", "legal_basis"}


def test_final_stage_has_no_way_out(people: dict[str, Any]) -> None:
    case = reach(Stage.DECIDED, people)
    do_move_case(
        case, acting_user=people["officer"], target=Stage.CLOSED, expected_version=case.version
    )
    with pytest.raises(Conflict, match="无"):
        do_move_case(
            case, acting_user=people["leader"], target=Stage.REVOKED, expected_version=case.version
        )
    assert not case.deadlines.filter(status="open").exists()
