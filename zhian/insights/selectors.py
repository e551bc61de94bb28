"""Read queries for insights, scoped to the acting user, and the map layers (三张图)."""

from __future__ import annotations

import datetime as dt
import functools
from collections import Counter
from typing import Any

import h3
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from zhian.core.errors import NotFound, ValidationFailed
from zhian.core.geo import H3_RESOLUTION
from zhian.core.models import Jurisdiction
from zhian.core.scoping import can, check_can, scope_q, scoped
from zhian.dispatch.selectors import (
    incident_arrays,
    incident_counts_by_day_and_cell,
    unit_ids_under,
)
from zhian.insights.choices import PatrolTactic, RunStatus
from zhian.insights.models import (
    IncidentCellDay,
    NearRepeatAlert,
    PatrolCellDay,
    PatrolPlan,
    StoredForecast,
)
from zhian.insights.services.alerts import LIVE_SOURCE
from zhian.insights.services.common import cell_centres, local_midnight
from zhian.insights.services.plan_execution import plan_execution
from zhian.insights.services.stop_logs import log_open

#: Above this many incidents the incident layer sends cells only (the map clusters them),
#: and a zoomed-in view gets its points only below it.
MAP_POINT_LIMIT = 5000
#: The map asks for the single incidents of its view from this zoom level on.
POINTS_MIN_ZOOM = 16
#: The widest view (degrees of longitude or latitude) whose points may be asked for.
MAX_VIEW_DEG = 0.1
#: Mean edge of an H3 resolution-9 hexagon (the density cells), metres.
CELL_EDGE_M = round(h3.average_hexagon_edge_length(H3_RESOLUTION, "m"))


def forecasts_for(
    user: Any, *, jurisdiction: Jurisdiction | None = None
) -> QuerySet[StoredForecast]:
    qs = scoped(StoredForecast.objects.all(), user, "insights.view")
    if jurisdiction is not None:
        qs = qs.filter(jurisdiction=jurisdiction)
    return qs.select_related("jurisdiction").defer("cells")


def access_forecast(user: Any, forecast_id: int) -> StoredForecast:
    fc = scoped(StoredForecast.objects.all(), user, "insights.view").filter(pk=forecast_id)
    row = fc.select_related("jurisdiction").first()
    if row is None:
        raise NotFound(_("未找到该预测"))
    return row


def alerts_for(
    user: Any, *, active_at: dt.datetime | None = None, jurisdiction: Jurisdiction | None = None
) -> QuerySet[NearRepeatAlert]:
    """Alerts in the user's scope whose source incident still qualifies (not merged, still
    of the alert's category: the write hook deletes the others, this guards against
    writes that bypassed it until the next scan); with ``active_at`` only those active
    then."""
    qs = scoped(NearRepeatAlert.objects.filter(LIVE_SOURCE), user, "insights.view")
    if active_at is not None:
        qs = qs.filter(starts_at__lte=active_at, ends_at__gt=active_at)
    if jurisdiction is not None:
        qs = qs.filter(jurisdiction__path__startswith=jurisdiction.path)
    return qs.select_related("jurisdiction")


def plans_for(user: Any, *, jurisdiction: Jurisdiction | None = None) -> QuerySet[PatrolPlan]:
    qs = scoped(PatrolPlan.objects.all(), user, "insights.plan.view")
    if jurisdiction is not None:
        qs = qs.filter(jurisdiction__path__startswith=jurisdiction.path)
    return qs.select_related("jurisdiction", "created_by")


def access_plan(user: Any, plan_id: int) -> PatrolPlan:
    row = plans_for(user).filter(pk=plan_id).first()
    if row is None:
        raise NotFound(_("未找到该巡防计划"))
    return row


def _incident_scope(user: Any, jurisdiction: Jurisdiction) -> list[int]:
    """Ids of the jurisdictions under ``jurisdiction`` whose incidents ``user`` may view
    (dispatch's rule for its incident arrays, applied to the aggregate)."""
    qs = Jurisdiction.objects.filter(path__startswith=jurisdiction.path).filter(
        scope_q(user, "incident.view", field="")
    )
    return list(qs.values_list("pk", flat=True))


def _split_days(
    since: dt.datetime, until: dt.datetime
) -> tuple[tuple[dt.date, dt.date] | None, list[tuple[dt.datetime, dt.datetime]]]:
    """``[since, until)`` as whole local days (read from the aggregate) and the partial
    days at either end (counted from the incidents): ``((first, end) | None, edges)``."""
    tz = timezone.get_default_timezone()
    lo, hi = since.astimezone(tz), until.astimezone(tz)
    first = lo.date() if lo == local_midnight(lo.date()) else lo.date() + dt.timedelta(days=1)
    end = hi.date()
    if first >= end:
        return None, [(since, until)] if since < until else []
    edges = []
    if since < local_midnight(first):
        edges.append((since, local_midnight(first)))
    if local_midnight(end) < until:
        edges.append((local_midnight(end), until))
    return (first, end), edges


