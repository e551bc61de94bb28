"""警力 units prepared for routing: ``prepare_units`` snaps (id, lon, lat) rows once into a
``UnitIndex`` holding each unit's road position and the nodes it can drive to first, so
repeated travel-time searches and ``recommend_units`` calls need not re-snap them.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass

import numpy as np

from zhian.analytics.routing.graph import FloatArray, IntArray, RoadGraph
from zhian.analytics.routing.snap import Snap, exit_costs, snap_points


@dataclass(frozen=True, eq=False)
class UnitIndex:
    """警力 units (ids + positions) snapped once, for repeated ``recommend_units`` calls.

    ``exit_nodes``/``exit_cost`` (n, 2) are the nodes each unit can drive to first along
    its own edge and the time to reach them (see ``exit_costs``).
    """

    ids: tuple[Hashable, ...]
    lonlat: FloatArray
    graph: RoadGraph | None
    snap: Snap | None
    exit_nodes: IntArray
    exit_cost: FloatArray

    def __len__(self) -> int:
        return len(self.ids)


def prepare_units(
    graph: RoadGraph | None, units: Iterable[tuple[Hashable, float, float]] | UnitIndex
) -> UnitIndex:
    """Snap units given as (id, lon, lat) rows; returns them unchanged if already prepared."""
    if isinstance(units, UnitIndex):
        if units.graph is graph:
            return units
        units = list(zip(units.ids, units.lonlat[:, 0], units.lonlat[:, 1], strict=True))
    rows = list(units)
    ids = tuple(r[0].item() if isinstance(r[0], np.generic) else r[0] for r in rows)
    lonlat = np.array([(float(r[1]), float(r[2])) for r in rows], dtype=np.float64)
    lonlat = lonlat.reshape(-1, 2)
    snap = snap_points(graph, lonlat) if graph is not None and rows else None
    if graph is not None and snap is not None:
        nodes, cost = exit_costs(graph, snap)
    else:
        nodes, cost = np.zeros((len(rows), 2), np.int64), np.full((len(rows), 2), np.inf)
    return UnitIndex(
        ids=ids, lonlat=lonlat, graph=graph, snap=snap, exit_nodes=nodes, exit_cost=cost
    )
