"""Statutory period arithmetic (期间计算), following the procedure laws' counting rules.

* The hour or day in which a period starts is not counted (开始的时和日不算在期间以内).
* A period in days ends at 24:00 of its last day in the bureau's zone; in months, on the
  same day of the month ``amount`` months later (the month's last day when it has none).
* A period in days or months whose last day is a statutory holiday or a rest day moves to
  the next working day (make-up working days count as working days); custody periods
  (在押期间) never move.

Due instants are exclusive: a period is overdue from its ``due`` instant on.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

from zhian.core.workdays import roll_to_workday
from zhian.records.choices import PeriodUnit


def bureau_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def last_day(start: datetime, amount: int, unit: str, zone: ZoneInfo | None = None) -> date:
    """The last counted local day of a day or month period starting at ``start``."""
    local = start.astimezone(zone or bureau_zone()).date()
    if unit == PeriodUnit.DAYS:
        return local + timedelta(days=amount)
    if unit == PeriodUnit.MONTHS:
        return add_months(local, amount)
    raise ValueError(f"no last day for unit {unit!r}")


def period_end(
    start: datetime,
    amount: int,
    unit: str,
    *,
    moves_on_holiday: bool,
    zone: ZoneInfo | None = None,
) -> datetime:
    """The exclusive instant at which a period of ``amount`` ``unit`` from ``start`` runs out."""
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    if amount < 0:
        raise ValueError("amount must not be negative")
    zone = zone or bureau_zone()
    if unit == PeriodUnit.HOURS:
        local = start.astimezone(zone).replace(minute=0, second=0, microsecond=0)
        # The starting hour is not counted: counting begins at the next full hour.
        return local + timedelta(hours=amount + 1)
    end_day = last_day(start, amount, unit, zone)
    if moves_on_holiday:
        end_day = roll_to_workday(end_day)
    return datetime.combine(end_day + timedelta(days=1), time(0), tzinfo=zone)
