"""Insights benchmark (issue #12): patrol planning and 串并 case linkage.

    python bench/insights.py [--only patrol|linkage|linkage_capped|execution|layers]

Patrol: the Helsinki road network (../shared/data/helsinki.osm.pbf or $ZHIAN_SHARED_DATA),
20 units at random road points, 2,000 candidate cells. The extract holds only about 25 km
of drivable road, so 2,000 distinct cells need a fine 10 m grid over random road points;
risk is gamma-distributed, dose-cap areas are 500 m squares, the cap 10 % of the week's
patrol time, an 8-hour shift with 15-minute dwells. The figure is the wall time of
``plan_patrols`` (travel matrix, selection, OR-Tools with a 2 s search limit, route
lengths), median of 3.

Linkage: see ``docs/linkage.md`` (synthetic series mixed into the Toronto background).
``linkage_capped`` is the same evaluation with the 串并 page's candidate read
(``zhian.insights.services.linkage.link_candidates``, mirrored here in numpy): per query
only the earlier records of the year of the same category or within a 5 km box, the
latest 5,000, with the TF-IDF fitted on them.

Execution: ``bench/_insights_execution.py`` on its own PostgreSQL (the report of a
20-unit day-shift plan over 14 days of fixes every 30 s).

Layers: ``bench/_insights_layers.py`` on its own PostgreSQL (1,000,000 incidents in a month,
bulk-loaded with COPY; the 警情发案图 layer's p95 per station).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from zhian.analytics.patrol import Candidates, DoseCap, PatrolUnit, plan_patrols  # noqa: E402
from zhian.analytics.routing import load_road_graph, sample_road_points  # noqa: E402

SEED = 20240612


def shared() -> Path:
    env = os.environ.get("ZHIAN_SHARED_DATA")
    return Path(env) if env else ROOT.parent / "shared" / "data"


def bench_patrol() -> None:
    graph = load_road_graph(shared() / "helsinki.osm.pbf")
    rng = np.random.default_rng(SEED)
    pts = sample_road_points(graph, 12_000, rng)
    cell = np.floor(graph.project(pts) / 10).astype(np.int64)
    _, first = np.unique(cell, axis=0, return_index=True)
    first = np.sort(first)
    if first.size < 2000:
        raise SystemExit(f"only {first.size} distinct cells; sample more road points")
    first = first[:2000]
    ids = [f"{a}:{b}" for a, b in cell[first]]
    area = [f"{a // 50}:{b // 50}" for a, b in cell[first]]
    cand = Candidates.build(ids, pts[first], rng.gamma(0.5, 1.0, 2000), area)
    units = [
        PatrolUnit(f"unit{k:02d}", *p) for k, p in enumerate(sample_road_points(graph, 20, rng))
    ]
    start = 1_750_000_000
    times, plan = [], None
    for _ in range(3):
        t0 = time.perf_counter()
        plan = plan_patrols(
            graph,
            cand,
            units,
            shift_start=start,
            shift_end=start + 8 * 3600,
            dose_cap=DoseCap(0.10),
            dwell_s=900,
            time_limit_s=2.0,
        )
        times.append(time.perf_counter() - t0)
    assert plan is not None
    loads = [r.workload_s / 3600 for r in plan.routes]
    print(f"patrol: {len(cand)} candidate cells, {len(units)} units, {graph.n_nodes} road nodes")
    print(f"patrol: {plan.summary()}")
    print(
        f"patrol: unit workload {min(loads):.2f}-{max(loads):.2f} h of 8 h; "
        f"route lengths {min(r.route_length_m for r in plan.routes) / 1000:.1f}-"
        f"{max(r.route_length_m for r in plan.routes) / 1000:.1f} km"
    )
    print(f"bench: patrol_plan = {float(np.median(times)):.2f} s")


def bench_linkage() -> None:
    from zhian.analytics.linkage_eval import evaluate_linkage

    result = evaluate_linkage()
    print(result.describe())
    print(f"bench: linkage_precision_at_5 = {result.precision_at_5:.3f}")
    print(f"bench: linkage_recall_at_10 = {result.recall_at_10:.3f}")


def service_candidate_limits() -> tuple[int, float]:
    """The 串并 service's candidate read: at most ``MAX_CANDIDATES`` records, other
    categories within ``NEAR_RADIUS_M`` (the service's module needs Django set up; no
    database is opened)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhian.settings.base")
    import django

    django.setup()
    from zhian.insights.services.linkage import MAX_CANDIDATES, NEAR_RADIUS_M

    return MAX_CANDIDATES, NEAR_RADIUS_M


