"""Read queries for dispatch, scoped to the acting user."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from django.db.models import Max, Q, QuerySet
from django.utils.translation import gettext as _

from zhian.analytics.routing import haversine_m
from zhian.core.errors import NotFound
from zhian.core.scoping import scope_q, scoped
from zhian.dispatch.choices import ACTIVE_INCIDENT, IncidentStatus
from zhian.dispatch.models import Assignment, Incident, Unit


def incidents_for(
    user: Any, *, status: str | None = None, active: bool | None = None
) -> QuerySet[Incident]:
    qs = scoped(Incident.objects.all(), user, "incident.view")
    if status:
        qs = qs.filter(status=status)
    if active is True:
        qs = qs.filter(status__in=ACTIVE_INCIDENT)
    return qs.select_related("category", "jurisdiction")


def access_incident(user: Any, incident_id: int) -> Incident:
    incident = incidents_for(user).filter(pk=incident_id).first()
    if incident is None:
        raise NotFound(_("未找到该警情"))
    return incident


def units_for(user: Any, *, status: str | None = None) -> QuerySet[Unit]:
    qs = scoped(Unit.objects.all(), user, "unit.view", field="station")
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("station")


def access_unit(user: Any, unit_id: int) -> Unit:
    unit = units_for(user).filter(pk=unit_id).first()
    if unit is None:
        raise NotFound(_("未找到该警力"))
    return unit


def access_assignment(user: Any, assignment_id: int) -> Assignment:
    """An assignment is visible to whoever sees its unit (the crew acknowledging a task in
    a neighbouring station) or its incident (the dispatcher); services check the action."""
    visible = scope_q(user, "unit.view", "unit__station") | scope_q(
        user, "incident.view", "incident__jurisdiction"
    )
    assignment = (
        Assignment.objects.filter(visible)
        .select_related("incident__jurisdiction", "unit__station")
        .filter(pk=assignment_id)
        .first()
    )
    if assignment is None:
        raise NotFound(_("未找到该任务"))
    return assignment


def board_for(user: Any) -> dict[str, Any]:
    """The live board: open incidents by priority then age, units by status."""
    incidents = list(
        incidents_for(user, active=True)
        .prefetch_related("assignments__unit")
        .order_by("priority", "received_at")[:200]
    )
    units = list(units_for(user).order_by("status", "call_sign")[:500])
    return {"incidents": incidents, "units": units}


def board_token(user: Any) -> str:
    """Changes whenever anything on the user's board changes (cheap to poll)."""
    inc = incidents_for(user).aggregate(m=Max("updated_at"))["m"]
    unit = units_for(user).aggregate(m=Max("updated_at"))["m"]
    return f"{inc.timestamp() if inc else 0:.6f}-{unit.timestamp() if unit else 0:.6f}"


def count_incidents_near(
    lon: float,
    lat: float,
    *,
    radius_m: float,
    since: datetime,
    category_prefixes: tuple[str, ...] = (),
) -> int:
    """How many incidents (merged duplicates left out) were received within ``radius_m``
    of a point since ``since``, optionally only in categories whose code starts with one of
    ``category_prefixes``. A bare count, no rows: other apps use it to judge how often a
    place calls for the police (grid's dispute risk) without reading incidents."""
    dlat = radius_m / 111_000
    dlon = dlat / max(0.05, abs(math.cos(math.radians(lat))))
    qs = Incident.objects.filter(
        received_at__gte=since,
        lat__range=(lat - dlat, lat + dlat),
        lon__range=(lon - dlon, lon + dlon),
    ).exclude(status=IncidentStatus.MERGED)
    if category_prefixes:
        q = Q(pk__in=[])
        for prefix in category_prefixes:
            q |= Q(category__code__startswith=prefix)
        qs = qs.filter(q)
    points = list(qs.values_list("lon", "lat"))
    if not points:
        return 0
    return int((haversine_m(points, (lon, lat)) <= radius_m).sum())
