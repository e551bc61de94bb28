"""Insights' objects for the authorisation matrix (tests/core/security/test_authz_matrix.py):
in station S1 ("in") and S2 ("out") a month of recorded incidents, the station's stored
forecast (the weekly job's), a unit and a patrol plan made from that forecast; the
串并 pages take the station's latest incident and an earlier one as the candidate."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from tests.factories import Role, UserFactory

# (west, east) edges of each station in tests/factories.py's tree (lat 30.0–30.04).
STATION_LON = {"S1": 120.0, "S2": 120.04}


def authz_objects(tree: dict[str, Any]) -> dict[str, dict[str, str]]:
    from tests.insights.factories import record_incident
    from zhian.dispatch.services.units import do_register_unit
    from zhian.insights.models import StoredForecast
    from zhian.insights.services.forecasts import refresh_forecasts
    from zhian.insights.services.plans import do_make_patrol_plan, tomorrow

    boss = UserFactory(
        username="authz_insights_boss",
        roles=[(Role.ADMINISTRATOR, tree["B"]), (Role.DISPATCHER, tree["B"])],
    )
    now = timezone.now()
    incidents: dict[str, list[Any]] = {"S1": [], "S2": []}
    for station, west in STATION_LON.items():
        for k in range(24):
            lon = west + 0.004 + 0.0013 * (k % 24)
            lat = 30.004 + 0.0011 * (k * 7 % 29)
            at = now - dt.timedelta(days=1 + k, hours=k % 5)
            incidents[station].append(
                record_incident(boss, code="0101" if k % 2 else "0105", lon=lon, lat=lat, at=at)
            )
        do_register_unit(
            acting_user=boss,
            call_sign=f"I-{station}",
            station=tree[station],
            kind="patrol_car",
            lon=west + 0.01,
            lat=30.01,
        )
    refresh_forecasts(now)
    out: dict[str, dict[str, str]] = {}
    for scope, station in (("in", "S1"), ("out", "S2")):
        analyst = UserFactory(
            username=f"authz_insights_{station}", roles=[(Role.ANALYST, tree[station])]
        )
        forecast = StoredForecast.objects.filter(jurisdiction=tree[station]).latest("pk")
        plan = do_make_patrol_plan(tree[station], day=tomorrow(), shift="day", acting_user=analyst)
        latest, earlier = incidents[station][0], incidents[station][1]
        out[scope] = {
            "forecast_id": str(forecast.pk),
            "plan_id": str(plan.pk),
            "incident_id": str(latest.pk),
            "candidate_id": str(earlier.pk),
        }
    return out
