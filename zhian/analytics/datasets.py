"""Data sets: where the shared real data live, and seeded synthetic events."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from zhian.analytics.events import EventSet, to_instant

__all__ = ["TORONTO_MCI", "shared_data_dir", "synthetic_events", "toronto_mci_path"]

TORONTO_MCI = "toronto_mci_2014_2020.csv.gz"


def shared_data_dir() -> Path:
    """The shared data directory: ``$ZHIAN_SHARED_DATA``, else ``../shared/data`` beside
    the repository (``/work/shared/data`` when the repository is ``/work/main``)."""
    env = os.environ.get("ZHIAN_SHARED_DATA")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2].parent / "shared" / "data"


def toronto_mci_path() -> Path:
    """Toronto Police Service Major Crime Indicators 2014–2020 (209,436 rows)."""
    return shared_data_dir() / TORONTO_MCI


def synthetic_events(
    rng: np.random.Generator,
    *,
    days: int = 730,
    start: str = "2018-01-01",
    per_day: float = 20.0,
    hotspots: int = 12,
    hot_share: float = 0.6,
    spread: float = 60.0,
    size: float = 6000.0,
    categories: tuple[str, ...] = ("Assault", "Break and Enter"),
    timezone: str = "America/Toronto",
) -> EventSet:
    """Seeded synthetic events in Toronto's UTM zone, for tests and examples.

    A ``size``-metre square (lower-left corner at 630 000 E, 4 830 000 N in EPSG:32617)
    holds uniform background events and ``hotspots`` Gaussian clusters of standard
    deviation ``spread`` metres with unequal weights, taking ``hot_share`` of the
    events; times are uniform over ``days`` from local midnight of ``start``. Each event
    carries a ``neighbourhood`` (quadrant ``NE``, ``NW``, ``SE`` or ``SW``).
    """
    n = int(rng.poisson(per_day * days))
    hot = rng.random(n) < hot_share
    centres = rng.uniform(0.1 * size, 0.9 * size, (hotspots, 2))
    weight = rng.pareto(1.5, hotspots) + 1
    which = rng.choice(hotspots, size=n, p=weight / weight.sum())
    xy = np.where(
        hot[:, None],
        centres[which] + rng.normal(0, spread, (n, 2)),
        rng.uniform(0, size, (n, 2)),
    )
    t0 = to_instant(start, timezone)
    t = t0 + np.sort(rng.integers(0, days * 86_400, n))
    cat = rng.choice(np.array(categories), size=n)
    hood = np.where(xy[:, 1] >= size / 2, "N", "S").astype(object) + np.where(
        xy[:, 0] >= size / 2, "E", "W"
    ).astype(object)
    ev = EventSet.from_xy(
        t, xy[:, 0] + 630_000.0, xy[:, 1] + 4_830_000.0, cat, epsg=32617, timezone=timezone
    )
    order = np.argsort(t, kind="stable")
    return ev.replace(extra={"neighbourhood": hood.astype(str)[order]})
