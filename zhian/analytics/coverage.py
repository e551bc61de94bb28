"""1-3-5 快速反应圈 (rapid-response coverage) and staging points for idle 警力 (units).

Framework-free: a ``RoadGraph`` and lon/lat arrays in, numpy out; no Django.

* ``coverage_135``: one multi-source Dijkstra from the units' road positions gives the
  drive time to every node. A road edge counts as covered *in proportion*: the part of
  it that some unit reaches within the threshold, driving in a permitted direction (a
  unit standing on the edge covers the stretch around it too). Incident locations are
  covered when their drive time, off-road gap included, is within the threshold.
* ``recommend_staging_points``: the maximal covering location problem (MCLP) — place
  ``n`` idle units on graph nodes so as to maximise the demand reached within 3 minutes,
  on top of what units that stay put already cover. ``greedy`` (lazy evaluation, within
  1 - 1/e of optimal) or ``exact`` (``scipy.optimize.milp`` / HiGHS, small instances).
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csgraph

from zhian.analytics.routing import (
    OFFROAD_SPEED_KMH,
    BoolArray,
    FloatArray,
    IntArray,
    RoadGraph,
    Snap,
    entry_costs,
    offroad_seconds,
    same_edge_time,
    snap_points,
    times_from_points,
)

Interval = tuple[float, float]


@dataclass(frozen=True, eq=False)
class Coverage135:
    """Coverage per threshold (aligned with ``thresholds_s``).

    ``road_share[i]``: covered share of network length; ``incident_share[i]``: share of
    the incident locations reached. ``node_time_s``: drive time from the nearest unit to
    each node (``inf`` beyond the largest threshold). ``edge_covered[i, e]``: covered
    fraction of edge e.
    """

    thresholds_s: tuple[float, ...]
    road_share: FloatArray
    road_length_m: float
    incident_share: FloatArray | None
    incident_time_s: FloatArray | None
    node_time_s: FloatArray
    edge_covered: FloatArray
    edge_from_start: FloatArray
    edge_from_end: FloatArray
    unit_edge_intervals: tuple[dict[int, list[Interval]], ...]
    n_units: int

    def intervals(self, i: int, edge: int) -> list[Interval]:
        """Covered stretches of an edge at threshold i, as fractions of its length."""
        if edge in self.unit_edge_intervals[i]:
            return self.unit_edge_intervals[i][edge]
        a, b = float(self.edge_from_start[i, edge]), float(self.edge_from_end[i, edge])
        return _merge([(0.0, a), (1.0 - b, 1.0)])

    def summary(self) -> dict[str, Any]:
        """JSON-ready shares per threshold."""
        out: dict[str, Any] = {
            "thresholds_s": list(self.thresholds_s),
            "road_share": [round(float(x), 4) for x in self.road_share],
            "road_km": round(self.road_length_m / 1000, 3),
            "units": self.n_units,
        }
        if self.incident_share is not None:
            out["incident_share"] = [round(float(x), 4) for x in self.incident_share]
        return out


def coverage_135(
    graph: RoadGraph,
    unit_lonlats: ArrayLike,
    incident_lonlats: ArrayLike | None = None,
    thresholds_s: Sequence[float] = (60.0, 180.0, 300.0),
    *,
    offroad_speed_kmh: float | None = OFFROAD_SPEED_KMH,
) -> Coverage135:
    """Share of the road network (and of incident locations) within 1, 3, 5 minutes.

    Units are snapped to the road; their off-road gap is driven at ``offroad_speed_kmh``
    before the clock starts counting road time, as is an incident's gap at the far end.
    """
    taus = tuple(float(t) for t in thresholds_s)
    if not taus or min(taus) < 0:
        raise ValueError("thresholds must be non-negative and not empty")
    units = np.asarray(unit_lonlats, dtype=np.float64).reshape(-1, 2)
    usnap = snap_points(graph, units) if units.shape[0] else _empty_snap()
    node_time = times_from_points(
        graph, usnap, offroad_speed_kmh=offroad_speed_kmh, limit_s=max(taus)
    )
    u_off = offroad_seconds(usnap.distance_m, offroad_speed_kmh)
    length = graph.edge_length_m
    total = float(length.sum())
    shape = (len(taus), graph.n_edges)
    covered, from_start, from_end = np.zeros(shape), np.zeros(shape), np.zeros(shape)
    extras: list[dict[int, list[Interval]]] = []
    for i, tau in enumerate(taus):
        covered[i], from_start[i], from_end[i], extra = _edge_cover(
            graph, node_time, usnap, u_off, tau
        )
        extras.append(extra)
    road_share = covered @ length / total if total > 0 else np.zeros(len(taus))

    inc_share: FloatArray | None = None
    inc_time: FloatArray | None = None
    if incident_lonlats is not None:
        incidents = np.asarray(incident_lonlats, dtype=np.float64).reshape(-1, 2)
        if incidents.shape[0]:
            isnap = snap_points(graph, incidents)
            inc_time = point_times(graph, node_time, isnap, usnap, u_off, offroad_speed_kmh)
            inc_share = (inc_time[None, :] <= np.asarray(taus)[:, None]).mean(axis=1)
        else:
            inc_time, inc_share = np.zeros(0), np.full(len(taus), np.nan)
    return Coverage135(
        thresholds_s=taus,
        road_share=road_share,
        road_length_m=total,
        incident_share=inc_share,
        incident_time_s=inc_time,
        node_time_s=node_time,
        edge_covered=covered,
        edge_from_start=from_start,
        edge_from_end=from_end,
        unit_edge_intervals=tuple(extras),
        n_units=int(units.shape[0]),
    )


def _empty_snap() -> Snap:
    return Snap(np.zeros(0, np.int64), np.zeros(0), np.zeros((0, 2)), np.zeros(0))


def _edge_cover(
    graph: RoadGraph, node_time: FloatArray, usnap: Snap, u_off: FloatArray, tau: float
) -> tuple[FloatArray, FloatArray, FloatArray, dict[int, list[Interval]]]:
    """Covered fraction per edge: entered from u (forward) and/or v (backward) in time,
    plus the stretches units standing on an edge reach directly."""
    t = graph.edge_time_s
    with np.errstate(invalid="ignore"):
        a = np.where(graph.edge_fwd, np.clip((tau - node_time[graph.edge_u]) / t, 0, 1), 0.0)
        b = np.where(graph.edge_bwd, np.clip((tau - node_time[graph.edge_v]) / t, 0, 1), 0.0)
    frac = np.minimum(1.0, a + b)
    pieces: dict[int, list[Interval]] = {}
    for j in range(len(usnap)):
        e = int(usnap.edge[j])
        reach = (tau - float(u_off[j])) / float(t[e])
        if reach < 0:
            continue
        g = float(usnap.frac[j])
        spans = pieces.setdefault(e, [(0.0, float(a[e])), (1.0 - float(b[e]), 1.0)])
        if graph.edge_fwd[e]:
            spans.append((g, min(1.0, g + reach)))
        if graph.edge_bwd[e]:
            spans.append((max(0.0, g - reach), g))
    extra = {e: _merge(spans) for e, spans in pieces.items()}
    for e, spans in extra.items():
        frac[e] = sum(hi - lo for lo, hi in spans)
    return frac, a, b, extra


def _merge(spans: list[Interval]) -> list[Interval]:
    """Union of intervals, dropping empty ones."""
    out: list[Interval] = []
    for lo, hi in sorted(s for s in spans if s[1] > s[0]):
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def point_times(
    graph: RoadGraph,
    node_time: FloatArray,
    points: Snap,
    sources: Snap,
    source_off_s: FloatArray,
    offroad_speed_kmh: float | None = OFFROAD_SPEED_KMH,
) -> FloatArray:
    """Drive time to snapped points given node times from ``times_from_points``; sources
    on the same edge as a point may reach it directly."""
    nodes, cost = entry_costs(graph, points)
    best = (node_time[nodes] + cost).min(axis=1)
    if len(sources):
        shared = np.flatnonzero(np.isin(points.edge, sources.edge))
        for i in shared:
            on = np.flatnonzero(sources.edge == points.edge[i])
            direct = (
                same_edge_time(
                    graph, sources.edge[on], sources.frac[on], np.full(on.size, points.frac[i])
                )
                + source_off_s[on]
            )
            best[i] = min(best[i], float(direct.min()))
    return np.asarray(best + offroad_seconds(points.distance_m, offroad_speed_kmh))


def covered_segments_geojson(
    graph: RoadGraph, coverage: Coverage135, *, precision: int = 6
) -> dict[str, Any]:
    """GeoJSON FeatureCollection: one MultiLineString of covered road per threshold.

    Draw the features in reverse order (5 min below 3 min below 1 min).
    """
    features = []
    for i, tau in enumerate(coverage.thresholds_s):
        lines = []
        for e in np.flatnonzero(coverage.edge_covered[i] > 0):
            lonlat, cum = graph.edge_polyline(int(e))
            for lo, hi in coverage.intervals(i, int(e)):
                inner = (cum > lo) & (cum < hi)
                ends = [np.interp(f, cum, lonlat[:, c]) for f in (lo, hi) for c in (0, 1)]
                line = np.vstack([ends[:2], lonlat[inner], ends[2:]])
                lines.append(np.round(line, precision).tolist())
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "MultiLineString", "coordinates": lines},
                "properties": {
                    "threshold_s": tau,
                    "minutes": tau / 60,
                    "road_share": round(float(coverage.road_share[i]), 4),
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


# --------------------------------------------------------------------------- MCLP


@dataclass(frozen=True, eq=False)
class MaxCover:
    """A solution of the maximal covering problem on a 0/1 cover matrix."""

    chosen: IntArray  # candidate rows, in order of marginal gain
    gains: FloatArray  # weight each pick adds, given the ones before it
    covered_weight: float  # weight covered by the picks (beyond ``initially_covered``)
    optimal: bool
    method: Literal["greedy", "exact"]


def max_cover(
    cover: sparse.spmatrix | sparse.sparray | ArrayLike,
    weights: ArrayLike,
    n_points: int,
    *,
    method: Literal["greedy", "exact"] = "greedy",
    initially_covered: BoolArray | None = None,
    time_limit_s: float = 60.0,
) -> MaxCover:
    """Choose ``n_points`` rows of ``cover`` (candidates x demand, nonzero = covers) that
    maximise the total weight of demand covered at least once.

    Greedy picks the largest marginal gain each round (lazy evaluation: stale gains are
    upper bounds, by submodularity). Exact solves the MILP
    max w·y  s.t.  y_i <= sum_j a_ij x_j,  sum_j x_j <= n,  x binary,  0 <= y <= 1.
    Picks that would add nothing are not made, so fewer than ``n_points`` may come back.
    """
    a = sparse.csr_matrix(cover, dtype=np.float64)
    a.data[:] = 1.0
    a.eliminate_zeros()
    w = np.asarray(weights, dtype=np.float64).copy()
    if w.shape != (a.shape[1],):
        raise ValueError("weights must have one entry per cover column")
    if np.any(w < 0):
        raise ValueError("weights must be non-negative")
    if initially_covered is not None:
        w[np.asarray(initially_covered, dtype=bool)] = 0.0
    if method == "greedy":
        chosen = _greedy(a, w, n_points)
        optimal = False
    elif method == "exact":
        chosen, optimal = _exact(a, w, n_points, time_limit_s)
    else:
        raise ValueError(f"unknown method {method!r}")
    order, gains = _order_by_gain(a, w, chosen)
    return MaxCover(
        chosen=order, gains=gains, covered_weight=float(gains.sum()), optimal=optimal, method=method
    )


def _greedy(a: sparse.csr_matrix, w: FloatArray, p: int) -> IntArray:
    covered = np.zeros(a.shape[1], dtype=bool)
    gains = a @ w
    heap = [(-float(g), int(j)) for j, g in enumerate(gains) if g > 0]
    heapq.heapify(heap)
    chosen: list[int] = []
    while heap and len(chosen) < p:
        _, j = heapq.heappop(heap)
        cols = a.indices[a.indptr[j] : a.indptr[j + 1]]
        gain = float(w[cols][~covered[cols]].sum())
        if gain <= 0:
            continue
        if heap and gain < -heap[0][0]:
            heapq.heappush(heap, (-gain, j))
            continue
        chosen.append(j)
        covered[cols] = True
    return np.asarray(chosen, dtype=np.int64)


def _exact(
    a: sparse.csr_matrix, w: FloatArray, p: int, time_limit_s: float
) -> tuple[IntArray, bool]:
    useful = np.flatnonzero(np.asarray(a @ w) > 0)
    if useful.size <= p:
        return useful, True
    demand = np.flatnonzero((w > 0) & (np.asarray(a.sum(axis=0)).ravel() > 0))
    sub = a[useful][:, demand]
    n_c, n_d = sub.shape
    objective = np.concatenate([np.zeros(n_c), -w[demand]])
    link = sparse.hstack([-sub.T, sparse.eye(n_d)], format="csr")  # y_i - sum_j a_ij x_j <= 0
    budget = sparse.csr_matrix(np.concatenate([np.ones(n_c), np.zeros(n_d)])[None, :])
    res = milp(
        objective,
        constraints=[LinearConstraint(link, -np.inf, 0.0), LinearConstraint(budget, 0, p)],
        integrality=np.concatenate([np.ones(n_c), np.zeros(n_d)]),
        bounds=Bounds(0.0, 1.0),
        options={"time_limit": time_limit_s, "mip_rel_gap": 0.0},
    )
    if res.x is None:  # no solution within the time limit: greedy is still valid
        return _greedy(a, w, p), False
    return useful[np.flatnonzero(res.x[:n_c] > 0.5)], bool(res.status == 0)


def _order_by_gain(
    a: sparse.csr_matrix, w: FloatArray, chosen: IntArray
) -> tuple[IntArray, FloatArray]:
    """Order picks by marginal gain (greedy order within the chosen set)."""
    left = [int(j) for j in chosen]
    covered = np.zeros(a.shape[1], dtype=bool)
    order: list[int] = []
    gains: list[float] = []
    while left:
        scores = [
            float(w[c][~covered[c]].sum())
            for c in (a.indices[a.indptr[j] : a.indptr[j + 1]] for j in left)
        ]
        k = int(np.argmax(scores))
        j = left.pop(k)
        if scores[k] <= 0:
            continue
        order.append(j)
        gains.append(scores[k])
        covered[a.indices[a.indptr[j] : a.indptr[j + 1]]] = True
    return np.asarray(order, dtype=np.int64), np.asarray(gains, dtype=np.float64)


@dataclass(frozen=True, eq=False)
class StagingRecommendation:
    """Where to stage idle units (驻点/屯警点), and what it buys at ``threshold_s``.

    Shares are of the demand weight (road length lumped onto nodes, or incidents).
    """

    nodes: IntArray
    lonlat: FloatArray
    gains: FloatArray  # demand share each point adds, in pick order
    covered_before: float
    covered_after: float
    threshold_s: float
    method: Literal["greedy", "exact"]
    optimal: bool
    demand: Literal["road_length", "incidents", "weights"]

    @property
    def gain(self) -> float:
        return self.covered_after - self.covered_before


def node_road_weights(graph: RoadGraph) -> FloatArray:
    """Road length lumped onto nodes: half of each edge to each end (sums to network length)."""
    half = graph.edge_length_m / 2
    return np.asarray(
        np.bincount(graph.edge_u, half, graph.n_nodes)
        + np.bincount(graph.edge_v, half, graph.n_nodes)
    )


def recommend_staging_points(
    graph: RoadGraph,
    n_points: int,
    *,
    threshold_s: float = 180.0,
    demand_lonlats: ArrayLike | None = None,
    demand_weights: ArrayLike | None = None,
    candidates: ArrayLike | None = None,
    existing_lonlats: ArrayLike | None = None,
    method: Literal["greedy", "exact"] = "greedy",
    offroad_speed_kmh: float | None = OFFROAD_SPEED_KMH,
    time_limit_s: float = 60.0,
) -> StagingRecommendation:
    """Staging nodes for ``n_points`` idle units maximising ``threshold_s`` coverage.

    Demand is ``demand_lonlats`` (e.g. last year's incidents, weight 1 each or
    ``demand_weights``), else per-node ``demand_weights``, else road length per node.
    ``candidates`` are node indices (default: every node). ``existing_lonlats`` are units
    that stay where they are; what they already cover earns nothing.
    """
    if candidates is None:
        cand = np.arange(graph.n_nodes)
    else:
        cand = np.unique(np.asarray(candidates, dtype=np.int64))
    demand_kind: Literal["road_length", "incidents", "weights"]
    points: Snap | None = None
    if demand_lonlats is not None:
        points = snap_points(graph, demand_lonlats)
        w = (
            np.ones(len(points))
            if demand_weights is None
            else np.asarray(demand_weights, dtype=np.float64)
        )
        demand_kind = "incidents"
    elif demand_weights is not None:
        w = np.asarray(demand_weights, dtype=np.float64)
        demand_kind = "weights"
    else:
        w = node_road_weights(graph)
        demand_kind = "road_length"
    cover = _cover_matrix(graph, cand, threshold_s, points, offroad_speed_kmh)

    before = np.zeros(w.shape[0], dtype=bool)
    existing = (
        np.zeros((0, 2))
        if existing_lonlats is None
        else np.asarray(existing_lonlats, dtype=np.float64).reshape(-1, 2)
    )
    if existing.shape[0]:
        esnap = snap_points(graph, existing)
        node_time = times_from_points(
            graph, esnap, offroad_speed_kmh=offroad_speed_kmh, limit_s=threshold_s
        )
        if points is None:
            t = node_time
        else:
            e_off = offroad_seconds(esnap.distance_m, offroad_speed_kmh)
            t = point_times(graph, node_time, points, esnap, e_off, offroad_speed_kmh)
        before = t <= threshold_s

    result = max_cover(
        cover, w, n_points, method=method, initially_covered=before, time_limit_s=time_limit_s
    )
    total = float(w.sum()) or 1.0
    share_before = float(w[before].sum()) / total
    nodes = cand[result.chosen]
    return StagingRecommendation(
        nodes=nodes,
        lonlat=graph.node_lonlat[nodes],
        gains=result.gains / total,
        covered_before=share_before,
        covered_after=share_before + result.covered_weight / total,
        threshold_s=float(threshold_s),
        method=method,
        optimal=result.optimal,
        demand=demand_kind,
    )


def _cover_matrix(
    graph: RoadGraph,
    candidates: IntArray,
    threshold_s: float,
    points: Snap | None,
    offroad_speed_kmh: float | None,
    chunk: int = 256,
) -> sparse.csr_matrix:
    """Candidates x demand: 1 where a unit staged at the candidate node arrives in time."""
    rows: list[IntArray] = []
    cols: list[IntArray] = []
    if points is not None:
        p_nodes, p_cost = entry_costs(graph, points)
        p_off = offroad_seconds(points.distance_m, offroad_speed_kmh)
    for start in range(0, candidates.shape[0], chunk):
        block = candidates[start : start + chunk]
        d = csgraph.dijkstra(graph.csr, indices=block, limit=threshold_s).reshape(len(block), -1)
        if points is not None:
            d = (
                np.minimum(d[:, p_nodes[:, 0]] + p_cost[:, 0], d[:, p_nodes[:, 1]] + p_cost[:, 1])
                + p_off
            )
        r, c = np.nonzero(d <= threshold_s)
        rows.append(r + start)
        cols.append(c)
    n_demand = graph.n_nodes if points is None else len(points)
    r_all = np.concatenate(rows) if rows else np.zeros(0, np.int64)
    c_all = np.concatenate(cols) if cols else np.zeros(0, np.int64)
    return sparse.csr_matrix(
        (np.ones(r_all.shape[0]), (r_all, c_all)), shape=(candidates.shape[0], n_demand)
    )
