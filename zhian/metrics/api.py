"""KPI endpoints (考核): indicator definitions, the dashboard, the ranking and monthly
figures. Every value that cannot be computed is ``null`` with a ``reason``."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import CursorPagination, paginate
from pydantic import AfterValidator, BeforeValidator

from zhian.core.api_support import acting_user
from zhian.core.schema_types import Name32, Text500, check_name, not_bool
from zhian.metrics import selectors
from zhian.metrics.engine import Change, Figure
from zhian.metrics.periods import parse_period
from zhian.metrics.services import figures as figure_services

router = Router(tags=["metrics"])


class IndicatorOut(Schema):
    code: str
    name: str
    name_en: str
    definition: str
    kind: str
    source: str
    params: dict[str, Any]
    denominator_source: str
    denominator_params: dict[str, Any]
    date_basis: str
    direction: str
    active: bool
    order: int


class FigureOut(Schema):
    value: float | None
    display: str
    numerator: int | None
    denominator: int | None
    interval: tuple[float, float] | None
    small: bool
    reason: str


class ChangeOut(Schema):
    delta: float | None
    percent: float | None
    tone: Literal["good", "bad", "flat", "none"]
    display: str
    small: bool
    reason: str


class RowOut(Schema):
    indicator: str
    name: str
    direction: str
    current: FigureOut
    last_year: FigureOut | None
    previous: FigureOut
    year_change: ChangeOut
    period_change: ChangeOut


class DashboardOut(Schema):
    jurisdiction: str
    start: date
    end: date
    cut_off: datetime
    rows: list[RowOut]


class ComponentOut(Schema):
    indicator: str
    weight: float
    display: str
    measure: float | None
    score: float | None
    small: bool


class StationOut(Schema):
    rank: int
    station: str
    name: str
    score: float | None
    components: list[ComponentOut]


# The input contract (zhian.core.schema_types): codes without invisible characters, free
# text without NUL or lone surrogates, counts that are not booleans.
Code40 = Annotated[str, Field(min_length=1, max_length=40), AfterValidator(check_name)]
Count = Annotated[int, BeforeValidator(not_bool), Field(ge=0, le=10_000_000)]
Version = Annotated[int, BeforeValidator(not_bool), Field(ge=1, le=2**31 - 1)]


class MonthlyFigureIn(Schema):
    indicator: Code40
    jurisdiction: Name32
    month: str = Field(..., pattern=r"^\d{4}-\d{2}$", description="YYYY-MM")
    value: Count
    denominator: Count | None = None
    note: Text500 = ""
    expected_version: Version | None = Field(None, description="修改已有数据时必填")


class MonthlyFigureOut(Schema):
    id: int
    indicator: str
    jurisdiction: str
    month: date
    value: int
    denominator: int | None
    note: str
    entered_by: str
    entered_at: datetime
    version: int

    @staticmethod
    def resolve_indicator(obj: Any) -> str:
        return str(obj.indicator.code)

    @staticmethod
    def resolve_jurisdiction(obj: Any) -> str:
        return str(obj.jurisdiction.code)

    @staticmethod
    def resolve_entered_by(obj: Any) -> str:
        return str(obj.entered_by.username)


def _figure(f: Figure) -> dict[str, Any]:
    return {
        "value": f.value,
        "display": f.display,
        "numerator": f.numerator,
        "denominator": f.denominator,
        "interval": f.interval,
        "small": f.small,
        "reason": f.reason,
    }


def _change(c: Change) -> dict[str, Any]:
    return {
        "delta": c.delta,
        "percent": c.percent,
        "tone": c.tone,
        "display": c.display,
        "small": c.small,
        "reason": c.reason,
    }


@router.get("/metrics/indicators", response=list[IndicatorOut])
def list_indicators(request: HttpRequest) -> Any:
    """The indicators in use, for a user who may see KPIs somewhere (404 otherwise, as the
    indicator page)."""
    selectors.access_jurisdiction(acting_user(request))
    return selectors.active_indicators()


@router.get("/metrics/dashboard", response=DashboardOut)
def get_dashboard(
    request: HttpRequest,
    jurisdiction: str = Query("", max_length=32),
    kind: Literal["month", "week", "custom"] = "month",
    value: str = Query("", max_length=10, description="month: YYYY-MM; week: a date in it"),
    start: str = Query("", max_length=10),
    end: str = Query("", max_length=10),
) -> Any:
    """Every active indicator for a jurisdiction (default: the highest one you may see)."""
    period = parse_period(kind, value, start, end)
    dash = selectors.dashboard(acting_user(request), jurisdiction, period, trend_months=0)
    return {
        "jurisdiction": dash.jurisdiction.code,
        "start": period.start,
        "end": period.end,
        "cut_off": dash.cut_off,
        "rows": [
            {
                "indicator": r.indicator.code,
                "name": r.indicator.name,
                "direction": r.indicator.direction,
                "current": _figure(r.current),
                "last_year": _figure(r.last_year) if r.last_year else None,
                "previous": _figure(r.previous),
                "year_change": _change(r.year_change),
                "period_change": _change(r.period_change),
            }
            for r in dash.rows
        ],
    }


@router.get("/metrics/ranking", response=list[StationOut])
def get_ranking(
    request: HttpRequest,
    jurisdiction: str = Query("", max_length=32),
    month: str = Query(..., pattern=r"^\d{4}-\d{2}$"),
) -> Any:
    result = selectors.ranking(acting_user(request), jurisdiction, parse_period("month", month))
    return [
        {
            "rank": row.rank,
            "station": row.station.code,
            "name": row.station.name,
            "score": row.score,
            "components": [
                {
                    "indicator": c.indicator.code,
                    "weight": float(c.weight),
                    "display": c.current.display,
                    "measure": c.measure,
                    "score": c.score,
                    "small": c.small,
                }
                for c in row.components
            ],
        }
        for row in result["table"]
    ]


@router.get("/metrics/figures", response=list[MonthlyFigureOut])
@paginate(CursorPagination, ordering=("-month", "pk"), page_size=50)
def list_figures(
    request: HttpRequest,
    indicator: str = Query("", max_length=40),
    month: str = Query("", max_length=7),
) -> Any:
    return selectors.figures_for(acting_user(request), indicator=indicator, month=month)


@router.post("/metrics/figures", response={201: MonthlyFigureOut, 200: MonthlyFigureOut})
def enter_figure(request: HttpRequest, payload: MonthlyFigureIn) -> Status[Any]:
    """Enter a month's figure; to change one, send the ``expected_version`` you read."""
    user = acting_user(request)
    indicator = selectors.access_indicator(payload.indicator)
    jurisdiction = selectors.access_jurisdiction(user, payload.jurisdiction)
    figure = figure_services.do_enter_monthly_figure(
        indicator,
        jurisdiction,
        parse_period("month", payload.month).start,
        payload.value,
        denominator=payload.denominator,
        note=payload.note,
        expected_version=payload.expected_version,
        acting_user=user,
    )
    return Status(200 if payload.expected_version else 201, figure)
