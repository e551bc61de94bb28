"""Period arithmetic: Chinese procedure-law counting in the bureau's zone."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from zhian.core.workdays import roll_to_workday
from zhian.records.services.periods import add_months, period_end

SH = ZoneInfo("Asia/Shanghai")


def at(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=SH)


def test_days_start_day_not_counted_and_period_runs_to_midnight() -> None:
    # Given a 3-day period starting on Monday 2026-03-02 at 10:00
    end = period_end(at(2026, 3, 2, 10), 3, "days", moves_on_holiday=True)
    # Then it runs through Thursday 3-05 24:00
    assert end == at(2026, 3, 6, 0)


def test_period_ending_on_national_day_moves_to_first_working_day() -> None:
    # Given a 30-day period whose last day is 2026-10-01 (国庆节)
    end = period_end(at(2026, 9, 1, 9), 30, "days", moves_on_holiday=True)
    # Then it moves past the 10-01..10-07 holiday to Thursday 10-08
    assert end == at(2026, 10, 9, 0)


def test_custody_period_ending_on_national_day_does_not_move() -> None:
    end = period_end(at(2026, 9, 28, 22), 3, "days", moves_on_holiday=False)
    assert end == at(2026, 10, 2, 0)


def test_period_ending_on_make_up_working_day_stays() -> None:
    # 2026-10-10 is a Saturday but a make-up working day (调休上班)
    end = period_end(at(2026, 10, 7, 15), 3, "days", moves_on_holiday=True)
    assert end == at(2026, 10, 11, 0)
    # while an ordinary Saturday moves to Monday
    assert period_end(at(2026, 3, 4, 15), 3, "days", moves_on_holiday=True) == at(2026, 3, 10, 0)


def test_bureau_zone_decides_the_start_day_around_midnight() -> None:
    # 2026-03-01 16:30 UTC is 03-02 00:30 in Shanghai: the start day is 03-02
    start = datetime(2026, 3, 1, 16, 30, tzinfo=ZoneInfo("UTC"))
    assert period_end(start, 1, "days", moves_on_holiday=False) == at(2026, 3, 4, 0)
    # one hour earlier it is still 03-01 23:30 in Shanghai
    assert period_end(start - timedelta(hours=1), 1, "days", moves_on_holiday=False) == at(
        2026, 3, 3, 0
    )


def test_hours_start_hour_not_counted() -> None:
    assert period_end(at(2026, 3, 2, 10, 25), 24, "hours", moves_on_holiday=True) == at(
        2026, 3, 3, 11
    )


def test_months_same_day_or_month_end() -> None:
    assert add_months(at(2026, 1, 31).date(), 1) == at(2026, 2, 28).date()
    # arrested 2026-07-30: two months end 2026-09-30 24:00 (custody, not moved)
    assert period_end(at(2026, 7, 30, 8), 2, "months", moves_on_holiday=False) == at(2026, 10, 1, 0)
    # the same period if it could move would pass National Day
    assert period_end(at(2026, 8, 1, 8), 2, "months", moves_on_holiday=True) == at(2026, 10, 9, 0)


def test_next_working_day_skips_holidays() -> None:
    assert roll_to_workday(at(2026, 10, 1).date()) == at(2026, 10, 8).date()
    assert roll_to_workday(at(2026, 9, 20).date()) == at(2026, 9, 20).date()  # make-up day


def test_naive_start_is_refused() -> None:
    with pytest.raises(ValueError):
        period_end(datetime(2026, 3, 2), 3, "days", moves_on_holiday=True)
