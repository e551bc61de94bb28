"""Dispatch benchmark (issue #4): road graph, unit recommendation, 1-3-5 coverage.

    python bench/dispatch.py [path/to/helsinki.osm.pbf]

Data: ../shared/data/helsinki.osm.pbf (or $ZHIAN_SHARED_DATA). 300 units at random road
points and 1,000 incidents at random road points with ~15 m of GPS/building offset, from
a fixed seed. Each section is a function returning its figures, so more sections (the
API throughput part) can be added to ``main``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Hashable
from functools import partial
from pathlib import Path
from typing import Any, Literal

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from zhian.analytics.coverage import coverage_135, recommend_staging_points  # noqa: E402
from zhian.analytics.routing import (  # noqa: E402
    RoadGraph,
    UnitIndex,
    load_graph,
    load_road_graph,
    prepare_units,
    recommend_units,
    sample_road_points,
    save_graph,
    travel_times_to,
)

SEED = 20240604
N_UNITS = 300
N_INCIDENTS = 1000
K = 5

Row = tuple[str, str]


def data_path(argv: list[str]) -> Path:
    if argv:
        return Path(argv[0])
    base = os.environ.get("ZHIAN_SHARED_DATA")
    shared = Path(base) if base else ROOT.parent / "shared" / "data"
    return shared / "helsinki.osm.pbf"


def timed(fn: Callable[[], Any], runs: int) -> tuple[Any, float]:
    """Result of the last run and the median wall time (s) over ``runs``."""
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return result, float(np.median(times))


def bench_graph(pbf: Path) -> tuple[RoadGraph, dict[str, float], list[Row]]:
    graph, build_s = timed(lambda: load_road_graph(pbf), runs=3)
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) / "graph.npz"
        save_graph(graph, cache)
        _, cache_s = timed(lambda: load_graph(cache), runs=3)
        cache_kb = cache.stat().st_size / 1024
    rows = [
        ("input", f"{pbf.name} ({pbf.stat().st_size / 1024:.0f} KB)"),
        ("graph build (median of 3)", f"{build_s:.3f} s"),
        ("nodes", f"{graph.n_nodes:,}"),
        ("edges (directed arcs)", f"{graph.n_arcs:,}"),
        ("street pieces", f"{graph.n_edges:,}, {graph.total_length_m / 1000:.1f} km drivable"),
        ("npz cache", f"{cache_kb:.0f} KB, loads in {cache_s * 1000:.1f} ms"),
    ]
    return graph, {"graph_build": build_s}, rows


def place_units(graph: RoadGraph, rng: np.random.Generator) -> list[tuple[Hashable, float, float]]:
    pts = sample_road_points(graph, N_UNITS, rng)
    return [(f"U{i:03d}", float(x), float(y)) for i, (x, y) in enumerate(pts)]


def random_incidents(graph: RoadGraph, rng: np.random.Generator) -> np.ndarray:
    pts = sample_road_points(graph, N_INCIDENTS, rng)
    metres = rng.normal(0.0, 15.0, pts.shape)
    scale = np.array([111_320 * np.cos(np.radians(pts[:, 1].mean())), 110_574])
    return pts + metres / scale


def bench_recommend(
    graph: RoadGraph, units: UnitIndex, incidents: np.ndarray
) -> tuple[dict[str, float], list[Row]]:
    for inc in incidents[:20]:  # warm-up
        recommend_units(graph, inc, units, k=K)
    per_call = []
    for inc in incidents:
        start = time.perf_counter()
        recommend_units(graph, inc, units, k=K)
        per_call.append((time.perf_counter() - start) * 1000)
    ms = np.asarray(per_call)
    line_ms = []
    for inc in incidents:
        start = time.perf_counter()
        recommend_units(None, inc, units, k=K)
        line_ms.append((time.perf_counter() - start) * 1000)

    # how much the road network changes the answer (not timed)
    differ, lost = 0, []
    position = {uid: i for i, uid in enumerate(units.ids)}
    for inc in incidents:
        eta = travel_times_to(graph, inc, units.lonlat)
        pick = position[recommend_units(None, inc, units, k=1).unit_ids[0]]
        if eta[pick] > eta.min():
            differ += 1
            lost.append(eta[pick] - eta.min())
    figures = {
        "recommend_units_p50": float(np.percentile(ms, 50)),
        "recommend_units_p99": float(np.percentile(ms, 99)),
    }
    rows = [
        ("recommend_units", f"{N_INCIDENTS:,} incidents, {len(units)} units, k={K}"),
        (
            "  p50 / p90 / p99 / max",
            " / ".join(f"{np.percentile(ms, q):.2f}" for q in (50, 90, 99, 100)) + " ms",
        ),
        ("  straight-line fallback p50", f"{np.percentile(line_ms, 50):.2f} ms"),
        (
            "  straight line picks another first unit",
            f"{differ / len(incidents):.1%} of incidents"
            + (f", median {np.median(lost):.0f} s slower" if lost else ""),
        ),
    ]
    return figures, rows


def bench_coverage(
    graph: RoadGraph, unit_lonlat: np.ndarray, incidents: np.ndarray
) -> tuple[dict[str, float], list[Row]]:
    cov, seconds = timed(lambda: coverage_135(graph, unit_lonlat, incidents), runs=5)
    few, _ = timed(lambda: coverage_135(graph, unit_lonlat[:3], incidents), runs=1)

    def shares(c: Any) -> str:
        road = "/".join(f"{x:.1%}" for x in c.road_share)
        inc = "/".join(f"{x:.1%}" for x in c.incident_share)
        return f"road {road}, incidents {inc}"

    rows = [
        ("coverage_135 (median of 5)", f"{seconds:.4f} s for {len(unit_lonlat)} units"),
        (f"  1/3/5 min, {len(unit_lonlat)} units", shares(cov)),
        ("  1/3/5 min, 3 units", shares(few)),
    ]
    return {"coverage_135": seconds}, rows


def bench_staging(
    graph: RoadGraph, unit_lonlat: np.ndarray, incidents: np.ndarray
) -> tuple[dict[str, float], list[Row]]:
    """Night shift: a few units busy where they are, idle ones to stage (demand: incidents)."""
    rows: list[Row] = []
    figures: dict[str, float] = {}
    methods: tuple[Literal["greedy", "exact"], ...] = ("greedy", "exact")
    for busy, idle, tau in ((1, 2, 180), (2, 3, 60)):
        for method in methods:
            run = partial(
                recommend_staging_points,
                graph,
                idle,
                threshold_s=tau,
                demand_lonlats=incidents,
                existing_lonlats=unit_lonlat[:busy],
                method=method,
            )
            rec, seconds = timed(run, runs=1)
            rows.append(
                (
                    f"staging {method}, {tau // 60} min, {busy} busy + {idle} idle",
                    f"{rec.covered_before:.1%} -> {rec.covered_after:.1%} "
                    f"(+{rec.gain:.1%}) in {seconds:.3f} s",
                )
            )
            if method == "greedy" and tau == 180:
                figures["staging_greedy"] = seconds
    return figures, rows


def print_table(title: str, rows: list[Row]) -> None:
    width = max(len(k) for k, _ in rows)
    print(title)
    for key, value in rows:
        print(f"  {key:<{width}}  {value}")


def main(argv: list[str] | None = None) -> int:
    pbf = data_path(sys.argv[1:] if argv is None else argv)
    if not pbf.exists():
        print(f"bench/dispatch.py: {pbf} not found", file=sys.stderr)
        return 1
    rng = np.random.default_rng(SEED)
    graph, figures, rows = bench_graph(pbf)
    units = prepare_units(graph, place_units(graph, rng))
    incidents = random_incidents(graph, rng)
    for section in (
        bench_recommend(graph, units, incidents),
        bench_coverage(graph, units.lonlat, incidents),
        bench_staging(graph, units.lonlat, incidents),
    ):
        figures.update(section[0])
        rows.extend(section[1])
    print_table(f"dispatch bench (seed {SEED}, numpy {np.__version__})", rows)
    print(f"bench: graph_build = {figures['graph_build']:.2f} s")
    print(f"bench: recommend_units_p50 = {figures['recommend_units_p50']:.2f} ms")
    print(f"bench: recommend_units_p99 = {figures['recommend_units_p99']:.2f} ms")
    print(f"bench: coverage_135 = {figures['coverage_135']:.3f} s")
    sys.stdout.flush()
    # Incident creation through the API on PostgreSQL (its own server; see its docstring).
    return subprocess.call([sys.executable, str(ROOT / "bench" / "_dispatch_api.py")])


if __name__ == "__main__":
    sys.exit(main())
