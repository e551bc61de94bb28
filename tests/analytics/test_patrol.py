"""Patrol planning (zhian.analytics.patrol): dose cap, availability and shift times, every
cell at most once, route lengths, fairness spread; on a grid network and on Helsinki."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from zhian.analytics.patrol import (
    SKIP_BEYOND_CAPACITY,
    SKIP_DOSE_CAP,
    Candidates,
    DoseCap,
    PatrolPlan,
    PatrolUnit,
    patrol_spread,
    plan_patrols,
)
from zhian.analytics.routing import RoadGraph, haversine_m, load_road_graph, sample_road_points

LON0, LAT0, STEP = 24.90, 60.10, 0.002  # about 111 m north-south, 111 m east-west
SHIFT = (1_700_000_000, 1_700_000_000 + 4 * 3600)


def grid_graph(k: int = 8) -> RoadGraph:
    """A k x k two-way street grid at 30 km/h."""
    lon = LON0 + STEP * np.arange(k) * 2  # ~111 m east-west at 60 N
    lat = LAT0 + STEP * np.arange(k)
    nodes = np.array([[x, y] for y in lat for x in lon])
    u, v = [], []
    for r in range(k):
        for c in range(k):
            i = r * k + c
            if c + 1 < k:
                u.append(i)
                v.append(i + 1)
            if r + 1 < k:
                u.append(i)
                v.append(i + k)
    return RoadGraph.from_edges(nodes, u, v, speed_mps=30 / 3.6, fwd=True, bwd=True)


def node_at(graph: RoadGraph, node: int) -> tuple[float, float]:
    """The (lon, lat) of one graph node."""
    lon, lat = graph.node_lonlat[node]
    return lon, lat


def grid_candidates(graph: RoadGraph, rng: np.random.Generator, n: int = 40) -> Candidates:
    nodes = graph.node_lonlat[rng.choice(graph.n_nodes, size=n, replace=False)]
    area = np.where(nodes[:, 0] < nodes[:, 0].mean(), "west", "east")
    return Candidates.build([f"c{i}" for i in range(n)], nodes, rng.gamma(1.0, 1.0, n), area)


def assert_plan_valid(plan: PatrolPlan, cand: Candidates, units: list[PatrolUnit]) -> None:
    """The invariants every plan must hold."""
    by_id = {u.id: u for u in units}
    cells = [v.cell for v in plan.visits]
    assert len(cells) == len(set(cells)), "a cell was assigned twice"
    skipped = {s.cell for s in plan.skipped}
    assert not skipped & set(cells)
    assert skipped | set(cells) == set(cand.ids.tolist()), "a candidate vanished"
    for route in plan.routes:
        unit = by_id[route.unit]
        lo = max(plan.shift_start, unit.available_from or plan.shift_start)
        hi = min(plan.shift_end, unit.available_until or plan.shift_end)
        assert lo <= route.start <= route.end <= hi
        t = route.start
        for k, v in enumerate(route.visits, start=1):
            assert v.order == k
            assert v.arrive >= t + v.travel_s - 1  # integer rounding in the solver
            assert v.depart == v.arrive + plan.dwell_s
            t = v.depart
        assert route.end >= t
        assert route.patrol_s == plan.dwell_s * len(route.visits)
    for u in plan.unavailable_units:
        assert u not in {r.unit for r in plan.routes}


def test_dose_cap_skips_cells_of_an_area_past_its_share_with_the_reason() -> None:
    # given 40 cells, the 20 riskiest all in the "hot" area, and a cap of 25 % of a
    # 10-hour week of which the hot area already had 1 h 45 min
    graph = grid_graph()
    rng = np.random.default_rng(7)
    cand = grid_candidates(graph, rng)
    risk = cand.risk.copy()
    area = cand.area.copy()
    order = np.argsort(-risk)
    area[order[:20]] = "hot"
    cand = Candidates.build(cand.ids, cand.lonlat, risk, area)
    units = [PatrolUnit(f"u{k}", *graph.node_lonlat[k * 9]) for k in range(3)]
    cap = DoseCap(share=0.25, week_total_s=10 * 3600, used_s={"hot": 105 * 60})
    # when planning a 4-hour shift with 15-minute dwells
    plan = plan_patrols(
        graph,
        cand,
        units,
        shift_start=SHIFT[0],
        shift_end=SHIFT[1],
        dose_cap=cap,
        dwell_s=900,
        time_limit_s=0.5,
    )
    # then the hot area gets 2.5 h - 1.75 h = 45 min: three cells, the riskiest three
    hot = [v for v in plan.visits if v.area == "hot"]
    assert len(hot) == 3
    assert cap.week_total_s is not None
    assert plan.area_planned_s["hot"] + cap.used_s["hot"] <= cap.share * cap.week_total_s
    assert {v.cell for v in hot} == set(cand.ids[order[:3]].tolist())
    capped = [s for s in plan.skipped if s.reason == SKIP_DOSE_CAP and s.area == "hot"]
    assert len(capped) == 17
    # and the 12 western cells meet the same 150 min limit after ten of them
    assert sum(v.area == "west" for v in plan.visits) == 10
    assert "hot" in capped[0].detail and "25%" in capped[0].detail
    assert_plan_valid(plan, cand, units)


def test_units_keep_to_their_availability_and_the_shift() -> None:
    # given one unit for the whole shift, one from the second hour, one leaving after
    # 90 minutes and one not available at all
    graph = grid_graph()
    cand = grid_candidates(graph, np.random.default_rng(3), n=50)
    s0, s1 = SHIFT
    units = [
        PatrolUnit("full", *node_at(graph, 0)),
        PatrolUnit("late", *node_at(graph, 63), available_from=s0 + 3600),
        PatrolUnit("early", *node_at(graph, 7), available_until=s0 + 5400),
        PatrolUnit("off", *node_at(graph, 56), available_from=s1, available_until=s1 + 3600),
    ]
    # when planning with a generous cap
    plan = plan_patrols(
        graph,
        cand,
        units,
        shift_start=s0,
        shift_end=s1,
        dose_cap=DoseCap(share=1.0),
        dwell_s=900,
        time_limit_s=0.5,
    )
    # then each route lies inside its unit's window and the unavailable unit has none
    assert plan.unavailable_units == ["off"]
    routes = {r.unit: r for r in plan.routes}
    assert set(routes) == {"full", "late", "early"}
    assert routes["late"].start >= s0 + 3600 and routes["late"].visits
    assert routes["early"].end <= s0 + 5400 and routes["early"].visits
    # 50 cells of 15 minutes cannot fit in 6.5 unit-hours: the rest are beyond capacity
    assert any(s.reason == SKIP_BEYOND_CAPACITY for s in plan.skipped)
    assert_plan_valid(plan, cand, units)


def test_work_is_balanced_and_routes_have_lengths() -> None:
    # given few cells for several units
    graph = grid_graph()
    cand = grid_candidates(graph, np.random.default_rng(11), n=16)
    units = [PatrolUnit(f"u{k}", *graph.node_lonlat[k]) for k in (0, 7, 56, 63)]
    plan = plan_patrols(
        graph,
        cand,
        units,
        shift_start=SHIFT[0],
        shift_end=SHIFT[1],
        dose_cap=DoseCap(share=1.0),
        time_limit_s=0.5,
    )
    # then every cell is served, no unit carries more than twice the mean, and each
    # route's length is at least the straight-line tour through its cells
    assert len(plan.visits) == 16 and plan.risk_covered_share == pytest.approx(1.0)
    counts = [len(r.visits) for r in plan.routes]
    assert max(counts) <= 2 * np.mean(counts)
    for r, u in zip(plan.routes, units, strict=True):
        if not r.visits:
            continue
        ll = np.array(
            [[u.lon, u.lat]] + [cand.lonlat[int(v.cell[1:])] for v in r.visits] + [[u.lon, u.lat]]
        )
        straight = float(haversine_m(ll[:-1], ll[1:]).sum())
        assert r.route_length_m >= straight - 1.0
        assert r.route_length_m > sum(v.distance_m for v in r.visits)  # plus the way back
    assert_plan_valid(plan, cand, units)


def test_alert_factor_raises_a_cell_into_the_plan() -> None:
    # given one unit with room for two cells and three cells, the lowest inside an alert
    graph = grid_graph()
    ll = graph.node_lonlat[[9, 18, 27]]
    units = [PatrolUnit("u", *graph.node_lonlat[0])]
    s0 = SHIFT[0]
    base = Candidates.build(["a", "b", "c"], ll, [3.0, 2.0, 1.0], ["x"] * 3)
    alerted = Candidates.build(["a", "b", "c"], ll, [3.0, 2.0, 1.0], ["x"] * 3, [1, 1, 2.5])
    kw: dict[str, Any] = dict(
        shift_start=s0, shift_end=s0 + 1800, dose_cap=DoseCap(1.0), dwell_s=700, time_limit_s=0.2
    )
    # then without the alert "c" is left out; with it "b" is
    assert {v.cell for v in plan_patrols(graph, base, units, **kw).visits} == {"a", "b"}
    assert {v.cell for v in plan_patrols(graph, alerted, units, **kw).visits} == {"a", "c"}


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(shift_start=10, shift_end=10), "end after"),
        (dict(dwell_s=0), "dwell"),
    ],
)
def test_bad_input_is_refused(kwargs: dict[str, int], message: str) -> None:
    graph = grid_graph(3)
    cand = grid_candidates(graph, np.random.default_rng(0), n=3)
    args: dict[str, Any] = dict(shift_start=0, shift_end=3600, dose_cap=DoseCap(0.5), dwell_s=600)
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        plan_patrols(graph, cand, [PatrolUnit("u", *graph.node_lonlat[0])], **args)


def test_candidates_and_cap_are_validated() -> None:
    with pytest.raises(ValueError, match="unique"):
        Candidates.build(["a", "a"], [[0, 0], [0, 0]], [1, 1], ["x", "x"])
    with pytest.raises(ValueError, match="non-negative"):
        Candidates.build(["a"], [[0, 0]], [-1], ["x"])
    with pytest.raises(ValueError, match="at least 1"):
        Candidates.build(["a"], [[0, 0]], [1], ["x"], [0.5])
    with pytest.raises(ValueError, match="share"):
        DoseCap(share=0)


def test_spread_compares_patrol_time_with_where_incidents_happened() -> None:
    graph = grid_graph()
    cand = grid_candidates(graph, np.random.default_rng(5), n=12)
    units = [PatrolUnit("u", *graph.node_lonlat[0])]
    plan = plan_patrols(
        graph,
        cand,
        units,
        shift_start=SHIFT[0],
        shift_end=SHIFT[1],
        dose_cap=DoseCap(1.0),
        time_limit_s=0.3,
    )
    hoods = {c: str(a) for c, a in zip(cand.ids.tolist(), cand.area.tolist(), strict=True)}
    # incidents all in the west: any patrol time in the east is out of proportion
    rep = patrol_spread(plan, hoods, ["west"] * 10)
    east = sum(plan.dwell_s for v in plan.visits if v.area == "east")
    share = east / sum(plan.dwell_s for _ in plan.visits)
    assert rep.regions == ["east", "west"]
    assert rep.flagged_share[0] == pytest.approx(share)
    assert rep.dissimilarity == pytest.approx(share)


def shared_data() -> Path:
    env = os.environ.get("ZHIAN_SHARED_DATA")
    return Path(env) if env else Path(__file__).resolve().parents[2].parent / "shared" / "data"


def test_helsinki_plan_holds_the_invariants() -> None:
    pbf = shared_data() / "helsinki.osm.pbf"
    if not pbf.exists():
        pytest.skip(f"shared data not found at {pbf}")
    graph = load_road_graph(pbf)
    rng = np.random.default_rng(2)
    pts = sample_road_points(graph, 600, rng)
    cell = np.floor(graph.project(pts) / 50).astype(int)
    _, first = np.unique(cell, axis=0, return_index=True)
    ids = [f"{a}:{b}" for a, b in cell[first]]
    area = [f"{a // 10}:{b // 10}" for a, b in cell[first]]
    cand = Candidates.build(ids, pts[first], rng.gamma(0.5, 1.0, len(ids)), area)
    units = [PatrolUnit(f"u{k}", *p) for k, p in enumerate(sample_road_points(graph, 5, rng))]
    cap = DoseCap(share=0.15)
    plan = plan_patrols(
        graph,
        cand,
        units,
        shift_start=SHIFT[0],
        shift_end=SHIFT[0] + 8 * 3600,
        dose_cap=cap,
        time_limit_s=1.0,
    )
    assert_plan_valid(plan, cand, units)
    per_area = Counter(v.area for v in plan.visits)
    assert max(per_area.values()) * plan.dwell_s <= plan.area_limit_s
    assert plan.area_limit_s == pytest.approx(0.15 * 5 * 8 * 3600)
    assert 0 < plan.risk_covered_share < 1
    assert all(r.route_length_m > 0 for r in plan.routes if r.visits)


def test_without_a_road_network_travel_is_straight_line_and_said_so() -> None:
    graph = grid_graph()
    cand = grid_candidates(graph, np.random.default_rng(9), n=10)
    units = [PatrolUnit("u", *graph.node_lonlat[0])]
    plan = plan_patrols(
        None,
        cand,
        units,
        shift_start=SHIFT[0],
        shift_end=SHIFT[1],
        dose_cap=DoseCap(1.0),
        time_limit_s=0.3,
        detour_factor=1.4,
        fallback_speed_kmh=30.0,
    )
    assert plan.travel_method == "straight_line"
    first = plan.routes[0].visits[0]
    straight = float(haversine_m([units[0].lon, units[0].lat], cand.lonlat[int(first.cell[1:])]))
    assert first.distance_m == pytest.approx(1.4 * straight)
    assert first.travel_s == pytest.approx(1.4 * straight / (30 / 3.6), abs=1.0)
    assert_plan_valid(plan, cand, units)
