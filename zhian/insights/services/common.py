"""Helpers shared by the insights services: incidents as an ``EventSet``, the code
version, and cell centres in lon/lat."""

from __future__ import annotations

import functools
import os
import subprocess
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from django.conf import settings
from pyproj import Transformer

from zhian.analytics.events import EventSet
from zhian.core.models import Jurisdiction
from zhian.dispatch.selectors import incident_arrays


def incident_events(
    jurisdiction: Jurisdiction,
    *,
    until: datetime,
    since: datetime | None = None,
    category_code: str = "",
) -> EventSet | None:
    """The jurisdiction's incidents received before ``until`` (of one category code, or
    all), with each incident's jurisdiction id in ``extra["jurisdiction"]``; None when
    there are none."""
    arr = incident_arrays(
        since=since,
        until=until,
        jurisdiction_path=jurisdiction.path,
        category_codes=[category_code] if category_code else None,
    )
    if len(arr["t"]) == 0:
        return None
    return EventSet.from_arrays(
        arr["t"],
        arr["lon"],
        arr["lat"],
        arr["category"],
        extra={"jurisdiction": arr["jurisdiction"].astype(str), "incident": arr["id"]},
    )


@functools.cache
def code_version() -> str:
    """``$ZHIAN_CODE_VERSION``, else the checkout's git commit, else "unknown"."""
    env = os.environ.get("ZHIAN_CODE_VERSION")
    if env:
        return env[:64]
    root = Path(__file__).resolve().parents[3]
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        )
        return out.stdout.strip()[:64] or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def cell_centres(epsg: int, cells: list[list[Any]], size: float) -> np.ndarray:
    """(n, 2) lon/lat of the centres of cells given as ``[x_min, y_min, …]``."""
    if not cells:
        return np.zeros((0, 2))
    xy = np.array([[c[0], c[1]] for c in cells], dtype=np.float64) + size / 2
    tr = Transformer.from_crs(epsg, 4326, always_xy=True)
    lon, lat = tr.transform(xy[:, 0], xy[:, 1])
    return np.column_stack([lon, lat])


def local_midnight(day: date) -> datetime:
    """Midnight starting ``day`` in the bureau's zone (``TIME_ZONE``)."""
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(settings.TIME_ZONE))
