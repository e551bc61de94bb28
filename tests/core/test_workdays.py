"""Working days from chinesecalendar: holidays, make-up working days, weekends, range."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.test import override_settings

from zhian.core import workdays
from zhian.core.errors import ValidationFailed
from zhian.core.workdays import (
    add_workdays,
    is_workday,
    local_date,
    local_datetime,
    next_workday,
    roll_to_workday,
)


def test_national_day_holiday_is_not_a_workday() -> None:
    # 2026-10-01 (Thursday) to 10-07 is the National Day holiday.
    assert not is_workday(date(2026, 10, 1))
    assert not is_workday(date(2026, 10, 7))
    assert is_workday(date(2026, 10, 8))


def test_make_up_working_day_on_a_weekend_is_a_workday() -> None:
    # 2026-10-10 is a Saturday worked in lieu of the National Day holiday (调休).
    assert date(2026, 10, 10).weekday() == 5
    assert is_workday(date(2026, 10, 10))
    # 2026-01-04 is a Sunday worked for New Year.
    assert is_workday(date(2026, 1, 4))


def test_ordinary_weekend_and_weekday() -> None:
    assert not is_workday(date(2026, 11, 28))  # Saturday
    assert not is_workday(date(2026, 11, 29))  # Sunday
    assert is_workday(date(2026, 11, 27))  # Friday


def test_roll_and_next() -> None:
    assert roll_to_workday(date(2026, 10, 1)) == date(2026, 10, 8)
    assert roll_to_workday(date(2026, 10, 8)) == date(2026, 10, 8)
    assert next_workday(date(2026, 10, 8)) == date(2026, 10, 9)
    assert next_workday(date(2026, 10, 9)) == date(2026, 10, 10)  # make-up Saturday


def test_add_workdays_across_the_holiday() -> None:
    # From Wednesday 2026-09-30: 10-08 is the first working day after the holiday.
    assert add_workdays(date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert add_workdays(date(2026, 9, 30), 3) == date(2026, 10, 10)
    assert add_workdays(date(2026, 10, 8), -1) == date(2026, 9, 30)
    assert add_workdays(date(2026, 10, 3), 0) == date(2026, 10, 8)


def test_dates_outside_the_data_raise() -> None:
    first, last = workdays.supported_years()
    with pytest.raises(ValidationFailed) as caught:
        is_workday(date(last + 1, 1, 5))
    assert caught.value.code == "calendar_out_of_range"
    assert str(first) in caught.value.message and str(last) in caught.value.message
    with pytest.raises(ValidationFailed):
        is_workday(date(first - 1, 6, 1))


def test_walking_off_the_end_of_the_data_raises() -> None:
    _, last = workdays.supported_years()
    with pytest.raises(ValidationFailed) as caught:
        add_workdays(date(last, 12, 20), 30)
    assert caught.value.code == "calendar_out_of_range"


def test_datetime_is_refused_so_the_zone_is_explicit() -> None:
    with pytest.raises(TypeError):
        is_workday(datetime(2026, 10, 1, 12, tzinfo=UTC))


@override_settings(TIME_ZONE="Asia/Shanghai")
def test_local_date_uses_the_bureau_zone() -> None:
    # 2026-09-30 17:00 UTC is 2026-10-01 01:00 in Beijing: already the holiday.
    moment = datetime(2026, 9, 30, 17, tzinfo=UTC)
    assert local_date(moment) == date(2026, 10, 1)
    assert local_datetime(moment).hour == 1
    assert not is_workday(local_date(moment))
