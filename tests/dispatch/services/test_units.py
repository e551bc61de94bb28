"""Dispatch units services, through the real services and database."""

from __future__ import annotations

from typing import Any

import pytest

from zhian.core.errors import (
    Conflict,
    PreconditionFailed,
)
from zhian.dispatch.choices import UnitStatus
from zhian.dispatch.models import Unit
from zhian.dispatch.services import units as U

pytestmark = pytest.mark.django_db


def test_unit_status_machine_rejects_illegal_transitions(
    units: dict[str, Unit], people: Any
) -> None:
    unit = units["W-01"]
    with pytest.raises(Conflict) as exc:
        U.check_transition(unit, UnitStatus.ON_SCENE)  # available → on scene skips dispatch
    assert "不能从“空闲”变为“到达”" in exc.value.message
    with pytest.raises(Conflict):
        U.do_set_unit_availability(
            unit, acting_user=people["patrol_w"], status="on_scene", expected_version=unit.version
        )
    U.do_set_unit_availability(
        unit, acting_user=people["patrol_w"], status="unavailable", expected_version=unit.version
    )
    unit.refresh_from_db()
    assert unit.status == UnitStatus.UNAVAILABLE
    with pytest.raises(Conflict):
        U.check_transition(unit, UnitStatus.DISPATCHED)  # off duty cannot be dispatched


def test_availability_is_written_only_if_the_unit_did_not_change_meanwhile(
    units: dict[str, Unit], people: Any
) -> None:
    # Bug: the version was compared in memory, then the row saved unconditionally, so a
    # stale copy whose own version matched overwrote a change made in between.
    user = people["patrol_w"]
    stale = Unit.objects.get(pk=units["W-01"].pk)
    fresh = Unit.objects.get(pk=units["W-01"].pk)
    U.do_set_unit_availability(
        fresh, acting_user=user, status="unavailable", expected_version=fresh.version
    )
    with pytest.raises(PreconditionFailed):
        U.do_set_unit_availability(
            stale, acting_user=user, status="unavailable", expected_version=stale.version
        )
    assert Unit.objects.get(pk=stale.pk).version == fresh.version


def test_availability_needs_the_version_the_caller_read(
    units: dict[str, Unit], people: Any
) -> None:
    with pytest.raises(TypeError):
        U.do_set_unit_availability(  # type: ignore[call-arg]
            units["W-01"], acting_user=people["patrol_w"], status="unavailable"
        )
