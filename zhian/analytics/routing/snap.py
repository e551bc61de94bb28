"""Snapping points onto the network and the costs of joining it: ``snap_points`` projects
lon/lat points onto the nearest road segment (exact, KD-tree assisted) as an edge and a
fraction along it; ``entry_costs``/``exit_costs`` give the time between a snapped point and
the ends of its edge, ``same_edge_time`` the time along one edge, and ``offroad_seconds``
the time to cover the gap between a point and the road at ``OFFROAD_SPEED_KMH``. Also
``nearest_nodes`` and ``sample_road_points`` (random points on the roads, by length).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from zhian.analytics.routing.graph import FloatArray, IntArray, RoadGraph

OFFROAD_SPEED_KMH = 10.0
MAX_SNAP_M = 500.0
_AT_NODE_M = 0.01  # a snap closer than this to an edge end counts as being at the node
_SNAP_K = 12


@dataclass(frozen=True, eq=False)
class Snap:
    """Points snapped onto the network: edge, fraction of its length, position, gap."""

    edge: IntArray
    frac: FloatArray
    lonlat: FloatArray
    distance_m: FloatArray

    def __len__(self) -> int:
        return int(self.edge.shape[0])

    def take(self, index: ArrayLike) -> Snap:
        i = np.asarray(index)
        return Snap(self.edge[i], self.frac[i], self.lonlat[i], self.distance_m[i])


def snap_points(graph: RoadGraph, lonlats: ArrayLike) -> Snap:
    """Snap (n, 2) lon/lat points to the nearest road segment (exact projection)."""
    pts = np.asarray(lonlats, dtype=np.float64).reshape(-1, 2)
    q = graph.project(pts)
    tree, owner, half_gap = graph._snap_index
    seg = graph._segments
    n = q.shape[0]
    k = min(_SNAP_K, owner.shape[0])
    dist_k, idx_k = tree.query(q, k=k)
    dist_k = dist_k.reshape(n, k)
    cand = owner[idx_k.reshape(n, k)]
    best_seg, best_t, best_d = _project_onto(q, cand, seg["a"], seg["b"])
    # exactness: the true nearest segment has a sample within best_d + half_gap
    unsure = np.flatnonzero(dist_k[:, -1] <= best_d + half_gap)
    for i in unsure if k < owner.shape[0] else ():
        near = tree.query_ball_point(q[i], best_d[i] + half_gap + 1e-9)
        s, t, d = _project_onto(q[i : i + 1], owner[np.asarray(near)][None, :], seg["a"], seg["b"])
        best_seg[i], best_t[i], best_d[i] = s[0], t[0], d[0]
    edge = seg["edge"][best_seg]
    along = seg["offset"][best_seg] + best_t * seg["length"][best_seg]
    length = graph.edge_length_m[edge]
    frac = np.where(length > 0, np.clip(along / np.maximum(length, 1e-12), 0.0, 1.0), 0.0)
    snapped = seg["a"][best_seg] + best_t[:, None] * (seg["b"][best_seg] - seg["a"][best_seg])
    return Snap(edge=edge, frac=frac, lonlat=graph.unproject(snapped), distance_m=best_d)


def _project_onto(
    q: FloatArray, cand: IntArray, a: FloatArray, b: FloatArray
) -> tuple[IntArray, FloatArray, FloatArray]:
    """Nearest of the candidate segments (n, k) per point: (segment, t in [0,1], dist)."""
    sa, sb = a[cand], b[cand]
    vec = sb - sa
    den = np.einsum("nkd,nkd->nk", vec, vec)
    t = np.einsum("nkd,nkd->nk", q[:, None, :] - sa, vec) / np.where(den > 0, den, 1.0)
    t = np.clip(np.where(den > 0, t, 0.0), 0.0, 1.0)
    diff = sa + t[..., None] * vec - q[:, None, :]
    d = np.hypot(diff[..., 0], diff[..., 1])
    j = d.argmin(axis=1)
    rows = np.arange(q.shape[0])
    return cand[rows, j].copy(), t[rows, j].copy(), d[rows, j].copy()


def entry_costs(graph: RoadGraph, snap: Snap) -> tuple[IntArray, FloatArray]:
    """Nodes (n, 2) = (u, v) of each snap's edge and the time (s) from each to the point."""
    e, f = snap.edge, snap.frac
    t, length = graph.edge_time_s[e], graph.edge_length_m[e]
    cost_u = np.where(graph.edge_fwd[e], f * t, np.inf)
    cost_v = np.where(graph.edge_bwd[e], (1 - f) * t, np.inf)
    cost_u[f * length <= _AT_NODE_M] = 0.0
    cost_v[(1 - f) * length <= _AT_NODE_M] = 0.0
    return np.stack([graph.edge_u[e], graph.edge_v[e]], axis=1), np.stack([cost_u, cost_v], 1)


def exit_costs(graph: RoadGraph, snap: Snap) -> tuple[IntArray, FloatArray]:
    """Nodes (n, 2) = (v, u) of each snap's edge and the time (s) from the point to each."""
    e, f = snap.edge, snap.frac
    t, length = graph.edge_time_s[e], graph.edge_length_m[e]
    cost_v = np.where(graph.edge_fwd[e], (1 - f) * t, np.inf)
    cost_u = np.where(graph.edge_bwd[e], f * t, np.inf)
    cost_v[(1 - f) * length <= _AT_NODE_M] = 0.0
    cost_u[f * length <= _AT_NODE_M] = 0.0
    return np.stack([graph.edge_v[e], graph.edge_u[e]], axis=1), np.stack([cost_v, cost_u], 1)


def same_edge_time(
    graph: RoadGraph, edge: ArrayLike, frac_from: ArrayLike, frac_to: ArrayLike
) -> FloatArray:
    """Time along one edge between two fractions of it, or inf if against its direction."""
    e = np.asarray(edge, dtype=np.int64)
    f0 = np.asarray(frac_from, dtype=np.float64)
    f1 = np.asarray(frac_to, dtype=np.float64)
    t = graph.edge_time_s[e]
    ahead = np.where(graph.edge_fwd[e] & (f1 >= f0), (f1 - f0) * t, np.inf)
    back = np.where(graph.edge_bwd[e] & (f1 <= f0), (f0 - f1) * t, np.inf)
    return np.asarray(np.minimum(ahead, back))


def offroad_seconds(distance_m: ArrayLike, offroad_speed_kmh: float | None) -> FloatArray:
    """Time to cover the point-to-road gap; zero when ``offroad_speed_kmh`` is None."""
    d = np.asarray(distance_m, dtype=np.float64)
    if offroad_speed_kmh is None:
        return np.zeros_like(d)
    return d / (offroad_speed_kmh / 3.6)


def sample_road_points(graph: RoadGraph, n: int, rng: np.random.Generator) -> FloatArray:
    """``n`` random lon/lat points on the network, uniform by road length."""
    p = graph.edge_length_m / graph.edge_length_m.sum()
    edges = rng.choice(graph.n_edges, size=n, p=p)
    return graph.point_on_edge(edges, rng.random(n))


def nearest_nodes(graph: RoadGraph, lonlats: ArrayLike) -> IntArray:
    """Index of the nearest graph node (straight line) to each lon/lat."""
    pts = graph.project(np.asarray(lonlats, dtype=np.float64).reshape(-1, 2))
    _, idx = graph._node_tree.query(pts)
    return np.asarray(idx, dtype=np.int64)
