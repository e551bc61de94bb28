"""Routing: OSM loading, one-way rules, speeds, snapping, fallback, and agreement with
networkx (a test-only oracle) on the real Helsinki extract."""

from __future__ import annotations

import os
import time
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from zhian.analytics.routing import (
    DEFAULT_SPEEDS_KMH,
    RoadGraph,
    SpeedProfile,
    haversine_m,
    load_graph,
    load_road_graph,
    nearest_nodes,
    prepare_units,
    recommend_units,
    sample_road_points,
    save_graph,
    snap_points,
    travel_time,
    travel_times_to,
)

LON0, LAT0, D = 24.90, 60.10, 0.002


def shared_data() -> Path:
    env = os.environ.get("ZHIAN_SHARED_DATA")
    return Path(env) if env else Path(__file__).resolve().parents[2].parent / "shared" / "data"


def write_osm(
    path: Path,
    nodes: dict[int, tuple[float, float]],
    ways: list[tuple[int, list[int], dict[str, str]]],
) -> Path:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6">']
    lines += [
        f'<node id="{n}" version="1" lat="{lat}" lon="{lon}"/>' for n, (lon, lat) in nodes.items()
    ]
    for wid, refs, tags in ways:
        lines.append(f'<way id="{wid}" version="1">')
        lines += [f'<nd ref="{r}"/>' for r in refs]
        lines += [f'<tag k="{k}" v="{v}"/>' for k, v in tags.items()]
        lines.append("</way>")
    lines.append("</osm>")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


SQUARE = {1: (LON0, LAT0), 2: (LON0 + D, LAT0), 3: (LON0 + D, LAT0 + D), 4: (LON0, LAT0 + D)}


def square(
    tmp_path: Path,
    tags: dict[str, str],
    profile: SpeedProfile | None = None,
    extra: list[tuple[int, list[int], dict[str, str]]] | None = None,
) -> RoadGraph:
    """Way 1->2 with ``tags``; a two-way residential detour 2-3-4-1."""
    nodes = {**SQUARE, 5: (LON0 + 2 * D, LAT0)}
    ways = [(10, [1, 2], tags), (11, [2, 3, 4, 1], {"highway": "residential"})]
    path = write_osm(tmp_path / "square.osm", nodes, ways + (extra or []))
    return load_road_graph(path, profile)


def leg(a: int, b: int) -> float:
    return float(haversine_m(SQUARE[a], SQUARE[b]))


def kmh(name: str) -> float:
    return DEFAULT_SPEEDS_KMH[name] / 3.6


@pytest.mark.parametrize(
    ("tags", "forward", "backward"),
    [
        ({"highway": "residential"}, True, True),
        ({"highway": "residential", "oneway": "yes"}, True, False),
        ({"highway": "residential", "oneway": "-1"}, False, True),
        ({"highway": "residential", "junction": "roundabout"}, True, False),
        ({"highway": "motorway"}, True, False),
        ({"highway": "motorway", "oneway": "no"}, True, True),
    ],
)
def test_one_way_rules(tmp_path: Path, tags: dict[str, str], forward: bool, backward: bool) -> None:
    graph = square(tmp_path, tags)
    direct = leg(1, 2) / kmh(tags["highway"])
    detour = (leg(2, 3) + leg(3, 4) + leg(4, 1)) / kmh("residential")
    there = travel_time(graph, SQUARE[1], SQUARE[2], offroad_speed_kmh=None)
    back = travel_time(graph, SQUARE[2], SQUARE[1], offroad_speed_kmh=None)
    assert there == pytest.approx(direct if forward else detour, rel=1e-9)
    assert back == pytest.approx(direct if backward else detour, rel=1e-9)


def test_one_way_dead_end_is_dropped(tmp_path: Path) -> None:
    # 2 -> 5 is one-way with no way back: not in the strongly connected core
    graph = square(
        tmp_path,
        {"highway": "residential"},
        extra=[(12, [2, 5], {"highway": "residential", "oneway": "yes"})],
    )
    assert graph.n_nodes == 2 and 5 not in set(graph.node_osm_id.tolist())
    t = travel_time(graph, (LON0 + 2 * D, LAT0), SQUARE[1], offroad_speed_kmh=None)
    assert np.isfinite(t)  # snaps onto the kept network instead


