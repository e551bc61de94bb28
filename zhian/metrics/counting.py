"""Counting for one view of the numbers (a dashboard, a report, a ranking row): grouped
monthly counts and monthly figures are read once for every period the view needs
(this period, last year's, the previous one and the trend months), then summed per period.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.utils.translation import gettext as _

from zhian.core.models import Jurisdiction
from zhian.metrics.models import IndicatorDefinition, MonthlyFigure
from zhian.metrics.periods import Period, local_midnight
from zhian.metrics.sources import Source


@dataclass(frozen=True)
class ManualTotal:
    value: int | None
    denominator: int | None
    reason: str = ""


def _month_after(first: date) -> date:
    return (first + timedelta(days=32)).replace(day=1)


def _runs(months: list[date]) -> list[tuple[date, date]]:
    """Sorted first-of-month dates as (first, last) runs of consecutive months."""
    runs: list[tuple[date, date]] = []
    for month in months:
        if runs and _month_after(runs[-1][1]) == month:
            runs[-1] = (runs[-1][0], month)
        else:
            runs.append((month, month))
    return runs


class Counter:
    """Counts inside ``within``; ``months`` hints which months the caller will ask for."""

    def __init__(self, within: Jurisdiction, months: Iterable[date] = ()) -> None:
        self.within = within
        self.hint = set(months)
        self._monthly: dict[str, dict[date, int]] = {}
        self._figures: dict[
            int, tuple[set[date], dict[tuple[int, date], tuple[int, int | None]]]
        ] = {}
        self._children: dict[int | None, list[int]] | None = None

    # --- counted sources -----------------------------------------------------------------

    def count(self, source: Source, params: dict[str, Any], period: Period) -> int:
        months = period.whole_months()
        if (
            months is None
            or source.count_by_month is None
            or (not source.additive and len(months) != 1)
        ):
            assert source.count is not None
            start, end = period.bounds()
            return source.count(self.within, start, end, params)
        key = f"{source.code}:{json.dumps(params, sort_keys=True)}"
        cached = self._monthly.get(key)
        if cached is None or not all(m in cached for m in months):
            cached = {}
            # One grouped query per run of consecutive months (this year's months and
            # last year's are two runs: the year between is not read).
            for first, last in _runs(sorted(self.hint | set(months))):
                start, end = local_midnight(first), local_midnight(_month_after(last))
                cached |= {m: 0 for m in self._months_between(first, last)}
                cached |= source.count_by_month(self.within, start, end, params)
            self._monthly[key] = cached
        return sum(cached[m] for m in months)

    @staticmethod
    def _months_between(first: date, last: date) -> list[date]:
        out, day = [], first
        while day <= last:
            out.append(day)
            day = _month_after(day)
        return out

    # --- monthly figures (月度填报) ----------------------------------------------------------

    def _tree(self) -> dict[int | None, list[int]]:
        if self._children is None:
            children: dict[int | None, list[int]] = defaultdict(list)
            for pk, parent in Jurisdiction.objects.filter(
                path__startswith=self.within.path
            ).values_list("pk", "parent_id"):
                children[parent].append(pk)
            self._children = children
        return self._children

    def _entries(
        self, indicator: IndicatorDefinition, months: list[date]
    ) -> dict[tuple[int, date], tuple[int, int | None]]:
        loaded = self._figures.get(indicator.pk)
        if loaded is not None and set(months) <= loaded[0]:
            return loaded[1]
        wanted = self.hint | set(months) | (loaded[0] if loaded else set())
        entries = {
            (j, m): (v, d)
            for j, m, v, d in MonthlyFigure.objects.filter(
                indicator=indicator,
                jurisdiction__path__startswith=self.within.path,
                month__in=sorted(wanted),
            ).values_list("jurisdiction_id", "month", "value", "denominator")
        }
        self._figures[indicator.pk] = (wanted, entries)
        return entries

    def manual(self, indicator: IndicatorDefinition, period: Period) -> ManualTotal:
        """The sum of the period's monthly figures. A jurisdiction's month is its own
        figure, else the sum of its children's when every child has one; a month that
        resolves to nothing makes the period "—" with the months named (never a zero)."""
        months = period.whole_months()
        if months is None:
            return ManualTotal(None, None, _("该指标按月人工填报，所选时段不是整月"))
        entries = self._entries(indicator, months)

        def resolve(pk: int, month: date) -> tuple[int, int] | None:
            if (pk, month) in entries:
                value, denominator = entries[(pk, month)]
                return value, denominator or 0
            kids = self._tree().get(pk)
            if not kids:
                return None
            total = [0, 0]
            for kid in kids:
                part = resolve(kid, month)
                if part is None:
                    return None
                total[0] += part[0]
                total[1] += part[1]
            return total[0], total[1]

        value = denominator = 0
        missing = []
        for month in months:
            part = resolve(self.within.pk, month)
            if part is None:
                missing.append(f"{month:%Y-%m}")
            else:
                value += part[0]
                denominator += part[1]
        if missing:
            return ManualTotal(
                None, None, _("以下月份尚未填报：%(months)s") % {"months": "、".join(missing)}
            )
        return ManualTotal(value, denominator if indicator.is_rate else None)


def months_of(periods: Iterable[Period | None]) -> set[date]:
    out: set[date] = set()
    for p in periods:
        if p is not None:
            out.update(p.whole_months() or [])
    return out
