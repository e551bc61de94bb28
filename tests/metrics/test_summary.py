"""The incident summary: the dashboard's numbers read from it equal the raw count, across
the bureau's midnight, after merges and cancellations, for incidents created or changed
after the build (merged, reclassified, entered late), and before any build at all."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from tests.factories import Role, UserFactory
from tests.metrics import intake_rows as rows
from tests.metrics.conftest import indicator, local
from zhian.dispatch.services.incidents import do_merge_incident, do_update_incident
from zhian.metrics import selectors
from zhian.metrics.models import CaseMonthCount, IncidentMonthCount, SummaryState
from zhian.metrics.periods import Period, local_midnight
from zhian.metrics.sources import _raw_counts_by_month
from zhian.metrics.summary import refresh_case_summary, refresh_incident_summary
from zhian.records.models import Case

MARCH = Period.month(2026, 3)
CRIME = {"top_categories": ["01", "02"]}
NOW = timedelta(0)  # no margin for uncommitted writes: the test's rows are all committed


@pytest.fixture
def officer(tree: dict[str, Any]) -> Any:
    return UserFactory(
        username="bamj", roles=[(Role.CASE_OFFICER, tree["S1"]), (Role.CASE_OFFICER, tree["S2"])]
    )


def build() -> int:
    return refresh_incident_summary(margin=NOW)


def trend(user: Any, code: str = "B") -> list[Any]:
    """The crime row's last 4 months (Jan–Apr 2026) and the current value, as displayed."""
    dash = selectors.dashboard(user, code, Period.month(2026, 4), trend_months=4)
    row = next(r for r in dash.rows if r.indicator.code == "crime_incidents")
    return [f.value for f in row.trend] + [row.last_year.value if row.last_year else None]


def raw(tree: dict[str, Any], code: str = "B") -> list[int]:
    counts = _raw_counts_by_month(tree[code], local(2026, 1, 1), local(2026, 5, 1), CRIME)
    last_year = _raw_counts_by_month(tree[code], local(2025, 4, 1), local(2025, 5, 1), CRIME)
    return [counts.get(datetime(2026, m, 1).date(), 0) for m in (1, 2, 3, 4)] + [
        sum(last_year.values())
    ]


def test_summary_numbers_equal_the_raw_count_across_midnight_and_later_changes(
    tree: dict[str, Any], people: dict[str, Any], make_incident: Any
) -> None:
    leader, dispatcher = people["leader"], people["dispatcher"]
    # Given incidents around the bureau's midnight at the end of March (15:30 and 16:30 UTC)
    make_incident(local(2026, 3, 31, 23, 30))
    make_incident(local(2026, 4, 1, 0, 30))
    make_incident(local(2026, 3, 1, 0, 10), station="S2")
    make_incident(local(2026, 2, 28, 23, 59), station="S2")
    make_incident(local(2025, 4, 15, 12))
    make_incident(local(2026, 3, 5, 9), category="0302")  # traffic: not counted
    theft = make_incident(local(2026, 3, 10, 9))
    duplicate = make_incident(local(2026, 3, 10, 9, 5))
    do_merge_incident(duplicate, into=theft, acting_user=dispatcher)
    # a January theft reclassified as a traffic matter: no longer counted
    reclassified = make_incident(local(2026, 1, 20, 9))
    reclassified.refresh_from_db()
    do_update_incident(
        reclassified,
        acting_user=dispatcher,
        expected_version=reclassified.version,
        category_code="0302",
    )
    before = trend(leader)
    assert before == raw(tree) == [0, 1, 3, 1, 1]  # no summary yet: all live

    # When the task builds the summary (every month before this one is closed)
    assert build() == 5  # Apr 2025, Jan (the traffic matter), Feb, Mar, Apr 2026
    assert SummaryState.objects.get(name="incidents").through == timezone.localdate().replace(day=1)
    assert sum(IncidentMonthCount.objects.values_list("n", flat=True)) == 8  # every category
    # Then the dashboard (bureau and each station) equals the raw count
    assert trend(leader) == raw(tree) == before
    assert trend(leader, "S1") == raw(tree, "S1") == [0, 0, 2, 1, 1]
    assert trend(leader, "S2") == raw(tree, "S2") == [0, 1, 1, 0, 0]

    # When incidents change after the build (a March one merged, a February one entered
    # late), their months are read live until the next build: still equal
    late = make_incident(local(2026, 2, 2, 9), station="S2")
    merged = make_incident(local(2026, 3, 31, 22))
    do_merge_incident(merged, into=late, acting_user=dispatcher)
    assert trend(leader) == raw(tree) == [0, 2, 3, 1, 1]
    # and the next build takes them in
    assert build() == 2
    assert trend(leader) == raw(tree) == [0, 2, 3, 1, 1]