def test_same_edge_one_way_must_go_round(tmp_path: Path) -> None:
    graph = square(tmp_path, {"highway": "residential", "oneway": "yes"})
    t12 = leg(1, 2) / kmh("residential")
    loop = (leg(2, 3) + leg(3, 4) + leg(4, 1)) / kmh("residential")
    ahead, behind = (LON0 + 0.6 * D, LAT0), (LON0 + 0.3 * D, LAT0)
    assert travel_time(graph, behind, ahead, offroad_speed_kmh=None) == pytest.approx(
        0.3 * t12, rel=1e-6
    )
    assert travel_time(graph, ahead, behind, offroad_speed_kmh=None) == pytest.approx(
        0.4 * t12 + loop + 0.3 * t12, rel=1e-6
    )


def test_speeds_by_class_and_drivability(tmp_path: Path) -> None:
    base = square(tmp_path, {"highway": "primary"})
    slow = square(tmp_path, {"highway": "primary"}, SpeedProfile().with_speeds(primary=25.0))
    t_base = travel_time(base, SQUARE[1], SQUARE[2], offroad_speed_kmh=None)
    t_slow = travel_time(slow, SQUARE[1], SQUARE[2], offroad_speed_kmh=None)
    assert t_base == pytest.approx(leg(1, 2) / kmh("primary"), rel=1e-9)
    assert t_slow == pytest.approx(t_base * DEFAULT_SPEEDS_KMH["primary"] / 25.0, rel=1e-9)
    # a footway shortcut is not drivable; blocked access neither
    foot = square(tmp_path, {"highway": "footway"})
    assert foot.n_edges == 1  # only the detour 2-3-4-1 remains
    blocked = square(tmp_path, {"highway": "residential", "motor_vehicle": "no"})
    assert blocked.n_edges == 1
    private = square(tmp_path, {"highway": "service", "access": "private"})
    assert private.n_edges == 2


def test_snap_to_midpoint_gives_half_the_edge_time(tmp_path: Path) -> None:
    graph = square(tmp_path, {"highway": "residential"})
    t12 = leg(1, 2) / kmh("residential")
    mid = (LON0 + D / 2, LAT0)
    snap = snap_points(graph, [mid])
    assert snap.frac[0] == pytest.approx(0.5, abs=1e-6)
    assert snap.distance_m[0] < 1e-6
    assert travel_time(graph, SQUARE[1], mid, offroad_speed_kmh=None) == pytest.approx(
        t12 / 2, rel=1e-6
    )
    assert travel_time(graph, mid, SQUARE[2], offroad_speed_kmh=None) == pytest.approx(
        t12 / 2, rel=1e-6
    )
    # 20 m off the road: reported, and covered at the off-road speed
    off = (mid[0], LAT0 - 20 / 111_195)
    snap = snap_points(graph, [off])
    assert snap.distance_m[0] == pytest.approx(20.0, rel=1e-3)
    with_gap = travel_time(graph, SQUARE[1], off, offroad_speed_kmh=10.0)
    assert with_gap == pytest.approx(t12 / 2 + snap.distance_m[0] / (10 / 3.6), rel=1e-6)


def test_recommend_units_on_tiny_graph(tmp_path: Path) -> None:
    graph = square(tmp_path, {"highway": "residential", "oneway": "yes"})
    t12 = leg(1, 2) / kmh("residential")
    units = [
        ("near-behind", LON0 + 0.1 * D, LAT0),
        ("ahead", LON0 + 0.5 * D, LAT0),
        ("corner", *SQUARE[3]),
    ]
    rec = recommend_units(graph, (LON0 + 0.3 * D, LAT0), units, k=2, offroad_speed_kmh=None)
    assert rec.method == "road_network" and rec.note == ""
    assert rec.unit_ids == ("near-behind", "corner")
    assert rec.eta_s[0] == pytest.approx(0.2 * t12, rel=1e-6)
    assert rec.distance_m[0] == pytest.approx(0.2 * leg(1, 2), rel=1e-6)
    assert rec.distance_m[1] == pytest.approx(leg(3, 4) + leg(4, 1) + 0.3 * leg(1, 2), rel=1e-6)


