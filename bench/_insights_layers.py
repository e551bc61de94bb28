"""Map layer latency on PostgreSQL (issue #12): one month of 1,000,000 incidents.

    scripts/with-postgres python bench/_insights_layers.py   # run by bench/insights.py

Protocol: a throw-away PostgreSQL 15 server on loopback (``scripts/with-postgres``);
migrations; a bureau over Toronto split into 12 stations (4 x 3 rectangles); 1,000,000
incidents bulk-loaded with COPY in the last calendar month, at real Toronto offence points
(the shared MCI file's positions, resampled with a fixed seed) with their categories
mapped to 警情 codes, each in the station containing it; ANALYZE. COPY bypasses
dispatch's services, so the per-day cell counts the layer reads are then filled as a
production bulk import fills them: ``rebuild_incident_cells`` (a month per transaction;
its time is printed), then VACUUM ANALYZE (autovacuum's job in production).

Measured: the 警情发案图 layer (``zhian.insights.selectors.incident_layer``: H3 cell counts
summed from the per-day aggregate, points only below 5,000 incidents) plus its JSON
encoding, for an analyst of each station and of the bureau, all categories and one
category, 5 rounds; p95 over the station requests (the bureau's own figure printed
beside it). Then a zoomed-in view's points (``incident_points_in_view``, a zoom-16 view
of 0.021 x 0.011 degrees centred on a random incident of the station): p95 of 60
requests. The load average is printed with each figure (the machine is shared).

巡防图: 8 patrol cars per station (96), one AVL fix a minute for the whole month
(4.3 million fixes, COPY), each car alternating 10-40 minute stops at random points of a
2.6 x 2.6 km beat in its station with drives between them at 25 km/h; the per-day cell
seconds filled by the rebuild as after a bulk import. Measured: ``patrol_presence_layer``
plus JSON for each station's analyst and the bureau's, 5 rounds: p95 over the station
requests; beside it, what reading one station-month of fixes costs (the previous
implementation read them on every request).
"""

from __future__ import annotations

import gzip
import io
import json
import os
import secrets
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

N_INCIDENTS = 1_000_000
SEED = 20240612
BBOX = (-79.64, 43.58, -79.12, 43.86)
COLS, ROWS = 4, 3
CATEGORY = {
    "Assault": "0104",
    "Break and Enter": "0105",
    "Auto Theft": "0106",
    "Robbery": "0102",
    "Theft Over": "0101",
}


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhian.settings.base")
    os.environ.setdefault("ZHIAN_SECRET_KEY", secrets.token_urlsafe(48))
    os.environ.setdefault("ZHIAN_DEBUG", "0")
    os.environ.setdefault("ZHIAN_VAR_DIR", tempfile.mkdtemp(prefix="zhian-bench-"))
    os.environ.setdefault("ZHIAN_LOG_LEVEL", "WARNING")
    if not os.environ.get("ZHIAN_DATABASE_URL"):
        raise SystemExit("run through scripts/with-postgres (ZHIAN_DATABASE_URL is not set)")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def rect(lon0: float, lat0: float, lon1: float, lat1: float) -> dict[str, object]:
    ring = [[lon0, lat0], [lon1, lat0], [lon1, lat1], [lon0, lat1], [lon0, lat0]]
    return {"type": "Polygon", "coordinates": [ring]}


def build_tree() -> dict[str, object]:
    from zhian.core.models import Jurisdiction
    from zhian.core.services.jurisdictions import do_import_jurisdictions

    x0, y0, x1, y1 = BBOX
    feats = [
        {
            "type": "Feature",
            "geometry": rect(*BBOX),
            "properties": {
                "code": "TO",
                "name": "多伦多演示分局",
                "kind": "bureau",
                "parent": None,
            },
        }
    ]
    dx, dy = (x1 - x0) / COLS, (y1 - y0) / ROWS
    for r in range(ROWS):
        for c in range(COLS):
            feats.append(
                {
                    "type": "Feature",
                    "geometry": rect(
                        x0 + c * dx, y0 + r * dy, x0 + (c + 1) * dx, y0 + (r + 1) * dy
                    ),
                    "properties": {
                        "code": f"TO-{r}{c}",
                        "name": f"第{r * COLS + c + 1}派出所",
                        "kind": "station",
                        "parent": "TO",
                    },
                }
            )
    do_import_jurisdictions({"type": "FeatureCollection", "features": feats}, acting_user=None)
    return {j.code: j for j in Jurisdiction.objects.all()}


