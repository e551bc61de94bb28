"""Appending to a case's timeline (one place, so every entry has the same shape)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import F
from django.utils import timezone

from zhian.records.models import Case, CaseEntry


def add_entry(
    case: Case,
    kind: str,
    *,
    actor: Any,
    note: str = "",
    stage_from: str = "",
    stage_to: str = "",
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> CaseEntry:
    return CaseEntry.objects.create(
        case=case,
        kind=kind,
        actor=actor,
        note=note[:2000],
        stage_from=stage_from,
        stage_to=stage_to,
        data=data or {},
        at=at or timezone.now(),
    )


def touch(case: Case, at: datetime | None = None, **fields: Any) -> None:
    """Record progress on ``case`` and move its version on (callers checked the version)."""
    at = at or timezone.now()
    fields.setdefault("last_progress_at", at)
    Case.objects.filter(pk=case.pk).update(
        version=F("version") + 1, updated_at=timezone.now(), **fields
    )
    for name, value in fields.items():
        setattr(case, name, value)
    case.version += 1
