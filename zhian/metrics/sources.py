"""Named sources (数据来源) that indicators count from.

An indicator names a source and gives it filter parameters (validated here, stored as
JSON on the definition). A source is a counting function
``count(within, start, end, params) -> int`` for a jurisdiction and a half-open period of
aware datetimes, plus ``rows(user, within, start, end, params)`` for the drill-down list
(scoped to the user) and the date bases it supports.

Indicators with no module behind them (accidents, petitions, officer misconduct) use the
``manual`` source: audited monthly figures (:class:`~zhian.metrics.models.MonthlyFigure`).
A module replaces a manual entry with one counting function and one ``register_source``
line, then the indicator's ``source`` is switched (admin or a data migration); nothing else
changes. Records, grid and services did so in :mod:`zhian.metrics.intake_sources`
(imported at the end of this module)::

    register_source(Source("records.cases", _("案件"), ("accepted_at",),
                           validate=..., count=count_cases, rows=case_rows))
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import Count, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhian.core.errors import ValidationFailed
from zhian.core.models import Jurisdiction
from zhian.core.scoping import scoped
from zhian.dispatch import selectors as dispatch_selectors
from zhian.metrics import summary
from zhian.metrics.models import IndicatorDefinition, MonthlyFigure
from zhian.metrics.periods import Period, bureau_zone

MANUAL = "manual"

CountFn = Callable[[Jurisdiction, datetime, datetime, dict[str, Any]], int]
MonthlyFn = Callable[[Jurisdiction, datetime, datetime, dict[str, Any]], dict[date, int]]
RowsFn = Callable[[Any, Jurisdiction, datetime, datetime, dict[str, Any]], QuerySet[Any]]


@dataclass(frozen=True)
class Source:
    code: str
    label: str | Promise
    date_bases: tuple[str, ...]
    validate: Callable[[dict[str, Any]], dict[str, Any]]
    count: CountFn | None = None
    rows: RowsFn | None = None
    #: Optional: counts per local month (first day) in one query, for trends and 同比.
    count_by_month: MonthlyFn | None = None
    #: False when a period's count is not the sum of its months' counts (e.g. "filed in
    #: the period and solved before its end"): ``count_by_month`` then serves one-month
    #: periods only and longer periods are counted with ``count``.
    additive: bool = True
    #: The drill-down template that lists this source's rows.
    row_template: str = ""


SOURCES: dict[str, Source] = {}


def register_source(source: Source) -> None:
    SOURCES[source.code] = source


def get_source(code: str) -> Source:
    try:
        return SOURCES[code]
    except KeyError:
        raise ValidationFailed(
            _("未知的数据来源 %(code)s") % {"code": code}, code="unknown_source"
        ) from None


def source_choices() -> list[tuple[str, str]]:
    return [(code, str(s.label)) for code, s in SOURCES.items()]


# --- dispatch (接处警) -------------------------------------------------------------------

INCIDENT_PARAMS = {"top_categories", "arrived_within_minutes", "arrived_only"}


def _validate_incident_params(params: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(params, dict):
        raise ValidationFailed(_("筛选条件须为 JSON 对象"), code="invalid_params")
    unknown = sorted(set(params) - INCIDENT_PARAMS)
    if unknown:
        raise ValidationFailed(
            _("警情来源不支持筛选条件：%(keys)s") % {"keys": "、".join(unknown)},
            code="invalid_params",
        )
    clean: dict[str, Any] = {}
    tops = params.get("top_categories", [])
    known = dispatch_selectors.top_category_codes()
    if not isinstance(tops, list) or not all(isinstance(c, str) for c in tops):
        raise ValidationFailed(_("top_categories 须为类别编码列表"), code="invalid_params")
    bad = [c for c in tops if c not in known]
    if bad:
        raise ValidationFailed(
            _("没有这些警情大类：%(codes)s") % {"codes": "、".join(bad)}, code="invalid_params"
        )
    if tops:
        clean["top_categories"] = sorted(set(tops))
    minutes = params.get("arrived_within_minutes")
    if minutes is not None:
        if isinstance(minutes, bool) or not isinstance(minutes, int) or not 1 <= minutes <= 120:
            raise ValidationFailed(
                _("arrived_within_minutes 须为 1–120 的整数"), code="invalid_params"
            )
        clean["arrived_within_minutes"] = minutes
    if params.get("arrived_only") not in (None, True, False):
        raise ValidationFailed(_("arrived_only 须为 true 或 false"), code="invalid_params")
    if params.get("arrived_only"):
        clean["arrived_only"] = True
    return clean


def _incident_filter(params: dict[str, Any]) -> dict[str, Any]:
    minutes = params.get("arrived_within_minutes")
    return {
        "top_categories": params.get("top_categories", ()),
        "arrived_within_s": minutes * 60 if minutes else None,
        "arrived_only": bool(params.get("arrived_only")),
    }


def count_incidents(
    within: Jurisdiction, start: datetime, end: datetime, params: dict[str, Any]
) -> int:
    return dispatch_selectors.counted_incidents(
        within, start, end, **_incident_filter(params)
    ).count()


def _raw_counts_by_month(
    within: Jurisdiction, start: datetime, end: datetime, params: dict[str, Any]
) -> dict[date, int]:
    rows = (
        dispatch_selectors.counted_incidents(within, start, end, **_incident_filter(params))
        .annotate(month=TruncMonth("received_at", tzinfo=bureau_zone()))
        .order_by()
        .values("month")
        .annotate(n=Count("pk"))
    )
    return {timezone.localtime(r["month"], bureau_zone()).date(): r["n"] for r in rows}


def incident_counts_by_month(
    within: Jurisdiction, start: datetime, end: datetime, params: dict[str, Any]
) -> dict[date, int]:
    """Per local month: from the incident summary where it is current (category filters
    only; arrival filters need the assignments, so they are always counted live)."""
    if set(params) - {"top_categories"}:
        return _raw_counts_by_month(within, start, end, params)
    return summary.incident_counts_by_month(
        within,
        start,
        end,
        params.get("top_categories", ()),
        live=lambda s, e: _raw_counts_by_month(within, s, e, params),
    )


def incident_rows(
    user: Any, within: Jurisdiction, start: datetime, end: datetime, params: dict[str, Any]
) -> QuerySet[Any]:
    return dispatch_selectors.counted_incidents(
        within, start, end, user=user, **_incident_filter(params)
    ).order_by("received_at", "pk")


register_source(
    Source(
        "dispatch.incidents",
        gettext_lazy("警情（接处警）"),
        ("received_at",),
        validate=_validate_incident_params,
        count=count_incidents,
        rows=incident_rows,
        count_by_month=incident_counts_by_month,
        row_template="metrics/_rows_incidents.html",
    )
)


# --- manual monthly figures (月度填报) ------------------------------------------------------


def _validate_no_params(params: dict[str, Any]) -> dict[str, Any]:
    if params:
        raise ValidationFailed(_("人工填报来源没有筛选条件"), code="invalid_params")
    return {}


register_source(
    Source(
        MANUAL,
        gettext_lazy("月度人工填报（待业务模块接入）"),
        ("month",),
        validate=_validate_no_params,
        row_template="metrics/_rows_figures.html",
    )
)


def figure_rows(
    user: Any, indicator: IndicatorDefinition, within: Jurisdiction, period: Period
) -> QuerySet[MonthlyFigure]:
    """The monthly figures behind a manual number, in the user's scope."""
    months = period.whole_months() or []
    qs = MonthlyFigure.objects.filter(
        indicator=indicator, jurisdiction__path__startswith=within.path, month__in=months
    )
    return (
        scoped(qs, user, "metrics.view")
        .select_related("jurisdiction", "entered_by", "indicator")
        .order_by("month", "jurisdiction__path")
    )


# The sources read from records, grid and services register themselves on import.
from zhian.metrics import intake_sources  # noqa: E402, F401
