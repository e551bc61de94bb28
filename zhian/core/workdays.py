"""Working days (工作日) under China's statutory holidays and make-up working days (调休).

A thin layer over ``chinesecalendar`` (data published by the State Council each year). Dates
outside the package's years raise ``ValidationFailed(code="calendar_out_of_range")``: a
deadline is never computed by silently treating an unknown holiday as a working day. Local
dates are in ``settings.TIME_ZONE`` (the bureau's zone).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import chinese_calendar
from chinese_calendar.constants import holidays as _holidays
from django.utils import timezone
from django.utils.translation import gettext as _

from zhian.core.errors import ValidationFailed

FIRST_YEAR: int = min(_holidays).year
LAST_YEAR: int = max(_holidays).year


def supported_years() -> tuple[int, int]:
    """The first and last year the installed calendar data covers (inclusive)."""
    return FIRST_YEAR, LAST_YEAR


def _check_range(d: date) -> date:
    if isinstance(d, datetime):
        raise TypeError("pass a date; convert a datetime with local_date() first")
    if not FIRST_YEAR <= d.year <= LAST_YEAR:
        raise ValidationFailed(
            _(
                "节假日数据只覆盖 %(first)d–%(last)d 年，无法判断 %(date)s 是否为工作日；"
                "请升级 chinesecalendar"
            )
            % {"first": FIRST_YEAR, "last": LAST_YEAR, "date": d.isoformat()},
            code="calendar_out_of_range",
            first_year=FIRST_YEAR,
            last_year=LAST_YEAR,
        )
    return d


def is_workday(d: date) -> bool:
    """True on Monday–Friday that are not statutory holidays, and on make-up working days
    (调休上班) even when they fall on a weekend."""
    return bool(chinese_calendar.is_workday(_check_range(d)))


def roll_to_workday(d: date) -> date:
    """``d`` itself if it is a working day, else the next working day."""
    while not is_workday(d):
        d += timedelta(days=1)
    return d


def next_workday(d: date) -> date:
    """The first working day strictly after ``d``."""
    return roll_to_workday(d + timedelta(days=1))


def add_workdays(d: date, n: int) -> date:
    """The ``n``-th working day after ``d`` (before it for negative ``n``; ``d`` itself is
    not counted, so ``add_workdays(friday, 1)`` is the next working day). ``n == 0`` returns
    ``roll_to_workday(d)``."""
    if n == 0:
        return roll_to_workday(d)
    step = timedelta(days=1 if n > 0 else -1)
    remaining = abs(n)
    while remaining:
        d += step
        if is_workday(d):
            remaining -= 1
    return d


def local_datetime(dt: datetime | None = None) -> datetime:
    """``dt`` (an aware datetime; now if omitted) in the bureau's zone (``TIME_ZONE``)."""
    return timezone.localtime(dt)


def local_date(dt: datetime | None = None) -> date:
    """The calendar date of ``dt`` (now if omitted) in the bureau's zone."""
    return local_datetime(dt).date()
