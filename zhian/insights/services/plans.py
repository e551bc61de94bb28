"""Patrol plans (布防/热点巡防) for a shift, from the latest stored forecast, live
near-repeat alerts and the jurisdiction's units (``zhian.analytics.patrol``)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from zhian.analytics.patrol import Candidates, DoseCap, PatrolUnit, patrol_spread, plan_patrols
from zhian.analytics.routing import haversine_m
from zhian.core import audit
from zhian.core.errors import ValidationFailed
from zhian.core.models import Jurisdiction
from zhian.core.scoping import check_can
from zhian.dispatch.choices import UnitStatus
from zhian.dispatch.selectors import incident_arrays, units_for
from zhian.dispatch.services.routing import road_graph
from zhian.insights.choices import RunStatus, Shift
from zhian.insights.models import NearRepeatAlert, PatrolPlan, StoredForecast
from zhian.insights.services.common import cell_centres, local_midnight


def shift_window(day: dt.date, shift: str) -> tuple[dt.datetime, dt.datetime]:
    """Start and end of a shift on ``day`` in the bureau's zone (``ZHIAN_SHIFTS``)."""
    if shift not in Shift.values:
        raise ValidationFailed(_("班次无效"), code="invalid_shift", fields={"shift": _("班次无效")})
    tz = ZoneInfo(settings.TIME_ZONE)
    a, b = (dt.time.fromisoformat(x) for x in settings.ZHIAN_SHIFTS[shift])
    start = dt.datetime.combine(day, a, tzinfo=tz)
    end = dt.datetime.combine(day if b > a else day + dt.timedelta(days=1), b, tzinfo=tz)
    return start, end


def latest_forecast(jurisdiction: Jurisdiction) -> StoredForecast | None:
    """The newest finished all-category forecast of the jurisdiction or, failing that,
    of the nearest enclosing jurisdiction that has one."""
    paths = [jurisdiction.path]
    parts = jurisdiction.path.strip("/").split("/")
    paths += ["/" + "/".join(parts[:k]) + "/" for k in range(len(parts) - 1, 0, -1)]
    for path in paths:
        fc = (
            StoredForecast.objects.filter(
                jurisdiction__path=path, category_code="", status=RunStatus.DONE
            )
            .order_by("-data_end", "-pk")
            .first()
        )
        if fc is not None:
            return fc
    return None


def _overlapping(jurisdiction: Jurisdiction) -> Q:
    """Plans of the jurisdiction, of those enclosing it and of those inside it: the plans
    whose stops can fall in its areas."""
    parts = jurisdiction.path.strip("/").split("/")
    enclosing = ["/" + "/".join(parts[:k]) + "/" for k in range(1, len(parts) + 1)]
    return Q(jurisdiction__path__in=enclosing) | Q(jurisdiction__path__startswith=jurisdiction.path)


def plans_in_force(plans: QuerySet[PatrolPlan]) -> list[PatrolPlan]:
    """Of ``plans``, those that count: the newest of each jurisdiction and shift (a plan
    made again for the same shift replaces the earlier one)."""
    seen: set[tuple[int, dt.datetime]] = set()
    kept = []
    for plan in plans.order_by("jurisdiction_id", "shift_start", "-created_at", "-pk"):
        key = (plan.jurisdiction_id, plan.shift_start)
        if key not in seen:
            seen.add(key)
            kept.append(plan)
    return kept


def planned_seconds_by_area(plans: Iterable[PatrolPlan]) -> Counter[str]:
    """Patrol seconds the plans' stops give each area (jurisdiction id as text)."""
    used: Counter[str] = Counter()
    for plan in plans:
        for route in plan.routes:
            for v in route["visits"]:
                used[v["area"]] += v["depart"] - v["arrive"]
    return used