def load_incidents(tree: dict[str, object], since_ts: int, until_ts: int) -> float:
    """COPY the incidents; returns the seconds it took (generation excluded)."""
    from django.db import connection

    from zhian.core.geo import point_cell
    from zhian.core.models import User
    from zhian.dispatch.models import IncidentCategory

    shared = Path(os.environ.get("ZHIAN_SHARED_DATA", ROOT.parent / "shared" / "data"))
    with gzip.open(shared / "toronto_mci_2014_2020.csv.gz", "rt", encoding="utf-8") as f:
        header = f.readline().strip().split(",")
        ic, ilat, ilon = (header.index(k) for k in ("category", "lat", "lon"))
        src = [
            (p[ic], float(p[ilon]), float(p[ilat]))
            for p in (line.rstrip("\n").split(",") for line in f)
            if len(p) == len(header)
        ]
    x0, y0, x1, y1 = BBOX
    src = [s for s in src if x0 < s[1] < x1 and y0 < s[2] < y1]
    rng = np.random.default_rng(SEED)
    pick = rng.integers(0, len(src), N_INCIDENTS)
    times = np.sort(rng.integers(since_ts, until_ts, N_INCIDENTS))
    cats = {c.code: c.pk for c in IncidentCategory.objects.all()}
    dx, dy = (x1 - x0) / COLS, (y1 - y0) / ROWS
    station_id = {}
    for r in range(ROWS):
        for c in range(COLS):
            station_id[(r, c)] = tree[f"TO-{r}{c}"].pk  # type: ignore[attr-defined]
    user = User.objects.create(username="bench-loader")
    cells: dict[tuple[float, float], str] = {}
    buf = io.StringIO()
    for k in range(N_INCIDENTS):
        cat, lon, lat = src[int(pick[k])]
        key = (lon, lat)
        if key not in cells:
            cells[key] = point_cell(lon, lat)
        r = min(ROWS - 1, int((lat - y0) / dy))
        c = min(COLS - 1, int((lon - x0) / dx))
        at = time.strftime("%Y-%m-%d %H:%M:%S+00", time.gmtime(int(times[k])))
        buf.write(
            f"B{k:09d}\t{station_id[(r, c)]}\tcall_110\t{cats[CATEGORY[cat]]}\t3\tclosed\t"
            f"Toronto\t{lon}\t{lat}\twgs84\t{cells[key]}\t\t{at}\t\\N\tresolved\t\t\\N\t"
            f"{user.pk}\t1\t{at}\n"
        )
    cols = (
        "number, jurisdiction_id, channel, category_id, priority, status, address, lon, "
        "lat, source_crs, h3_cell, narrative, received_at, closed_at, disposition, "
        "disposition_note, merged_into_id, created_by_id, version, updated_at"
    )
    start = time.perf_counter()
    with connection.cursor() as cur:
        raw = cur.cursor
        with raw.copy(f"COPY dispatch_incident ({cols}) FROM STDIN") as copy:
            copy.write(buf.getvalue())
        cur.execute("ANALYZE dispatch_incident")
    return time.perf_counter() - start


def main() -> None:
    setup_django()
    from tests.factories import Role, UserFactory
    from zhian.insights.forms import last_month
    from zhian.insights.services.common import local_midnight

    tree = build_tree()
    since_d, until_d = last_month()
    since, until = local_midnight(since_d), local_midnight(until_d)
    copy_s = load_incidents(tree, int(since.timestamp()), int(until.timestamp()))
    stations = [j for code, j in sorted(tree.items()) if code != "TO"]
    analysts = [
        (UserFactory(username=f"a-{j.code}", roles=[(Role.ANALYST, j)]), j)  # type: ignore[attr-defined]
        for j in stations
    ]
    bureau_user = UserFactory(username="a-TO", roles=[(Role.ANALYST, tree["TO"])])
    fill_s, rows = fill_aggregate(since_d, until_d)
    print(f"layers: per-day cell counts rebuilt in {fill_s:.1f} s ({rows:,} rows)")
    p95 = measure(analysts, bureau_user, tree, since, until, since_d, copy_s, "aggregate")
    print(f"layers: load average {load_average()}")
    print(f"bench: map_layer_p95 = {p95:.0f} ms")
    points_p95 = measure_points(analysts, since, until)
    print(f"layers: load average {load_average()}")
    print(f"bench: map_points_p95 = {points_p95:.0f} ms")
    patrol_p95 = bench_patrol_layer(tree, analysts, bureau_user, since, until, since_d, until_d)
    print(f"layers: load average {load_average()}")
    print(f"bench: patrol_layer_p95 = {patrol_p95:.0f} ms")


UNITS_PER_STATION = 8


