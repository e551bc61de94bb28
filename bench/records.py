"""Case supervision queries on PostgreSQL with 1,000,000 cases (issue #9).

    python bench/records.py            # starts its own PostgreSQL through scripts/with-postgres
    ZHIAN_BENCH_CASES=100000 python bench/records.py   # a smaller run

Protocol: a throw-away PostgreSQL 15 server on loopback (fsync off), migrated; one bureau
with 20 stations and 400 officers; ``ZHIAN_BENCH_CASES`` generated cases (default
1,000,000) accepted uniformly over five years, bulk-loaded with COPY (psycopg
``cursor.copy``) together with one start event and one statutory deadline per case (the
handling or 立案审查 period under the seeded rules) and a detention period for a fifth of
the open criminal cases. Cases older than 60 days are closed with their deadline met
(5 % late), newer ones open. Then ``ANALYZE`` and, as the bureau's 法制监督员:

* ``supervisor_board``: the whole board (overdue, due within 24 h, 15 days without
  progress, pending and returned approvals, each officer's open load), 30 runs;
* ``overdue_query``: the first page (50) of the case list filtered to overdue cases,
  newest first, 30 runs;
* ``deadline_scan``: every open case's next due instant (the notification scan's input),
  3 runs.

Each figure is the 95th percentile (median for the scan) of warm runs.
"""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
N_CASES = int(os.environ.get("ZHIAN_BENCH_CASES", "1000000"))
STATIONS = 20
OFFICERS = 400
RUNS = 30


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhian.settings.base")
    os.environ.setdefault("ZHIAN_DEBUG", "0")
    os.environ.setdefault("ZHIAN_SECRET_KEY", "bench-only-" + "x" * 40)
    import django

    django.setup()


