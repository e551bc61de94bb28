"""巡逻措施登记: tactics logged at a plan's stops are stored once per (stop, tactic), audited,
refused before anything is written when the stop, the tactic, the note or the time is
wrong, and shown with the stop in the plan's 执行情况."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import Role, UserFactory
from tests.insights.factories import plan_with_stops
from zhian.core.errors import NotFound, PermissionDenied, ValidationFailed
from zhian.core.models import AuditEvent
from zhian.dispatch.models import Unit
from zhian.insights.models import PatrolPlan, PatrolStopLog
from zhian.insights.services.plan_execution import plan_execution
from zhian.insights.services.stop_logs import (
    LOG_GRACE,
    do_log_patrol_stop,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(hki: dict[str, Any], units: dict[str, Unit]) -> PatrolPlan:
    """Yesterday's night-shift plan of the west station: W-01 two stops, W-02 one."""
    w1, w2 = units["W-01"], units["W-02"]
    assert w1.lon is not None and w1.lat is not None and w2.lon is not None
    assert w2.lat is not None
    return plan_with_stops(
        hki["HKI-W"],
        day=timezone.localdate() - dt.timedelta(days=1),
        shift="night",
        stops={
            w1: [(w1.lon, w1.lat, 0.3), (w1.lon + 0.004, w1.lat, 0.2)],
            w2: [(w2.lon, w2.lat, 0.1)],
        },
    )


def cell(plan: PatrolPlan, k_route: int, k_visit: int = 0) -> str:
    return str(plan.routes[k_route]["visits"][k_visit]["cell"])


def in_shift(plan: PatrolPlan) -> dt.datetime:
    return plan.shift_start + dt.timedelta(hours=2)


def audit_rows() -> int:
    return AuditEvent.objects.filter(action="insights.plan.log").count()


def test_tactics_logged_at_a_planned_stop_are_stored_audited_and_reported(
    people: dict[str, Any], units: dict[str, Unit], plan: PatrolPlan
) -> None:
    # given the west patrol officer at W-01's first stop during the shift
    w1 = units["W-01"]
    # when they log a foot patrol and a premises check with a note about the place
    rows = do_log_patrol_stop(
        plan,
        unit_id=w1.pk,
        cell=cell(plan, 0),
        tactics=["premises_check", "foot_patrol"],
        note="  检查沿街商铺门窗，3号楼后门未锁已告知物业  ",
        acting_user=people["patrol_w"],
        now=in_shift(plan),
    )
    # then two rows are stored (in the order of the choices), with the trimmed note
    assert [r.tactic for r in rows] == ["foot_patrol", "premises_check"]
    assert PatrolStopLog.objects.filter(plan=plan).count() == 2
    assert {r.note for r in rows} == {"检查沿街商铺门窗，3号楼后门未锁已告知物业"}
    assert all(r.recorded_by == people["patrol_w"] for r in rows)
    # and one audit row names the stop
    event = AuditEvent.objects.get(action="insights.plan.log")
    assert event.object_id == str(plan.pk)
    assert event.data["cell"] == cell(plan, 0) and event.data["unit"] == w1.pk
    # and the execution report shows them on that stop only, and in its totals
    report = plan_execution(plan, now=in_shift(plan))
    first, second = report.units[0].visits
    assert first.tactics == ["foot_patrol", "premises_check"]
    assert first.tactic_labels == ["步巡", "场所安全检查"]
    assert first.note.startswith("检查沿街商铺")
    assert second.tactics == [] and second.note == "" and second.logged_at is None
    assert report.units[1].visits[0].tactics == []
    assert report.cells_logged == 1 and report.cells_planned == 3


def test_a_repeated_submission_updates_the_note_and_never_duplicates(
    people: dict[str, Any], units: dict[str, Unit], plan: PatrolPlan
) -> None:
    # given a foot patrol logged at W-02's stop
    w2 = units["W-02"]
    args = {"unit_id": w2.pk, "cell": cell(plan, 1), "acting_user": people["patrol_w"]}
    do_log_patrol_stop(plan, tactics=["foot_patrol"], note="第一次", now=in_shift(plan), **args)
    # when the same tactic is submitted twice more (the second time with visible presence)
    later = in_shift(plan) + dt.timedelta(minutes=30)
    do_log_patrol_stop(plan, tactics=["foot_patrol"], note="更正后", now=later, **args)
    rows = do_log_patrol_stop(
        plan,
        tactics=["visible_presence", "foot_patrol", "visible_presence"],  # one twice
        note="更正后",
        now=later,
        **args,
    )
    # then there is one row per tactic; the foot patrol's note is the latest one
    assert PatrolStopLog.objects.filter(plan=plan).count() == 2
    by_tactic = {r.tactic: r for r in rows}
    assert set(by_tactic) == {"foot_patrol", "visible_presence"}
    assert by_tactic["foot_patrol"].note == "更正后"
    assert by_tactic["foot_patrol"].recorded_at == later
    # and every submission is in the audit trail
    assert audit_rows() == 3
    visit = plan_execution(plan, now=later).units[1].visits[0]
    assert visit.tactics == ["foot_patrol", "visible_presence"] and visit.note == "更正后"


