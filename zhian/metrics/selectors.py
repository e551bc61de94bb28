"""Reads for KPIs, scoped to the acting user: the jurisdictions they may view, the
dashboard, the rows behind a number, the station ranking and the monthly figures."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from zhian.core.errors import NotFound, ValidationFailed
from zhian.core.models import Jurisdiction, JurisdictionKind
from zhian.core.scoping import check_can, scope_paths, scoped
from zhian.metrics.choices import Direction
from zhian.metrics.counting import Counter, months_of
from zhian.metrics.engine import Figure, IndicatorRow, compute, indicator_row, row_months
from zhian.metrics.models import IndicatorDefinition, MonthlyFigure, StoredReport
from zhian.metrics.periods import Period, parse_period
from zhian.metrics.ranking import StationScore, rank_stations
from zhian.metrics.sources import MANUAL, figure_rows, get_source

VIEW = "metrics.view"
LEVELS = (JurisdictionKind.BUREAU, JurisdictionKind.STATION, JurisdictionKind.SECTOR)
TREND_MONTHS = 12


def jurisdictions_for(user: Any) -> QuerySet[Jurisdiction]:
    """Bureaus, stations and sectors the user may see KPIs for."""
    return (
        scoped(Jurisdiction.objects.all(), user, VIEW, field="")
        .filter(kind__in=LEVELS)
        .defer("boundary")
        .order_by("path")
    )


def access_jurisdiction(user: Any, code: str = "") -> Jurisdiction:
    """The jurisdiction ``code`` (default: the highest one the user may view) if the user
    may view its KPIs; NotFound otherwise (so other stations do not leak)."""
    if not code:
        paths = scope_paths(user, VIEW)
        found = (
            Jurisdiction.objects.order_by("path").first()
            if paths is None
            else Jurisdiction.objects.filter(path__in=paths[:1]).first()
        )
    else:
        found = Jurisdiction.objects.filter(code=code).first()
    if found is None:
        raise NotFound(_("未找到可查看考核指标的辖区"))
    check_can(user, VIEW, found)
    return found


def active_indicators() -> list[IndicatorDefinition]:
    return list(IndicatorDefinition.objects.filter(active=True).order_by("order", "code"))


def access_indicator(code: str) -> IndicatorDefinition:
    found = IndicatorDefinition.objects.filter(code=code).first()
    if found is None:
        raise NotFound(_("未找到指标 %(code)s") % {"code": code})
    return found


@dataclass
class Dashboard:
    jurisdiction: Jurisdiction
    period: Period
    rows: list[IndicatorRow]
    cut_off: Any


def dashboard(
    user: Any, code: str, period: Period, *, trend_months: int = TREND_MONTHS
) -> Dashboard:
    """Every active indicator for the jurisdiction and period, with 同比, 环比 and a
    monthly trend; ``cut_off`` is when the numbers were read."""
    jurisdiction = access_jurisdiction(user, code)
    cut_off = timezone.now()
    counter = Counter(jurisdiction, row_months(period, trend_months))
    rows = [
        indicator_row(ind, jurisdiction, period, trend_months=trend_months, counter=counter)
        for ind in active_indicators()
    ]
    return Dashboard(jurisdiction, period, rows, cut_off)


@dataclass
class Drill:
    jurisdiction: Jurisdiction
    indicator: IndicatorDefinition
    period: Period
    part: str
    rows: QuerySet[Any]
    template: str


def drill(user: Any, code: str, indicator_code: str, period: Period, part: str = "") -> Drill:
    """The rows behind one number (the numerator, or ``part="denominator"``), in scope."""
    jurisdiction = access_jurisdiction(user, code)
    indicator = access_indicator(indicator_code)
    if indicator.source == MANUAL:
        rows: QuerySet[Any] = figure_rows(user, indicator, jurisdiction, period)
        return Drill(jurisdiction, indicator, period, "", rows, "metrics/_rows_figures.html")
    use_denominator = part == "denominator" and indicator.is_rate
    source = get_source(indicator.denominator_source if use_denominator else indicator.source)
    params = indicator.denominator_params if use_denominator else indicator.params
    if source.rows is None:
        raise NotFound(_("该来源没有可查看的明细"))
    start, end = period.bounds()
    return Drill(
        jurisdiction,
        indicator,
        period,
        "denominator" if use_denominator else "numerator",
        source.rows(user, jurisdiction, start, end, params),
        source.row_template,
    )


@dataclass
class MapArea:
    jurisdiction: Jurisdiction
    figure: Figure
    #: 0 (best) … CLASSES - 1 (worst) by the indicator's direction; None: no value.
    tone_class: int | None = None


@dataclass
class AreaMap:
    jurisdiction: Jurisdiction
    indicator: IndicatorDefinition
    period: Period
    areas: list[MapArea]
    legend: list[tuple[int, str]]


MAP_CLASSES = 5


def area_map(user: Any, code: str, indicator_code: str, period: Period) -> AreaMap:
    """The indicator's value for each unit directly below ``code`` (stations under a
    bureau, sectors under a station; a sector alone), shaded in classes from best to worst
    by the indicator's direction, with the legend's ranges. Only units the user may view."""
    jurisdiction = access_jurisdiction(user, code)
    indicator = access_indicator(indicator_code)
    units = list(
        scoped(Jurisdiction.objects.all(), user, VIEW, field="")
        .filter(parent=jurisdiction, kind__in=LEVELS)
        .order_by("code")
    ) or [jurisdiction]
    areas = [
        MapArea(unit, compute(indicator, unit, period, Counter(unit, months_of([period]))))
        for unit in units
    ]
    values = sorted({a.figure.value for a in areas if a.figure.value is not None})
    legend: list[tuple[int, str]] = []
    if values:
        low, high = values[0], values[-1]
        step = (high - low) / MAP_CLASSES

        def show(v: float) -> str:
            if indicator.is_rate:
                return f"{v * 100:.1f}%"
            return f"{v:.1f}".rstrip("0").rstrip(".")

        for k in range(MAP_CLASSES if step else 1):
            lo, hi = low + k * step, low + (k + 1) * step if step else high
            legend.append((k, f"{show(lo)}–{show(hi)}"))
        for area in areas:
            value = area.figure.value
            if value is None:
                continue
            rank = min(int((value - low) / step), MAP_CLASSES - 1) if step else 0
            area.tone_class = rank
        if indicator.direction == Direction.RISE:  # a higher value is better: reverse
            top = len(legend) - 1
            for area in areas:
                if area.tone_class is not None:
                    area.tone_class = top - area.tone_class
            legend = [(top - k, label) for k, label in legend]
    return AreaMap(jurisdiction, indicator, period, areas, sorted(legend))


def ranking(user: Any, code: str, period: Period) -> dict[str, Any]:
    """The stations under ``code`` (default: the user's bureau) ranked (张榜)."""
    jurisdiction = access_jurisdiction(user, code)
    stations = list(
        jurisdictions_for(user)
        .filter(kind=JurisdictionKind.STATION, path__startswith=jurisdiction.path)
        .order_by("code")
    )
    table, weights = rank_stations(stations, period)
    return {"jurisdiction": jurisdiction, "period": period, "table": table, "weights": weights}


def figures_for(user: Any, *, indicator: str = "", month: str = "") -> QuerySet[MonthlyFigure]:
    qs = scoped(MonthlyFigure.objects.all(), user, VIEW).select_related(
        "indicator", "jurisdiction", "entered_by"
    )
    if indicator:
        qs = qs.filter(indicator__code=indicator)
    if month:
        try:
            first = parse_period("month", month).start
        except ValidationFailed:
            return qs.none()
        qs = qs.filter(month=first)
    return qs.order_by("-month", "indicator__order", "jurisdiction__path")


def access_figure(user: Any, figure_id: int) -> MonthlyFigure:
    found = figures_for(user).filter(pk=figure_id).first()
    if found is None:
        raise NotFound(_("未找到该填报记录"))
    return found


def manual_indicators() -> list[IndicatorDefinition]:
    return list(IndicatorDefinition.objects.filter(source=MANUAL, active=True))


def reports_for(user: Any) -> QuerySet[StoredReport]:
    return (
        scoped(StoredReport.objects.all(), user, VIEW)
        .select_related("jurisdiction")
        .defer("xlsx", "pdf")
    )


def access_report(user: Any, report_id: int) -> StoredReport:
    found = scoped(StoredReport.objects.all(), user, VIEW).filter(pk=report_id).first()
    if found is None:
        raise NotFound(_("未找到该报告"))
    return found


__all__ = ["Dashboard", "Drill", "StationScore"]