def square(lon: float, lat: float) -> dict[str, Any]:
    ring = [[lon, lat], [lon + 0.01, lat], [lon + 0.01, lat + 0.01], [lon, lat + 0.01], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def build_units() -> tuple[Any, list[Any], list[Any], Any]:
    from zhian.core.models import Jurisdiction, Role, RoleAssignment, User

    box = {"min_lon": 120.0, "min_lat": 30.0, "max_lon": 120.01, "max_lat": 30.01}
    bureau = Jurisdiction.objects.create(
        code="BENCH",
        name="基准分局",
        kind="bureau",
        path="/BENCH/",
        boundary=square(120, 30),
        **box,
    )
    stations = [
        Jurisdiction.objects.create(
            code=f"BENCH-{i:02d}",
            name=f"第{i}派出所",
            kind="station",
            parent=bureau,
            path=f"/BENCH/BENCH-{i:02d}/",
            boundary=square(120, 30),
            **box,
        )
        for i in range(1, STATIONS + 1)
    ]
    officers = User.objects.bulk_create(
        [User(username=f"officer{i:03d}", display_name=f"民警{i}") for i in range(OFFICERS)]
    )
    RoleAssignment.objects.bulk_create(
        [
            RoleAssignment(user=u, role=Role.CASE_OFFICER, jurisdiction=stations[i % STATIONS])
            for i, u in enumerate(officers)
        ]
    )
    supervisor = User.objects.create(username="bench_supervisor")
    RoleAssignment.objects.create(user=supervisor, role=Role.SUPERVISOR, jurisdiction=bureau)
    return bureau, stations, officers, supervisor


def _text(value: Any) -> str:
    """One value in COPY text format."""
    if value is None:
        return "\\N"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def load(bureau: Any, stations: list[Any], officers: list[Any]) -> dict[str, float]:
    """Generate cases, events and deadlines into COPY text files in one pass, then COPY
    each file; returns seconds per step and row counts."""
    import tempfile
    from datetime import date

    from django.db import connection

    from zhian.records.models import CaseCategory, DeadlineRule
    from zhian.records.services.deadlines import compute_due
    from zhian.records.services.periods import bureau_zone

    rng = random.Random(9)
    zone = bureau_zone()
    now = datetime.now(UTC)
    span = timedelta(days=5 * 365).total_seconds()
    categories = {
        t: list(CaseCategory.objects.filter(case_type=t).values_list("pk", flat=True))
        for t in ("administrative", "criminal")
    }
    rules = {
        r.code: r
        for r in DeadlineRule.objects.filter(valid_from__lte=now.date()).order_by("valid_from")
    }
    handling, review, detention = (
        rules["X_HANDLING"],
        rules["A_FILING_REVIEW"],
        rules["A_DETENTION_ARREST_REQUEST"],
    )
    due_cache: dict[tuple[int, date], datetime] = {}

    def due_for(rule: Any, start: datetime) -> datetime:
        # Day periods depend only on the start's local day: one computation per rule and day.
        key = (rule.pk, start.astimezone(zone).date())
        if key not in due_cache:
            due_cache[key] = compute_due(rule, start)
        return due_cache[key]

    open_stages = ("accepted", "filed", "investigating", "decided")
    counters: dict[tuple[str, int], int] = {}
    event_id = n_open_deadlines = 0
    started = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="zhian-bench-"))
    files = {
        name: open(tmp / name, "w", encoding="utf-8")  # noqa: SIM115 (closed below)
        for name in ("case", "event", "deadline")
    }

    def put(name: str, *values: Any) -> None:
        files[name].write("\t".join(_text(v) for v in values) + "\n")

    # Rows arrive in time order, as in a bureau's database (ids and numbers follow time).
    offsets = sorted((rng.random() * span for _ in range(N_CASES)), reverse=True)
    for pk, offset in enumerate(offsets, start=1):
        case_type = "administrative" if rng.random() < 0.6 else "criminal"
        accepted = now - timedelta(seconds=offset)
        year = accepted.astimezone(zone).year
        counters[(case_type, year)] = seq = counters.get((case_type, year), 0) + 1
        number = f"{'X' if case_type == 'administrative' else 'A'}330299{year}{seq:06d}"
        officer = officers[rng.randrange(OFFICERS)]
        station = stations[officer.pk % STATIONS]
        is_open = now - accepted < timedelta(days=60)
        stage = rng.choice(open_stages) if is_open else "closed"
        last_progress = accepted + (now - accepted) * rng.random() * (1 if is_open else 0.5)
        closed = None if is_open else accepted + timedelta(days=rng.randint(5, 55))
        put(
            "case",
            pk,
            number,
            case_type,
            rng.choice(categories[case_type]),
            f"基准案件{pk}",
            "",
            "",
            "",
            "",
            "",
            bureau.pk,
            station.pk,
            stage,
            officer.pk,
            officer.pk,
            accepted,
            last_progress,
            closed,
            1,
            accepted,
            last_progress,
        )
        event_id += 1
        put("event", event_id, pk, "accepted", accepted, "", officer.pk, accepted)
        rule = handling if case_type == "administrative" else review
        due = due_for(rule, accepted)
        if is_open:
            status, met = "open", None
            n_open_deadlines += 1
        else:
            late = rng.random() < 0.05
            met = due + timedelta(days=2) if late else accepted + (due - accepted) * rng.random()
            status = "late" if late else "met"
        put(
            "deadline",
            event_id,
            pk,
            rule.pk,
            event_id,
            accepted,
            due,
            due,
            status,
            met,
            None,
            None,
            1,
        )
        if is_open and case_type == "criminal" and rng.random() < 0.2:
            event_id += 1
            detained = max(now - timedelta(hours=rng.uniform(1, 120)), accepted)
            put("event", event_id, pk, "detained", detained, "", officer.pk, detained)
            due = due_for(detention, detained)
            put(
                "deadline",
                event_id,
                pk,
                detention.pk,
                event_id,
                detained,
                due,
                due,
                "open",
                None,
                None,
                None,
                1,
            )
            n_open_deadlines += 1
    for f in files.values():
        f.close()
    timings = {"generate": time.perf_counter() - started}
    tables = ("records_case", "records_caseevent", "records_deadline")
    with connection.cursor() as cursor:
        raw = cursor.cursor
        # Bulk load: secondary indexes are rebuilt once afterwards, row triggers (foreign
        # key checks: every referenced row was created above) are off for this session.
        cursor.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = ANY(%s) "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
            [list(tables)],
        )
        secondary = cursor.fetchall()
        for name, _definition in secondary:
            cursor.execute(f'DROP INDEX "{name}"')
        cursor.execute("SET session_replication_role = replica")
        for name, table, columns in (
            (
                "case",
                "records_case",
                "id, number, case_type, category_id, title, summary, legal_basis, decision, "
                "transfer_to, outcome_note, bureau_id, jurisdiction_id, stage, officer_id, "
                "created_by_id, accepted_at, "
                "last_progress_at, closed_at, version, created_at, updated_at",
            ),
            (
                "event",
                "records_caseevent",
                "id, case_id, kind, at, note, recorded_by_id, recorded_at",
            ),
            (
                "deadline",
                "records_deadline",
                "id, case_id, rule_id, start_event_id, started_at, base_due_at, due_at, "
                "status, met_at, due_soon_notified_at, overdue_notified_at, version",
            ),
        ):
            started = time.perf_counter()
            with (
                open(tmp / name, "rb") as source,
                raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
            ):
                while chunk := source.read(1 << 20):
                    copy.write(chunk)
            timings[table] = time.perf_counter() - started
            (tmp / name).unlink()
        cursor.execute("SET session_replication_role = DEFAULT")
        started = time.perf_counter()
        for _name, definition in secondary:
            cursor.execute(definition)
        timings["indexes"] = time.perf_counter() - started
        for table in tables:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
        started = time.perf_counter()
        for table in tables:
            cursor.execute(f"VACUUM ANALYZE {table}")
        cursor.execute("ANALYZE")
        timings["analyze"] = time.perf_counter() - started
    tmp.rmdir()
    timings["rows"] = N_CASES + 2 * event_id
    timings["open_deadlines"] = n_open_deadlines
    return timings


