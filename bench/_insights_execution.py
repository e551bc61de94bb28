"""巡防计划执行情况 latency on PostgreSQL: the execution report of a 20-unit day-shift plan.

    scripts/with-postgres python bench/_insights_execution.py   # run by bench/insights.py

Protocol: a throw-away PostgreSQL 15 server on loopback (``scripts/with-postgres``);
migrations; the layers bench's Toronto bureau (``_insights_layers.build_tree``); 20 patrol
cars of one station reporting an AVL fix every 30 s for the 14 days before today (about
800,000 fixes, COPY, then ANALYZE), each car alternating stops and drives on its beat
(``_insights_layers.beat_track``, one step per fix). A stored plan for yesterday's day
shift gives each car 20 stops of 15 minutes, every 30 minutes from 08:30, at the square
(150 m, the forecast's grid) where the car's own track is 5 minutes into the stop: some
are done, some missed, as in a real shift. Measured: ``plan_execution`` (the units' fixes
of the 12-hour shift read through dispatch's ``fixes_around`` in one query, credited,
placed in the plan's squares, totals), 20 rounds: p95. The load average is printed (the
machine is shared).
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from _insights_layers import BBOX, SEED, beat_track, build_tree, setup_django  # noqa: E402

UNITS = 20
STOPS = 20
DAYS = 14
STEP_S = 30


def main() -> None:
    setup_django()
    from django.db import connection
    from django.utils import timezone
    from pyproj import Transformer

    from zhian.dispatch.models import Unit
    from zhian.insights.choices import RunStatus
    from zhian.insights.models import PatrolPlan, StoredForecast
    from zhian.insights.services.plan_execution import cell_ids, plan_execution
    from zhian.insights.services.plans import shift_window

    tree = build_tree()
    station = tree["TO-11"]
    day = timezone.localdate() - dt.timedelta(days=1)
    start, end = shift_window(day, "day")
    until_ts = int(timezone.now().timestamp()) // 60 * 60 - 3600
    since_ts = until_ts - DAYS * 86_400
    steps = (until_ts - since_ts) // STEP_S
    rng = np.random.default_rng(SEED + 7)
    x0, y0, x1, y1 = BBOX
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    half_lat, half_lon = 0.0117, 0.0162
    tracks = []
    for k in range(UNITS):  # the units first: the connection is busy while COPY runs
        ux = cx + rng.uniform(-0.01, 0.01)
        uy = cy + rng.uniform(-0.01, 0.01)
        unit = Unit.objects.create(
            call_sign=f"X-{k:02d}", station=station, kind="patrol_car", lon=ux, lat=uy
        )
        lon, lat = beat_track(rng, steps, ux, uy, half_lon, half_lat)
        tracks.append((unit, lon, lat))
    stamps = [
        dt.datetime.fromtimestamp(since_ts + STEP_S * i, dt.UTC).isoformat() for i in range(steps)
    ]
    t0 = time.perf_counter()
    with connection.cursor() as cur:
        with cur.cursor.copy("COPY dispatch_unitposition (unit_id, at, lon, lat) FROM STDIN") as cp:
            for unit, lon, lat in tracks:
                cp.write(
                    "".join(
                        f"{unit.pk}\t{s}\t{a:.6f}\t{b:.6f}\n"
                        for s, a, b in zip(stamps, lon, lat, strict=True)
                    )
                )
        cur.execute("ANALYZE dispatch_unitposition")
    load_s = time.perf_counter() - t0
    print(f"execution: {UNITS * steps:,} fixes loaded by COPY in {load_s:.1f} s")
    epsg, size = 32617, 150
    forecast = StoredForecast.objects.create(
        jurisdiction=station, data_end=start, epsg=epsg, cell_size_m=size, status=RunStatus.DONE
    )
    to_lonlat = Transformer.from_crs(epsg, 4326, always_xy=True)
    routes = []
    for unit, lon, lat in tracks:
        arrive = [int(start.timestamp()) + 1800 * (k + 1) for k in range(STOPS)]
        at = np.array([(a + 300 - since_ts) // STEP_S for a in arrive])
        cells = cell_ids(epsg, size, lon[at], lat[at])
        visits = []
        for k, cell in enumerate(cells):
            x, y = (float(v) + size / 2 for v in cell.split(":"))
            c_lon, c_lat = to_lonlat.transform(x, y)
            visits.append(
                {
                    "order": k + 1,
                    "cell": cell,
                    "area": str(station.pk),
                    "lon": round(c_lon, 6),
                    "lat": round(c_lat, 6),
                    "risk": float(rng.gamma(2.0, 0.01)),
                    "arrive": arrive[k],
                    "depart": arrive[k] + 900,
                }
            )
        routes.append({"unit": unit.pk, "call_sign": unit.call_sign, "visits": visits})
    plan = PatrolPlan.objects.create(
        jurisdiction=station,
        forecast=forecast,
        shift="day",
        shift_start=start,
        shift_end=end,
        cap_share=0.2,
        routes=routes,
        summary={"risk_covered_share": 0.3},
    )
    plan = PatrolPlan.objects.select_related("forecast").get(pk=plan.pk)
    times = []
    for _round in range(20):
        t1 = time.perf_counter()
        report = plan_execution(plan)
        times.append(1000 * (time.perf_counter() - t1))
    fixes = sum(u.fixes for u in report.units)
    p95 = float(np.percentile(times, 95))
    print(
        f"execution: {UNITS} units x {STOPS} stops, {fixes:,} fixes in the shift; "
        f"{report.cells_done} of {report.cells_planned} stops done, "
        f"{100 * (report.delivered_share or 0):.0f}% of the dose; median "
        f"{np.median(times):.0f} ms, p95 {p95:.0f} ms; load average "
        + " ".join(f"{x:.2f}" for x in os.getloadavg())
    )
    print(f"bench: plan_execution_p95 = {p95:.0f} ms")


if __name__ == "__main__":
    main()
