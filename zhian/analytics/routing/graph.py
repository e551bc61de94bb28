"""The road graph itself: ``RoadGraph`` holds nodes (junctions and way ends), street
pieces with their polylines, lengths, travel times and allowed directions, and derives on
demand the CSR travel-time matrices the searches run on, the local metre projection and
the KD-tree index used for snapping. ``RoadGraph.from_edges`` assembles one from edge
arrays (keeping the largest strongly connected component); ``save_graph``/``load_graph``
write and read it as a compact ``.npz`` cache.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import sparse
from scipy.sparse import csgraph
from scipy.spatial import cKDTree

from zhian.analytics.routing.profile import SpeedProfile

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

EARTH_RADIUS_M = 6_371_008.8
CACHE_FORMAT = 1

_MIN_EDGE_TIME_S = 1e-3  # keep weights positive: sparse csgraph input may drop zeros
_SAMPLE_SPACING_M = 20.0  # KD-tree samples along segments


def haversine_m(lonlat_a: ArrayLike, lonlat_b: ArrayLike) -> FloatArray:
    """Great-circle distance in metres between (..., 2) lon/lat arrays (broadcasting)."""
    a = np.radians(np.asarray(lonlat_a, dtype=np.float64))
    b = np.radians(np.asarray(lonlat_b, dtype=np.float64))
    dlon = b[..., 0] - a[..., 0]
    dlat = b[..., 1] - a[..., 1]
    h = np.sin(dlat / 2) ** 2 + np.cos(a[..., 1]) * np.cos(b[..., 1]) * np.sin(dlon / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.minimum(h, 1.0))))


@dataclass(frozen=True, eq=False)
class RoadGraph:
    """A compact directed road graph; build with ``load_road_graph`` or ``from_edges``.

    Edge ``e`` runs from ``edge_u[e]`` to ``edge_v[e]``; its polyline is
    ``geom_lonlat[geom_ptr[e]:geom_ptr[e + 1]]``. ``csr[a, b]`` is the fastest travel
    time (s) from node a to node b over one edge, ``csr_t`` its transpose (searching
    it from X gives the time *to reach* X).
    """

    node_lonlat: FloatArray
    node_osm_id: IntArray
    edge_u: IntArray
    edge_v: IntArray
    edge_length_m: FloatArray
    edge_time_s: FloatArray
    edge_fwd: BoolArray
    edge_bwd: BoolArray
    edge_class: IntArray
    edge_way_id: IntArray
    geom_ptr: IntArray
    geom_lonlat: FloatArray
    classes: tuple[str, ...]
    profile: SpeedProfile = field(default_factory=SpeedProfile)

    @property
    def n_nodes(self) -> int:
        return int(self.node_lonlat.shape[0])

    @property
    def n_edges(self) -> int:
        """Street pieces (undirected geometry; each may carry one or two arcs)."""
        return int(self.edge_u.shape[0])

    @property
    def n_arcs(self) -> int:
        """Directed arcs in the routing matrix (parallel pieces merged, loops dropped)."""
        return int(self.csr.nnz)

    @property
    def total_length_m(self) -> float:
        return float(self.edge_length_m.sum())

    @cached_property
    def mean_speed_mps(self) -> float:
        """Length-weighted mean speed of the network."""
        return float(self.edge_length_m.sum() / self.edge_time_s.sum())

    @cached_property
    def origin(self) -> tuple[float, float]:
        """Projection centre (lon, lat)."""
        lon, lat = self.node_lonlat.mean(axis=0)
        return float(lon), float(lat)

    @cached_property
    def _scale(self) -> FloatArray:
        k = math.pi / 180 * EARTH_RADIUS_M
        return np.array([k * math.cos(math.radians(self.origin[1])), k])

    def project(self, lonlat: ArrayLike) -> FloatArray:
        """lon/lat -> local metres (equirectangular around ``origin``)."""
        return (np.asarray(lonlat, dtype=np.float64) - np.asarray(self.origin)) * self._scale

    def unproject(self, xy: ArrayLike) -> FloatArray:
        return np.asarray(xy, dtype=np.float64) / self._scale + np.asarray(self.origin)

    @cached_property
    def _arcs(self) -> tuple[IntArray, IntArray, FloatArray, IntArray]:
        """Unique directed arcs (a, b, time, edge) sorted by (a, b), fastest piece kept."""
        a, b, t, e = _directed_arcs(
            self.edge_u, self.edge_v, self.edge_time_s, self.edge_fwd, self.edge_bwd
        )
        return a, b, t, e

    @cached_property
    def csr(self) -> sparse.csr_matrix:
        a, b, t, _ = self._arcs
        n = self.n_nodes
        indptr = np.concatenate([[0], np.cumsum(np.bincount(a, minlength=n))])
        return sparse.csr_matrix((t, b.astype(np.int32), indptr.astype(np.int32)), shape=(n, n))

    @cached_property
    def csr_t(self) -> sparse.csr_matrix:
        return sparse.csr_matrix(self.csr.T.tocsr())

    @cached_property
    def arc_key(self) -> IntArray:
        """Sorted ``a * n_nodes + b`` per arc, aligned with ``arc_edge``."""
        a, b, _, _ = self._arcs
        return a * self.n_nodes + b

    @cached_property
    def arc_edge(self) -> IntArray:
        return self._arcs[3]

    @cached_property
    def _segments(self) -> dict[str, Any]:
        """Straight segments of all polylines, in projected metres."""
        ptr = self.geom_ptr
        counts = np.diff(ptr)
        seg_edge = np.repeat(np.arange(self.n_edges), counts - 1)
        is_start = np.ones(self.geom_lonlat.shape[0], dtype=bool)
        is_start[ptr[1:] - 1] = False
        start = np.flatnonzero(is_start)
        length = haversine_m(self.geom_lonlat[start], self.geom_lonlat[start + 1])
        exclusive = np.cumsum(length) - length
        first = ptr[:-1] - np.arange(self.n_edges)  # index of each edge's first segment
        offset = exclusive - exclusive[first][seg_edge]
        xy = self.project(self.geom_lonlat)
        return {
            "edge": seg_edge,
            "a": xy[start],
            "b": xy[start + 1],
            "length": length,
            "offset": offset,
            "global": exclusive,
        }

    @cached_property
    def _snap_index(self) -> tuple[cKDTree, IntArray, float]:
        seg = self._segments
        vec = seg["b"] - seg["a"]
        plen = np.hypot(vec[:, 0], vec[:, 1])
        n = np.maximum(1, np.ceil(plen / _SAMPLE_SPACING_M)).astype(np.int64)
        owner = np.repeat(np.arange(n.shape[0]), n)
        k = np.arange(owner.shape[0]) - np.repeat(np.cumsum(n) - n, n)
        t = (k + 0.5) / n[owner]
        pts = seg["a"][owner] + t[:, None] * vec[owner]
        half_gap = float((plen / n).max() / 2) if plen.size else 0.0
        return cKDTree(pts), owner, half_gap

    @cached_property
    def _node_tree(self) -> cKDTree:
        return cKDTree(self.project(self.node_lonlat))

    def prepare(self) -> RoadGraph:
        """Build the lazily derived structures now (matrices, snapping index)."""
        _ = self.csr, self.csr_t, self.arc_key, self._snap_index
        return self

    def edge_polyline(self, edge: int) -> tuple[FloatArray, FloatArray]:
        """(lon/lat vertices, cumulative fraction of length at each vertex) of an edge."""
        lonlat = self.geom_lonlat[self.geom_ptr[edge] : self.geom_ptr[edge + 1]]
        cum = np.concatenate([[0.0], np.cumsum(haversine_m(lonlat[:-1], lonlat[1:]))])
        return lonlat, cum / cum[-1] if cum[-1] > 0 else np.linspace(0, 1, cum.shape[0])

    def point_on_edge(self, edges: ArrayLike, fracs: ArrayLike) -> FloatArray:
        """lon/lat of points at fractions of edge length (vectorised)."""
        e = np.asarray(edges, dtype=np.int64).reshape(-1)
        f = np.clip(np.asarray(fracs, dtype=np.float64).reshape(-1), 0.0, 1.0)
        seg = self._segments
        first = self.geom_ptr[e] - e
        last = self.geom_ptr[e + 1] - e - 2
        target = seg["global"][first] + f * self.edge_length_m[e]
        s = np.searchsorted(seg["global"] + seg["length"], target, side="left")
        s = np.clip(s, first, last)
        within = (target - seg["global"][s]) / np.maximum(seg["length"][s], 1e-12)
        xy = seg["a"][s] + np.clip(within, 0.0, 1.0)[:, None] * (seg["b"][s] - seg["a"][s])
        return self.unproject(xy)

    @classmethod
    def from_edges(
        cls,
        node_lonlat: ArrayLike,
        edge_u: ArrayLike,
        edge_v: ArrayLike,
        *,
        speed_mps: ArrayLike,
        fwd: ArrayLike,
        bwd: ArrayLike,
        geom_ptr: ArrayLike | None = None,
        geom_lonlat: ArrayLike | None = None,
        edge_class: ArrayLike | None = None,
        classes: Sequence[str] = ("road",),
        edge_way_id: ArrayLike | None = None,
        node_osm_id: ArrayLike | None = None,
        profile: SpeedProfile | None = None,
        largest_scc: bool = True,
    ) -> RoadGraph:
        """Assemble a graph from edge arrays (straight edges unless geometry is given).

        Lengths are computed from geometry; with ``largest_scc`` only the largest strongly
        connected component is kept and nodes are renumbered.
        """
        nodes = np.asarray(node_lonlat, dtype=np.float64).reshape(-1, 2)
        u = np.asarray(edge_u, dtype=np.int64)
        v = np.asarray(edge_v, dtype=np.int64)
        m = u.shape[0]
        if geom_ptr is None or geom_lonlat is None:
            ptr = np.arange(0, 2 * m + 1, 2, dtype=np.int64)
            geom = np.empty((2 * m, 2))
            geom[0::2] = nodes[u]
            geom[1::2] = nodes[v]
        else:
            ptr = np.asarray(geom_ptr, dtype=np.int64)
            geom = np.asarray(geom_lonlat, dtype=np.float64).reshape(-1, 2)
        if np.any(np.diff(ptr) < 2):
            raise ValueError("every edge needs at least two vertices")
        seg_len = haversine_m(geom[:-1], geom[1:])
        cum = np.concatenate([[0.0], np.cumsum(seg_len)])
        length = cum[ptr[1:] - 1] - cum[ptr[:-1]]
        speed = np.broadcast_to(np.asarray(speed_mps, dtype=np.float64), (m,))
        time = np.maximum(length / speed, _MIN_EDGE_TIME_S)
        f = np.broadcast_to(np.asarray(fwd, dtype=bool), (m,)).copy()
        b = np.broadcast_to(np.asarray(bwd, dtype=bool), (m,)).copy()
        if np.any(~(f | b)):
            raise ValueError("every edge must allow at least one direction")
        cls_codes = (
            np.zeros(m, np.int64) if edge_class is None else np.asarray(edge_class, dtype=np.int64)
        )
        ways = np.full(m, -1, np.int64) if edge_way_id is None else np.asarray(edge_way_id)
        osm_ids = (
            np.arange(nodes.shape[0], dtype=np.int64)
            if node_osm_id is None
            else np.asarray(node_osm_id, dtype=np.int64)
        )
        keep_nodes = np.ones(nodes.shape[0], dtype=bool)
        if largest_scc and m:
            a_, b_, t_, _ = _directed_arcs(u, v, time, f, b)
            n = nodes.shape[0]
            adj = sparse.csr_matrix((t_, (a_, b_)), shape=(n, n))
            _, labels = csgraph.connected_components(adj, directed=True, connection="strong")
            used = np.zeros(n, dtype=bool)
            used[u] = used[v] = True
            big = np.bincount(labels[used]).argmax()
            keep_nodes = labels == big
        keep_edges = keep_nodes[u] & keep_nodes[v]
        # also drop nodes no kept edge touches
        touched = np.zeros(nodes.shape[0], dtype=bool)
        touched[u[keep_edges]] = touched[v[keep_edges]] = True
        keep_nodes &= touched
        new_id = np.cumsum(keep_nodes) - 1
        counts = np.diff(ptr)[keep_edges]
        vert_keep = np.repeat(keep_edges, np.diff(ptr))
        return cls(
            node_lonlat=nodes[keep_nodes],
            node_osm_id=osm_ids[keep_nodes],
            edge_u=new_id[u[keep_edges]],
            edge_v=new_id[v[keep_edges]],
            edge_length_m=length[keep_edges],
            edge_time_s=time[keep_edges],
            edge_fwd=f[keep_edges],
            edge_bwd=b[keep_edges],
            edge_class=cls_codes[keep_edges],
            edge_way_id=ways[keep_edges],
            geom_ptr=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
            geom_lonlat=geom[vert_keep],
            classes=tuple(classes),
            profile=profile or SpeedProfile(),
        )


def _directed_arcs(
    u: IntArray, v: IntArray, time: FloatArray, fwd: BoolArray, bwd: BoolArray
) -> tuple[IntArray, IntArray, FloatArray, IntArray]:
    edges = np.arange(u.shape[0])
    a = np.concatenate([u[fwd], v[bwd]])
    b = np.concatenate([v[fwd], u[bwd]])
    t = np.concatenate([time[fwd], time[bwd]])
    e = np.concatenate([edges[fwd], edges[bwd]])
    ok = a != b  # self-loops never shorten a path
    a, b, t, e = a[ok], b[ok], t[ok], e[ok]
    order = np.lexsort((t, b, a))
    a, b, t, e = a[order], b[order], t[order], e[order]
    first = np.ones(a.shape[0], dtype=bool)
    first[1:] = (a[1:] != a[:-1]) | (b[1:] != b[:-1])
    return a[first], b[first], t[first], e[first]


def save_graph(graph: RoadGraph, path: str | PathLike[str]) -> None:
    """Write a compact ``.npz`` cache (edges + geometry; matrices are rebuilt on load)."""
    np.savez_compressed(
        Path(path),
        format=np.int64(CACHE_FORMAT),
        node_lonlat=graph.node_lonlat,
        node_osm_id=graph.node_osm_id,
        edge_u=graph.edge_u.astype(np.int32),
        edge_v=graph.edge_v.astype(np.int32),
        edge_length_m=graph.edge_length_m,
        edge_time_s=graph.edge_time_s,
        edge_fwd=graph.edge_fwd,
        edge_bwd=graph.edge_bwd,
        edge_class=graph.edge_class.astype(np.int16),
        edge_way_id=graph.edge_way_id,
        geom_ptr=graph.geom_ptr,
        geom_lonlat=graph.geom_lonlat,
        classes=np.array(graph.classes, dtype=str),
        profile=np.array(graph.profile.to_json()),
    )


def load_graph(path: str | PathLike[str]) -> RoadGraph:
    """Read a cache written by ``save_graph``."""
    with np.load(Path(path), allow_pickle=False) as data:
        if int(data["format"]) != CACHE_FORMAT:
            raise ValueError(f"{path}: cache format {int(data['format'])}, need {CACHE_FORMAT}")
        graph = RoadGraph(
            node_lonlat=data["node_lonlat"],
            node_osm_id=data["node_osm_id"],
            edge_u=data["edge_u"].astype(np.int64),
            edge_v=data["edge_v"].astype(np.int64),
            edge_length_m=data["edge_length_m"],
            edge_time_s=data["edge_time_s"],
            edge_fwd=data["edge_fwd"],
            edge_bwd=data["edge_bwd"],
            edge_class=data["edge_class"].astype(np.int64),
            edge_way_id=data["edge_way_id"],
            geom_ptr=data["geom_ptr"],
            geom_lonlat=data["geom_lonlat"],
            classes=tuple(str(c) for c in data["classes"]),
            profile=SpeedProfile.from_json(str(data["profile"])),
        )
    return graph.prepare()