def test_fallback_without_graph() -> None:
    units = [(7, 24.95, 60.17), (8, 24.90, 60.17), (9, 24.951, 60.171)]
    rec = recommend_units(
        None, (24.95, 60.17), units, k=2, detour_factor=1.5, fallback_speed_kmh=36.0
    )
    assert rec.method == "straight_line"
    assert "No road network" in rec.note and "1.5" in rec.note
    assert rec.unit_ids == (7, 9)
    assert rec.eta_s[1] == pytest.approx(rec.straight_m[1] * 1.5 / 10.0)
    assert rec.unit_method == ("straight_line", "straight_line")


def test_fallback_when_incident_far_from_road(tmp_path: Path) -> None:
    graph = square(tmp_path, {"highway": "residential"})
    rec = recommend_units(graph, (LON0, LAT0 + 0.05), [(1, LON0, LAT0)], max_snap_m=500)
    assert rec.method == "straight_line" and "from the nearest road" in rec.note
    assert rec.incident_snap_m is not None and rec.incident_snap_m > 5000


# --------------------------------------------------------------------------- Helsinki


@pytest.fixture(scope="module")
def helsinki() -> RoadGraph:
    pbf = shared_data() / "helsinki.osm.pbf"
    if not pbf.exists():
        pytest.skip(f"{pbf} not found (set ZHIAN_SHARED_DATA)")
    start = time.perf_counter()
    graph = load_road_graph(pbf)
    assert time.perf_counter() - start < 10
    return graph


def oracle(graph: RoadGraph) -> nx.MultiDiGraph:
    """networkx graph built from the edge list (not from our CSR matrices)."""
    g = nx.MultiDiGraph()
    g.add_nodes_from(range(graph.n_nodes))
    for e in range(graph.n_edges):
        u, v, t = int(graph.edge_u[e]), int(graph.edge_v[e]), float(graph.edge_time_s[e])
        if graph.edge_fwd[e]:
            g.add_edge(u, v, weight=t)
        if graph.edge_bwd[e]:
            g.add_edge(v, u, weight=t)
    return g


def attach(
    g: nx.MultiDiGraph, graph: RoadGraph, name: str, edge: int, frac: float, leaving: bool
) -> None:
    """Add a point on an edge to the oracle as its own node."""
    u, v, t = int(graph.edge_u[edge]), int(graph.edge_v[edge]), float(graph.edge_time_s[edge])
    if graph.edge_fwd[edge]:  # along u -> v
        if leaving:
            g.add_edge(name, v, weight=(1 - frac) * t)
        else:
            g.add_edge(u, name, weight=frac * t)
    if graph.edge_bwd[edge]:  # along v -> u
        if leaving:
            g.add_edge(name, u, weight=frac * t)
        else:
            g.add_edge(v, name, weight=(1 - frac) * t)


def test_helsinki_smoke(helsinki: RoadGraph) -> None:
    assert helsinki.n_nodes > 500 and helsinki.n_edges > 500
    assert helsinki.n_arcs > helsinki.n_edges  # most streets are two-way
    assert 10_000 < helsinki.total_length_m < 100_000
    assert not helsinki.edge_bwd.all()  # one-way streets exist
    assert np.all(helsinki.edge_time_s > 0)


def test_agrees_with_networkx_between_nodes(helsinki: RoadGraph) -> None:
    rng = np.random.default_rng(4)
    g = oracle(helsinki)
    pairs = rng.integers(0, helsinki.n_nodes, size=(60, 2))
    for a, b in pairs:
        want = nx.dijkstra_path_length(g, int(a), int(b))
        got = travel_time(
            helsinki, helsinki.node_lonlat[a], helsinki.node_lonlat[b], offroad_speed_kmh=None
        )
        assert got == pytest.approx(want, rel=1e-9, abs=1e-6)


def test_agrees_with_networkx_between_road_points(helsinki: RoadGraph) -> None:
    rng = np.random.default_rng(5)
    base = oracle(helsinki)
    points = sample_road_points(helsinki, 120, rng)
    snaps = snap_points(helsinki, points)
    assert np.all(snaps.distance_m < 1e-3)
    for i in range(0, 120, 2):
        o, d = snaps.take([i]), snaps.take([i + 1])
        g = base.copy()
        attach(g, helsinki, "O", int(o.edge[0]), float(o.frac[0]), leaving=True)
        attach(g, helsinki, "D", int(d.edge[0]), float(d.frac[0]), leaving=False)
        if o.edge[0] == d.edge[0]:
            e, f0, f1 = int(o.edge[0]), float(o.frac[0]), float(d.frac[0])
            if (helsinki.edge_fwd[e] and f1 >= f0) or (helsinki.edge_bwd[e] and f1 <= f0):
                g.add_edge("O", "D", weight=abs(f1 - f0) * float(helsinki.edge_time_s[e]))
        want = nx.dijkstra_path_length(g, "O", "D")
        got = travel_time(helsinki, points[i], points[i + 1], offroad_speed_kmh=None)
        assert got == pytest.approx(want, rel=1e-9, abs=1e-6)


