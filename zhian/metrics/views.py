"""KPI pages (考核): dashboard with drill-down, ranking (张榜), monthly figure entry,
indicator definitions and reports. Each view parses, calls one selector or service, and
renders; refusals become pages or messages through :mod:`zhian.core.pages`."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from zhian.core import exports
from zhian.core.errors import NotFound, ValidationFailed
from zhian.core.pages import AuthenticatedRequest, action, page, paginate, run_action, submit_form
from zhian.core.scoping import can
from zhian.metrics import selectors
from zhian.metrics.choices import PeriodKind
from zhian.metrics.forms import FigureForm, IndicatorForm, WeightForm
from zhian.metrics.models import IndicatorDefinition
from zhian.metrics.periods import Period, current_month, parse_period
from zhian.metrics.services import figures, indicators, reports
from zhian.metrics.svg import sparkline

FORMATS = ("xlsx", "pdf")


def _period(request: HttpRequest) -> Period:
    """The period in the query (``kind``, ``m``/``w``/``start``+``end``); the current
    month when none is given, with a message when the given one is invalid."""
    kind = request.GET.get("kind") or PeriodKind.MONTH
    value = request.GET.get("m") if kind == PeriodKind.MONTH else request.GET.get("w")
    if not value and kind != PeriodKind.CUSTOM:
        return current_month()
    try:
        return parse_period(
            kind, value or "", request.GET.get("start", ""), request.GET.get("end", "")
        )
    except ValidationFailed as exc:
        messages.error(request, exc.message)
        return current_month()


def _query(jurisdiction: str, period: Period, **extra: str) -> str:
    params = {"j": jurisdiction, "kind": "custom", "start": period.start, "end": period.end}
    if period.kind == PeriodKind.MONTH:
        params = {"j": jurisdiction, "kind": "month", "m": period.label}
    elif period.kind == PeriodKind.WEEK:
        params = {"j": jurisdiction, "kind": "week", "w": period.start}
    return urlencode(params | extra)


def _period_context(request: HttpRequest, period: Period) -> dict[str, Any]:
    return {
        "period": period,
        "kind": period.kind,
        "kinds": PeriodKind.choices,
        "month_value": f"{period.start:%Y-%m}",
    }


def _trend_data(rows: list[Any], months: list[str]) -> dict[str, Any]:
    """The trend chart's series (ECharts, ``static/metrics/trend.js``): per indicator its
    monthly values, rates in per cent, a month without a value as null (a gap, never 0)."""
    return {
        "series": [
            {
                "code": row.indicator.code,
                "name": row.indicator.name,
                "direction": row.indicator.direction,
                "unit": "%" if any(f.is_rate for f in row.trend) else "",
                "months": months,
                "values": [
                    None if f.value is None else round(f.value * 100, 1) if f.is_rate else f.value
                    for f in row.trend
                ],
            }
            for row in rows
        ]
    }


@page
def dashboard(request: AuthenticatedRequest) -> HttpResponse:
    period = _period(request)
    dash = selectors.dashboard(request.user, request.GET.get("j", ""), period)
    code = dash.jurisdiction.code
    months = [p.label for p in period.months_back(selectors.TREND_MONTHS)]
    lines = [
        {
            "row": row,
            "spark": sparkline(
                [f.value for f in row.trend],
                [f"{m}: {f.display}" for m, f in zip(months, row.trend, strict=True)],
            ),
            "drill": reverse("metrics:drill", args=[row.indicator.code])
            + "?"
            + _query(code, period),
        }
        for row in dash.rows
    ]
    map_code = request.GET.get("map", "")
    return render(
        request,
        "metrics/dashboard.html",
        {
            "dash": dash,
            "lines": lines,
            "trend": _trend_data(dash.rows, months),
            "map_code": map_code,
            "area_map": _area_map(request, code, map_code, period) if map_code else None,
            "choices": selectors.jurisdictions_for(request.user)[:500],
            "months": months,
            "query": _query(code, period),
            "month_query": _query(code, Period.month(period.start.year, period.start.month)),
            "week_query": _query(code, Period.week(period.start)),
        }
        | _period_context(request, period),
    )


def _area_map(
    request: AuthenticatedRequest, code: str, indicator_code: str, period: Period
) -> dict[str, Any]:
    """The map of the units below ``code`` for one indicator: GeoJSON features (boundary,
    name, value as displayed, shade class, drill link) for ``json_script`` and the legend."""
    found = selectors.area_map(request.user, code, indicator_code, period)
    drill = reverse("metrics:drill", args=[found.indicator.code])
    features = [
        {
            "type": "Feature",
            "geometry": area.jurisdiction.boundary,
            "properties": {
                "code": area.jurisdiction.code,
                "name": area.jurisdiction.name,
                "display": area.figure.display,
                "reason": area.figure.reason,
                "tone": area.tone_class,
                "drill": drill + "?" + _query(area.jurisdiction.code, period),
            },
        }
        for area in found.areas
    ]
    return {
        "map": found,
        "data": {"type": "FeatureCollection", "features": features},
        "legend": found.legend,
    }


@page
def drill(request: AuthenticatedRequest, code: str) -> HttpResponse:
    period = _period(request)
    result = selectors.drill(
        request.user, request.GET.get("j", ""), code, period, request.GET.get("part", "")
    )
    return render(
        request,
        "metrics/drill.html",
        {
            "d": result,
            "page": paginate(request, result.rows),
            "back": reverse("metrics:dashboard") + "?" + _query(result.jurisdiction.code, period),
        },
    )


@page
def ranking(request: AuthenticatedRequest) -> HttpResponse:
    period = _period(request)
    context = selectors.ranking(request.user, request.GET.get("j", ""), period)
    context |= {
        "choices": selectors.jurisdictions_for(request.user).filter(kind__in=["bureau", "station"])[
            :500
        ],
        "may_configure": can(request.user, "metrics.configure", context["jurisdiction"]),
        "weight_form": WeightForm(),
        "all_indicators": selectors.active_indicators(),
    } | _period_context(request, period)
    return render(request, "metrics/ranking.html", context)


@action
def set_weight(request: AuthenticatedRequest) -> HttpResponse:
    form = WeightForm(request.POST)
    back = redirect("metrics:ranking")
    if not form.is_valid():
        messages.error(request, _("权重须为 0–100 的数字"))
        return back
    indicator = selectors.access_indicator(form.cleaned_data["indicator"])
    bureau = selectors.access_jurisdiction(request.user, "")
    return run_action(
        request,
        lambda: indicators.do_set_ranking_weight(
            indicator, form.cleaned_data["weight"], bureau=bureau, acting_user=request.user
        ),
        done=_("已更新权重"),
        back=back,
    )


@page
def figure_list(request: AuthenticatedRequest) -> HttpResponse:
    """Monthly figures in scope, and the entry form (a POST enters or changes one)."""
    form = FigureForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            d = form.cleaned_data
            indicator = selectors.access_indicator(d["indicator"])
            jurisdiction = selectors.access_jurisdiction(request.user, d["jurisdiction"])
            status, figure = submit_form(
                form,
                lambda: figures.do_enter_monthly_figure(
                    indicator,
                    jurisdiction,
                    d["month"].replace(day=1),
                    d["value"],
                    denominator=d["denominator"],
                    note=d["note"],
                    expected_version=d["version"],
                    acting_user=request.user,
                ),
            )
            if figure is not None:
                messages.success(
                    request, _("已保存 %(month)s 数据") % {"month": f"{figure.month:%Y-%m}"}
                )
                return redirect("metrics:figures")
    chosen = request.GET.get("indicator", "")
    month = request.GET.get("month", "")
    return render(
        request,
        "metrics/figures.html",
        {
            "form": form,
            "page": paginate(
                request, selectors.figures_for(request.user, indicator=chosen, month=month)
            ),
            "indicators": selectors.manual_indicators(),
            "choices": selectors.jurisdictions_for(request.user)[:500],
            "indicator": chosen,
            "month": month,
        },
        status=status,
    )


@page
def indicator_list(request: AuthenticatedRequest) -> HttpResponse:
    form = IndicatorForm(request.POST or None)
    status = 200
    bureau = selectors.access_jurisdiction(request.user, "")
    if request.method == "POST":
        status = 422
        if form.is_valid():
            status, made = submit_form(
                form,
                lambda: indicators.do_create_indicator(
                    form.to_input(), bureau=bureau, acting_user=request.user
                ),
            )
            if made is not None:
                messages.success(request, _("已添加指标 %(name)s") % {"name": made.name})
                return redirect("metrics:indicators")
    return render(
        request,
        "metrics/indicators.html",
        {
            "form": form,
            "rows": IndicatorDefinition.objects.order_by("order", "code"),
            "may_configure": can(request.user, "metrics.configure", bureau),
        },
        status=status,
    )


@page
def report_download(request: AuthenticatedRequest, fmt: str) -> HttpResponse:
    """The report for the chosen jurisdiction and period, made now (xlsx or pdf)."""
    if fmt not in FORMATS:
        raise NotFound(_("未知的报告格式"))
    period = _period(request)
    dash = selectors.dashboard(request.user, request.GET.get("j", ""), period, trend_months=12)
    xlsx, pdf = reports.render_report(dash.jurisdiction, period, dash.rows, dash.cut_off)
    name = f"六降两升-{dash.jurisdiction.code}-{period.label.replace(' ~ ', '_')}"
    if fmt == "pdf":
        return exports.pdf_response(pdf, f"{name}.pdf")
    return exports.xlsx_response(xlsx, f"{name}.xlsx")


@page
def report_list(request: AuthenticatedRequest) -> HttpResponse:
    return render(
        request,
        "metrics/reports.html",
        {"page": paginate(request, selectors.reports_for(request.user).order_by("-start", "kind"))},
    )


@page
def stored_report(request: AuthenticatedRequest, report_id: int, fmt: str) -> HttpResponse:
    if fmt not in FORMATS:
        raise NotFound(_("未知的报告格式"))
    report = selectors.access_report(request.user, report_id)
    name = f"六降两升-{report.jurisdiction.code}-{report.kind}-{report.start}"
    if fmt == "pdf":
        return exports.pdf_response(bytes(report.pdf), f"{name}.pdf")
    return exports.xlsx_response(bytes(report.xlsx), f"{name}.xlsx")
