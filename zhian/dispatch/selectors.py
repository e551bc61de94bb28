"""Read queries for dispatch, scoped to the acting user."""

from __future__ import annotations

from typing import Any

from django.db.models import Max, QuerySet
from django.utils.translation import gettext as _

from zhian.core.errors import NotFound
from zhian.core.scoping import scope_q, scoped
from zhian.dispatch.choices import ACTIVE_INCIDENT
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