def test_a_tactic_logged_by_mistake_is_withdrawn_and_nothing_else(
    people: dict[str, Any], units: dict[str, Unit], plan: PatrolPlan
) -> None:
    # given foot patrol and a premises check logged at W-02's stop, and W-01's first stop
    args = {"cell": cell(plan, 1), "acting_user": people["patrol_w"], "now": in_shift(plan)}
    w1, w2 = units["W-01"], units["W-02"]
    do_log_patrol_stop(plan, unit_id=w2.pk, tactics=["foot_patrol", "premises_check"], **args)
    do_log_patrol_stop(
        plan, unit_id=w1.pk, tactics=["foot_patrol"], **(args | {"cell": cell(plan, 0)})
    )
    # when the officer withdraws the premises check and adds prevention advice
    rows = do_log_patrol_stop(
        plan,
        unit_id=w2.pk,
        tactics=["prevention_advice"],
        withdraw=["premises_check"],
        **args,
    )
    # then the stop keeps the foot patrol, and the audit row names what was withdrawn
    assert [r.tactic for r in rows] == ["foot_patrol", "prevention_advice"]
    last = AuditEvent.objects.filter(action="insights.plan.log").order_by("-pk").first()
    assert last is not None and last.data["withdrawn"] == ["premises_check"]
    # when a stale form withdraws a tactic another officer already withdrew, and the rest
    rows = do_log_patrol_stop(
        plan, unit_id=w2.pk, tactics=[], withdraw=["premises_check", "foot_patrol"], **args
    )
    # then only what existed is withdrawn (and recorded); W-01's log is untouched
    assert [r.tactic for r in rows] == ["prevention_advice"]
    last = AuditEvent.objects.filter(action="insights.plan.log").order_by("-pk").first()
    assert last is not None and last.data["withdrawn"] == ["foot_patrol"]
    assert PatrolStopLog.objects.filter(unit_id=w1.pk).count() == 1
    # and a tactic both logged and withdrawn is refused, as is a submission of neither
    for tactics, withdraw, code in (
        (["other"], ["other"], "tactic_conflict"),
        ([], [], "tactic_required"),
    ):
        with pytest.raises(ValidationFailed) as err:
            do_log_patrol_stop(plan, unit_id=w2.pk, tactics=tactics, withdraw=withdraw, **args)
        assert err.value.code == code


ID_NUMBER = "11010519491231002X"


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"cell": "other_unit"}, "cell", "cell_not_planned"),
        ({"cell": "1:2"}, "cell", "cell_not_planned"),
        ({"unit": "east"}, "unit", "unit_not_on_plan"),
        ({"tactics": ["stop_and_search"]}, "tactics", "unknown_tactic"),
        ({"tactics": []}, "tactics", "tactic_required"),
        ({"note": f"住户身份证{ID_NUMBER}"}, "note", "note_has_id_number"),
        ({"note": "店主电话 138 0013 8000"}, "note", "note_has_mobile"),
        ({"note": "联系 １３９１２３４５６７８"}, "note", "note_has_mobile"),
        ({"note": "门" * 201}, "note", "note_too_long"),
        ({"now": "before"}, "recorded_at", "log_before_shift"),
        ({"now": "after"}, "recorded_at", "log_window_closed"),
    ],
)
def test_a_wrong_submission_is_refused_with_its_field_and_nothing_is_stored(
    people: dict[str, Any],
    units: dict[str, Unit],
    plan: PatrolPlan,
    change: dict[str, Any],
    field: str,
    code: str,
) -> None:
    # given a valid submission for W-01's first stop, with one thing changed
    values: dict[str, Any] = {
        "unit_id": units["W-01"].pk,
        "cell": cell(plan, 0),
        "tactics": ["foot_patrol"],
        "note": "巡查停车场",
        "now": in_shift(plan),
    }
    if change.get("cell") == "other_unit":
        change = {"cell": cell(plan, 1)}  # W-02's stop, not W-01's
    if change.get("unit") == "east":
        change = {"unit_id": units["E-01"].pk}
    if change.get("now") == "before":
        change = {"now": plan.shift_start - dt.timedelta(minutes=1)}
    if change.get("now") == "after":
        change = {"now": plan.shift_end + LOG_GRACE + dt.timedelta(seconds=1)}
    values |= change
    # when the officer submits it
    with pytest.raises(ValidationFailed) as caught:
        do_log_patrol_stop(plan, acting_user=people["patrol_w"], **values)
    # then it is refused naming the field, with a stable code, and nothing is written
    assert caught.value.code == code
    assert field in caught.value.extra["fields"]
    assert caught.value.extra["field_codes"] == {field: code}
    assert not PatrolStopLog.objects.exists() and audit_rows() == 0


