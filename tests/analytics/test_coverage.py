"""1-3-5 coverage and staging points (MCLP), checked against networkx and brute force."""

from __future__ import annotations

import itertools
import math
import os
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from scipy import sparse

from zhian.analytics.coverage import (
    coverage_135,
    covered_segments_geojson,
    max_cover,
    node_road_weights,
    point_times,
    recommend_staging_points,
)
from zhian.analytics.routing import (
    RoadGraph,
    haversine_m,
    load_road_graph,
    offroad_seconds,
    sample_road_points,
    snap_points,
    times_from_points,
)


def shared_data() -> Path:
    env = os.environ.get("ZHIAN_SHARED_DATA")
    return Path(env) if env else Path(__file__).resolve().parents[2].parent / "shared" / "data"


@pytest.fixture(scope="module")
def graph() -> RoadGraph:
    pbf = shared_data() / "helsinki.osm.pbf"
    if not pbf.exists():
        pytest.skip(f"{pbf} not found (set ZHIAN_SHARED_DATA)")
    return load_road_graph(pbf)


def test_monotone_in_threshold(graph: RoadGraph) -> None:
    rng = np.random.default_rng(1)
    units = sample_road_points(graph, 3, rng)
    incidents = sample_road_points(graph, 300, rng)
    cov = coverage_135(graph, units, incidents, thresholds_s=(0, 15, 30, 60, 120, 180, 300))
    assert np.all(np.diff(cov.road_share) >= 0)
    assert cov.incident_share is not None and np.all(np.diff(cov.incident_share) >= 0)
    assert cov.road_share[0] == pytest.approx(0.0, abs=1e-9)
    assert 0 < cov.road_share[3] < cov.road_share[-1] <= 1.0
    assert np.all((cov.edge_covered >= 0) & (cov.edge_covered <= 1 + 1e-12))


def test_every_node_hosting_a_unit_covers_everything(graph: RoadGraph) -> None:
    longest = float(graph.edge_time_s.max())
    cov = coverage_135(graph, graph.node_lonlat, graph.node_lonlat, thresholds_s=(longest,))
    assert cov.road_share[0] == pytest.approx(1.0, abs=1e-12)
    assert cov.incident_share is not None and cov.incident_share[0] == 1.0
    assert np.all(cov.node_time_s == 0)


def test_no_units_cover_nothing(graph: RoadGraph) -> None:
    cov = coverage_135(graph, np.zeros((0, 2)), graph.node_lonlat[:10])
    np.testing.assert_array_equal(cov.road_share, [0, 0, 0])
    assert cov.incident_share is not None
    np.testing.assert_array_equal(cov.incident_share, [0, 0, 0])
    assert covered_segments_geojson(graph, cov)["features"][0]["geometry"]["coordinates"] == []


def test_point_times_agree_with_networkx(graph: RoadGraph) -> None:
    rng = np.random.default_rng(2)
    units = sample_road_points(graph, 4, rng) + rng.normal(0, 1e-4, (4, 2))  # off the road
    targets = sample_road_points(graph, 40, rng)
    usnap, tsnap = snap_points(graph, units), snap_points(graph, targets)
    u_off = offroad_seconds(usnap.distance_m, 10.0)
    got = point_times(graph, times_from_points(graph, usnap), tsnap, usnap, u_off, None)

    g = nx.MultiDiGraph()
    for e in range(graph.n_edges):
        u, v, t = int(graph.edge_u[e]), int(graph.edge_v[e]), float(graph.edge_time_s[e])
        if graph.edge_fwd[e]:
            g.add_edge(u, v, weight=t)
        if graph.edge_bwd[e]:
            g.add_edge(v, u, weight=t)
    for j in range(len(usnap)):  # source S -> unit j (off-road) -> along its edge
        e, f = int(usnap.edge[j]), float(usnap.frac[j])
        t = float(graph.edge_time_s[e])
        g.add_edge("S", ("unit", j), weight=float(u_off[j]))
        if graph.edge_fwd[e]:
            g.add_edge(("unit", j), int(graph.edge_v[e]), weight=(1 - f) * t)
        if graph.edge_bwd[e]:
            g.add_edge(("unit", j), int(graph.edge_u[e]), weight=f * t)
    for i in range(len(tsnap)):
        e, f = int(tsnap.edge[i]), float(tsnap.frac[i])
        t = float(graph.edge_time_s[e])
        if graph.edge_fwd[e]:
            g.add_edge(int(graph.edge_u[e]), ("pt", i), weight=f * t)
        if graph.edge_bwd[e]:
            g.add_edge(int(graph.edge_v[e]), ("pt", i), weight=(1 - f) * t)
        for j in np.flatnonzero(usnap.edge == e).tolist():
            g0 = float(usnap.frac[j])
            if (graph.edge_fwd[e] and f >= g0) or (graph.edge_bwd[e] and f <= g0):
                g.add_edge(("unit", j), ("pt", i), weight=abs(f - g0) * t)
    want = nx.single_source_dijkstra_path_length(g, "S")
    np.testing.assert_allclose(
        got, [want[("pt", i)] for i in range(len(tsnap))], rtol=1e-9, atol=1e-6
    )