def load_fixes(tree: dict, since_ts: int, until_ts: int) -> tuple[float, int]:
    """COPY the AVL fixes of 8 cars per station, a car at a time (generation included in
    the seconds returned), then ANALYZE; seconds and rows."""
    from django.db import connection

    from zhian.dispatch.models import Unit

    rng = np.random.default_rng(SEED + 2)
    minutes = (until_ts - since_ts) // 60
    stamps = [
        time.strftime("%Y-%m-%d %H:%M:%S+00", time.gmtime(since_ts + 60 * k))
        for k in range(minutes)
    ]
    x0, y0, x1, y1 = BBOX
    dx, dy = (x1 - x0) / COLS, (y1 - y0) / ROWS
    half_lat, half_lon = 0.0117, 0.0162  # about 1.3 km each way
    cars = []
    for r in range(ROWS):
        for c in range(COLS):
            for k in range(UNITS_PER_STATION):
                cy = rng.uniform(y0 + r * dy + half_lat, y0 + (r + 1) * dy - half_lat)
                cx = rng.uniform(x0 + c * dx + half_lon, x0 + (c + 1) * dx - half_lon)
                unit = Unit.objects.create(
                    call_sign=f"TO-{r}{c}-{k:02d}",
                    station=tree[f"TO-{r}{c}"],
                    kind="patrol_car",
                    lon=cx,
                    lat=cy,
                )
                cars.append((unit.pk, cx, cy))
    start = time.perf_counter()
    with connection.cursor() as cur:
        with cur.cursor.copy("COPY dispatch_unitposition (unit_id, at, lon, lat) FROM STDIN") as cp:
            for pk, cx, cy in cars:
                lon, lat = beat_track(rng, minutes, cx, cy, half_lon, half_lat)
                cp.write(
                    "".join(
                        f"{pk}\t{stamps[i]}\t{lon[i]:.6f}\t{lat[i]:.6f}\n" for i in range(minutes)
                    )
                )
        cur.execute("ANALYZE dispatch_unitposition")
    return time.perf_counter() - start, len(cars) * minutes


def beat_track(
    rng: np.random.Generator, minutes: int, cx: float, cy: float, hx: float, hy: float
) -> tuple[np.ndarray, np.ndarray]:
    """A car's position each minute: stops of 10-40 minutes at random points of its beat,
    drives between them at 25 km/h (about 0.0037 degrees of latitude a minute)."""
    lon: list[np.ndarray] = []
    lat: list[np.ndarray] = []
    n = 0
    here = np.array([rng.uniform(cx - hx, cx + hx), rng.uniform(cy - hy, cy + hy)])
    while n < minutes:
        stay = int(rng.integers(10, 41))
        lon.append(np.full(stay, here[0]) + rng.normal(0, 2e-5, stay))
        lat.append(np.full(stay, here[1]) + rng.normal(0, 2e-5, stay))
        there = np.array([rng.uniform(cx - hx, cx + hx), rng.uniform(cy - hy, cy + hy)])
        metres = np.hypot((there[0] - here[0]) * 80_500, (there[1] - here[1]) * 111_000)
        steps = max(1, int(metres / 417))
        f = np.arange(1, steps + 1) / steps
        lon.append(here[0] + f * (there[0] - here[0]))
        lat.append(here[1] + f * (there[1] - here[1]))
        n += stay + steps
        here = there
    return np.concatenate(lon)[:minutes], np.concatenate(lat)[:minutes]


