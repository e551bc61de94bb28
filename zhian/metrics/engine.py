"""The counting engine: an indicator's value for a jurisdiction and period, the same
period last year (同比), the previous period (环比), the change and whether it is good.

Values are never made up: a number that cannot be computed (no figures entered, a
denominator of zero, a period that did not exist last year) is ``None`` with the reason,
shown as "—" with the reason on hover, never as 0 or 0 %.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.utils.translation import gettext as _

from zhian.core.models import Jurisdiction
from zhian.metrics.choices import Direction
from zhian.metrics.counting import Counter, months_of
from zhian.metrics.models import IndicatorDefinition
from zhian.metrics.periods import Period
from zhian.metrics.sources import MANUAL, get_source
from zhian.metrics.stats import wilson_interval

DASH = "—"


def small_rate_n() -> int:
    """Rates on fewer trials than this are flagged as small numbers (小样本)."""
    return int(getattr(settings, "ZHIAN_METRICS_SMALL_N", 30))


def small_count() -> int:
    """Count changes on a base below this are flagged (2 → 4 is not "+100 %" news)."""
    return int(getattr(settings, "ZHIAN_METRICS_SMALL_COUNT", 10))


@dataclass(frozen=True)
class Figure:
    """One number: a count, or a rate with its numerator, denominator and Wilson interval."""

    value: float | None
    numerator: int | None = None
    denominator: int | None = None
    reason: str = ""
    interval: tuple[float, float] | None = None
    small: bool = False
    is_rate: bool = False

    @property
    def display(self) -> str:
        if self.value is None:
            return DASH
        if self.is_rate:
            return f"{self.value * 100:.1f}%"
        return str(int(self.value))

    @property
    def interval_display(self) -> str:
        if self.interval is None:
            return ""
        lo, hi = self.interval
        return f"{lo * 100:.1f}%–{hi * 100:.1f}%"


@dataclass(frozen=True)
class Change:
    """``current`` against a comparison: ``delta`` (count, or percentage points for rates),
    ``percent`` (counts only; None on a zero base), ``tone`` good / bad / flat / none."""

    delta: float | None
    percent: float | None
    tone: str
    reason: str = ""
    small: bool = False
    is_rate: bool = False

    @property
    def display(self) -> str:
        if self.delta is None:
            return DASH
        if self.is_rate:
            points = _("个百分点")
            return f"{self.delta * 100:+.1f} {points}"
        text = f"{int(self.delta):+d}"
        return f"{text} ({self.percent * 100:+.1f}%)" if self.percent is not None else text


def compute(
    indicator: IndicatorDefinition,
    within: Jurisdiction,
    period: Period,
    counter: Counter | None = None,
) -> Figure:
    """The indicator's value for ``within`` (and everything below it) over ``period``.
    Authorisation is the caller's (the selectors check ``metrics.view`` on ``within``).
    Pass one ``counter`` for many periods of one place to read each source once."""
    counter = counter or Counter(within)
    if indicator.source == MANUAL:
        total = counter.manual(indicator, period)
        if total.value is None:
            return Figure(None, reason=total.reason, is_rate=indicator.is_rate)
        if not indicator.is_rate:
            return Figure(total.value, numerator=total.value)
        return rate_figure(total.value, total.denominator or 0)
    source = get_source(indicator.source)
    if source.count is None:
        return Figure(None, reason=_("数据来源无法计数"), is_rate=indicator.is_rate)
    numerator = counter.count(source, indicator.params, period)
    if not indicator.is_rate:
        return Figure(numerator, numerator=numerator)
    den_source = get_source(indicator.denominator_source)
    if den_source.count is None:
        return Figure(None, reason=_("分母来源无法计数"), is_rate=True)
    return rate_figure(numerator, counter.count(den_source, indicator.denominator_params, period))


def rate_figure(numerator: int, denominator: int) -> Figure:
    """A rate; a zero denominator is "—" (never 0 % and never an error)."""
    if denominator <= 0:
        return Figure(
            None, numerator, denominator, reason=_("分母为 0，无法计算比率"), is_rate=True
        )
    if numerator > denominator:
        return Figure(
            None, numerator, denominator, reason=_("分子大于分母，请核对口径"), is_rate=True
        )
    return Figure(
        numerator / denominator,
        numerator,
        denominator,
        interval=wilson_interval(numerator, denominator),
        small=denominator < small_rate_n(),
        is_rate=True,
    )


def change(indicator: IndicatorDefinition, current: Figure, base: Figure | None) -> Change:
    if base is None:
        return Change(
            None, None, "none", _("去年无此同期（如 2 月 29 日）"), is_rate=current.is_rate
        )
    if current.value is None or base.value is None:
        reason = current.reason or base.reason
        return Change(None, None, "none", reason, is_rate=current.is_rate)
    delta = current.value - base.value
    if delta == 0:
        tone = "flat"
    elif (delta < 0) == (indicator.direction == Direction.FALL):
        tone = "good"
    else:
        tone = "bad"
    if current.is_rate:
        return Change(delta, None, tone, small=current.small or base.small, is_rate=True)
    percent = delta / base.value if base.value else None
    reason = "" if base.value else _("基数为 0，无法计算增幅")
    small = max(current.value, base.value) < small_count()
    return Change(delta, percent, tone, reason, small)


@dataclass
class IndicatorRow:
    """One dashboard line: the value, last year's, the previous period's and the changes."""

    indicator: IndicatorDefinition
    current: Figure
    last_year: Figure | None
    previous: Figure
    year_change: Change
    period_change: Change
    trend: list[Figure] = field(default_factory=list)


def row_months(period: Period, trend_months: int) -> set[date]:
    """Every month a dashboard row of ``period`` reads (for :class:`Counter`'s hint)."""
    return months_of(
        [period, period.last_year(), period.previous(), *period.months_back(trend_months)]
    )


def indicator_row(
    indicator: IndicatorDefinition,
    within: Jurisdiction,
    period: Period,
    *,
    trend_months: int = 0,
    counter: Counter | None = None,
) -> IndicatorRow:
    """One dashboard line; pass one ``counter`` (hinted with :func:`row_months`) for all
    the rows of a place so each source and the tree are read once."""
    base_period = period.last_year()
    trend_periods = period.months_back(trend_months)
    counter = counter or Counter(within, row_months(period, trend_months))
    current = compute(indicator, within, period, counter)
    last_year = compute(indicator, within, base_period, counter) if base_period else None
    previous = compute(indicator, within, period.previous(), counter)
    trend = [compute(indicator, within, p, counter) for p in trend_periods]
    return IndicatorRow(
        indicator,
        current,
        last_year,
        previous,
        change(indicator, current, last_year),
        change(indicator, current, previous),
        trend,
    )
