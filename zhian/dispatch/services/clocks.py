"""Per-incident response clocks (响应时间): how long from the call to the first unit sent,
moving and on scene, measured against the 1-3-5 minute arrival bands (1-3-5 分钟快速反应).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from zhian.dispatch.choices import TimelineKind
from zhian.dispatch.models import Assignment, Incident

#: Arrival bands in seconds: within 1, 3 and 5 minutes of the call (then "over 5").
ARRIVAL_BANDS_S = (60, 180, 300)


@dataclass(frozen=True)
class ResponseClock:
    """Seconds from the incident's receipt to the first of each step (None: not yet)."""

    received_at: datetime
    to_dispatch_s: float | None
    to_en_route_s: float | None
    to_on_scene_s: float | None

    @property
    def arrival_band(self) -> int | None:
        """1, 3 or 5 for arrival within that many minutes, 0 for later, None before any
        unit arrived."""
        if self.to_on_scene_s is None:
            return None
        for band in ARRIVAL_BANDS_S:
            if self.to_on_scene_s <= band:
                return band // 60
        return 0

    @property
    def steps(self) -> list[tuple[str, str]]:
        """Each step's label and its time since the call as ``m:ss``, rounded up as the
        bands count ("" before the step happened)."""
        return [
            (str(TimelineKind.DISPATCHED.label), minutes_seconds(self.to_dispatch_s)),
            (str(TimelineKind.EN_ROUTE.label), minutes_seconds(self.to_en_route_s)),
            (str(TimelineKind.ON_SCENE.label), minutes_seconds(self.to_on_scene_s)),
        ]


def minutes_seconds(seconds: float | None) -> str:
    """95.4 → "1:36"; None → ""."""
    if seconds is None:
        return ""
    whole = math.ceil(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def response_clock(
    incident: Incident, assignments: Iterable[Assignment] | None = None
) -> ResponseClock:
    """The incident's response clock, from every unit ever sent (recalled ones included:
    the first unit sent is when the response began). Pass ``assignments`` when they are
    already loaded (all of them, active or not) to save the query."""
    rows = list(incident.assignments.all() if assignments is None else assignments)

    def since_receipt(field: str) -> float | None:
        times = [t for t in (getattr(a, field) for a in rows) if t is not None]
        if not times:
            return None
        return max(0.0, (min(times) - incident.received_at).total_seconds())

    return ResponseClock(
        received_at=incident.received_at,
        to_dispatch_s=since_receipt("dispatched_at"),
        to_en_route_s=since_receipt("en_route_at"),
        to_on_scene_s=since_receipt("on_scene_at"),
    )
