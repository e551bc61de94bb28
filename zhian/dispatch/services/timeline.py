"""Appending to an incident's timeline (one place, so every entry has the same shape)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy

from zhian.dispatch.models import Incident, TimelineEvent, Unit

STALE_INCIDENT = gettext_lazy("该警情已被他人修改，请刷新后重试")


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