def _week_usage(jurisdiction: Jurisdiction, start: dt.datetime) -> tuple[dict[str, float], float]:
    """Patrol seconds per area already planned in the ISO week of ``start``, and their
    total. Counted: plans that can put stops in the jurisdiction's areas (its own, its
    enclosing and its inner jurisdictions'), only those in force (:func:`plans_in_force`),
    and not the jurisdiction's own plan for the shift being planned, which the new plan
    replaces (another jurisdiction's plan for that shift still counts)."""
    monday = local_midnight(start.astimezone(ZoneInfo(settings.TIME_ZONE)).date())
    monday -= dt.timedelta(days=monday.weekday())
    plans = PatrolPlan.objects.filter(
        _overlapping(jurisdiction),
        shift_start__gte=monday,
        shift_start__lt=monday + dt.timedelta(days=7),
    ).exclude(shift_start=start, jurisdiction=jurisdiction)
    used = planned_seconds_by_area(plans_in_force(plans))
    return dict(used), float(sum(used.values()))


def _cells_within(fc: StoredForecast, jurisdiction: Jurisdiction) -> list[list[Any]]:
    """The forecast's cells (in rank order) that lie in the jurisdiction: all of them for
    its own forecast; for an enclosing jurisdiction's forecast, only cells labelled with
    one of its areas, so a station's plan never routes to (or shows) another's cells."""
    if fc.jurisdiction_id == jurisdiction.pk:
        return list(fc.cells)
    inside = {
        str(pk)
        for pk in Jurisdiction.objects.filter(path__startswith=jurisdiction.path).values_list(
            "pk", flat=True
        )
    }
    return [c for c in fc.cells if len(c) > 3 and str(c[3]) in inside]


def _alert_factors(
    centres: np.ndarray, path: str, start: dt.datetime, end: dt.datetime, half_cell_m: float
) -> np.ndarray:
    factor = np.ones(len(centres))
    alerts = NearRepeatAlert.objects.filter(
        jurisdiction__path__startswith=path, starts_at__lt=end, ends_at__gt=start
    )
    for a in alerts:
        d = haversine_m(centres, np.array([a.lon, a.lat]))
        inside = d <= a.radius_m + half_cell_m
        factor[inside] = np.maximum(factor[inside], max(a.ratio, 1.0))
    return factor


