"""Reporting periods (统计周期) in the bureau's time zone (``settings.TIME_ZONE``).

A period is a range of local dates, both ends included; it is counted from local midnight
of ``start`` to local midnight after ``end``, so an incident at 23:59 Beijing time on the
31st belongs to that month even though it is 15:59 UTC.

*The same period last year* (同期) is the same calendar dates one year earlier. A date
that did not exist then (29 February) moves inwards: a start on 29 Feb becomes 1 Mar, an
end on 29 Feb becomes 28 Feb; a period that is only 29 Feb has no same period last year.
*The previous period* (环比) is the previous month for a month, the previous week for a
week, and the same number of days just before for any other range.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.translation import gettext as _

from zhian.core.errors import ValidationFailed
from zhian.metrics.choices import PeriodKind

MAX_DAYS = 2 * 366


def bureau_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=bureau_zone())


@dataclass(frozen=True)
class Period:
    kind: str
    start: date
    end: date

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        if not (1 <= month <= 12 and 1900 < year < 3000):
            raise ValidationFailed(_("月份无效"), code="invalid_period")
        last = calendar.monthrange(year, month)[1]
        return cls(PeriodKind.MONTH, date(year, month, 1), date(year, month, last))

    @classmethod
    def week(cls, day: date) -> Period:
        """The Monday-to-Sunday week holding ``day``."""
        monday = day - timedelta(days=day.weekday())
        return cls(PeriodKind.WEEK, monday, monday + timedelta(days=6))

    @classmethod
    def custom(cls, start: date, end: date) -> Period:
        if end < start:
            raise ValidationFailed(_("截止日期不能早于起始日期"), code="invalid_period")
        if (end - start).days + 1 > MAX_DAYS:
            raise ValidationFailed(
                _("统计周期不能超过 %(n)d 天") % {"n": MAX_DAYS}, code="invalid_period"
            )
        return cls(PeriodKind.CUSTOM, start, end)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def bounds(self) -> tuple[datetime, datetime]:
        """Local midnight at the start, local midnight after the end (half-open)."""
        return local_midnight(self.start), local_midnight(self.end + timedelta(days=1))

    @property
    def label(self) -> str:
        if self.kind == PeriodKind.MONTH:
            return f"{self.start:%Y-%m}"
        if self.start == self.end:
            return self.start.isoformat()
        return f"{self.start.isoformat()} ~ {self.end.isoformat()}"

    def previous(self) -> Period:
        if self.kind == PeriodKind.MONTH:
            before = self.start - timedelta(days=1)
            return Period.month(before.year, before.month)
        length = timedelta(days=self.days)
        return Period(self.kind, self.start - length, self.end - length)

    def last_year(self) -> Period | None:
        """The same calendar dates a year earlier (see the module text); None when the
        period is only a date that did not exist last year."""
        if self.kind == PeriodKind.MONTH:
            return Period.month(self.start.year - 1, self.start.month)
        start = _year_earlier(self.start, inwards=+1)
        end = _year_earlier(self.end, inwards=-1)
        if end < start:
            return None
        return Period(PeriodKind.CUSTOM, start, end)

    def whole_months(self) -> list[date] | None:
        """First days of the months the period covers exactly, or None when it does not
        start on a first or end on a last day of a month."""
        if self.start.day != 1 or self.end != _month_end(self.end):
            return None
        months, day = [], self.start
        while day <= self.end:
            months.append(day)
            day = _month_end(day) + timedelta(days=1)
        return months

    def months_back(self, n: int) -> list[Period]:
        """The ``n`` months ending with the one holding ``end``, oldest first (trend)."""
        out, year, month = [], self.end.year, self.end.month
        for _i in range(n):
            out.append(Period.month(year, month))
            year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        return out[::-1]


def _month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _year_earlier(day: date, *, inwards: int) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return date(day.year - 1, 3, 1) if inwards > 0 else date(day.year - 1, 2, 28)


def parse_period(kind: str, value: str = "", start: str = "", end: str = "") -> Period:
    """A period from page or API parameters: ``month`` + ``YYYY-MM``, ``week`` + any date
    of the week, ``custom`` + ``start`` and ``end`` (ISO dates)."""
    try:
        if kind == PeriodKind.MONTH:
            year, month = (int(p) for p in value.split("-")[:2])
            return Period.month(year, month)
        if kind == PeriodKind.WEEK:
            return Period.week(date.fromisoformat(value))
        if kind == PeriodKind.CUSTOM:
            return Period.custom(date.fromisoformat(start), date.fromisoformat(end))
    except ValueError:
        raise ValidationFailed(_("日期格式有误"), code="invalid_period") from None
    raise ValidationFailed(_("统计周期类型须为 month、week 或 custom"), code="invalid_period")


def current_month() -> Period:
    from django.utils import timezone

    today = timezone.localdate()
    return Period.month(today.year, today.month)