def timed(fn: Any, runs: int) -> list[float]:
    fn()  # warm
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
    return sorted(out)


def p95(values: list[float]) -> float:
    return values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]


def run() -> int:
    setup_django()
    from django.core.management import call_command
    from django.db import connection

    from zhian.records.selectors import CaseFilter, board_for, cases_for
    from zhian.records.services.deadlines import next_due_by_case

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    bureau, stations, officers, supervisor = build_units()
    timings = load(bureau, stations, officers)
    setup_s = time.perf_counter() - started

    def board() -> None:
        from zhian.core.models import User

        user = User.objects.get(pk=supervisor.pk)  # a fresh request: scope computed again
        data = board_for(user)
        assert data["load"]

    def overdue() -> None:
        from zhian.core.models import User

        user = User.objects.get(pk=supervisor.pk)
        page = list(
            cases_for(user, CaseFilter(flag="overdue")).order_by("-accepted_at", "-pk")[:50]
        )
        assert page

    if os.environ.get("ZHIAN_BENCH_EXPLAIN"):
        explain(supervisor)
    board_ms = timed(board, RUNS)
    overdue_ms = timed(overdue, RUNS)
    scan_s = [x / 1000 for x in timed(lambda: next_due_by_case(), 3)]
    n_open = len(next_due_by_case())
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_size_pretty(pg_total_relation_size('records_case') "
            "+ pg_total_relation_size('records_deadline'))"
        )
        (size,) = cursor.fetchone()
    print(
        f"records on PostgreSQL: {N_CASES:,} cases, {timings['rows']:,} rows COPYed "
        f"(generated in {timings['generate']:.0f} s; COPY case {timings['records_case']:.1f} s, "
        f"event {timings['records_caseevent']:.1f} s, "
        f"deadline {timings['records_deadline']:.1f} s; indexes {timings['indexes']:.1f} s, "
        f"vacuum analyze {timings['analyze']:.1f} s), "
        f"{size} with indexes, setup {setup_s:.0f} s"
    )
    print(f"  open cases {n_open:,}, open deadlines {timings['open_deadlines']:,}")
    for label, ms in (("supervisor board ", board_ms), ("overdue list page", overdue_ms)):
        print(
            f"  {label}  p50 {statistics.median(ms):7.1f} ms · p95 {p95(ms):7.1f} ms · "
            f"max {ms[-1]:7.1f} ms ({RUNS} runs)"
        )
    print(
        f"  deadline scan      median {statistics.median(scan_s):.2f} s over {n_open:,} open cases"
    )
    print(f"bench: supervisor_board_p95 = {p95(board_ms):.1f} ms")
    print(f"bench: overdue_query_p95 = {p95(overdue_ms):.1f} ms")
    print(f"bench: deadline_scan = {statistics.median(scan_s):.2f} s")
    return 0


def explain(supervisor: Any) -> None:
    """Print each board query's plan (ZHIAN_BENCH_EXPLAIN=1), for index design."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from zhian.core.models import User
    from zhian.records.selectors import CaseFilter, board_for, cases_for

    user = User.objects.get(pk=supervisor.pk)
    with CaptureQueriesContext(connection) as ctx:
        board_for(user)
        list(cases_for(user, CaseFilter(flag="overdue")).order_by("-accepted_at", "-pk")[:50])
    with connection.cursor() as cursor:
        for q in ctx.captured_queries:
            cursor.execute("EXPLAIN ANALYZE " + q["sql"])
            plan = [r[0] for r in cursor.fetchall()]
            print(q["sql"][:300], "\n   ", "\n    ".join(plan[:25]), "\n")


def main() -> int:
    if not os.environ.get("ZHIAN_DATABASE_URL"):
        return subprocess.call([str(ROOT / "scripts" / "with-postgres"), sys.executable, __file__])
    return run()


if __name__ == "__main__":
    sys.exit(main())