def test_snap_is_the_exact_nearest_segment(helsinki: RoadGraph) -> None:
    rng = np.random.default_rng(6)
    lo, hi = helsinki.node_lonlat.min(axis=0), helsinki.node_lonlat.max(axis=0)
    pts = lo + rng.random((300, 2)) * (hi - lo)
    snap = snap_points(helsinki, pts)
    xy = helsinki.project(helsinki.geom_lonlat)
    last = np.zeros(xy.shape[0], dtype=bool)
    last[helsinki.geom_ptr[1:] - 1] = True
    a, b = xy[~last], xy[np.flatnonzero(~last) + 1]
    q = helsinki.project(pts)[:, None, :]
    vec = b - a
    t = np.clip(((q - a) * vec).sum(-1) / (vec * vec).sum(-1).clip(1e-12), 0, 1)
    brute = np.linalg.norm(a + t[..., None] * vec - q, axis=-1).min(axis=1)
    np.testing.assert_allclose(snap.distance_m, brute, atol=1e-6)
    back = helsinki.project(snap.lonlat) - helsinki.project(pts)
    np.testing.assert_allclose(np.hypot(back[:, 0], back[:, 1]), snap.distance_m, atol=1e-6)


def test_recommend_units_is_the_k_fastest(helsinki: RoadGraph) -> None:
    rng = np.random.default_rng(7)
    lonlat = sample_road_points(helsinki, 40, rng)
    lonlat += rng.normal(0, 0.0001, lonlat.shape)  # GPS noise, a few metres off the road
    units = prepare_units(helsinki, [(f"U{i}", x, y) for i, (x, y) in enumerate(lonlat)])
    for incident in sample_road_points(helsinki, 15, rng):
        rec = recommend_units(helsinki, incident, units, k=5)
        tight = recommend_units(helsinki, incident, units, k=5, search_limit_s=1.0)
        all_eta = travel_times_to(helsinki, incident, lonlat)
        np.testing.assert_allclose(rec.eta_s, np.sort(all_eta)[:5], rtol=1e-9)
        np.testing.assert_allclose(tight.eta_s, rec.eta_s, rtol=1e-9)
        assert rec.method == "road_network"
        assert np.all(np.diff(rec.eta_s) >= 0)
        assert np.all(rec.distance_m >= rec.straight_m * 0.999)


def test_unit_far_from_road_is_flagged(helsinki: RoadGraph) -> None:
    lon, lat = helsinki.node_lonlat[0]
    units = [("road", lon, lat), ("sea", lon, lat - 0.02)]
    rec = recommend_units(helsinki, (lon, lat), units, k=2)
    assert rec.method == "road_network"
    assert dict(zip(rec.unit_ids, rec.unit_method, strict=True)) == {
        "road": "road_network",
        "sea": "straight_line",
    }
    assert "1 unit(s)" in rec.note


def test_npz_cache_round_trip(helsinki: RoadGraph, tmp_path: Path) -> None:
    save_graph(helsinki, tmp_path / "g.npz")
    again = load_graph(tmp_path / "g.npz")
    assert (again.n_nodes, again.n_edges, again.n_arcs) == (
        helsinki.n_nodes,
        helsinki.n_edges,
        helsinki.n_arcs,
    )
    assert again.profile == helsinki.profile and again.classes == helsinki.classes
    np.testing.assert_array_equal(again.csr.indices, helsinki.csr.indices)
    np.testing.assert_allclose(again.csr.data, helsinki.csr.data)
    pts = sample_road_points(helsinki, 5, np.random.default_rng(8))
    np.testing.assert_allclose(
        travel_times_to(again, pts[0], pts), travel_times_to(helsinki, pts[0], pts)
    )


def test_nearest_nodes(helsinki: RoadGraph) -> None:
    idx = np.array([0, 17, helsinki.n_nodes - 1])
    np.testing.assert_array_equal(nearest_nodes(helsinki, helsinki.node_lonlat[idx]), idx)
