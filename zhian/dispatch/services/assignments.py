"""Sending units (派警), their acknowledgements (出发/到达/处置完毕) and reassignment."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhian.core import audit
from zhian.core.concurrency import update_if_version
from zhian.core.errors import Conflict, NotFound, ValidationFailed
from zhian.core.scoping import check_can
from zhian.dispatch.choices import (
    ACTIVE_INCIDENT,
    AssignmentStep,
    IncidentStatus,
    TimelineKind,
    UnitStatus,
)
from zhian.dispatch.models import Assignment, Incident, Unit
from zhian.dispatch.services.changes import mark_changed
from zhian.dispatch.services.routing import arrival_estimates
from zhian.dispatch.services.timeline import STALE_INCIDENT, add_timeline
from zhian.dispatch.services.units import check_transition, set_status

# What each step does: (the unit's new status, the assignment's timestamp field, the
# timeline kind). The steps themselves are AssignmentStep; NEXT_STEPS says when each applies.
STEP_EFFECTS: dict[str, tuple[str, str, str]] = {
    AssignmentStep.EN_ROUTE: (UnitStatus.EN_ROUTE, "en_route_at", TimelineKind.EN_ROUTE),
    AssignmentStep.ON_SCENE: (UnitStatus.ON_SCENE, "on_scene_at", TimelineKind.ON_SCENE),
    AssignmentStep.TRANSPORTING: (UnitStatus.TRANSPORTING, "", TimelineKind.TRANSPORTING),
    AssignmentStep.CLEARED: (UnitStatus.AVAILABLE, "cleared_at", TimelineKind.CLEARED),
}


def _roll_up(incident: Incident) -> None:
    """Incident status follows its units: on scene if any unit is, dispatched if any is out."""
    if incident.status not in ACTIVE_INCIDENT:
        return
    active = list(incident.assignments.filter(active=True).select_related("unit"))
    if any(a.unit.status in (UnitStatus.ON_SCENE, UnitStatus.TRANSPORTING) for a in active):
        status = IncidentStatus.ON_SCENE
    elif active:
        status = IncidentStatus.DISPATCHED
    elif incident.assignments.filter(on_scene_at__isnull=False).exists():
        status = IncidentStatus.ON_SCENE
    else:
        status = IncidentStatus.OPEN
    if status != incident.status:
        update_if_version(incident, incident.version, STALE_INCIDENT, status=status)


@transaction.atomic
def do_dispatch_units(
    incident: Incident,
    unit_ids: Sequence[int],
    *,
    acting_user: Any,
) -> list[Assignment]:
    """Send one or several available units, each with the arrival estimate it had when sent
    (the timeline quotes it). A unit already on a task is refused (the database holds at
    most one active assignment per unit, so two dispatchers racing for the same unit cannot
    both win)."""
    check_can(acting_user, "incident.dispatch", incident.jurisdiction)
    if incident.status not in ACTIVE_INCIDENT:
        raise Conflict(_("该警情已结束，不能派警"), code="incident_closed")
    if not unit_ids:
        raise ValidationFailed(_("请选择要派出的警力"), code="no_units")
    units = {u.pk: u for u in Unit.objects.select_related("station").filter(pk__in=set(unit_ids))}
    missing = [i for i in unit_ids if i not in units]
    if missing:
        raise NotFound(_("警力 %(unit_id)s 不存在") % {"unit_id": missing[0]})
    now = timezone.now()
    etas = arrival_estimates(incident, list(units.values()))
    created = []
    for unit_id in dict.fromkeys(unit_ids):
        unit = units[unit_id]
        check_can(acting_user, "unit.view", unit.station)
        if unit.status != UnitStatus.AVAILABLE:
            raise Conflict(
                _("%(unit)s 当前为“%(status)s”，不能派出")
                % {"unit": unit.call_sign, "status": UnitStatus(unit.status).label},
                code="unit_not_available",
                unit=unit.call_sign,
            )
        try:
            with transaction.atomic():
                assignment = Assignment.objects.create(
                    incident=incident,
                    unit=unit,
                    dispatched_at=now,
                    dispatched_by=acting_user,
                    eta_seconds=etas.get(unit_id),
                )
        except IntegrityError:
            raise Conflict(
                _("%(unit)s 刚被派往其他警情") % {"unit": unit.call_sign},
                code="unit_not_available",
            ) from None
        set_status(unit, UnitStatus.DISPATCHED)
        eta = assignment.eta_seconds
        add_timeline(
            incident,
            TimelineKind.DISPATCHED,
            actor=acting_user,
            unit=unit,
            at=now,
            note=f"预计 {eta / 60:.1f} 分钟到达" if eta is not None else "",
        )
        created.append(assignment)
    _roll_up(incident)
    audit.record(
        actor=acting_user,
        action="incident.dispatch",
        obj=incident,
        data={"units": [units[i].call_sign for i in dict.fromkeys(unit_ids)]},
    )
    mark_changed(incidents=[incident], units=units.values())
    return created


@transaction.atomic
def do_advance_assignment(assignment: Assignment, step: str, *, acting_user: Any) -> Assignment:
    """A unit acknowledges: 出发 (en_route), 到达 (on_scene), 押送 (transporting), 处置完毕."""
    incident = assignment.incident
    check_can(acting_user, "unit.report", assignment.unit.station)
    if step not in STEP_EFFECTS:
        raise ValidationFailed(_("未知步骤 %(step)s") % {"step": step}, code="invalid_step")
    if not assignment.active:
        raise Conflict(_("该任务已结束或已撤回"), code="assignment_inactive")
    unit_status, stamp, kind = STEP_EFFECTS[step]
    unit = Unit.objects.get(pk=assignment.unit_id)
    if step == "cleared" and unit.status not in (UnitStatus.ON_SCENE, UnitStatus.TRANSPORTING):
        raise Conflict(
            _("%(unit)s 尚未到达现场，不能处置完毕；未出警请撤回") % {"unit": unit.call_sign},
            code="illegal_transition",
        )
    check_transition(unit, unit_status)
    now = timezone.now()
    if stamp:
        setattr(assignment, stamp, now)
    if step == "cleared":
        assignment.active = False
    assignment.save()
    set_status(unit, unit_status)
    add_timeline(incident, kind, actor=acting_user, unit=unit, at=now)
    _roll_up(incident)
    audit.record(
        actor=acting_user,
        action=f"assignment.{step}",
        obj=assignment,
        data={"incident": incident.number, "unit": unit.call_sign},
    )
    mark_changed(incidents=[incident], units=[unit])
    return assignment


def _cancel(assignment: Assignment, *, acting_user: Any, note: str) -> Unit:
    unit = Unit.objects.get(pk=assignment.unit_id)
    assignment.active = False
    assignment.cancelled_at = timezone.now()
    assignment.save(update_fields=["active", "cancelled_at"])
    if unit.status != UnitStatus.AVAILABLE:
        set_status(unit, UnitStatus.AVAILABLE)
    add_timeline(
        assignment.incident, TimelineKind.UNIT_CANCELLED, actor=acting_user, unit=unit, note=note
    )
    return unit


@transaction.atomic
def do_cancel_assignment(assignment: Assignment, *, acting_user: Any, note: str = "") -> Assignment:
    """Call a unit back (撤回); it becomes available again."""
    check_can(acting_user, "incident.dispatch", assignment.incident.jurisdiction)
    if not assignment.active:
        raise Conflict(_("该任务已结束或已撤回"), code="assignment_inactive")
    unit = _cancel(assignment, acting_user=acting_user, note=note or "撤回")
    _roll_up(assignment.incident)
    audit.record(actor=acting_user, action="assignment.cancel", obj=assignment)
    mark_changed(incidents=[assignment.incident], units=[unit])
    return assignment


@transaction.atomic
def do_reassign(assignment: Assignment, new_unit_id: int, *, acting_user: Any) -> Assignment:
    """Replace a unit on an incident by another (改派)."""
    check_can(acting_user, "incident.dispatch", assignment.incident.jurisdiction)
    if not assignment.active:
        raise Conflict(_("该任务已结束或已撤回"), code="assignment_inactive")
    old_unit = _cancel(assignment, acting_user=acting_user, note="改派")
    (created,) = do_dispatch_units(assignment.incident, [new_unit_id], acting_user=acting_user)
    # The withdrawal is an act of its own in the trail, beside the new dispatch.
    audit.record(
        actor=acting_user,
        action="assignment.cancel",
        obj=assignment,
        data={"reason": "reassign", "unit": assignment.unit_id, "replaced_by": created.pk},
    )
    mark_changed(units=[old_unit])
    return created


def release_assignments(incident: Incident, *, acting_user: Any, note: str) -> list[Unit]:
    """Free every unit still on the incident (used when it closes); the units freed."""
    return [
        _cancel(assignment, acting_user=acting_user, note=note)
        for assignment in incident.assignments.filter(active=True)
    ]