def test_road_share_matches_sampled_road_points(graph: RoadGraph) -> None:
    rng = np.random.default_rng(3)
    units = sample_road_points(graph, 2, rng)
    cov = coverage_135(graph, units, thresholds_s=(60, 120))
    probe = snap_points(graph, sample_road_points(graph, 20_000, rng))
    usnap = snap_points(graph, units)
    t = point_times(
        graph, cov.node_time_s, probe, usnap, offroad_seconds(usnap.distance_m, 10.0), None
    )
    for i, tau in enumerate(cov.thresholds_s):
        assert np.mean(t <= tau) == pytest.approx(cov.road_share[i], abs=0.015)


def test_geojson_lines_measure_the_covered_length(graph: RoadGraph) -> None:
    units = sample_road_points(graph, 2, np.random.default_rng(4))
    cov = coverage_135(graph, units)
    fc = covered_segments_geojson(graph, cov)
    assert [f["properties"]["threshold_s"] for f in fc["features"]] == [60, 180, 300]
    for i, feature in enumerate(fc["features"]):
        lines = feature["geometry"]["coordinates"]
        metres = sum(float(haversine_m(np.array(ln[:-1]), np.array(ln[1:])).sum()) for ln in lines)
        assert metres == pytest.approx(cov.road_share[i] * cov.road_length_m, rel=1e-3)


# --------------------------------------------------------------------------- MCLP


def brute_force(cover: np.ndarray, w: np.ndarray, p: int) -> float:
    return max(
        w[cover[list(c)].any(axis=0)].sum()
        for c in itertools.combinations(range(cover.shape[0]), p)
    )


@pytest.mark.parametrize("seed", range(8))
def test_greedy_and_exact_mclp(seed: int) -> None:
    rng = np.random.default_rng(seed)
    cover = rng.random((12, 30)) < 0.2
    w = rng.random(30)
    best = brute_force(cover, w, 3)
    exact = max_cover(sparse.csr_matrix(cover), w, 3, method="exact")
    greedy = max_cover(cover, w, 3, method="greedy")
    assert exact.optimal and exact.covered_weight == pytest.approx(best, rel=1e-9)
    assert exact.covered_weight >= greedy.covered_weight - 1e-9
    assert greedy.covered_weight >= (1 - 1 / math.e) * exact.covered_weight
    # lazy greedy makes the same picks as plain greedy
    covered, picks = np.zeros(30, bool), []
    for _ in range(3):
        gains = (cover & ~covered) @ w
        picks.append(int(gains.argmax()))
        covered |= cover[picks[-1]]
    assert greedy.chosen.tolist() == picks
    assert np.all(np.diff(greedy.gains) <= 1e-12)


def test_mclp_ignores_what_is_already_covered() -> None:
    cover = np.array([[1, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]], dtype=bool)
    w = np.array([5.0, 5.0, 1.0, 2.0])
    res = max_cover(cover, w, 1, initially_covered=np.array([True, True, False, False]))
    assert res.chosen.tolist() == [2] and res.covered_weight == 2.0
    assert max_cover(cover, np.zeros(4), 2).chosen.size == 0  # nothing to gain: no picks


def test_staging_points_on_helsinki(graph: RoadGraph) -> None:
    rng = np.random.default_rng(5)
    busy = sample_road_points(graph, 1, rng)
    incidents = sample_road_points(graph, 400, rng)
    cand = rng.choice(graph.n_nodes, 80, replace=False)
    greedy = recommend_staging_points(
        graph, 3, threshold_s=60, demand_lonlats=incidents, candidates=cand, existing_lonlats=busy
    )
    exact = recommend_staging_points(
        graph,
        3,
        threshold_s=60,
        demand_lonlats=incidents,
        candidates=cand,
        existing_lonlats=busy,
        method="exact",
    )
    assert exact.optimal and exact.covered_after >= greedy.covered_after - 1e-12
    assert greedy.covered_before == exact.covered_before
    assert greedy.gain > 0 and greedy.gain == pytest.approx(greedy.gains.sum())
    assert set(greedy.nodes.tolist()) <= set(cand.tolist())
    # the shares agree with an independent coverage computation for the new positions
    for rec in (greedy, exact):
        before = coverage_135(graph, busy, incidents, thresholds_s=(60,))
        after = coverage_135(graph, np.vstack([busy, rec.lonlat]), incidents, thresholds_s=(60,))
        assert before.incident_share is not None and after.incident_share is not None
        assert rec.covered_before == pytest.approx(before.incident_share[0])
        assert rec.covered_after == pytest.approx(after.incident_share[0])


def test_staging_by_road_length(graph: RoadGraph) -> None:
    w = node_road_weights(graph)
    assert w.sum() == pytest.approx(graph.total_length_m)
    rec = recommend_staging_points(graph, 2, threshold_s=60)
    assert rec.demand == "road_length" and rec.covered_before == 0
    assert 0 < rec.gains[1] <= rec.gains[0] and rec.covered_after == pytest.approx(rec.gains.sum())