def bench_linkage_capped() -> None:
    from zhian.analytics.linkage import CaseLinker, CaseSet, LinkageWeights
    from zhian.analytics.linkage_eval import FUZZY_FIELDS, load_background, synthetic_series

    limit, radius_m = service_candidate_limits()

    data = synthetic_series(load_background(), np.random.default_rng(2))
    c, w = data.cases, LinkageWeights()
    p5: list[float] = []
    r10: list[float] = []
    sizes: list[int] = []
    for q in np.flatnonzero(data.series >= 0).tolist():
        s = data.series[q]
        window = (c.t < c.t[q]) & (c.t >= c.t[q] - w.max_days * 86_400)
        earlier = int(np.sum(window & (data.series == s)))
        if earlier == 0:
            continue
        near = (np.abs(c.x - c.x[q]) <= radius_m) & (np.abs(c.y - c.y[q]) <= radius_m)
        cand = np.flatnonzero(window & ((c.category == c.category[q]) | near))
        cand = cand[np.lexsort((cand, c.t[cand]))][-limit:]
        sizes.append(len(cand))
        sub = np.sort(np.append(cand, q))
        cases = CaseSet.build(
            ids=c.ids[sub],
            category=c.category[sub],
            t=c.t[sub],
            x=c.x[sub],
            y=c.y[sub],
            mo={k: v[sub] for k, v in c.mo.items()},
            text=c.text[sub],
        )
        idx, _, _ = CaseLinker(cases, w, fuzzy_fields=FUZZY_FIELDS).rank(
            cases, int(np.flatnonzero(sub == q)[0]), k=10
        )
        hit = data.series[sub[idx]] == s
        r10.append(float(hit.sum()) / earlier)
        if earlier >= 5:
            p5.append(float(hit[:5].sum()) / 5.0)
    print(
        f"linkage with the service's candidates: median {int(np.median(sizes))}, "
        f"{sum(n == limit for n in sizes)} of {len(sizes)} queries at the cap; "
        f"{len(p5)} / {len(r10)} queries"
    )
    print(f"bench: linkage_capped_precision_at_5 = {float(np.mean(p5)):.3f}")
    print(f"bench: linkage_capped_recall_at_10 = {float(np.mean(r10)):.3f}")


def bench_layers() -> int:
    script = ROOT / "bench" / "_insights_layers.py"
    return subprocess.call(
        [str(ROOT / "scripts" / "with-postgres"), sys.executable, str(script)], cwd=ROOT
    )


def bench_execution() -> int:
    script = ROOT / "bench" / "_insights_execution.py"
    return subprocess.call(
        [str(ROOT / "scripts" / "with-postgres"), sys.executable, str(script)], cwd=ROOT
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--only", choices=["patrol", "linkage", "linkage_capped", "execution", "layers"]
    )
    args = parser.parse_args()
    if args.only in (None, "patrol"):
        bench_patrol()
    if args.only in (None, "linkage"):
        bench_linkage()
    if args.only in (None, "linkage_capped"):
        bench_linkage_capped()
    if args.only in (None, "execution") and (rc := bench_execution()):
        raise SystemExit(rc)
    if args.only in (None, "layers"):
        raise SystemExit(bench_layers())


if __name__ == "__main__":
    main()
