"""Unit recommendation for 接处警/指挥调度 (dispatch): ``recommend_units`` ranks the
available 警力 units by estimated arrival time at an incident (警情), using one bounded
Dijkstra on the reversed road graph, and falls back to straight-line distance x a detour
factor when there is no graph or the incident (or a unit) is too far from any road; the
``Recommendation`` says which method was used for each unit.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from zhian.analytics.routing.graph import FloatArray, IntArray, RoadGraph, haversine_m
from zhian.analytics.routing.search import _reverse_search, _ReverseSearch, _unit_times
from zhian.analytics.routing.snap import MAX_SNAP_M, OFFROAD_SPEED_KMH, Snap, snap_points
from zhian.analytics.routing.units import UnitIndex, prepare_units


@dataclass(frozen=True, eq=False)
class Recommendation:
    """Ranked units for one incident (警情). ``method`` says how ETAs were estimated."""

    unit_ids: tuple[Hashable, ...]
    eta_s: FloatArray
    distance_m: FloatArray  # route length (road + off-road gaps), or straight line x detour
    straight_m: FloatArray
    unit_method: tuple[str, ...]
    method: Literal["road_network", "straight_line"]
    note: str = ""
    incident_snap_m: float | None = None


def recommend_units(
    graph: RoadGraph | None,
    incident_lonlat: ArrayLike,
    units: Iterable[tuple[Hashable, float, float]] | UnitIndex,
    k: int = 5,
    *,
    detour_factor: float = 1.4,
    fallback_speed_kmh: float = 30.0,
    offroad_speed_kmh: float | None = OFFROAD_SPEED_KMH,
    max_snap_m: float = MAX_SNAP_M,
    search_limit_s: float | None = None,
) -> Recommendation:
    """The ``k`` available units with the earliest estimated arrival at an incident.

    With a graph: one Dijkstra on the reversed graph from the incident's road position,
    bounded by ``search_limit_s`` (default: a guess from the k-th nearest unit as the crow
    flies; the bound doubles until k units arrive within it, so the ranking is exact),
    then every unit's ETA in one vectorised step. Without a graph, or when the incident is
    more than ``max_snap_m`` from any road, ETAs are straight-line distance x
    ``detour_factor`` at ``fallback_speed_kmh`` and ``note`` says so; single units that
    far from a road are estimated the same way (``unit_method``). Pass a ``UnitIndex``
    from ``prepare_units`` to avoid re-snapping the units on every call.
    """
    index = prepare_units(graph, units)
    target = np.asarray(incident_lonlat, dtype=np.float64).reshape(2)
    straight = haversine_m(index.lonlat, target)
    dist = straight * detour_factor
    eta = dist / (fallback_speed_kmh / 3.6)
    on_road = np.zeros(len(index), dtype=bool)
    note = ""
    snap_m: float | None = None
    method: Literal["road_network", "straight_line"] = "straight_line"
    fallback = (
        f"ETAs are straight-line distance x {detour_factor:g} at {fallback_speed_kmh:g} km/h."
    )
    if graph is None:
        note = "No road network loaded: " + fallback
    elif len(index):
        assert index.snap is not None
        dest = snap_points(graph, target)
        snap_m = float(dest.distance_m[0])
        if snap_m > max_snap_m:
            note = f"Incident is {snap_m:.0f} m from the nearest road: " + fallback
        else:
            method = "road_network"
            on_road = index.snap.distance_m <= max_snap_m
            wanted = min(k, int(on_road.sum()))
            limit = search_limit_s
            if limit is None and wanted:  # a guess from the k-th nearest unit as the crow flies
                crow = np.partition(straight[on_road], wanted - 1)[wanted - 1]
                limit = 60.0 + detour_factor * crow / graph.mean_speed_mps
            while True:
                search = _reverse_search(graph, dest, limit or np.inf)
                road_eta, choice = _unit_times(graph, index, dest, search, offroad_speed_kmh)
                road_eta[~on_road] = np.inf
                # ETAs within the limit are exact and every unit left out is slower
                if limit is None or np.sum(road_eta <= limit) >= wanted:
                    break
                limit = 2 * limit if limit < 86_400 else None
            eta[on_road] = road_eta[on_road]
            for i in _top_k(road_eta, k):
                if np.isfinite(road_eta[i]):
                    dist[i] = _route_length(graph, index, int(i), dest, int(choice[i]), search)
            off = int((~on_road).sum())
            if off:
                note = (
                    f"{off} unit(s) more than {max_snap_m:g} m from a road were "
                    "estimated by straight line."
                )
    ranked = _top_k(eta, k)
    ranked = ranked[np.isfinite(eta[ranked])]
    return Recommendation(
        unit_ids=tuple(index.ids[i] for i in ranked),
        eta_s=eta[ranked],
        distance_m=dist[ranked],
        straight_m=straight[ranked],
        unit_method=tuple("road_network" if on_road[i] else "straight_line" for i in ranked),
        method=method,
        note=note,
        incident_snap_m=snap_m,
    )


def _top_k(values: FloatArray, k: int) -> IntArray:
    """Indices of the k smallest values, ascending (ties by index)."""
    if k >= values.shape[0]:
        return np.lexsort((np.arange(values.shape[0]), values))
    part = np.argpartition(values, k - 1)[:k]
    return part[np.lexsort((part, values[part]))]


def _route_length(
    graph: RoadGraph,
    index: UnitIndex,
    unit: int,
    dest: Snap,
    choice: int,
    search: _ReverseSearch,
) -> float:
    """Length (m) of the fastest route from one prepared unit, walking predecessors."""
    assert index.snap is not None
    e0, f0 = int(index.snap.edge[unit]), float(index.snap.frac[unit])
    ed, fd = int(dest.edge[0]), float(dest.frac[0])
    length = float(index.snap.distance_m[unit] + dest.distance_m[0])
    if choice == 2:
        return length + abs(fd - f0) * float(graph.edge_length_m[e0])
    x = int(index.exit_nodes[unit, choice])
    length += float(graph.edge_length_m[e0]) * ((1 - f0) if choice == 0 else f0)
    row = int(search.time_at(np.array(x))[1])
    n = graph.n_nodes
    keys, arc_edge, lengths = graph.arc_key, graph.arc_edge, graph.edge_length_m
    for _ in range(n):
        y = int(search.pred[row, x])
        if y < 0:
            break
        length += float(lengths[arc_edge[np.searchsorted(keys, x * n + y)]])
        x = y
    side = int(search.side[row])
    return length + float(graph.edge_length_m[ed]) * (fd if side == 0 else 1 - fd)
