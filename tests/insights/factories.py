"""Insights test helpers: incidents recorded through dispatch's real intake service."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

from zhian.dispatch.models import Incident
from zhian.dispatch.services import incidents as I


def record_incident(
    user: Any, *, code: str, lon: float, lat: float, at: dt.datetime | None = None
) -> Incident:
    data = I.IncidentInput(
        channel="call_110",
        category_code=code,
        address="Mannerheimintie 1",
        lon=lon,
        lat=lat,
        received_at=at,
    )
    return I.do_create_incident(data, acting_user=user).incident


def scatter_incidents(
    user: Any,
    n: int,
    *,
    until: dt.datetime,
    days: int,
    seed: int = 0,
    codes: tuple[str, ...] = ("0101", "0105"),
) -> list[Incident]:
    """``n`` incidents over the ``days`` before ``until`` in the Helsinki test bureau,
    half of them around two hot spots."""
    rng = np.random.default_rng(seed)
    hot = np.array([[24.9400, 60.1700], [24.9500, 60.1740]])
    out = []
    for k in range(n):
        if k % 2:
            lon, lat = hot[k % 4 // 2] + rng.normal(0, 0.0007, 2)
        else:
            lon, lat = rng.uniform(24.936, 24.954), rng.uniform(60.165, 60.179)
        at = until - dt.timedelta(seconds=int(rng.integers(3600, days * 86_400)))
        out.append(
            record_incident(user, code=codes[k % len(codes)], lon=float(lon), lat=float(lat), at=at)
        )
    return out
