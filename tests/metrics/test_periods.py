"""Periods in the bureau's zone, the same period last year and the previous period."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from zhian.core.errors import ValidationFailed
from zhian.metrics.periods import Period, parse_period


def test_a_month_runs_from_local_midnight_to_local_midnight() -> None:
    start, end = Period.month(2026, 3).bounds()
    # Beijing midnight is 16:00 UTC the day before.
    assert start.astimezone(UTC) == datetime(2026, 2, 28, 16, 0, tzinfo=UTC)
    assert end.astimezone(UTC) == datetime(2026, 3, 31, 16, 0, tzinfo=UTC)


def test_february_of_a_leap_year_has_29_days_and_last_year_28() -> None:
    feb = Period.month(2024, 2)
    assert feb.days == 29
    last = feb.last_year()
    assert last is not None and (last.start, last.end) == (date(2023, 2, 1), date(2023, 2, 28))


def test_29_february_alone_has_no_same_day_last_year() -> None:
    assert Period.custom(date(2024, 2, 29), date(2024, 2, 29)).last_year() is None


def test_a_range_starting_or_ending_on_29_february_moves_inwards() -> None:
    starting = Period.custom(date(2024, 2, 29), date(2024, 3, 3)).last_year()
    ending = Period.custom(date(2024, 2, 20), date(2024, 2, 29)).last_year()
    assert starting is not None and (starting.start, starting.end) == (
        date(2023, 3, 1),
        date(2023, 3, 3),
    )
    assert ending is not None and (ending.start, ending.end) == (
        date(2023, 2, 20),
        date(2023, 2, 28),
    )


def test_previous_period_of_january_is_december_and_of_a_range_the_days_before() -> None:
    assert Period.month(2026, 1).previous() == Period.month(2025, 12)
    week = Period.week(date(2026, 3, 4))  # a Wednesday
    assert (week.start, week.end) == (date(2026, 3, 2), date(2026, 3, 8))
    assert week.previous().start == date(2026, 2, 23)
    custom = Period.custom(date(2026, 3, 10), date(2026, 3, 12)).previous()
    assert (custom.start, custom.end) == (date(2026, 3, 7), date(2026, 3, 9))


def test_whole_months_only_for_ranges_of_complete_months() -> None:
    assert Period.custom(date(2026, 1, 1), date(2026, 3, 31)).whole_months() == [
        date(2026, 1, 1),
        date(2026, 2, 1),
        date(2026, 3, 1),
    ]
    assert Period.week(date(2026, 3, 4)).whole_months() is None


def test_bad_periods_are_refused_with_a_reason() -> None:
    with pytest.raises(ValidationFailed):
        parse_period("custom", start="2026-03-10", end="2026-03-01")
    with pytest.raises(ValidationFailed):
        parse_period("month", "2026-13")
    with pytest.raises(ValidationFailed):
        parse_period("fortnight", "2026-03-01")
