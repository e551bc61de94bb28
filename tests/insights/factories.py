"""Insights test helpers: incidents recorded through dispatch's real intake service, and
patrol plans with chosen stops."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
from django.utils import timezone
from pyproj import Transformer

from zhian.analytics.events import utm_epsg
from zhian.analytics.grids import SquareGrid
from zhian.dispatch.models import Incident
from zhian.dispatch.services import incidents as I
from zhian.dispatch.services.units import PositionFix, do_record_positions
from zhian.insights.choices import RunStatus
from zhian.insights.models import PatrolPlan, StoredForecast
from zhian.insights.services.plans import shift_window


def record_incident(
    user: Any, *, code: str, lon: float, lat: float, at: dt.datetime | None = None
) -> Incident:
    data = I.IncidentInput(
        channel="call_110",
        category_code=code,
        address="Mannerheimintie 1",
        lon=lon,
        lat=lat,
        received_at=at,
    )
    return I.do_create_incident(data, acting_user=user).incident


def scatter_incidents(
    user: Any,
    n: int,
    *,
    until: dt.datetime,
    days: int,
    seed: int = 0,
    codes: tuple[str, ...] = ("0101", "0105"),
) -> list[Incident]:
    """``n`` incidents over the ``days`` before ``until`` in the Helsinki test bureau,
    half of them around two hot spots."""
    rng = np.random.default_rng(seed)
    hot = np.array([[24.9400, 60.1700], [24.9500, 60.1740]])
    out = []
    for k in range(n):
        if k % 2:
            lon, lat = hot[k % 4 // 2] + rng.normal(0, 0.0007, 2)
        else:
            lon, lat = rng.uniform(24.936, 24.954), rng.uniform(60.165, 60.179)
        at = until - dt.timedelta(seconds=int(rng.integers(3600, days * 86_400)))
        out.append(
            record_incident(user, code=codes[k % len(codes)], lon=float(lon), lat=float(lat), at=at)
        )
    return out


def plan_with_stops(
    jurisdiction: Any,
    *,
    day: dt.date,
    shift: str,
    stops: dict[Any, list[tuple[float, float, float]]],
    dwell_minutes: int = 15,
    cell_size_m: int = 150,
    areas: dict[Any, Any] | None = None,
) -> PatrolPlan:
    """A stored patrol plan whose units (``stops``' keys) visit the forecast squares under
    the given ``(lon, lat, risk)`` points, every 30 minutes from the shift's start, named
    and centred as ``do_make_patrol_plan`` stores them (the forecast's ``x_min:y_min``
    squares in its UTM projection). Stops are labelled with the unit's station as their
    area, or with ``areas[unit]`` (a real plan labels a cell with the jurisdiction of most
    of its incidents, often one below the station). For tests that need exact cells and
    times, not a solver's choice."""
    start, end = shift_window(day, shift)
    lon0, lat0 = next(iter(stops.values()))[0][:2]
    epsg = utm_epsg(lon0, lat0)
    forecast = StoredForecast.objects.create(
        jurisdiction=jurisdiction,
        data_end=start,
        epsg=epsg,
        cell_size_m=cell_size_m,
        status=RunStatus.DONE,
        method="decay",
    )
    to_xy = Transformer.from_crs(4326, epsg, always_xy=True)
    to_ll = Transformer.from_crs(epsg, 4326, always_xy=True)
    grid = SquareGrid(float(cell_size_m))
    routes = []
    for unit, points in stops.items():
        area = (areas or {}).get(unit, unit.station)
        visits = []
        for k, (lon, lat, risk) in enumerate(points):
            x, y = to_xy.transform(lon, lat)
            ix, iy = grid.index(np.array([x]), np.array([y]))
            x0, y0 = float(ix[0] * cell_size_m), float(iy[0] * cell_size_m)
            c_lon, c_lat = to_ll.transform(x0 + cell_size_m / 2, y0 + cell_size_m / 2)
            arrive = int(start.timestamp()) + 1800 * (k + 1)
            visits.append(
                {
                    "order": k + 1,
                    "cell": f"{x0:.0f}:{y0:.0f}",
                    "area": str(area.pk),
                    "area_name": area.name,
                    "lon": round(c_lon, 6),
                    "lat": round(c_lat, 6),
                    "risk": risk,
                    "alert": False,
                    "arrive": arrive,
                    "depart": arrive + dwell_minutes * 60,
                    "travel_s": 0,
                    "distance_m": 0.0,
                }
            )
        routes.append(
            {
                "unit": unit.pk,
                "call_sign": unit.call_sign,
                "start": int(start.timestamp()),
                "end": int(end.timestamp()),
                "lon": unit.lon,
                "lat": unit.lat,
                "route_length_m": 0.0,
                "travel_s": 0,
                "patrol_s": dwell_minutes * 60 * len(visits),
                "visits": visits,
            }
        )
    return PatrolPlan.objects.create(
        jurisdiction=jurisdiction,
        forecast=forecast,
        shift=shift,
        shift_start=start,
        shift_end=end,
        dwell_minutes=dwell_minutes,
        cap_share=0.2,
        routes=routes,
        summary={
            "cells": sum(len(r["visits"]) for r in routes),
            "risk_covered_share": 0.4,
            "grid": [epsg, float(cell_size_m)],
        },
    )


def yesterdays_plan_with_one_stop_kept(hki: Any, units: Any, reporter: Any) -> PatrolPlan:
    """Yesterday's day-shift plan of the west station: one stop each for W-01 and W-02;
    W-01 reports a fix a minute in its cell from the planned arrival for 10 minutes
    (through dispatch's own service), W-02 reports nothing."""
    w1, w2 = units["W-01"], units["W-02"]
    plan = plan_with_stops(
        hki["HKI-W"],
        day=timezone.localdate() - dt.timedelta(days=1),
        shift="day",
        stops={w1: [(w1.lon, w1.lat, 0.2)], w2: [(w2.lon, w2.lat, 0.1)]},
    )
    v = plan.routes[0]["visits"][0]
    at = dt.datetime.fromtimestamp(v["arrive"], tz=dt.UTC)
    fixes = [
        PositionFix(lon=v["lon"], lat=v["lat"], at=at + dt.timedelta(minutes=k)) for k in range(11)
    ]
    do_record_positions(w1, fixes, acting_user=reporter)
    return plan
