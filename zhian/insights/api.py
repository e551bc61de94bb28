"""Insights endpoints (研判): stored forecasts (run, follow), near-repeat alerts, the map
layers of the 三张图, patrol plans. Scoped like the pages: a station sees its own."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import CursorPagination, paginate
from pydantic import AfterValidator, BeforeValidator

from zhian.core.api_support import acting_user
from zhian.core.schema_types import Day, Id, Name32, Text200, check_name, not_bool
from zhian.insights import selectors
from zhian.insights.services import forecasts as forecast_services
from zhian.insights.services import plans as plan_services
from zhian.insights.services import stop_logs as stop_log_services
from zhian.insights.services.common import local_midnight
from zhian.insights.services.plan_execution import plan_execution

router = Router(tags=["insights"])


# The input contract (zhian.core.schema_types): codes without invisible characters,
# numbers that are not booleans, days written YYYY-MM-DD in the bureau's window.
OptionalCode16 = Annotated[str, Field(max_length=16), AfterValidator(check_name)]
HorizonDays = Annotated[int, BeforeValidator(not_bool), Field(ge=1, le=28)]
DwellMinutes = Annotated[int, BeforeValidator(not_bool), Field(ge=5, le=60)]
CapShare = Annotated[float, BeforeValidator(not_bool), Field(gt=0, le=1, allow_inf_nan=False)]


class ForecastIn(Schema):
    jurisdiction: Name32 = Field(..., description="辖区编码（分局或派出所）")
    category: OptionalCode16 = Field("", description="警情类别编码；空为全部类别")
    method: Literal["best", "decay", "naive365", "naive730", "kde"] = "best"
    horizon_days: HorizonDays = 7


class ForecastOut(Schema):
    id: int
    jurisdiction: str
    category: str
    requested_method: str
    method: str
    status: str
    progress: int
    error: str
    data_start: dt.datetime | None
    data_end: dt.datetime
    horizon_days: int
    cell_size_m: int
    n_events: int
    code_version: str
    accuracy: dict[str, Any]
    created_at: dt.datetime
    finished_at: dt.datetime | None

    @staticmethod
    def resolve_jurisdiction(obj: Any) -> str:
        return str(obj.jurisdiction.code)

    @staticmethod
    def resolve_category(obj: Any) -> str:
        return str(obj.category_code)


class ForecastCellsOut(ForecastOut):
    epsg: int | None
    cells: list[list[Any]] = Field(..., description="[x_min, y_min, risk, area]，风险从高到低")


class AlertOut(Schema):
    id: int
    jurisdiction: str
    category: str
    lon: float
    lat: float
    radius_m: float
    starts_at: dt.datetime
    ends_at: dt.datetime
    ratio: float

    @staticmethod
    def resolve_jurisdiction(obj: Any) -> str:
        return str(obj.jurisdiction.code)

    @staticmethod
    def resolve_category(obj: Any) -> str:
        return str(obj.category_code)


class PlanIn(Schema):
    jurisdiction: Name32
    day: Day
    shift: Literal["day", "night"] = "day"
    cap_share: CapShare | None = None
    dwell_minutes: DwellMinutes = 15


class PlanOut(Schema):
    id: int
    jurisdiction: str
    shift: str
    shift_start: dt.datetime
    shift_end: dt.datetime
    dwell_minutes: int
    cap_share: float
    routes: list[dict[str, Any]]
    skipped: list[dict[str, Any]]
    summary: dict[str, Any]

    @staticmethod
    def resolve_jurisdiction(obj: Any) -> str:
        return str(obj.jurisdiction.code)


class VisitExecutionOut(Schema):
    order: int
    cell: str = Field(..., description="计划网格（预测方格左下角，投影坐标米）")
    area: str
    area_label: str
    risk: float
    planned_arrive: dt.datetime
    planned_depart: dt.datetime
    planned_minutes: float
    actual_minutes: float | None = Field(..., description="班次内在该网格的分钟；无定位数据为 null")
    first_entered: dt.datetime | None
    status: Literal["done", "missed", "pending", "no_data"]
    assessed: bool = Field(..., description="计划离开时间已过或已完成，计入比例")
    tactics: list[str] = Field(..., description="在该巡逻点登记的巡逻措施（编码）")
    note: str = Field(..., description="最近一次登记的措施说明")
    logged_at: dt.datetime | None


class UnitExecutionOut(Schema):
    unit: int
    call_sign: str
    has_data: bool | None = Field(..., description="班次内有无定位点；班次未开始为 null")
    fixes: int
    planned_minutes: float
    actual_minutes: float | None
    delivered_minutes: float | None = Field(..., description="每点至多计划停留时间")
    cells_planned: int
    cells_done: int | None
    off_route_minutes: float | None = Field(..., description="在本计划分给其他力量的网格中的分钟")
    visits: list[VisitExecutionOut]


class PlanExecutionOut(Schema):
    plan_id: int
    state: Literal["not_started", "in_progress", "finished"]
    shift_start: dt.datetime
    shift_end: dt.datetime
    assessed_until: dt.datetime | None
    done_share: float = Field(..., description="实际停留达到计划停留的这一比例即为完成")
    max_fix_seconds: int = Field(..., description="每个定位点最多计入的秒数")
    units: list[UnitExecutionOut]
    units_without_data: int
    planned_minutes: float
    assessed_planned_minutes: float
    assessed_delivered_minutes: float
    delivered_minutes: float
    actual_minutes: float
    delivered_share: float | None
    cells_planned: int
    cells_assessed: int
    cells_done: int
    cells_logged: int = Field(..., description="已登记巡逻措施的巡逻点数")
    risk_done_share: float | None = Field(..., description="已完成点风险 / 应到点风险")
    plan_risk_covered_share: float | None
    delivered_risk_covered_share: float | None


TacticCode = Annotated[str, Field(max_length=32), AfterValidator(check_name)]


class StopLogIn(Schema):
    unit: Id = Field(..., description="计划中的巡逻力量 id")
    cell: Name32 = Field(..., description="该巡逻力量的计划网格（x_min:y_min）")
    tactics: list[TacticCode] = Field(
        ...,
        max_length=10,
        description="要登记的巡逻措施编码：foot_patrol、visible_presence、premises_check、"
        "prevention_advice、other（已登记的再次登记只更新说明）",
    )
    withdraw: list[TacticCode] = Field(
        [], max_length=10, description="要撤销的已登记措施编码（误登记时使用）"
    )
    note: Text200 = Field("", description="在该地点做了什么；不写人员、姓名、身份证号或电话")


class StopLogRowOut(Schema):
    tactic: str
    label: str
    note: str
    recorded_at: dt.datetime

    @staticmethod
    def resolve_label(obj: Any) -> str:
        return str(obj.get_tactic_display())


class StopLogOut(Schema):
    plan_id: int
    unit: int
    cell: str
    logs: list[StopLogRowOut] = Field(..., description="该巡逻点已登记的全部措施")


def _window(since: dt.date, until: dt.date) -> tuple[dt.datetime, dt.datetime]:
    from zhian.core.errors import ValidationFailed

    if until <= since or (until - since).days > 366:
        raise ValidationFailed(_("止日期须晚于起日期，且时段最长一年"), code="invalid_period")
    return local_midnight(since), local_midnight(until)


@router.get("/insights/forecasts", response=list[ForecastOut])
@paginate(CursorPagination, ordering=("-created_at", "-pk"), page_size=50)
def list_forecasts(request: HttpRequest) -> Any:
    return selectors.forecasts_for(acting_user(request))


@router.get(
    "/insights/forecasts/{forecast_id}", response=ForecastCellsOut, url_name="insights_forecast"
)
def get_forecast(request: HttpRequest, forecast_id: int) -> Any:
    """One forecast with its cells (while queued or running: its ``progress``)."""
    return selectors.access_forecast(acting_user(request), forecast_id)


@router.post("/insights/forecasts", response={202: ForecastOut})
def run_forecast(request: HttpRequest, payload: ForecastIn) -> Status[Any]:
    """Queue a forecast; follow ``progress`` at ``GET /insights/forecasts/{id}``."""
    user = acting_user(request)
    j = selectors.access_jurisdiction(user, payload.jurisdiction)
    fc = forecast_services.do_request_forecast(
        j,
        acting_user=user,
        category_code=payload.category,
        method=payload.method,
        horizon_days=payload.horizon_days,
    )
    return Status(202, fc)


@router.get("/insights/alerts", response=list[AlertOut])
@paginate(CursorPagination, ordering=("-starts_at", "-pk"), page_size=50)
def list_alerts(request: HttpRequest, active: bool = True) -> Any:
    from django.utils import timezone

    return selectors.alerts_for(acting_user(request), active_at=timezone.now() if active else None)


@router.get("/insights/layers/incidents", response=dict[str, Any])
def incident_layer(
    request: HttpRequest, jurisdiction: str, since: dt.date, until: dt.date, category: str = ""
) -> Any:
    """警情发案图: points and density for a jurisdiction and period [since, until)."""
    user = acting_user(request)
    j = selectors.access_jurisdiction(user, jurisdiction)
    start, end = _window(since, until)
    return selectors.incident_layer(user, j, start, end, category[:16])


@router.get(
    "/insights/layers/incidents/points",
    response=dict[str, Any],
    url_name="insights_incident_points",
)
def incident_points(
    request: HttpRequest,
    jurisdiction: str,
    since: dt.date,
    until: dt.date,
    west: float = Query(..., ge=-180, le=180),
    south: float = Query(..., ge=-90, le=90),
    east: float = Query(..., ge=-180, le=180),
    north: float = Query(..., ge=-90, le=90),
    category: str = Query("", max_length=16),
) -> Any:
    """警情发案图, zoomed in: the single incidents inside the view (west, south, east,
    north), or ``too_many`` with a message to zoom in when the view holds more than the
    map shows one by one."""
    user = acting_user(request)
    j = selectors.access_jurisdiction(user, jurisdiction)
    start, end = _window(since, until)
    return selectors.incident_points_in_view(
        user, j, start, end, (west, south, east, north), category[:16]
    )


@router.get("/insights/layers/patrol", response=dict[str, Any])
def patrol_layer(request: HttpRequest, jurisdiction: str, since: dt.date, until: dt.date) -> Any:
    """巡防图: minutes patrol units spent per cell in the period."""
    user = acting_user(request)
    j = selectors.access_jurisdiction(user, jurisdiction)
    start, end = _window(since, until)
    return selectors.patrol_presence_layer(user, j, start, end)


@router.post("/insights/plans", response={201: PlanOut})
def make_plan(request: HttpRequest, payload: PlanIn) -> Status[Any]:
    """Plan a shift's patrols for the jurisdiction's available units (布防)."""
    user = acting_user(request)
    j = selectors.access_jurisdiction(user, payload.jurisdiction, "insights.plan.view")
    plan = plan_services.do_make_patrol_plan(
        j,
        day=payload.day,
        shift=payload.shift,
        cap_share=payload.cap_share,
        dwell_minutes=payload.dwell_minutes,
        acting_user=user,
    )
    return Status(201, plan)


@router.get("/insights/plans/{plan_id}", response=PlanOut)
def get_plan(request: HttpRequest, plan_id: int) -> Any:
    return selectors.access_plan(acting_user(request), plan_id)


@router.get(
    "/insights/plans/{plan_id}/execution",
    response=PlanExecutionOut,
    url_name="insights_plan_execution",
)
def get_plan_execution(request: HttpRequest, plan_id: int) -> Any:
    """执行情况: per unit and planned cell the minutes actually spent there in the shift
    (from AVL fixes: each fix credited the time to the unit's next fix, at most 5 minutes),
    whether each stop was done (at least half the planned dwell), and the plan's totals."""
    plan = selectors.access_plan(acting_user(request), plan_id)
    return plan_execution(plan)


@router.post(
    "/insights/plans/{plan_id}/stops/log",
    response={201: StopLogOut},
    url_name="insights_plan_stop_log",
)
def log_plan_stop(request: HttpRequest, plan_id: int, payload: StopLogIn) -> Status[Any]:
    """巡逻措施登记: the tactics a unit used at one of its planned stops, from the shift's
    start until 24 hours after its end. Logging a tactic again updates its note;
    ``withdraw`` removes tactics logged by mistake (at least one of the two lists is
    needed)."""
    user = acting_user(request)
    plan = selectors.access_plan(user, plan_id)
    rows = stop_log_services.do_log_patrol_stop(
        plan,
        unit_id=payload.unit,
        cell=payload.cell,
        tactics=payload.tactics,
        note=payload.note,
        withdraw=payload.withdraw,
        acting_user=user,
    )
    return Status(
        201, {"plan_id": plan.pk, "unit": payload.unit, "cell": payload.cell, "logs": rows}
    )
