"""Dispatch assignments services, through the real services and database."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from tests.dispatch.factories import new_incident
from zhian.core.errors import (
    Conflict,
    NotFound,
)
from zhian.dispatch.choices import IncidentStatus, UnitStatus
from zhian.dispatch.models import Assignment, Incident, Unit
from zhian.dispatch.services import assignments as A
from zhian.dispatch.services import incidents as I

pytestmark = pytest.mark.django_db


def test_dispatch_steps_drive_unit_and_incident_status_and_timeline(
    people: dict[str, Any], units: dict[str, Unit]
) -> None:
    user = people["dispatcher"]
    incident = new_incident(user)
    (assignment,) = A.do_dispatch_units(incident, [units["W-01"].pk], acting_user=user)
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.DISPATCHED
    assert Unit.objects.get(pk=units["W-01"].pk).status == UnitStatus.DISPATCHED
    with pytest.raises(Conflict):
        A.do_advance_assignment(assignment, "transporting", acting_user=user)  # not yet on scene
    for step, unit_status in (
        ("en_route", "en_route"),
        ("on_scene", "on_scene"),
        ("cleared", "available"),
    ):
        A.do_advance_assignment(assignment, step, acting_user=user)
        assert Unit.objects.get(pk=units["W-01"].pk).status == unit_status
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.ON_SCENE
    kinds = list(incident.timeline.values_list("kind", flat=True))
    assert kinds == ["received", "dispatched", "en_route", "on_scene", "cleared"]
    I.do_close_incident(
        incident,
        acting_user=user,
        disposition="resolved",
        note="已处理",
        expected_version=incident.version,
    )
    assert Incident.objects.get(pk=incident.pk).status == IncidentStatus.CLOSED


def test_a_busy_unit_cannot_be_sent_twice(people: dict[str, Any], units: dict[str, Unit]) -> None:
    user = people["dispatcher"]
    first, second = new_incident(user), new_incident(user, lon=24.950)
    A.do_dispatch_units(first, [units["E-02"].pk], acting_user=user)
    with pytest.raises(Conflict) as exc:
        A.do_dispatch_units(second, [units["E-02"].pk], acting_user=user)
    assert exc.value.code == "unit_not_available"
    # The database itself refuses a second active assignment (closes the race on SQLite).
    with pytest.raises(IntegrityError), transaction.atomic():
        Assignment.objects.create(
            incident=second, unit=units["E-02"], dispatched_at=timezone.now(), dispatched_by=user
        )


def test_multi_unit_dispatch_reassign_cancel_and_close_release_units(
    people: dict[str, Any], units: dict[str, Unit]
) -> None:
    user = people["dispatcher"]
    incident = new_incident(user)
    a1, a2 = A.do_dispatch_units(incident, [units["W-01"].pk, units["W-02"].pk], acting_user=user)
    replacement = A.do_reassign(a2, units["W-03"].pk, acting_user=user)
    assert Unit.objects.get(pk=units["W-02"].pk).status == UnitStatus.AVAILABLE
    assert replacement.unit_id == units["W-03"].pk
    A.do_cancel_assignment(a1, acting_user=user)
    assert Unit.objects.get(pk=units["W-01"].pk).status == UnitStatus.AVAILABLE
    incident.refresh_from_db()
    I.do_close_incident(
        incident,
        acting_user=user,
        disposition="no_finding",
        note="",
        expected_version=incident.version,
    )
    assert Unit.objects.get(pk=units["W-03"].pk).status == UnitStatus.AVAILABLE
    assert not Assignment.objects.filter(active=True).exists()


def test_a_reassignment_audits_the_withdrawal_and_the_new_dispatch(
    people: dict[str, Any], units: dict[str, Unit]
) -> None:
    from zhian.core.models import AuditEvent

    user = people["dispatcher"]
    incident = new_incident(user)
    (first,) = A.do_dispatch_units(incident, [units["W-01"].pk], acting_user=user)
    replacement = A.do_reassign(first, units["W-02"].pk, acting_user=user)
    withdrawal = AuditEvent.objects.get(action="assignment.cancel")
    assert withdrawal.object_id == str(first.pk)
    assert withdrawal.data == {
        "reason": "reassign",
        "unit": units["W-01"].pk,
        "replaced_by": replacement.pk,
    }
    assert AuditEvent.objects.filter(action="incident.dispatch").count() == 2


def test_dispatching_another_bureaus_unit_is_not_found(people: dict[str, Any], units: Any) -> None:
    user = people["east_dispatcher"]
    incident = new_incident(user, lon=24.950)
    with pytest.raises(NotFound):
        A.do_dispatch_units(incident, [999_999], acting_user=user)


def test_a_unit_cannot_clear_before_arriving(
    people: dict[str, Any], units: dict[str, Unit]
) -> None:
    user = people["dispatcher"]
    incident = new_incident(user)
    (assignment,) = A.do_dispatch_units(incident, [units["W-01"].pk], acting_user=user)
    A.do_advance_assignment(assignment, "en_route", acting_user=user)
    with pytest.raises(Conflict) as exc:
        A.do_advance_assignment(assignment, "cleared", acting_user=user)
    assert "尚未到达现场" in exc.value.message
    assert Unit.objects.get(pk=units["W-01"].pk).status == UnitStatus.EN_ROUTE


def test_a_crew_sent_across_the_boundary_can_acknowledge(
    people: dict[str, Any], units: dict[str, Unit]
) -> None:
    from zhian.dispatch.selectors import access_assignment

    incident = new_incident(people["dispatcher"], lon=24.950)  # east station
    (assignment,) = A.do_dispatch_units(
        incident, [units["W-01"].pk], acting_user=people["dispatcher"]
    )
    crew = people["patrol_w"]  # west-station patrol officer
    found = access_assignment(crew, assignment.pk)
    A.do_advance_assignment(found, "en_route", acting_user=crew)
    assert Unit.objects.get(pk=units["W-01"].pk).status == UnitStatus.EN_ROUTE