@transaction.atomic
def do_make_patrol_plan(
    jurisdiction: Jurisdiction,
    *,
    day: dt.date,
    shift: str,
    acting_user: Any,
    cap_share: float | None = None,
    dwell_minutes: int = 15,
    now: dt.datetime | None = None,
) -> PatrolPlan:
    """Plan a shift for the jurisdiction's available units and store it. A shift that has
    ended (at ``now``, default the present) cannot be planned: a plan is for the shift
    ahead, and what was planned for a past week (the 执行情况, the public patrol report)
    stays as it was."""
    check_can(acting_user, "insights.plan", jurisdiction)
    start, end = shift_window(day, shift)
    share = settings.ZHIAN_PATROL_CAP_SHARE if cap_share is None else cap_share
    errors: dict[str, str] = {}
    if end <= (now or timezone.now()):
        errors["day"] = _("该班次已结束，只能为当前或以后的班次制定巡防计划")
    if not 0 < share <= 1:
        errors["cap_share"] = _("每片区上限须在 0–100% 之间")
    if not 5 <= dwell_minutes <= 60:
        errors["dwell_minutes"] = _("每格停留须为 5–60 分钟")
    if errors:
        raise ValidationFailed("；".join(errors.values()), code="invalid_plan", fields=errors)
    fc = latest_forecast(jurisdiction)
    if fc is None:
        raise ValidationFailed(_("该辖区还没有已完成的风险预测，请先运行预测"), code="no_forecast")
    units = [
        u
        for u in units_for(acting_user).filter(station__path__startswith=jurisdiction.path)
        if u.lon is not None and u.status != UnitStatus.UNAVAILABLE
    ]
    if not units:
        raise ValidationFailed(_("该辖区没有可用且有位置的巡逻力量"), code="no_units")
    cells = _cells_within(fc, jurisdiction)
    if not cells:
        raise ValidationFailed(
            _("该辖区内没有风险预测网格，请先为该辖区运行预测"), code="no_forecast"
        )
    top = cells[: settings.ZHIAN_PATROL_MAX_CANDIDATES]
    assert fc.epsg is not None
    centres = cell_centres(fc.epsg, top, float(fc.cell_size_m))
    ids = [f"{c[0]:.0f}:{c[1]:.0f}" for c in top]
    area = [c[3] if len(c) > 3 and c[3] else "" for c in top]
    factors = _alert_factors(centres, jurisdiction.path, start, end, fc.cell_size_m / 2)
    cand = Candidates.build(ids, centres, [c[2] for c in top], area, factors)
    used, used_total = _week_usage(jurisdiction, start)
    shift_s = (end - start).total_seconds()
    cap = DoseCap(share=share, week_total_s=used_total + shift_s * len(units), used_s=used)
    plan = plan_patrols(
        road_graph(),
        cand,
        [PatrolUnit(str(u.pk), float(u.lon), float(u.lat)) for u in units],  # type: ignore[arg-type]
        shift_start=int(start.timestamp()),
        shift_end=int(end.timestamp()),
        dose_cap=cap,
        dwell_s=dwell_minutes * 60,
        time_limit_s=settings.ZHIAN_PATROL_SOLVER_SECONDS,
    )
    incidents = incident_arrays(
        since=start - dt.timedelta(days=56), until=start, jurisdiction_path=jurisdiction.path
    )
    spread = patrol_spread(
        plan, dict(zip(ids, area, strict=True)), incidents["jurisdiction"].astype(str)
    )
    names = dict(
        Jurisdiction.objects.filter(pk__in=[int(a) for a in set(area) if a.isdigit()]).values_list(
            "pk", "name"
        )
    )
    by_unit = {str(u.pk): u for u in units}
    centre_of = {ids[i]: centres[i] for i in range(len(ids))}
    routes = []
    for r in plan.routes:
        u = by_unit[r.unit]
        routes.append(
            {
                "unit": u.pk,
                "call_sign": u.call_sign,
                "start": r.start,
                "end": r.end,
                "lon": u.lon,
                "lat": u.lat,
                "route_length_m": round(r.route_length_m, 1),
                "travel_s": round(r.travel_s),
                "patrol_s": r.patrol_s,
                "visits": [
                    {
                        "order": v.order,
                        "cell": v.cell,
                        "area": v.area,
                        "area_name": names.get(int(v.area), "") if v.area.isdigit() else "",
                        "lon": round(float(centre_of[v.cell][0]), 6),
                        "lat": round(float(centre_of[v.cell][1]), 6),
                        "risk": v.risk,
                        "alert": v.priority > v.risk + 1e-12,
                        "arrive": v.arrive,
                        "depart": v.depart,
                        "travel_s": round(v.travel_s),
                        "distance_m": round(v.distance_m, 1),
                    }
                    for v in r.visits
                ],
            }
        )
    skipped = [
        {"cell": s.cell, "area": s.area, "reason": s.reason, "detail": s.detail}
        for s in plan.skipped[:500]
    ]
    summary = {
        "cells": len(plan.visits),
        "risk_covered_share": plan.risk_covered_share,
        "skipped": dict(Counter(s.reason for s in plan.skipped)),
        "travel_method": plan.travel_method,
        "area_limit_s": plan.area_limit_s,
        "area_planned_s": plan.area_planned_s,
        "area_names": {str(k): v for k, v in names.items()},
        "spread": {
            "regions": spread.regions,
            "patrol_share": [round(float(x), 4) for x in spread.flagged_share],
            "incident_share": [round(float(x), 4) for x in spread.event_share],
            "dissimilarity": round(spread.dissimilarity, 4),
        },
        "unavailable_units": plan.unavailable_units,
        # the cells' grid (projection, side in metres): what the execution report places
        # the units' fixes in, even after the forecast is deleted
        "grid": [int(fc.epsg), float(fc.cell_size_m)],
    }
    row = PatrolPlan.objects.create(
        jurisdiction=jurisdiction,
        forecast=fc,
        shift=shift,
        shift_start=start,
        shift_end=end,
        dwell_minutes=dwell_minutes,
        cap_share=share,
        routes=routes,
        skipped=skipped,
        summary=summary,
        created_by=acting_user,
    )
    audit.record(
        actor=acting_user,
        action="insights.plan",
        obj=row,
        data={
            "jurisdiction": jurisdiction.code,
            "shift": shift,
            "day": day.isoformat(),
            "cells": len(plan.visits),
        },
    )
    return row


def tomorrow() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=1)
