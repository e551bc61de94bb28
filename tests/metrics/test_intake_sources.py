"""The sources wired to records, grid and services, on hand-computed fixtures: the bureau's
midnight, empty periods ("—" for a rate, never 0 %), scoping, and the seeded definitions."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tests.factories import Role, UserFactory
from tests.metrics import intake_rows as rows
from tests.metrics.conftest import indicator, local
from zhian.core.errors import NotFound, ValidationFailed
from zhian.metrics import selectors
from zhian.metrics.engine import compute, indicator_row
from zhian.metrics.periods import Period
from zhian.metrics.services.indicators import IndicatorInput, do_create_indicator
from zhian.metrics.sources import get_source

MARCH = Period.month(2026, 3)
APRIL = Period.month(2026, 4)
FEBRUARY = Period.month(2026, 2)


@pytest.fixture
def officer(tree: dict[str, Any]) -> Any:
    return UserFactory(
        username="bamj", roles=[(Role.CASE_OFFICER, tree["S1"]), (Role.CASE_OFFICER, tree["S2"])]
    )


@pytest.fixture
def march_cases(officer: Any) -> dict[str, Any]:
    """Seven cases around March 2026 (local times, Asia/Shanghai)."""
    c = rows.case
    return {
        # S1, filed 5 March, decided 20 March: solved in March
        "c1": c(
            officer,
            "S1",
            accepted=local(2026, 3, 5, 8),
            filed=local(2026, 3, 5, 9),
            decided=local(2026, 3, 20, 9),
        ),
        # S1, filed 10 March, decided 2 April: not solved in March, solved by the end of April
        "c2": c(
            officer,
            "S1",
            accepted=local(2026, 3, 10, 8),
            filed=local(2026, 3, 10, 9),
            decided=local(2026, 4, 2, 9),
        ),
        # S1, filed 23:30 on 31 March (15:30 UTC): March, not solved
        "c3": c(officer, "S1", accepted=local(2026, 3, 31, 22), filed=local(2026, 3, 31, 23, 30)),
        # S2, filed and solved in March
        "c4": c(
            officer,
            "S2",
            accepted=local(2026, 3, 12, 8),
            filed=local(2026, 3, 12, 9),
            decided=local(2026, 3, 15, 9),
        ),
        # S1, solved in March then annulled (撤销): counted nowhere
        "c5": c(
            officer,
            "S1",
            accepted=local(2026, 3, 3, 8),
            filed=local(2026, 3, 3, 9),
            decided=local(2026, 3, 4, 9),
            stage="revoked",
        ),
        # S1, administrative: a case, but not a criminal 现行案件
        "c6": c(
            officer,
            "S1",
            accepted=local(2026, 3, 6, 8),
            filed=local(2026, 3, 6, 9),
            decided=local(2026, 3, 7, 9),
            case_type="administrative",
        ),
        # S1, accepted 00:10 and filed 00:30 on 1 April (16:30 UTC on 31 March): April
        "c7": c(officer, "S1", accepted=local(2026, 4, 1, 0, 10), filed=local(2026, 4, 1, 0, 30)),
        # S2, accepted in March but 不予立案: not a case
        "c8": c(officer, "S2", accepted=local(2026, 3, 8, 8), stage="not_filed"),
    }


def test_seeded_indicators_read_the_apps_that_now_exist() -> None:
    assert indicator("cases").source == "records.cases"
    assert indicator("clearance_rate").source == "records.solved_cases"
    assert indicator("clearance_rate").denominator_source == "records.filed_cases"
    assert indicator("complaints").source == "services.complaints"
    assert indicator("satisfaction").source == "services.surveys"
    for code in ("accidents", "petitions", "misconduct"):
        assert indicator(code).source == "manual"  # no module records them: audited figures


def test_cases_count_acceptances_in_the_local_month_without_not_filed_or_annulled(
    tree: dict[str, Any], march_cases: dict[str, Any]
) -> None:
    cases = indicator("cases")
    # c1, c2, c3 (22:00 on 31 March), c4, c6; not c5 (annulled) or c8 (不予立案)
    assert compute(cases, tree["B"], MARCH).value == 5
    assert compute(cases, tree["S1"], MARCH).value == 4
    assert compute(cases, tree["S2"], MARCH).value == 1
    assert compute(cases, tree["B"], APRIL).value == 1  # c7 at 00:10 local on 1 April
    # A month of the platform without a case is a true 0 (the source recorded nothing)
    assert compute(cases, tree["B"], FEBRUARY).display == "0"


def test_clearance_is_filed_in_the_period_and_solved_before_its_end(
    tree: dict[str, Any], march_cases: dict[str, Any]
) -> None:
    rate = indicator("clearance_rate")
    # March, criminal, filed: c1, c2, c3, c4 (c5 annulled, c6 administrative, c7 April)
    # solved in March: c1, c4
    march = compute(rate, tree["B"], MARCH)
    assert (march.numerator, march.denominator, march.display) == (2, 4, "50.0%")
    s1 = compute(rate, tree["S1"], MARCH)
    assert (s1.numerator, s1.denominator) == (1, 3)
    assert compute(rate, tree["S2"], MARCH).display == "100.0%"
    # Over March–April, c2 (decided 2 April) is solved within the period too: 3 of 5
    spring = compute(rate, tree["B"], Period.custom(date(2026, 3, 1), date(2026, 4, 30)))
    assert (spring.numerator, spring.denominator) == (3, 5)
    # April alone: c7 filed, not solved: a real 0 %
    assert compute(rate, tree["B"], APRIL).display == "0.0%"
    # February: nothing filed, so no rate: "—" with the reason, never 0 %
    empty = compute(rate, tree["B"], FEBRUARY)
    assert empty.display == "—" and "分母为 0" in empty.reason


def test_clearance_trend_months_equal_each_month_counted_alone(
    tree: dict[str, Any], march_cases: dict[str, Any]
) -> None:
    # The trend reads "solved in the month it was filed" per month in one query; each
    # point must equal the month computed on its own.
    rate = indicator("clearance_rate")
    row = indicator_row(rate, tree["B"], APRIL, trend_months=3)
    alone = [compute(rate, tree["B"], p) for p in (FEBRUARY, MARCH, APRIL)]
    assert [f.display for f in row.trend] == [f.display for f in alone] == ["—", "50.0%", "0.0%"]
    assert row.previous.display == "50.0%"


def test_upheld_complaints_count_by_the_unit_complained_about(tree: dict[str, Any]) -> None:
    rows.complaint(tree["S1"], concluded=local(2026, 3, 10, 9), finding="upheld")
    rows.complaint(tree["S1-1"], concluded=local(2026, 3, 11, 9), finding="partly_upheld")
    rows.complaint(tree["S2"], concluded=local(2026, 3, 12, 9), finding="not_upheld")
    rows.complaint(tree["S2"], concluded=local(2026, 4, 1, 0, 5), finding="upheld")  # April
    complaints = indicator("complaints")
    assert compute(complaints, tree["B"], MARCH).value == 2
    assert compute(complaints, tree["S1"], MARCH).value == 2  # a sector of S1 counts for S1
    assert compute(complaints, tree["S2"], MARCH).value == 0
    assert compute(complaints, tree["S2"], APRIL).value == 1


def test_satisfaction_is_satisfied_and_fairly_satisfied_over_all_answers(
    tree: dict[str, Any],
) -> None:
    for rating in ("satisfied", "fairly_satisfied", "dissatisfied"):
        rows.answer(tree["S1"], at=local(2026, 3, 9, 10), rating=rating)
    rows.answer(tree["S2"], at=local(2026, 3, 31, 23, 50), rating="satisfied")
    rows.answer(tree["S2"], at=local(2026, 4, 1, 0, 10), rating="dissatisfied")
    satisfaction = indicator("satisfaction")
    bureau = compute(satisfaction, tree["B"], MARCH)
    assert (bureau.numerator, bureau.denominator, bureau.display) == (3, 4, "75.0%")
    assert compute(satisfaction, tree["S1"], MARCH).display == "66.7%"
    assert compute(satisfaction, tree["S2"], APRIL).display == "0.0%"
    empty = compute(satisfaction, tree["B"], FEBRUARY)
    assert empty.value is None and empty.display == "—"


def test_a_bureau_defined_on_time_whistle_rate_counts_referrals(
    tree: dict[str, Any], people: dict[str, Any]
) -> None:
    on_time = do_create_indicator(
        IndicatorInput(
            code="whistle_sign_on_time",
            name="吹哨报到按时签收率",
            definition="按派单时间计入周期的报到单中按时签收的比例；时限未到且未签收的不计。",
            kind="rate",
            source="grid.referrals",
            params={"met": "sign"},
            denominator_source="grid.referrals",
            denominator_params={"decided": "sign"},
            direction="rise",
        ),
        bureau=tree["B"],
        acting_user=people["leader"],
    )
    dept = rows.department(tree["B"])
    worker = people["patrol"]
    rows.referral(worker, tree["S1-1"], dept, at=local(2026, 3, 2, 9), signed_after_hours=1)
    rows.referral(worker, tree["S1-1"], dept, at=local(2026, 3, 3, 9), signed_after_hours=6)
    rows.referral(worker, tree["S1-2"], dept, at=local(2026, 3, 4, 9))  # never signed, ran out
    rows.referral(worker, tree["S2-1"], dept, at=local(2026, 3, 5, 9), signed_after_hours=2)
    # One whose clock still runs (due in 2099) has no outcome and is left out
    rows.referral(worker, tree["S2-1"], dept, at=local(2026, 3, 6, 9), sign_hours=640_000)
    bureau = compute(on_time, tree["B"], MARCH)
    assert (bureau.numerator, bureau.denominator) == (2, 4)
    s1 = compute(on_time, tree["S1"], MARCH)
    assert (s1.numerator, s1.denominator, s1.display) == (1, 3, "33.3%")
    assert compute(on_time, tree["B"], FEBRUARY).display == "—"


def test_settled_disputes_count_where_they_were_registered(
    tree: dict[str, Any], people: dict[str, Any]
) -> None:
    settled = do_create_indicator(
        IndicatorInput(
            code="disputes_settled",
            name="矛盾纠纷化解数",
            definition="按登记时间计入周期、目前状态为已化解的矛盾纠纷数。",
            kind="count",
            source="grid.disputes",
            params={"statuses": ["settled"]},
            direction="rise",
        ),
        bureau=tree["B"],
        acting_user=people["leader"],
    )
    who = people["patrol"]
    rows.dispute(who, tree["S1-1"], at=local(2026, 3, 2, 9), status="settled")
    rows.dispute(who, tree["S1-1"], at=local(2026, 3, 3, 9), status="mediating")
    rows.dispute(who, tree["S2-2"], at=local(2026, 3, 31, 23, 59), status="settled")
    assert compute(settled, tree["B"], MARCH).value == 2
    assert compute(settled, tree["S1"], MARCH).value == 1
    assert compute(settled, tree["B"], APRIL).value == 0


def test_a_station_never_counts_or_lists_another_stations_rows(
    tree: dict[str, Any], people: dict[str, Any], march_cases: dict[str, Any]
) -> None:
    rows.complaint(tree["S2"], concluded=local(2026, 3, 12, 9), finding="upheld")
    rows.answer(tree["S2"], at=local(2026, 3, 9, 10), rating="dissatisfied")
    s1_leader = people["s1_leader"]
    dash = selectors.dashboard(s1_leader, "S1", MARCH, trend_months=0)
    values = {r.indicator.code: r.current for r in dash.rows}
    assert values["cases"].value == 4
    assert (values["clearance_rate"].numerator, values["clearance_rate"].denominator) == (1, 3)
    assert values["complaints"].value == 0
    assert values["satisfaction"].display == "—"  # S2's answer is not S1's
    drill = selectors.drill(s1_leader, "S1", "cases", MARCH)
    assert {c.jurisdiction.code for c in drill.rows} == {"S1"}
    assert drill.rows.count() == 4
    with pytest.raises(NotFound):
        selectors.drill(s1_leader, "S2", "cases", MARCH)
    with pytest.raises(NotFound):
        selectors.dashboard(s1_leader, "B", MARCH)


def test_the_leader_drills_from_each_wired_number_to_its_rows(
    tree: dict[str, Any], people: dict[str, Any], march_cases: dict[str, Any]
) -> None:
    rows.complaint(tree["S2"], concluded=local(2026, 3, 12, 9), finding="upheld")
    rows.answer(tree["S1"], at=local(2026, 3, 9, 10), rating="satisfied")
    leader = people["leader"]
    solved = selectors.drill(leader, "B", "clearance_rate", MARCH)
    assert {c.pk for c in solved.rows} == {march_cases["c1"].pk, march_cases["c4"].pk}
    filed = selectors.drill(leader, "B", "clearance_rate", MARCH, part="denominator")
    assert filed.rows.count() == 4
    assert selectors.drill(leader, "B", "complaints", MARCH).rows.count() == 1
    assert selectors.drill(leader, "B", "satisfaction", MARCH).rows.count() == 1


@pytest.mark.parametrize(
    ("source", "params"),
    [
        ("records.cases", {"case_types": ["civil"]}),
        ("records.filed_cases", {"colour": "red"}),
        ("grid.referrals", {"met": "arrive"}),
        ("grid.disputes", {"statuses": "settled"}),
        ("services.complaints", {"findings": ["maybe"]}),
        ("services.surveys", {"ratings": [1]}),
    ],
)
def test_bad_filters_are_refused_with_what_is_allowed(source: str, params: dict[str, Any]) -> None:
    with pytest.raises(ValidationFailed) as refused:
        get_source(source).validate(params)
    assert refused.value.code == "invalid_params"