def test_every_problem_is_reported_at_once(
    people: dict[str, Any], units: dict[str, Unit], plan: PatrolPlan
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        do_log_patrol_stop(
            plan,
            unit_id=units["W-01"].pk,
            cell="1:2",
            tactics=["interrogation"],
            note=ID_NUMBER,
            acting_user=people["patrol_w"],
            now=in_shift(plan),
        )
    assert caught.value.code == "invalid_stop_log"
    assert set(caught.value.extra["fields"]) == {"cell", "tactics", "note"}


def test_the_window_is_inclusive_at_both_ends(
    people: dict[str, Any], units: dict[str, Unit], plan: PatrolPlan
) -> None:
    for now in (plan.shift_start, plan.shift_end + LOG_GRACE):
        do_log_patrol_stop(
            plan,
            unit_id=units["W-01"].pk,
            cell=cell(plan, 0),
            tactics=["other"],
            acting_user=people["patrol_w"],
            now=now,
        )
    assert PatrolStopLog.objects.get().tactic == "other"


def test_only_patrol_officers_in_the_plans_scope_may_log(
    people: dict[str, Any], hki: dict[str, Any], units: dict[str, Unit], plan: PatrolPlan
) -> None:
    values: dict[str, Any] = {
        "unit_id": units["W-01"].pk,
        "cell": cell(plan, 0),
        "tactics": ["foot_patrol"],
        "now": in_shift(plan),
    }
    east = UserFactory(username="xl_e", roles=[(Role.PATROL_OFFICER, hki["HKI-E"])])
    oversight = UserFactory(username="jd", roles=[(Role.SUPERVISOR, hki["HKI"])])
    bureau_officer = UserFactory(username="xl", roles=[(Role.PATROL_OFFICER, hki["HKI"])])
    # an analyst of the plan's station sees the plan but may not log: 403
    with pytest.raises(PermissionDenied):
        do_log_patrol_stop(plan, acting_user=people["analyst_w"], **values)
    # another station's patrol officer: the plan does not exist for them
    with pytest.raises(NotFound):
        do_log_patrol_stop(plan, acting_user=east, **values)
    assert not PatrolStopLog.objects.exists()
    # the legal-oversight officer (法制监督员) sees plans but does not patrol
    with pytest.raises(PermissionDenied):
        do_log_patrol_stop(plan, acting_user=oversight, **values)
    assert not PatrolStopLog.objects.exists()
    # a patrol officer of the bureau may
    do_log_patrol_stop(plan, acting_user=bureau_officer, **values)
    assert PatrolStopLog.objects.get().recorded_by == bureau_officer


def test_the_report_reads_the_logs_in_one_query_however_many_stops_have_them(
    people: dict[str, Any], units: dict[str, Unit], plan: PatrolPlan
) -> None:
    # given the report's queries with one logged stop
    now = in_shift(plan)
    log = {"acting_user": people["patrol_w"], "now": now, "tactics": ["foot_patrol"]}
    do_log_patrol_stop(plan, unit_id=units["W-01"].pk, cell=cell(plan, 0), **log)
    with CaptureQueriesContext(connection) as one:
        plan_execution(plan, now=now)
    # when every stop has logs
    do_log_patrol_stop(plan, unit_id=units["W-01"].pk, cell=cell(plan, 0, 1), **log)
    do_log_patrol_stop(plan, unit_id=units["W-02"].pk, cell=cell(plan, 1), **log)
    with CaptureQueriesContext(connection) as three:
        report = plan_execution(plan, now=now)
    # then the report makes the same number of queries, one of them for the logs
    assert report.cells_logged == 3
    assert len(three.captured_queries) == len(one.captured_queries)
    assert sum("insights_patrolstoplog" in q["sql"] for q in three.captured_queries) == 1


def test_the_database_refuses_a_second_row_for_a_stop_and_tactic_and_an_unknown_tactic(
    people: dict[str, Any], units: dict[str, Unit], plan: PatrolPlan
) -> None:
    # the unique key is what closes the race of two submissions at once
    row = {
        "plan": plan,
        "unit": units["W-01"],
        "cell": cell(plan, 0),
        "recorded_at": in_shift(plan),
    }
    PatrolStopLog.objects.create(tactic="foot_patrol", **row)
    with pytest.raises(IntegrityError), transaction.atomic():
        PatrolStopLog.objects.create(tactic="foot_patrol", **row)
    with pytest.raises(IntegrityError), transaction.atomic():
        PatrolStopLog.objects.create(tactic="stop_and_search", **row)
    assert PatrolStopLog.objects.count() == 1