def incident_counts_by_cell(
    user: Any,
    jurisdiction: Jurisdiction,
    since: dt.datetime,
    until: dt.datetime,
    category_code: str = "",
    cells: list[str] | None = None,
) -> Counter[str]:
    """Incidents per H3 cell (``zhian.core.geo.point_cell``) received in ``[since, until)``
    in ``jurisdiction`` and below as far as ``user`` may view incidents (optionally one
    category code, only ``cells``): whole local days from :class:`IncidentCellDay`, the
    partial days at the ends from the incidents. Merged duplicates are not counted."""
    ids = _incident_scope(user, jurisdiction)
    out: Counter[str] = Counter()
    days, edges = _split_days(since, until)
    if days is not None and ids:
        qs = IncidentCellDay.objects.filter(
            jurisdiction_id__in=ids, day__gte=days[0], day__lt=days[1]
        )
        if category_code:
            qs = qs.filter(category__code=category_code)
        if cells is not None:
            qs = qs.filter(h3_cell__in=cells)
        rows = qs.values("h3_cell").annotate(total=Sum("n")).order_by()
        out.update({r["h3_cell"]: int(r["total"]) for r in rows})
    wanted = set(cells) if cells is not None else None
    for a, b in edges:
        for _d, _j, _c, cell, n in incident_counts_by_day_and_cell(
            since=a,
            until=b,
            jurisdiction_path=jurisdiction.path,
            category_codes=[category_code] if category_code else None,
            user=user,
        ):
            if wanted is None or cell in wanted:
                out[cell] += n
    return +out  # drops cells whose count is zero


@functools.lru_cache(maxsize=100_000)
def _hexagon(cell: str) -> tuple[float, float, tuple[tuple[float, float], ...]]:
    """A cell's centre and boundary as lon/lat, rounded to ~1 m."""
    lat, lon = h3.cell_to_latlng(cell)
    ring = tuple((round(b, 5), round(a, 5)) for a, b in h3.cell_to_boundary(cell))
    return round(lon, 6), round(lat, 6), ring


def incident_layer(
    user: Any,
    jurisdiction: Jurisdiction,
    since: dt.datetime,
    until: dt.datetime,
    category_code: str = "",
) -> dict[str, Any]:
    """警情发案图: a density surface, incidents per H3 cell (resolution 9, about 0.1 km²)
    as ``[lon, lat, n, ring]`` (centre, count, boundary), read from the per-day aggregate;
    and, up to ``MAP_POINT_LIMIT`` incidents, the points ``[lon, lat, category]``. Beyond
    it ``points`` is empty and ``truncated`` true: the map clusters the cells and asks
    :func:`incident_points_in_view` for the points of a zoomed-in view.
    Raises ``NotFound`` outside the user's scope."""
    check_can(user, "insights.view", jurisdiction)
    counts = incident_counts_by_cell(user, jurisdiction, since, until, category_code)
    total = sum(counts.values())
    density = [[*_hexagon(cell)[:2], n, _hexagon(cell)[2]] for cell, n in sorted(counts.items())]
    points: list[list[Any]] = []
    if 0 < total <= MAP_POINT_LIMIT:
        arr = incident_arrays(
            since=since,
            until=until,
            jurisdiction_path=jurisdiction.path,
            category_codes=[category_code] if category_code else None,
            user=user,
        )
        points = _points(arr)
    return {
        "count": total,
        "points": points,
        "truncated": total > MAP_POINT_LIMIT,
        "density": density,
        "cell_m": CELL_EDGE_M,
        "points_min_zoom": POINTS_MIN_ZOOM,
    }


def _points(arr: dict[str, Any]) -> list[list[Any]]:
    return [
        [round(float(a), 6), round(float(b), 6), str(c)]
        for a, b, c in zip(arr["lon"], arr["lat"], arr["category"], strict=True)
    ]


