"""Time credited to AVL fixes (车载定位): how long a patrol unit stayed where it reported.

Each fix is credited the time to the same unit's next fix, at most ``cap_s`` (a unit that
stops reporting is not assumed to have stayed put); a unit's last known fix is credited
nothing until its next one arrives. Units are vehicles, never people.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np


def dwell_seconds(
    unit: np.ndarray,
    t: np.ndarray,
    cap_s: int,
    follow: Mapping[int, int] | None = None,
) -> np.ndarray:
    """Seconds credited to each fix of ``unit``/``t`` (integer epoch seconds, ordered by
    unit then time). ``follow``: per unit, the time of its first fix after these (the
    last fix of a unit here is credited up to it; without one, nothing)."""
    unit = np.asarray(unit, dtype=np.int64)
    t = np.asarray(t, dtype=np.int64)
    secs = np.zeros(t.size, dtype=np.int64)
    if t.size == 0:
        return secs
    same = unit[1:] == unit[:-1]
    secs[:-1] = np.where(same, np.minimum(np.diff(t), cap_s), 0)
    if follow:
        last = np.flatnonzero(np.append(~same, True))
        for i in last.tolist():
            nxt = follow.get(int(unit[i]))
            if nxt is not None:
                secs[i] = min(nxt - int(t[i]), cap_s)
    return secs
