"""KPI benchmark (issue #15): the bureau dashboard and the monthly report on PostgreSQL.

    python bench/metrics.py            # starts its own PostgreSQL through scripts/with-postgres

A synthetic bureau (12 stations × 8 sectors, squares), ``ZHIAN_BENCH_INCIDENTS`` incidents
(default 1,000,000) over the two years before the measured month, bulk-loaded with COPY in
the order they were received, from a fixed seed (categories drawn uniformly from the seeded
code table, 10 of whose 27 are 刑事/治安; no arrivals), and 26 months of monthly figures for
every manual indicator and station.

Prints ``bench: dashboard_p95`` (ms, the bureau's dashboard for one month with 同比, 环比
and the 12-month trend, target < 300) and ``bench: monthly_report`` (s, xlsx and PDF,
target < 10), ``ZHIAN_BENCH_CASES`` cases (default 200,000) over the same two years with their
立案 and 处理决定 events (案件 and 现行案件破案率 count from them), and the incident summary built
as the frequent task builds it (``bench: incident_summary_build``, s); ``bench:
live_month_count_p95`` (ms) is the bureau's grouped count of one month of incidents, as the
current month (never summarised) is read.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SEED = 15
N = int(os.environ.get("ZHIAN_BENCH_INCIDENTS", "1000000"))
N_CASES = int(os.environ.get("ZHIAN_BENCH_CASES", "200000"))
MONTH = (2026, 3)
RUNS = 20


def square(lon: float, lat: float, size: float) -> dict:
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def features() -> list[dict]:
    feats = [_f("BB", "bureau", None, square(120.0, 30.0, 0.48))]
    for s in range(12):
        lon, lat = 120.0 + (s % 4) * 0.12, 30.0 + (s // 4) * 0.16
        code = f"BB-{s:02d}"
        feats.append(_f(code, "station", "BB", square(lon, lat, 0.12)))
        for t in range(8):
            feats.append(
                _f(
                    f"{code}-{t}",
                    "sector",
                    code,
                    square(lon + (t % 4) * 0.03, lat + (t // 4) * 0.06, 0.03),
                )
            )
    return feats


def _f(code: str, kind: str, parent: str | None, geometry: dict) -> dict:
    props = {"code": code, "name": f"{code}名称", "kind": kind, "parent": parent}
    return {"type": "Feature", "geometry": geometry, "properties": props}


def load() -> None:
    from django.core.management import call_command
    from django.db import connection

    from zhian.core.models import Jurisdiction, User
    from zhian.core.services.jurisdictions import do_import_jurisdictions
    from zhian.dispatch.models import IncidentCategory

    call_command("migrate", verbosity=0)
    do_import_jurisdictions({"type": "FeatureCollection", "features": features()}, acting_user=None)
    user = User.objects.create_superuser("bench", password="bench-password-123")
    sectors = list(Jurisdiction.objects.filter(kind="sector").values_list("pk", flat=True))
    cats = list(
        IncidentCategory.objects.filter(parent__isnull=False).values_list("pk", "parent__code")
    )
    rng = np.random.default_rng(SEED)
    end = datetime(MONTH[0], MONTH[1] + 1, 1, tzinfo=UTC)
    # Rows in the order incidents are received (as intake appends them), so the table's
    # physical order follows received_at as in production.
    seconds = np.sort(rng.integers(0, 2 * 366 * 86400, N))[::-1]
    jur = rng.integers(0, len(sectors), N)
    cat = rng.integers(0, len(cats), N)
    t0 = time.perf_counter()
    buf = io.StringIO()
    for i in range(N):
        at = end - timedelta(seconds=int(seconds[i]))
        buf.write(
            f"BB-{i:09d}\t{sectors[jur[i]]}\tcall_110\t{cats[cat[i]][0]}\t3\tclosed\t地址\t120.1\t30.1\t"
            f"wgs84\t8930000000fffff\t\t{at.isoformat()}\t\\N\tresolved\t\t\\N\t{user.pk}\t1\t{at.isoformat()}\n"
        )
    buf.seek(0)
    cols = (
        "number, jurisdiction_id, channel, category_id, priority, status, address, lon, lat, "
        "source_crs, h3_cell, narrative, received_at, closed_at, disposition, disposition_note, "
        "merged_into_id, created_by_id, version, updated_at"
    )
    with connection.cursor() as cursor:
        with cursor.connection.cursor().copy(f"COPY dispatch_incident ({cols}) FROM STDIN") as copy:
            while chunk := buf.read(1 << 20):
                copy.write(chunk)
        cursor.execute("ANALYZE")
    print(f"loaded {N:,} incidents by COPY in {time.perf_counter() - t0:.1f} s")
    _cases(user, rng, end)
    _figures(user)
    # The summary as production has it: the frequent task builds every closed month once
    # (here all of them: the measured month is in the past), then keeps it current.
    from zhian.metrics.summary import refresh_case_summary, refresh_incident_summary

    t0 = time.perf_counter()
    months = refresh_incident_summary()
    built = time.perf_counter() - t0
    t0 = time.perf_counter()
    case_months = refresh_case_summary()
    case_built = time.perf_counter() - t0
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE metrics_incidentmonthcount")
        cursor.execute("ANALYZE metrics_casemonthcount")
        cursor.execute("SELECT count(*) FROM metrics_incidentmonthcount")
        (rows,) = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM metrics_casemonthcount")
        (case_rows,) = cursor.fetchone()
    print(
        f"incident summary: {months} months, {rows:,} rows; "
        f"case summary: {case_months} months, {case_rows:,} rows"
    )
    print(f"bench: incident_summary_build = {built:.1f} s")
    print(f"bench: case_summary_build = {case_built:.1f} s")


def _cases(user: Any, rng: np.random.Generator, end: datetime) -> None:
    """``ZHIAN_BENCH_CASES`` cases over the same two years, in the order accepted, at the 12
    stations; 40 % criminal, filed (立案) 1–72 h after acceptance, 60 % of them decided
    (处理决定) 1–60 days after filing; 3 % not filed, 2 % annulled."""
    from django.db import connection

    from zhian.core.models import Jurisdiction
    from zhian.records.models import CaseCategory

    bureau = Jurisdiction.objects.get(code="BB")
    stations = list(Jurisdiction.objects.filter(kind="station").values_list("pk", flat=True))
    kinds = {
        t: list(CaseCategory.objects.filter(case_type=t).values_list("pk", flat=True))
        for t in ("criminal", "administrative")
    }
    t0 = time.perf_counter()
    seconds = np.sort(rng.integers(0, 2 * 366 * 86400, N_CASES))[::-1]
    station = rng.integers(0, len(stations), N_CASES)
    criminal = rng.random(N_CASES) < 0.4
    fate = rng.random(N_CASES)
    cases, events = io.StringIO(), []
    for i in range(N_CASES):
        at = end - timedelta(seconds=int(seconds[i]))
        kind = "criminal" if criminal[i] else "administrative"
        stage = "not_filed" if fate[i] < 0.03 else "revoked" if fate[i] < 0.05 else "closed"
        category = kinds[kind][i % len(kinds[kind])]
        cases.write(
            f"{kind[0].upper()}330299{i:09d}\t{kind}\t{category}\t基准案件{i}\t\t\t\t\t\t"
            f"{bureau.pk}\t{stations[station[i]]}\t{stage}\t\\N\t{user.pk}\t{at.isoformat()}\t"
            f"{at.isoformat()}\t\\N\t1\t{at.isoformat()}\t{at.isoformat()}\n"
        )
        if criminal[i] and stage != "not_filed":
            filed = at + timedelta(hours=float(rng.uniform(1, 72)))
            events.append((i, "filed", filed))
            if rng.random() < 0.6:
                events.append((i, "decided", filed + timedelta(days=float(rng.uniform(1, 60)))))
    cols = (
        "number, case_type, category_id, title, summary, legal_basis, decision, transfer_to, "
        "outcome_note, bureau_id, jurisdiction_id, stage, officer_id, created_by_id, "
        "accepted_at, last_progress_at, closed_at, version, created_at, updated_at"
    )
    with connection.cursor() as cursor:
        raw = cursor.connection.cursor()
        cases.seek(0)
        with raw.copy(f"COPY records_case ({cols}) FROM STDIN") as copy:
            while chunk := cases.read(1 << 20):
                copy.write(chunk)
        cursor.execute("SELECT min(id) FROM records_case")
        (first_id,) = cursor.fetchone()
        buf = io.StringIO()
        for i, kind, at in events:
            buf.write(f"{first_id + i}\t{kind}\t{at.isoformat()}\t\t{user.pk}\t{at.isoformat()}\n")
        buf.seek(0)
        with raw.copy(
            "COPY records_caseevent (case_id, kind, at, note, recorded_by_id, recorded_at) "
            "FROM STDIN"
        ) as copy:
            while chunk := buf.read(1 << 20):
                copy.write(chunk)
        cursor.execute("ANALYZE records_case")
        cursor.execute("ANALYZE records_caseevent")
    print(
        f"loaded {N_CASES:,} cases and {len(events):,} case events by COPY "
        f"in {time.perf_counter() - t0:.1f} s"
    )


def _figures(user: Any) -> None:
    from zhian.core.models import Jurisdiction
    from zhian.metrics.models import IndicatorDefinition, MonthlyFigure

    now = datetime.now(UTC)
    rows = []
    for ind in IndicatorDefinition.objects.filter(source="manual"):
        for station in Jurisdiction.objects.filter(kind="station"):
            for k in range(26):
                y, m = divmod(MONTH[0] * 12 + MONTH[1] - 1 - k, 12)
                rows.append(
                    MonthlyFigure(
                        indicator=ind,
                        jurisdiction=station,
                        month=date(y, m + 1, 1),
                        value=40,
                        denominator=100 if ind.is_rate else None,
                        entered_by=user,
                        entered_at=now,
                    )
                )
    MonthlyFigure.objects.bulk_create(rows)


def measure() -> None:
    from zhian.core.models import User
    from zhian.metrics import selectors
    from zhian.metrics.periods import Period
    from zhian.metrics.services.reports import render_report

    user = User.objects.get(username="bench")
    period = Period.month(*MONTH)
    times = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        dash = selectors.dashboard(user, "BB", period)
        times.append((time.perf_counter() - t0) * 1000)
    crime = next(r for r in dash.rows if r.indicator.code == "crime_incidents")
    last = crime.last_year.display if crime.last_year else "—"
    print(f"crime incidents {period.label}: {crime.current.display} (last year {last})")
    print("dashboard runs (ms): " + ", ".join(f"{t:.0f}" for t in times))
    # Where the time goes: each indicator's row alone (own counter, the jurisdiction loaded
    # again as a request would, so the summaries' changed-months check is counted), median
    # of 5
    from zhian.core.models import Jurisdiction
    from zhian.metrics.engine import indicator_row

    parts = []
    for row in dash.rows:
        runs = []
        for _ in range(5):
            t0 = time.perf_counter()
            fresh = Jurisdiction.objects.get(pk=dash.jurisdiction.pk)
            indicator_row(row.indicator, fresh, period, trend_months=12)
            runs.append((time.perf_counter() - t0) * 1000)
        parts.append(f"{row.indicator.code} {float(np.median(runs)):.0f}")
    print("per indicator (ms): " + ", ".join(parts))
    report = []
    for _ in range(3):
        t0 = time.perf_counter()
        xlsx, pdf = render_report(
            dash.jurisdiction, period, selectors.dashboard(user, "BB", period).rows, dash.cut_off
        )
        report.append(time.perf_counter() - t0)
    print(f"report sizes: xlsx {len(xlsx) / 1024:.0f} KB, pdf {len(pdf) / 1024:.0f} KB")
    print(f"bench: dashboard_p95 = {float(np.percentile(times, 95)):.0f} ms")
    # The month the summary does not cover (in production: the current one) is counted
    # live: one bureau-level grouped count of a month of incidents.
    from zhian.metrics.sources import _raw_counts_by_month

    live = []
    first, after = period.bounds()
    for _ in range(RUNS):
        t0 = time.perf_counter()
        _raw_counts_by_month(dash.jurisdiction, first, after, {"top_categories": ["01", "02"]})
        live.append((time.perf_counter() - t0) * 1000)
    print(f"bench: live_month_count_p95 = {float(np.percentile(live, 95)):.0f} ms")
    print(f"bench: monthly_report = {float(np.median(report)):.2f} s")


def main() -> None:
    if not os.environ.get("ZHIAN_DATABASE_URL", "").startswith("postgres"):
        script = ROOT / "scripts" / "with-postgres"
        sys.exit(subprocess.call([str(script), sys.executable, __file__, *sys.argv[1:]]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhian.settings.base")
    os.environ.setdefault("ZHIAN_VAR_DIR", "/tmp/zhian-bench-metrics")
    import django

    django.setup()
    load()
    measure()


if __name__ == "__main__":
    main()