def incident_points_in_view(
    user: Any,
    jurisdiction: Jurisdiction,
    since: dt.datetime,
    until: dt.datetime,
    bbox: tuple[float, float, float, float],
    category_code: str = "",
) -> dict[str, Any]:
    """The single incidents of a zoomed-in map view ``bbox`` (west, south, east, north):
    ``points`` when the cells under the view hold at most ``MAP_POINT_LIMIT`` incidents
    (counted from the aggregate first, so a crowded view reads no incident rows), else
    ``too_many`` with the count and a message asking to zoom in. A view wider than
    ``MAX_VIEW_DEG`` is refused (422)."""
    check_can(user, "insights.view", jurisdiction)
    west, south, east, north = bbox
    if not (west < east and south < north):
        raise ValidationFailed(_("视图范围无效"), code="invalid_bbox")
    if east - west > MAX_VIEW_DEG or north - south > MAX_VIEW_DEG:
        raise ValidationFailed(_("视图过大，请放大地图后再查看单个警情"), code="view_too_large")
    shape = h3.LatLngPoly([(south, west), (south, east), (north, east), (north, west)])
    cells = sorted(h3.h3shape_to_cells_experimental(shape, H3_RESOLUTION, contain="overlap"))
    counts = incident_counts_by_cell(user, jurisdiction, since, until, category_code, cells)
    near = sum(counts.values())
    if near > MAP_POINT_LIMIT:
        return {
            "count": near,
            "points": [],
            "too_many": True,
            "limit": MAP_POINT_LIMIT,
            "message": _("此范围内约 %(n)d 起警情，超过 %(limit)d 起不逐点显示，请放大地图")
            % {"n": near, "limit": MAP_POINT_LIMIT},
        }
    arr = incident_arrays(
        since=since,
        until=until,
        jurisdiction_path=jurisdiction.path,
        category_codes=[category_code] if category_code else None,
        user=user,
        h3_cells=sorted(counts),
        bbox=bbox,
        limit=MAP_POINT_LIMIT,
    )
    points = _points(arr)
    return {
        "count": len(points),
        "points": points,
        "too_many": False,
        "limit": MAP_POINT_LIMIT,
        "message": "",
    }


def patrol_presence_layer(
    user: Any, jurisdiction: Jurisdiction, since: dt.datetime, until: dt.datetime
) -> dict[str, Any]:
    """巡防图: minutes units spent per H3 cell in the whole local days ``[since, until)``
    (``[lon, lat, minutes, ring]``), summed from the per-day aggregate: each AVL fix is
    credited the time to the unit's next fix, at most ``MAX_FIX_SECONDS``. Units are
    vehicles, not people. A period that does not start and end at local midnight is
    refused (422); the units counted are those of the jurisdiction's stations the user
    may view."""
    check_can(user, "insights.view", jurisdiction)
    days, edges = _split_days(since, until)
    if edges:
        raise ValidationFailed(_("巡防图按整日统计，请选择日期"), code="whole_days_only")
    cells: list[list[Any]] = []
    fixes = units = 0
    unit_ids = unit_ids_under(jurisdiction.path, user)
    if days is not None and unit_ids:
        qs = PatrolCellDay.objects.filter(unit_id__in=unit_ids, day__gte=days[0], day__lt=days[1])
        rows = qs.values("h3_cell").annotate(s=Sum("seconds"), f=Sum("fixes")).order_by()
        for r in sorted(rows, key=lambda r: r["h3_cell"]):
            fixes += int(r["f"])
            if r["s"]:
                lon, lat, ring = _hexagon(r["h3_cell"])
                cells.append([lon, lat, round(r["s"] / 60.0, 2), ring])
        # every stored row holds at least one fix (emptied rows are deleted), so the
        # units are the distinct unit ids (PostgreSQL: from the covering index alone)
        units = qs.values("unit_id").distinct().count()
    return {"fixes": fixes, "units": units, "cells": cells, "cell_m": CELL_EDGE_M}


def forecast_layer(forecast: StoredForecast, top: int = 500) -> dict[str, Any]:
    """The forecast's highest-risk cells as lon/lat centres with their risk."""
    cells = forecast.cells[:top]
    if forecast.epsg is None or not cells:
        return {"cells": [], "size_m": forecast.cell_size_m}
    centres = cell_centres(forecast.epsg, cells, float(forecast.cell_size_m))
    return {
        "size_m": forecast.cell_size_m,
        "cells": [
            [round(float(c[0]), 6), round(float(c[1]), 6), round(float(r[2]), 5)]
            for c, r in zip(centres, cells, strict=True)
        ],
    }


def deployment_layer(plan: PatrolPlan) -> dict[str, Any]:
    """布防图: the plan's units, their cells in order and times."""
    return {
        "plan": plan.pk,
        "shift_start": plan.shift_start.isoformat(),
        "routes": plan.routes,
        "summary": plan.summary,
    }


def latest_done_forecast(user: Any, jurisdiction: Jurisdiction) -> StoredForecast | None:
    return (
        scoped(StoredForecast.objects.all(), user, "insights.view")
        .filter(jurisdiction=jurisdiction, category_code="", status=RunStatus.DONE)
        .order_by("-data_end", "-pk")
        .first()
    )


