"""Write hooks: how a read-side app keeps a derived table exact without dispatch importing it.

The arrow stays one-way (dispatch never imports ``insights``): an app registers a hook
here from its ``AppConfig.ready()``, and dispatch's services call :func:`incidents_counted`
in the same transaction as every write that changes what an incident counts towards
(recorded, re-categorised, merged into another). A hook that raises rolls the write back,
so a derived count can never silently miss an incident.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class CountedIncident:
    """What one incident contributes to counts by place and time: which incident, when it
    was received, its jurisdiction, its category and its H3 cell
    (``zhian.core.geo.point_cell``)."""

    incident_id: int
    received_at: datetime
    jurisdiction_id: int
    category_id: int
    h3_cell: str

    @classmethod
    def of(cls, incident: Any) -> CountedIncident:
        return cls(
            incident_id=incident.pk,
            received_at=incident.received_at,
            jurisdiction_id=incident.jurisdiction_id,
            category_id=incident.category_id,
            h3_cell=incident.h3_cell,
        )


#: ``hook(removed, added)``: incidents that stopped counting and that started counting.
IncidentCountHook = Callable[[Sequence[CountedIncident], Sequence[CountedIncident]], None]

_count_hooks: list[IncidentCountHook] = []


def register_incident_count_hook(hook: IncidentCountHook) -> None:
    """Call ``hook`` on every counted change; registering the same one twice is a no-op."""
    if hook not in _count_hooks:
        _count_hooks.append(hook)


def incidents_counted(
    *, removed: Sequence[CountedIncident] = (), added: Sequence[CountedIncident] = ()
) -> None:
    """Tell the registered hooks, inside the caller's transaction, that ``removed`` no
    longer count (merged into another, or their old category) and ``added`` now do."""
    if not removed and not added:
        return
    for hook in _count_hooks:
        hook(removed, added)


#: ``hook(unit_id, fix_ids, first, last)``: AVL fixes just stored for one unit (their ids,
#: the earliest and latest time among them), the unit's row locked until the commit.
PositionHook = Callable[[int, Sequence[int], datetime, datetime], None]
#: ``hook(cutoff)``: AVL fixes received before ``cutoff`` were deleted (retention).
PositionPruneHook = Callable[[datetime], None]

_position_hooks: list[PositionHook] = []
_prune_hooks: list[PositionPruneHook] = []


def register_position_hooks(recorded: PositionHook, pruned: PositionPruneHook) -> None:
    """Call ``recorded`` after every stored batch of AVL fixes and ``pruned`` after the
    retention delete, in the same transaction; registering the same pair twice is a no-op."""
    if recorded not in _position_hooks:
        _position_hooks.append(recorded)
    if pruned not in _prune_hooks:
        _prune_hooks.append(pruned)


def positions_recorded(
    unit_id: int, fix_ids: Sequence[int], first: datetime, last: datetime
) -> None:
    for hook in _position_hooks:
        hook(unit_id, fix_ids, first, last)


def positions_pruned(cutoff: datetime) -> None:
    for hook in _prune_hooks:
        hook(cutoff)
