"""Road-network routing for 接处警/指挥调度 (dispatch): drive times and unit recommendation.

Framework-free: OSM PBF / numpy in, numpy out; no Django, no database.

Model (see ``load_road_graph``):

* **Nodes** are OSM nodes that end a drivable way or are shared by two or more drivable
  ways (junctions). Nodes in between only shape geometry, so the graph stays compact.
* **Edges** are street pieces between two nodes: polyline, haversine length, road class,
  and the directions they may be driven (``fwd`` along the polyline, ``bwd`` against it).
  Travel time is length / class speed (``SpeedProfile``).
* Only the largest strongly connected component is kept, so every snapped point can
  reach every other one; nothing is ``inf`` unless a search ``limit`` cuts it off.
* **Snapping** projects a point onto the nearest road *segment* (exact, KD-tree assisted)
  and yields an edge and a fraction along it. The gap between the point and the road
  is covered "off-road" at ``offroad_speed_kmh`` (default 10 km/h: yards, car parks, a
  short walk); points farther than ``max_snap_m`` from any road are off-network.
* Coordinates are WGS84 lon/lat; snapping works in a local equirectangular projection
  around the network's centroid (metres; < 1 % scale error within ~50 km).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from functools import cached_property
from os import PathLike
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import sparse
from scipy.sparse import csgraph
from scipy.spatial import cKDTree

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

EARTH_RADIUS_M = 6_371_008.8
OFFROAD_SPEED_KMH = 10.0
MAX_SNAP_M = 500.0
CACHE_FORMAT = 1

#: Typical urban driving speeds (km/h) by OSM ``highway`` class, junction delays included.
DEFAULT_SPEEDS_KMH: dict[str, float] = {
    "motorway": 90.0,
    "motorway_link": 50.0,
    "trunk": 70.0,
    "trunk_link": 40.0,
    "primary": 50.0,
    "primary_link": 40.0,
    "secondary": 45.0,
    "secondary_link": 35.0,
    "tertiary": 40.0,
    "tertiary_link": 30.0,
    "unclassified": 30.0,
    "residential": 30.0,
    "road": 25.0,
    "living_street": 10.0,
    "service": 15.0,
}

_MIN_EDGE_TIME_S = 1e-3  # keep weights positive: sparse csgraph input may drop zeros
_AT_NODE_M = 0.01  # a snap closer than this to an edge end counts as being at the node
_SAMPLE_SPACING_M = 20.0  # KD-tree samples along segments
_SNAP_K = 12
_YES = frozenset({"yes", "true", "1"})
_NO = frozenset({"no", "false", "0"})
_MAXSPEED = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(mph|km/h|kmh)?\s*$")


class _Tags(Protocol):
    def get(self, key: str, default: str | None = None, /) -> str | None: ...


@dataclass(frozen=True)
class SpeedProfile:
    """Which OSM ``highway`` classes are drivable and how fast (km/h).

    A class is drivable iff it has a speed; ``area=yes`` and ways closed to motor
    vehicles (``blocked_access`` on motorcar > motor_vehicle > vehicle > access, unless
    ``emergency=yes``) are not. ``oneway=yes/true/1`` and ``-1`` are honoured;
    ``implied_oneway`` classes and roundabouts are one-way unless tagged ``oneway=no``;
    ``reversible``/``alternating`` ways are skipped. With ``use_maxspeed`` a numeric
    ``maxspeed`` replaces the class speed (off by default: class speeds are average urban
    driving speeds, posted limits are not).
    """

    speeds_kmh: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_SPEEDS_KMH))
    implied_oneway: frozenset[str] = frozenset({"motorway"})
    respect_oneway: bool = True
    use_maxspeed: bool = False
    blocked_access: frozenset[str] = frozenset({"no"})

    def __post_init__(self) -> None:
        bad = {k: v for k, v in self.speeds_kmh.items() if not v > 0}
        if bad:
            raise ValueError(f"speeds must be positive km/h: {bad}")

    def with_speeds(self, **speeds_kmh: float) -> SpeedProfile:
        """A copy with some class speeds changed or added."""
        return replace(self, speeds_kmh={**self.speeds_kmh, **speeds_kmh})

    def speed_kmh(self, tags: _Tags) -> float | None:
        """Speed for a way, or None if motor vehicles may not use it."""
        highway = tags.get("highway")
        if highway is None or highway not in self.speeds_kmh or tags.get("area") == "yes":
            return None
        if tags.get("emergency") not in ("yes", "designated"):
            for key in ("motorcar", "motor_vehicle", "vehicle", "access"):
                value = tags.get(key)
                if value is not None:
                    if value in self.blocked_access:
                        return None
                    break
        if self.use_maxspeed:
            match = _MAXSPEED.match(tags.get("maxspeed") or "")
            if match and float(match.group(1)) > 0:
                return float(match.group(1)) * (1.609344 if match.group(2) == "mph" else 1.0)
        return float(self.speeds_kmh[highway])

    def directions(self, tags: _Tags) -> tuple[bool, bool] | None:
        """(forward, backward) permission along the way's node order; None = skip way."""
        if not self.respect_oneway:
            return True, True
        oneway = tags.get("oneway")
        if oneway in _YES:
            return True, False
        if oneway in ("-1", "reverse"):
            return False, True
        if oneway in _NO:
            return True, True
        if oneway in ("reversible", "alternating"):
            return None  # direction changes over time: not routable
        if tags.get("junction") in ("roundabout", "circular"):
            return True, False
        if tags.get("highway") in self.implied_oneway:
            return True, False
        return True, True

    def to_json(self) -> str:
        data = asdict(self)
        data["speeds_kmh"] = dict(self.speeds_kmh)
        data["implied_oneway"] = sorted(self.implied_oneway)
        data["blocked_access"] = sorted(self.blocked_access)
        return json.dumps(data, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> SpeedProfile:
        data = json.loads(text)
        data["implied_oneway"] = frozenset(data["implied_oneway"])
        data["blocked_access"] = frozenset(data["blocked_access"])
        return cls(**data)


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


def load_road_graph(
    pbf_path: str | PathLike[str], profile: SpeedProfile | None = None
) -> RoadGraph:
    """Read drivable ways from an OSM file (.pbf or .osm XML) into a ``RoadGraph``.

    Ways whose nodes lack locations (cut by the extract boundary) are split at the gap.
    """
    import osmium  # imported here so the numeric code works without it

    prof = profile or SpeedProfile()
    classes = tuple(sorted(prof.speeds_kmh))
    class_code = {c: i for i, c in enumerate(classes)}
    coords: dict[int, tuple[float, float]] = {}
    runs: list[tuple[int, int, float, bool, bool, list[int]]] = []

    processor = (
        osmium.FileProcessor(str(pbf_path), osmium.osm.NODE | osmium.osm.WAY)
        .with_locations()
        .with_filter(osmium.filter.KeyFilter("highway"))
    )
    for obj in processor:
        if not isinstance(obj, osmium.osm.Way):
            continue
        tags = obj.tags
        highway = tags.get("highway")
        speed = prof.speed_kmh(tags)
        dirs = prof.directions(tags) if speed is not None else None
        if highway is None or speed is None or dirs is None:
            continue
        meta = (obj.id, class_code[highway], speed / 3.6, dirs[0], dirs[1])
        run: list[int] = []
        for ref in obj.nodes:
            loc = ref.location
            if not loc.valid():
                if len(run) > 1:
                    runs.append((*meta, run))
                run = []
                continue
            if ref.ref not in coords:
                coords[ref.ref] = (loc.lon, loc.lat)
            if not run or run[-1] != ref.ref:
                run.append(ref.ref)
        if len(run) > 1:
            runs.append((*meta, run))

    uses: dict[int, int] = {}
    for *_, run in runs:
        for nid in run:
            uses[nid] = uses.get(nid, 0) + 1
        uses[run[0]] += 1
        uses[run[-1]] += 1
    node_index: dict[int, int] = {}
    for nid, count in uses.items():
        if count >= 2:
            node_index[nid] = len(node_index)

    eu: list[int] = []
    ev: list[int] = []
    speed_l: list[float] = []
    fwd_l: list[bool] = []
    bwd_l: list[bool] = []
    cls_l: list[int] = []
    way_l: list[int] = []
    ptr = [0]
    geom: list[tuple[float, float]] = []
    for way_id, code, mps, fwd, bwd, run in runs:
        start = 0
        for i in range(1, len(run)):
            if run[i] in node_index:
                piece = run[start : i + 1]
                eu.append(node_index[piece[0]])
                ev.append(node_index[piece[-1]])
                speed_l.append(mps)
                fwd_l.append(fwd)
                bwd_l.append(bwd)
                cls_l.append(code)
                way_l.append(way_id)
                geom.extend(coords[n] for n in piece)
                ptr.append(len(geom))
                start = i
    node_ids = np.fromiter(node_index, dtype=np.int64, count=len(node_index))
    node_lonlat = np.array([coords[int(n)] for n in node_ids], dtype=np.float64).reshape(-1, 2)
    if not eu:
        raise ValueError(f"no drivable ways in {pbf_path}")
    graph = RoadGraph.from_edges(
        node_lonlat,
        eu,
        ev,
        speed_mps=speed_l,
        fwd=fwd_l,
        bwd=bwd_l,
        geom_ptr=ptr,
        geom_lonlat=geom,
        edge_class=cls_l,
        classes=classes,
        edge_way_id=way_l,
        node_osm_id=node_ids,
        profile=prof,
    )
    return graph.prepare()


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


# --------------------------------------------------------------------------- snapping


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


# --------------------------------------------------------------------------- units


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