def bench_patrol_layer(
    tree: dict,
    analysts: list,
    bureau_user: Any,
    since: Any,
    until: Any,
    since_d: Any,
    until_d: Any,
) -> float:
    from django.db import connection

    from zhian.analytics.presence import dwell_seconds
    from zhian.dispatch.selectors import unit_position_arrays
    from zhian.insights.selectors import patrol_presence_layer
    from zhian.insights.services.patrol_cells import rebuild_in_chunks

    copy_s, n_fixes = load_fixes(tree, int(since.timestamp()), int(until.timestamp()))
    start = time.perf_counter()
    rows = sum(n for _day, n in rebuild_in_chunks(since_d, until_d))
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE insights_patrolcellday")
    print(
        f"patrol: {n_fixes:,} fixes generated and loaded by COPY in {copy_s:.1f} s; per-day "
        f"cell seconds "
        f"rebuilt in {time.perf_counter() - start:.1f} s ({rows:,} rows)"
    )
    station_ms: list[float] = []
    bureau_ms: list[float] = []
    cells = []
    for _round in range(5):
        for user, j in analysts:
            t0 = time.perf_counter()
            layer = patrol_presence_layer(user, j, since, until)
            json.dumps(layer)
            station_ms.append(1000 * (time.perf_counter() - t0))
            cells.append(len(layer["cells"]))
        t0 = time.perf_counter()
        json.dumps(patrol_presence_layer(bureau_user, tree["TO"], since, until))
        bureau_ms.append(1000 * (time.perf_counter() - t0))
    raw_ms = []
    for user, j in analysts[:3]:
        t0 = time.perf_counter()
        arr = unit_position_arrays(since=since, until=until, jurisdiction_path=j.path, user=user)
        dwell_seconds(arr["unit"], arr["t"], 300)
        raw_ms.append(1000 * (time.perf_counter() - t0))
    p95 = float(np.percentile(station_ms, 95))
    print(
        f"patrol layer: {len(station_ms)} station requests, median {np.median(station_ms):.0f} "
        f"ms, p95 {p95:.0f} ms ({np.median(cells):.0f} cells); bureau median "
        f"{np.median(bureau_ms):.0f} ms; reading one station-month of fixes instead: median "
        f"{np.median(raw_ms):.0f} ms ({arr['t'].size:,} fixes)"
    )
    return p95


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def fill_aggregate(since_d: date, until_d: date) -> tuple[float, int]:
    """What a bulk import runs after COPY: the recount of its days, then the statistics."""
    from django.db import connection

    from zhian.insights.services.incident_cells import rebuild_in_chunks

    start = time.perf_counter()
    rows = sum(n for _day, n in rebuild_in_chunks(since_d, until_d))
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE insights_incidentcellday")
    return time.perf_counter() - start, rows


def measure_points(analysts: list[Any], since: datetime, until: datetime) -> float:
    """A zoom-16 view (about 1,700 x 1,200 m here) around random incidents of each station."""
    from zhian.dispatch.models import Incident
    from zhian.insights.selectors import incident_points_in_view

    rng = np.random.default_rng(SEED + 1)
    ms: list[float] = []
    outcomes = {"points": 0, "too_many": 0}
    sent = []
    for _round in range(5):
        for user, j in analysts:
            ids = list(Incident.objects.filter(jurisdiction=j).values_list("pk", flat=True)[:2000])
            if not ids:  # a rectangle over the lake
                continue
            inc = Incident.objects.get(pk=ids[int(rng.integers(0, len(ids)))])
            bbox = (inc.lon - 0.0105, inc.lat - 0.0055, inc.lon + 0.0105, inc.lat + 0.0055)
            t0 = time.perf_counter()
            body = incident_points_in_view(user, j, since, until, bbox)
            json.dumps(body)
            ms.append(1000 * (time.perf_counter() - t0))
            outcomes["too_many" if body["too_many"] else "points"] += 1
            if not body["too_many"]:
                sent.append(body["count"])
    print(
        f"layers (zoomed-in points): {len(ms)} views, median {np.median(ms):.0f} ms, "
        f"p95 {np.percentile(ms, 95):.0f} ms; {outcomes['points']} sent points "
        f"(median {np.median(sent) if sent else 0:.0f}), {outcomes['too_many']} asked to zoom in"
    )
    return float(np.percentile(ms, 95))


def measure(
    analysts: list,
    bureau_user: Any,
    tree: dict,
    since: datetime,
    until: datetime,
    since_d: date,
    copy_s: float,
    label: str,
) -> float:
    from zhian.insights.selectors import incident_layer

    station_ms: list[float] = []
    bureau_ms: list[float] = []
    sizes = []
    cells = []
    for _round in range(5):
        for category in ("", "0105"):
            for user, j in analysts:
                t0 = time.perf_counter()
                layer = incident_layer(user, j, since, until, category)
                body = json.dumps(layer)
                station_ms.append(1000 * (time.perf_counter() - t0))
                sizes.append(len(body))
                cells.append(len(layer["density"]))
            t0 = time.perf_counter()
            json.dumps(incident_layer(bureau_user, tree["TO"], since, until, category))
            bureau_ms.append(1000 * (time.perf_counter() - t0))
    p95 = float(np.percentile(station_ms, 95))
    print(
        f"layers ({label}): {N_INCIDENTS:,} incidents in {since_d:%Y-%m} loaded by COPY in "
        f"{copy_s:.1f} s; {len(station_ms)} station requests, median "
        f"{np.median(station_ms):.0f} ms, p95 {p95:.0f} ms, response "
        f"{np.median(sizes) / 1024:.0f} KB ({np.median(cells):.0f} cells); "
        f"bureau (all 1,000,000) median "
        f"{np.median(bureau_ms):.0f} ms, max {max(bureau_ms):.0f} ms"
    )
    return p95


if __name__ == "__main__":
    main()
