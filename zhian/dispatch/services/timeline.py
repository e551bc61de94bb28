"""Appending to an incident's timeline (one place, so every entry has the same shape)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from zhian.dispatch.models import Incident, TimelineEvent, Unit


def add_timeline(
    incident: Incident,
    kind: str,
    *,
    actor: Any,
    unit: Unit | None = None,
    note: str = "",
    at: datetime | None = None,
) -> TimelineEvent:
    return TimelineEvent.objects.create(
        incident=incident,
        kind=kind,
        actor=actor,
        unit=unit,
        note=note[:500],
        at=at or timezone.now(),
    )


def bump(obj: Incident | Unit, *fields: str) -> None:
    """Save ``fields`` and move ``version`` on (the caller checked the version it expected)."""
    obj.version += 1
    obj.save(update_fields=[*fields, "version", "updated_at"])
