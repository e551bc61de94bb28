"""Each indicator on hand-computed fixtures: dispatch counts, manual monthly figures,
rates, year-on-year and the bureau's midnight."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from tests.metrics.conftest import indicator, local, manual_rate
from zhian.dispatch.services.incidents import do_merge_incident
from zhian.metrics.engine import compute, indicator_row
from zhian.metrics.periods import Period
from zhian.metrics.services.figures import do_enter_monthly_figure
from zhian.metrics.services.indicators import IndicatorInput, do_create_indicator
from zhian.metrics.summary import refresh_case_summary, refresh_incident_summary

MARCH = Period.month(2026, 3)


def test_crime_incidents_count_criminal_and_public_order_categories_only(
    tree: dict[str, Any], make_incident: Any, people: dict[str, Any]
) -> None:
    # Given a theft (01), a fight (02), a traffic collision (03) and a dispute (05) in March
    theft = make_incident(local(2026, 3, 5, 10), category="0101")
    make_incident(local(2026, 3, 6, 10), category="0201")
    make_incident(local(2026, 3, 7, 10), category="0302")
    make_incident(local(2026, 3, 8, 10), category="0501")
    # and a second report of the theft merged into it (a duplicate, not a new crime)
    duplicate = make_incident(local(2026, 3, 5, 10, 5), category="0101")
    do_merge_incident(duplicate, into=theft, acting_user=people["dispatcher"])
    # Then only the theft and the fight count
    figure = compute(indicator("crime_incidents"), tree["B"], MARCH)
    assert (figure.value, figure.display) == (2, "2")


def test_an_incident_late_at_night_counts_in_the_bureau_local_month(
    tree: dict[str, Any], make_incident: Any
) -> None:
    # 23:30 on 31 March in Beijing is 15:30 UTC: still March
    make_incident(local(2026, 3, 31, 23, 30))
    # 00:30 on 1 April in Beijing is 16:30 UTC on 31 March: April
    make_incident(local(2026, 4, 1, 0, 30))
    # 00:10 on 1 March (16:10 UTC on 28 February): March
    make_incident(local(2026, 3, 1, 0, 10))
    crime = indicator("crime_incidents")
    assert compute(crime, tree["B"], MARCH).value == 2
    assert compute(crime, tree["B"], Period.month(2026, 4)).value == 1


def test_an_empty_period_of_a_counted_source_is_a_true_zero(tree: dict[str, Any]) -> None:
    figure = compute(indicator("crime_incidents"), tree["B"], MARCH)
    assert (figure.value, figure.display, figure.reason) == (0, "0", "")


def test_leap_day_incidents_count_in_february_and_29_february_has_no_year_on_year(
    tree: dict[str, Any], make_incident: Any
) -> None:
    make_incident(local(2024, 2, 29, 12))
    make_incident(local(2023, 2, 28, 12))
    crime = indicator("crime_incidents")
    row = indicator_row(crime, tree["B"], Period.month(2024, 2))
    assert (row.current.value, row.last_year.value if row.last_year else None) == (1, 1)
    leap_day = indicator_row(crime, tree["B"], Period.custom(date(2024, 2, 29), date(2024, 2, 29)))
    assert leap_day.current.value == 1
    assert leap_day.last_year is None
    assert leap_day.year_change.display == "—" and "2 月 29 日" in leap_day.year_change.reason


def test_year_on_year_and_previous_period_with_direction_tone(
    tree: dict[str, Any], make_incident: Any
) -> None:
    # Given 4 crimes in March 2025, 3 in February 2026 and 2 in March 2026
    for day in (2, 3, 4, 5):
        make_incident(local(2025, 3, day, 9))
    for day in (2, 3, 4):
        make_incident(local(2026, 2, day, 9))
    for day in (2, 3):
        make_incident(local(2026, 3, day, 9))
    row = indicator_row(indicator("crime_incidents"), tree["B"], MARCH)
    # Then 同比 is −2 (−50 %), good for an indicator that should fall; 环比 −1
    assert (row.year_change.delta, row.year_change.percent) == (-2, -0.5)
    assert row.year_change.tone == "good"
    assert row.year_change.display == "-2 (-50.0%)"
    assert row.year_change.small  # a base under 10 is flagged
    assert (row.period_change.delta, row.period_change.tone) == (-1, "good")


def test_a_manual_indicator_without_figures_is_a_dash_with_the_months_named(
    tree: dict[str, Any],
) -> None:
    figure = compute(indicator("accidents"), tree["B"], MARCH)
    assert figure.value is None and figure.display == "—"
    assert "2026-03" in figure.reason


def test_bureau_manual_value_is_the_sum_of_its_stations_when_all_entered(
    tree: dict[str, Any], people: dict[str, Any]
) -> None:
    cases = indicator("accidents")
    do_enter_monthly_figure(cases, tree["S1"], date(2026, 3, 1), 7, acting_user=people["analyst"])
    # Only one station entered: the bureau cannot be summed
    assert compute(cases, tree["B"], MARCH).value is None
    assert compute(cases, tree["S1"], MARCH).value == 7
    do_enter_monthly_figure(cases, tree["S2"], date(2026, 3, 1), 5, acting_user=people["analyst"])
    assert compute(cases, tree["B"], MARCH).value == 12
    # A bureau-level entry wins over the stations' sum
    do_enter_monthly_figure(cases, tree["B"], date(2026, 3, 1), 13, acting_user=people["analyst"])
    assert compute(cases, tree["B"], MARCH).value == 13


def test_a_manual_indicator_over_a_week_is_a_dash_not_a_share_of_the_month(
    tree: dict[str, Any], people: dict[str, Any]
) -> None:
    cases = indicator("accidents")
    do_enter_monthly_figure(cases, tree["B"], date(2026, 3, 1), 30, acting_user=people["analyst"])
    figure = compute(cases, tree["B"], Period.week(date(2026, 3, 10)))
    assert figure.value is None and "整月" in figure.reason


def test_a_manual_rate_uses_numerator_and_denominator_with_wilson_bounds(
    tree: dict[str, Any], people: dict[str, Any]
) -> None:
    rate = manual_rate()
    do_enter_monthly_figure(
        rate, tree["B"], date(2026, 3, 1), 81, denominator=263, acting_user=people["analyst"]
    )
    figure = compute(rate, tree["B"], MARCH)
    assert figure.display == "30.8%"
    assert (figure.numerator, figure.denominator) == (81, 263)
    assert figure.interval_display == "25.5%–36.6%"
    assert not figure.small


def test_a_zero_denominator_is_a_dash_never_zero_percent(
    tree: dict[str, Any], people: dict[str, Any]
) -> None:
    rate = manual_rate()
    do_enter_monthly_figure(
        rate, tree["B"], date(2026, 3, 1), 0, denominator=0, acting_user=people["analyst"]
    )
    figure = compute(rate, tree["B"], MARCH)
    assert figure.value is None and figure.display == "—"
    assert "分母为 0" in figure.reason


def test_a_bureau_added_135_arrival_rate_counts_from_response_clocks(
    tree: dict[str, Any], people: dict[str, Any], make_incident: Any, arrive: Any
) -> None:
    # Given a 5-minute arrival rate added by the bureau
    arrival = do_create_indicator(
        IndicatorInput(
            code="arrival_5min",
            name="5 分钟到达率",
            definition="有民警到场的警情中，首个警力 5 分钟内到场的比例。",
            kind="rate",
            source="dispatch.incidents",
            params={"arrived_within_minutes": 5},
            denominator_source="dispatch.incidents",
            denominator_params={"arrived_only": True},
            direction="rise",
        ),
        bureau=tree["B"],
        acting_user=people["leader"],
    )
    # and arrivals after 299 s, exactly 300 s, 301 s, and an incident nobody reached
    for seconds in (299, 300, 301):
        arrive(make_incident(local(2026, 3, 3, 9)), seconds)
    make_incident(local(2026, 3, 3, 10))
    # Then 2 of the 3 reached arrived within 5 minutes (300 s is within, as the clock counts)
    figure = compute(arrival, tree["B"], MARCH)
    assert (figure.numerator, figure.denominator) == (2, 3)
    assert figure.display == "66.7%" and figure.small
    # and a month without arrivals is "—"
    assert compute(arrival, tree["B"], Period.month(2026, 4)).display == "—"


def test_a_station_counts_only_its_own_rows(tree: dict[str, Any], make_incident: Any) -> None:
    make_incident(local(2026, 3, 3, 9), station="S1")
    make_incident(local(2026, 3, 3, 9), station="S2")
    make_incident(local(2026, 3, 4, 9), station="S2")
    crime = indicator("crime_incidents")
    assert [compute(crime, tree[c], MARCH).value for c in ("S1", "S2", "B")] == [1, 2, 3]


def test_a_week_counts_its_days_and_compares_with_the_same_dates_last_year(
    tree: dict[str, Any], make_incident: Any
) -> None:
    # Monday 2 March – Sunday 8 March 2026; the same dates in 2025
    make_incident(local(2026, 3, 2, 0, 5))
    make_incident(local(2026, 3, 8, 23, 55))
    make_incident(local(2026, 3, 9, 0, 5))  # next week
    make_incident(local(2025, 3, 2, 12))
    row = indicator_row(indicator("crime_incidents"), tree["B"], Period.week(date(2026, 3, 4)))
    assert row.current.value == 2
    assert row.last_year is not None and row.last_year.value == 1
    assert row.previous.value == 0


def test_the_dashboard_reads_each_source_once_whatever_the_trend_length(
    tree: dict[str, Any],
    people: dict[str, Any],
    make_incident: Any,
    django_assert_max_num_queries: Any,
) -> None:
    from zhian.metrics import selectors

    make_incident(local(2026, 3, 2, 9))
    do_enter_monthly_figure(
        indicator("accidents"), tree["S1"], date(2026, 3, 1), 3, acting_user=people["analyst"]
    )
    # 8 indicators: one grouped count per counted source (dispatch; records' cases, filed
    # and solved cases; services' complaints, survey answers and satisfied answers), the
    # figures of each of the 3 manual ones, the tree once, plus the jurisdiction, the user's
    # roles, the indicator list, whether the bureau is the only one (for dispatch and each
    # of the 3 records sources) and the summaries' state (none yet: counted live) for
    # incidents and each records source
    with django_assert_max_num_queries(22):
        dash = selectors.dashboard(people["leader"], "B", MARCH, trend_months=12)
    crime = dash.rows[0]
    assert crime.current.value == 1 and [f.value for f in crime.trend][-1] == 1
    assert sum(f.value or 0 for f in crime.trend) == 1
    # With the summaries built, each summarised source reads its state, the months changed
    # since the build (two for cases: acceptance and filing months), the tree check and the
    # summary: still a fixed number, whatever the trend length
    refresh_incident_summary(margin=timedelta(0))
    refresh_case_summary(margin=timedelta(0))
    with django_assert_max_num_queries(31):
        again = selectors.dashboard(people["leader"], "B", MARCH, trend_months=12)
    assert [f.value for f in again.rows[0].trend] == [f.value for f in crime.trend]