def test_the_dashboard_reads_the_summary_for_covered_months(
    tree: dict[str, Any], people: dict[str, Any], make_incident: Any
) -> None:
    make_incident(local(2026, 3, 2, 9))
    build()
    # A summary row changed by hand (never done in production) shows through: the
    # covered month is read from the summary, not from the incidents
    IncidentMonthCount.objects.update(n=5)
    dash = selectors.dashboard(people["leader"], "B", MARCH, trend_months=0)
    assert dash.rows[0].current.value == 5
    # The arrival-rate kind of filter is never summarised (it needs the assignments)
    assert indicator("crime_incidents").params == CRIME


def test_the_current_month_is_always_live(
    tree: dict[str, Any], people: dict[str, Any], make_incident: Any
) -> None:
    this_month = timezone.localdate().replace(day=1)
    make_incident(local_midnight(this_month) + timedelta(seconds=1))
    build()
    assert not IncidentMonthCount.objects.filter(month=this_month).exists()
    make_incident(timezone.now() - timedelta(seconds=1))
    period = Period.month(this_month.year, this_month.month)
    dash = selectors.dashboard(people["leader"], "B", period, trend_months=0)
    assert dash.rows[0].current.value == 2


def case_figures(user: Any, code: str = "B") -> list[Any]:
    """案件 and 现行案件破案率 (numerator/denominator) for Feb–Apr 2026 as the dashboard
    shows them (the trend's one-month points)."""
    dash = selectors.dashboard(user, code, Period.month(2026, 4), trend_months=3)
    rows = {r.indicator.code: r for r in dash.rows}
    cases = [f.value for f in rows["cases"].trend]
    clearance = [(f.numerator, f.denominator) for f in rows["clearance_rate"].trend]
    return [cases, clearance]


def test_case_summary_numbers_equal_the_raw_count_before_and_after_changes(
    tree: dict[str, Any], people: dict[str, Any], officer: Any
) -> None:
    c = rows.case
    # filed 23:30 on 31 March, decided 23:50 the same night: March, solved in March
    c(
        officer,
        "S1",
        accepted=local(2026, 3, 31, 22),
        filed=local(2026, 3, 31, 23, 30),
        decided=local(2026, 3, 31, 23, 50),
    )
    # accepted 23:30 on 31 March, filed 00:30 on 1 April: a March case, an April filing
    c(officer, "S2", accepted=local(2026, 3, 31, 23, 30), filed=local(2026, 4, 1, 0, 30))
    # filed in February, decided in March: not solved in February
    february = c(
        officer,
        "S1",
        accepted=local(2026, 2, 3, 9),
        filed=local(2026, 2, 3, 10),
        decided=local(2026, 3, 2, 9),
    )
    c(officer, "S2", accepted=local(2026, 2, 5, 9), stage="not_filed")
    c(officer, "S1", accepted=local(2026, 2, 6, 9), case_type="administrative")
    live = case_figures(people["leader"])
    assert live == [[2, 2, 0], [(0, 1), (1, 1), (0, 1)]]
    # When the summary is built, the dashboard reads it and shows the same numbers
    assert refresh_case_summary(margin=NOW) == 3  # February, March and the April filing
    assert CaseMonthCount.objects.exists()
    assert case_figures(people["leader"]) == live
    assert case_figures(people["leader"], "S2") == [[0, 1, 0], [(0, 0), (0, 0), (0, 1)]]
    # When cases change after the build (the February filing annulled; a March case
    # entered late, filed and decided), their months are read live until the next build
    Case.objects.filter(pk=february.pk).update(stage="revoked", updated_at=timezone.now())
    c(
        officer,
        "S1",
        accepted=local(2026, 3, 10, 9),
        filed=local(2026, 3, 10, 10),
        decided=local(2026, 3, 12, 9),
    )
    changed = [[1, 3, 0], [(0, 0), (2, 2), (0, 1)]]
    assert case_figures(people["leader"]) == changed
    assert refresh_case_summary(margin=NOW) == 2
    assert case_figures(people["leader"]) == changed
    # A summary row changed by hand shows through: covered months come from the summary
    CaseMonthCount.objects.filter(month=date(2026, 2, 1)).update(accepted=40)  # one row
    assert case_figures(people["leader"])[0][0] == 40
