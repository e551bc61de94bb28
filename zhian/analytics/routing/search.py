"""Dijkstra searches over the road graph and the travel-time functions built on them:
``times_from_points`` (multi-source, from snapped points to every node),
``travel_times_to`` (many origins to one destination, one search on the reversed graph)
and ``travel_time`` (one origin to one destination). Points sit part-way along edges, so
each search starts and ends with the on-edge and off-road legs from
``zhian.analytics.routing.snap``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import sparse
from scipy.sparse import csgraph

from zhian.analytics.routing.graph import FloatArray, IntArray, RoadGraph
from zhian.analytics.routing.snap import (
    OFFROAD_SPEED_KMH,
    Snap,
    entry_costs,
    exit_costs,
    offroad_seconds,
    same_edge_time,
    snap_points,
)
from zhian.analytics.routing.units import UnitIndex, prepare_units


@dataclass(frozen=True, eq=False)
class _ReverseSearch:
    """Dijkstra on the reversed graph from the usable entry nodes of a target's edge.

    Row r: ``dist[r, x]`` = time from node x to entry node ``side[r]`` (0 = u, 1 = v),
    ``cost[r]`` = time on from there to the target; ``pred[r, x]`` is the next node after
    x on that route (negative at the entry node or when unreached).
    """

    dist: FloatArray
    cost: FloatArray
    side: IntArray
    pred: NDArray[np.int32]

    def time_at(self, nodes: IntArray) -> tuple[FloatArray, IntArray]:
        """Time from the given nodes (any shape) to the target, and the row used."""
        total = self.dist[:, nodes] + self.cost.reshape((-1,) + (1,) * nodes.ndim)
        row = total.argmin(axis=0)
        return np.take_along_axis(total, row[None], axis=0)[0], row


def _reverse_search(graph: RoadGraph, target: Snap, limit_s: float) -> _ReverseSearch:
    nodes, cost = entry_costs(graph, target.take([0]))
    side = np.flatnonzero(np.isfinite(cost[0]))
    dist, pred = csgraph.dijkstra(
        graph.csr_t, indices=nodes[0, side], limit=limit_s, return_predecessors=True
    )
    return _ReverseSearch(
        dist=dist.reshape(side.size, -1),
        cost=cost[0, side],
        side=side,
        pred=pred.reshape(side.size, -1),
    )


def _unit_times(
    graph: RoadGraph,
    index: UnitIndex,
    dest: Snap,
    search: _ReverseSearch,
    offroad_speed_kmh: float | None,
) -> tuple[FloatArray, IntArray]:
    """ETAs of prepared units to a snapped point, and how: 0/1 = via exit node, 2 = along
    the shared edge."""
    assert index.snap is not None
    options = np.empty((len(index), 3))
    options[:, :2] = index.exit_cost + search.time_at(index.exit_nodes)[0]
    options[:, 2] = np.inf
    same = np.flatnonzero(index.snap.edge == dest.edge[0])
    if same.size:
        options[same, 2] = same_edge_time(
            graph, index.snap.edge[same], index.snap.frac[same], np.full(same.size, dest.frac[0])
        )
    choice = options.argmin(axis=1)
    best = options[np.arange(len(index)), choice]
    gaps = index.snap.distance_m + dest.distance_m[0]
    return best + offroad_seconds(gaps, offroad_speed_kmh), choice


def times_from_points(
    graph: RoadGraph,
    sources: Snap,
    *,
    offroad_speed_kmh: float | None = OFFROAD_SPEED_KMH,
    limit_s: float = np.inf,
) -> FloatArray:
    """Time (s) from the nearest of several snapped points to every node.

    A multi-source Dijkstra: like ``dijkstra(indices=..., min_only=True)``, but sources
    sit part-way along edges and start with an off-road gap, so it runs from a virtual
    node joined to each source's exit nodes by its exit + off-road time.
    """
    n = graph.n_nodes
    if len(sources) == 0:
        return np.full(n, np.inf)
    nodes, cost = exit_costs(graph, sources)
    cost = cost + offroad_seconds(sources.distance_m, offroad_speed_kmh)[:, None]
    start = np.full(n, np.inf)
    np.minimum.at(start, nodes.ravel(), cost.ravel())
    first = np.flatnonzero(np.isfinite(start))
    # every path from the virtual node uses exactly one start arc: shift them by 1 s so
    # none is zero (csgraph may drop zero weights) and subtract it again afterwards
    shift = 1.0
    csr = graph.csr
    aug = sparse.csr_matrix(
        (
            np.concatenate([csr.data, start[first] + shift]),
            np.concatenate([csr.indices, first]).astype(np.int32),
            np.concatenate([csr.indptr, [csr.indptr[-1] + first.shape[0]]]).astype(np.int32),
        ),
        shape=(n + 1, n + 1),
    )
    dist = csgraph.dijkstra(aug, indices=n, limit=limit_s + shift)[:n] - shift
    return np.asarray(np.maximum(dist, 0.0))


def travel_times_to(
    graph: RoadGraph,
    destination_lonlat: ArrayLike,
    origin_lonlats: ArrayLike,
    *,
    offroad_speed_kmh: float | None = OFFROAD_SPEED_KMH,
    limit_s: float = np.inf,
) -> FloatArray:
    """Many-to-one travel times (s) from each origin to one destination."""
    dest = snap_points(graph, destination_lonlat)
    pts = np.asarray(origin_lonlats, dtype=np.float64).reshape(-1, 2)
    index = prepare_units(graph, [(i, lon, lat) for i, (lon, lat) in enumerate(pts)])
    search = _reverse_search(graph, dest, limit_s)
    return _unit_times(graph, index, dest, search, offroad_speed_kmh)[0]


def travel_time(
    graph: RoadGraph,
    origin_lonlat: ArrayLike,
    destination_lonlat: ArrayLike,
    *,
    offroad_speed_kmh: float | None = OFFROAD_SPEED_KMH,
) -> float:
    """Drive time (s) from one lon/lat to another, off-road approach at both ends included."""
    times = travel_times_to(
        graph, destination_lonlat, origin_lonlat, offroad_speed_kmh=offroad_speed_kmh
    )
    return float(times[0])