def map_page(
    user: Any,
    jurisdiction: Jurisdiction,
    since: dt.datetime,
    until: dt.datetime,
    category_code: str = "",
) -> dict[str, Any]:
    """Everything the 三张图 page shows for one jurisdiction and period."""
    check_can(user, "insights.view", jurisdiction)
    fc = latest_done_forecast(user, jurisdiction)
    plan = (
        plans_for(user, jurisdiction=jurisdiction)
        .filter(jurisdiction=jurisdiction)
        .order_by("-shift_start", "-pk")
        .first()
    )
    now = timezone.now()
    return {
        "incidents": incident_layer(user, jurisdiction, since, until, category_code),
        "patrol": patrol_presence_layer(user, jurisdiction, since, until),
        "forecast": forecast_layer(fc) if fc else None,
        "forecast_row": fc,
        "plan": deployment_layer(plan) if plan else None,
        "plan_row": plan,
        "alerts": [
            {
                "lon": a.lon,
                "lat": a.lat,
                "radius_m": a.radius_m,
                "category": a.category_code,
                "ends_at": a.ends_at.isoformat(),
            }
            for a in alerts_for(user, active_at=now, jurisdiction=jurisdiction)[:500]
        ],
    }


def jurisdiction_choices(user: Any, action: str = "insights.view") -> list[Jurisdiction]:
    """Bureaus and stations the user may analyse (for the pickers)."""
    from zhian.core.models import JurisdictionKind

    qs = scoped(
        Jurisdiction.objects.filter(kind__in=[JurisdictionKind.BUREAU, JurisdictionKind.STATION]),
        user,
        action,
        field="",
    )
    return list(qs.order_by("path").defer("boundary"))


def access_jurisdiction(user: Any, code: str, action: str = "insights.view") -> Jurisdiction:
    for j in jurisdiction_choices(user, action):
        if j.code == code:
            return j
    raise NotFound(_("未找到该辖区"))


def plan_page(
    plan: PatrolPlan, *, now: dt.datetime | None = None, user: Any = None
) -> dict[str, Any]:
    """A plan's page: per unit its stops with local times, the summary, and how far the
    plan was carried out by ``now`` (执行情况, :func:`plan_execution`) with the tactics
    logged at each stop; ``can_log`` when ``user`` may log tactics now (巡逻措施登记)."""
    tz = timezone.get_current_timezone()

    def local(ts: int) -> dt.datetime:
        return dt.datetime.fromtimestamp(ts, tz=dt.UTC).astimezone(tz)

    reasons = {
        "dose_cap": _("已达片区巡逻上限"),
        "beyond_capacity": _("超出警力可用时间"),
        "not_routed": _("路线无法安排"),
        "off_network": _("距道路过远"),
    }
    names = plan.summary.get("area_names", {})
    routes = [
        {
            **r,
            "start_local": local(r["start"]),
            "end_local": local(r["end"]),
            "km": r["route_length_m"] / 1000,
            "patrol_min": r["patrol_s"] / 60,
            "travel_min": r["travel_s"] / 60,
            "visits": [
                {
                    **v,
                    "arrive_local": local(v["arrive"]),
                    "depart_local": local(v["depart"]),
                    "area_label": v.get("area_name") or v["area"],
                }
                for v in r["visits"]
            ],
        }
        for r in plan.routes
    ]
    spread = plan.summary.get("spread", {})
    spread_rows = [
        {"area": names.get(a, a), "patrol": p * 100, "incidents": e * 100}
        for a, p, e in zip(
            spread.get("regions", []),
            spread.get("patrol_share", []),
            spread.get("incident_share", []),
            strict=False,
        )
    ]
    skipped = Counter(s["reason"] for s in plan.skipped)
    newer = (
        PatrolPlan.objects.filter(
            jurisdiction_id=plan.jurisdiction_id, shift_start=plan.shift_start
        )
        .filter(Q(created_at__gt=plan.created_at) | Q(created_at=plan.created_at, pk__gt=plan.pk))
        .order_by("-created_at", "-pk")
        .first()
    )
    return {
        "plan": plan,
        "replaced_by": newer,
        "routes": routes,
        "spread_rows": spread_rows,
        "skipped": [(reasons.get(k, k), n) for k, n in sorted(skipped.items())],
        "skipped_examples": [
            {
                **s,
                "reason_label": reasons.get(s["reason"], s["reason"]),
                "area_label": names.get(s["area"], s["area"]),
            }
            for s in plan.skipped
            if s["reason"] == "dose_cap"
        ][:10],
        "risk_pct": plan.summary.get("risk_covered_share", 0) * 100,
        "map_data": deployment_layer(plan),
        **_execution_or_error(plan, now),
        "can_log": user is not None
        and can(user, "insights.plan.log", plan.jurisdiction)
        and log_open(plan, now),
        "tactic_choices": PatrolTactic.choices,
    }


def _execution_or_error(plan: PatrolPlan, now: dt.datetime | None) -> dict[str, Any]:
    try:
        return {"execution": plan_execution(plan, now=now), "execution_error": ""}
    except ValidationFailed as exc:
        return {"execution": None, "execution_error": exc.message}
