"""Grid benchmark (issue #10): the overdue scan and the department scorecard over
1,000,000 grid reports on PostgreSQL.

    python bench/grid.py            # starts its own PostgreSQL through scripts/with-postgres

Data: generated from a fixed seed and bulk-loaded with COPY: 1,000,000 reports over two
years in the 8 grids of the test tree (tests/factories.py), each whistled to one of 8
departments, 30 % also to a second (≈1.3 M referrals). Reports older than 30 days are
closed (verified, 1–5 stars, some reopened once, some late); newer ones are at every
stage. ``SCAN_DUE`` referrals have an alert falling due at the scan's clock (a backlog
such as an hour of scanner downtime); the rest of the open ones are due later.

Figures: ``sla_overdue_scan`` is the median wall time of a scan that reminds or escalates
those referrals (each in its own transaction, with timeline, audit and inbox rows; rolled
back between runs so that every run does the same work); ``department_scorecard_p95`` is
the 95th percentile of the scorecard for a random month, all departments, as the
bureau's leader (scoped by jurisdiction)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SEED = 20261128
N_REPORTS = int(os.environ.get("ZHIAN_BENCH_GRID_REPORTS", 1_000_000))
SCAN_DUE = 200
SCAN_RUNS = 5
SCORECARD_RUNS = 200
CHUNK = 100_000
NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhian.settings.base")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def fixtures() -> dict[str, Any]:
    from tests.factories import Role, UserFactory, build_tree
    from zhian.grid.services.departments import do_add_liaison, do_create_department

    tree = build_tree()
    admin = UserFactory(username="bench_admin", roles=[(Role.ADMINISTRATOR, tree["B"])])
    leader = UserFactory(username="bench_leader", roles=[(Role.LEADER, tree["B"])])
    worker = UserFactory(username="bench_worker", roles=[(Role.GRID_WORKER, tree["B"])])
    departments = []
    for i, kind in enumerate(
        [
            "police",
            "urban_management",
            "market_regulation",
            "housing",
            "fire",
            "judicial_office",
            "subdistrict",
            "mediation_committee",
        ]
    ):
        dept = do_create_department(
            acting_user=admin,
            code=f"D{i}",
            name=f"部门{i}",
            kind=kind,
            jurisdiction=tree["B"],
            sign_hours=4,
            resolve_days=5,
        )
        liaison = UserFactory(
            username=f"bench_liaison{i}", roles=[(Role.DEPARTMENT_LIAISON, tree["B"])]
        )
        do_add_liaison(dept, liaison, acting_user=admin)
        departments.append(dept)
    grids = [j for code, j in tree.items() if code.count("-") == 2]
    return {
        "tree": tree,
        "leader": leader,
        "worker": worker,
        "departments": departments,
        "grids": grids,
    }


def _ts(seconds: np.ndarray) -> np.ndarray:
    """Epoch seconds → PostgreSQL timestamptz text (UTC)."""
    stamps = np.array(seconds, dtype="datetime64[s]").astype(str)
    return np.char.add(np.char.replace(stamps, "T", " "), "+00")


def _col(values: np.ndarray, null: np.ndarray | None = None) -> np.ndarray:
    out = values.astype(str)
    if null is not None:
        out = np.where(null, "\\N", out)
    return out


def load(fx: dict[str, Any]) -> dict[str, int]:
    """COPY the reports and referrals in chunks; return counts."""
    from django.db import connection

    from zhian.core.geo import point_cell

    rng = np.random.default_rng(SEED)
    grids = fx["grids"]
    departments = [d.pk for d in fx["departments"]]
    worker = fx["worker"].pk
    cells = {
        g.pk: point_cell((g.min_lon + g.max_lon) / 2, (g.min_lat + g.max_lat) / 2) for g in grids
    }
    now = int(NOW.timestamp())
    span = 730 * 86_400
    report_cols = (
        "id, jurisdiction_id, report_type, status, description, address, lon, lat, "
        "source_crs, h3_cell, reporter_id, created_at, closed_at, version, updated_at"
    )
    referral_cols = (
        "report_id, jurisdiction_id, department_id, status, sign_hours, resolve_days, created_at, "
        "sign_due_at, resolve_due_at, signed_at, signed_on_time, resolved_at, "
        "resolved_on_time, resolution, verified_at, rating, reopen_count, "
        "alert_stage, next_alert_at, version, updated_at"
    )
    types = np.array(["safety_hazard", "dispute", "security_lead", "assistance", "other"])
    n_ref = 0
    due_left = SCAN_DUE
    with connection.cursor() as cursor:
        raw = cursor.cursor
        for start in range(0, N_REPORTS, CHUNK):
            n = min(CHUNK, N_REPORTS - start)
            ids = np.arange(start + 1, start + n + 1)
            # Rows arrive in time order, as they do in production (the table's physical
            # order follows created_at).
            lo = now - span + (span * start) // N_REPORTS
            hi = now - span + (span * (start + n)) // N_REPORTS
            created = np.sort(rng.integers(lo, max(lo + 1, hi - 60), n))
            grid_idx = rng.integers(0, len(grids), n)
            g = [grids[i] for i in grid_idx]
            lon = np.array([x.min_lon for x in g]) + rng.random(n) * 0.02
            lat = np.array([x.min_lat for x in g]) + rng.random(n) * 0.02
            jur = np.array([x.pk for x in g])
            old = created < now - 30 * 86_400
            # Referrals: one per report, a second for 30 %.
            second = rng.random(n) < 0.3
            r_report = np.concatenate([ids, ids[second]])
            r_created = np.concatenate([created, created[second]])
            r_old = np.concatenate([old, old[second]])
            first_dept = rng.integers(0, len(departments), n)
            r_dept = np.concatenate([first_dept, (first_dept[second] + 1) % len(departments)])
            m = len(r_report)
            sign_due = r_created + 4 * 3600
            resolve_due = r_created + 5 * 86_400
            # Stage of each referral: old ones verified; recent ones spread over the stages.
            stage = np.where(r_old, 3, rng.integers(0, 4, m))  # 0 pending,1 signed,2 res,3 ver
            signed_at = r_created + rng.integers(600, 8 * 3600, m)
            resolved_at = signed_at + rng.integers(3600, 7 * 86_400, m)
            signed = stage >= 1
            resolved = stage >= 2
            signed = signed & (signed_at <= now)
            resolved = resolved & (resolved_at <= now) & signed
            stage = np.where(resolved, stage, np.where(signed, 1, 0))
            status = np.array(["pending_sign", "signed", "resolved", "verified"])[stage]
            verified = stage == 3
            rating = np.where(verified, rng.integers(1, 6, m), 0)
            reopen = np.where(resolved & (rng.random(m) < 0.08), 1, 0)
            # Open ones: the next alert is at the running deadline (or one step later).
            open_ = stage <= 1
            deadline = np.where(stage == 0, sign_due, resolve_due)
            alert_stage = np.where(open_ & (deadline < now), 1, 0)
            next_alert = np.where(alert_stage == 1, deadline + 24 * 3600, deadline)
            # Nothing due yet at NOW, except SCAN_DUE referrals whose deadline just passed.
            next_alert = np.where(
                open_ & (next_alert <= now), now + rng.integers(60, 86_400, m), next_alert
            )
            if due_left:
                cand = np.flatnonzero(open_ & (alert_stage == 0))[:due_left]
                deadline[cand] = now - 600
                sign_due[cand[stage[cand] == 0]] = now - 600
                resolve_due[cand[stage[cand] == 1]] = now - 600
                next_alert[cand] = now - 600
                due_left -= len(cand)
            report_status = np.where(
                np.isin(ids, r_report[open_]),
                "in_progress",
                np.where(np.isin(ids, r_report[stage == 2]), "awaiting_verification", "closed"),
            )
            closed_at = np.where(report_status == "closed", created + 6 * 86_400, 0)
            report_lines = (
                "\n".join(
                    "\t".join(r)
                    for r in zip(
                        ids.astype(str),
                        jur.astype(str),
                        types[rng.integers(0, 5, n)],
                        report_status,
                        np.full(n, "基准测试"),
                        np.full(n, ""),
                        np.char.mod("%.6f", lon),
                        np.char.mod("%.6f", lat),
                        np.full(n, "wgs84"),
                        np.array([cells[j] for j in jur]),
                        np.full(n, str(worker)),
                        _ts(created),
                        _col(_ts(closed_at), closed_at == 0),
                        np.full(n, "1"),
                        _ts(created),
                        strict=True,
                    )
                )
                + "\n"
            )
            with raw.copy(f"COPY grid_gridreport ({report_cols}) FROM STDIN") as copy:
                copy.write(report_lines)
            ref_lines = (
                "\n".join(
                    "\t".join(r)
                    for r in zip(
                        r_report.astype(str),
                        np.concatenate([jur, jur[second]]).astype(str),
                        np.array(departments)[r_dept].astype(str),
                        status,
                        np.full(m, "4"),
                        np.full(m, "5"),
                        _ts(r_created),
                        _ts(sign_due),
                        _ts(resolve_due),
                        _col(_ts(signed_at), ~signed),
                        _col(np.where(signed_at <= sign_due, "t", "f"), ~signed),
                        _col(_ts(resolved_at), ~resolved),
                        _col(np.where(resolved_at <= resolve_due, "t", "f"), ~resolved),
                        np.where(resolved, "已处理", ""),
                        _col(_ts(resolved_at + 86_400), ~verified),
                        _col(rating, ~verified),
                        reopen.astype(str),
                        alert_stage.astype(str),
                        _col(_ts(next_alert), ~open_),
                        np.full(m, "1"),
                        _ts(r_created),
                        strict=True,
                    )
                )
                + "\n"
            )
            with raw.copy(f"COPY grid_referral ({referral_cols}) FROM STDIN") as copy:
                copy.write(ref_lines)
            n_ref += m
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('grid_gridreport', 'id'), %s)", [N_REPORTS]
        )
    # VACUUM cannot run in a transaction block: autocommit is on outside atomic().
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE grid_gridreport")
        cursor.execute("VACUUM ANALYZE grid_referral")
    return {"reports": N_REPORTS, "referrals": n_ref, "due": SCAN_DUE - due_left}


class _Rollback(Exception):
    pass


def bench_scan() -> tuple[float, float, int]:
    """Median seconds of a scan doing the due work (rolled back after each run) and of an
    idle scan (nothing due), and the alerts one scan makes."""
    from django.db import transaction

    from zhian.grid.services.sla import scan_overdue

    times, alerts = [], 0
    for _ in range(SCAN_RUNS):
        try:
            with transaction.atomic():
                start = time.perf_counter()
                result = scan_overdue(now=NOW)
                times.append(time.perf_counter() - start)
                alerts = len(result.alerts)
                raise _Rollback
        except _Rollback:
            pass
    scan_overdue(now=NOW)  # for real, then the idle scan
    idle = []
    for _ in range(SCAN_RUNS):
        start = time.perf_counter()
        scan_overdue(now=NOW)
        idle.append(time.perf_counter() - start)
    return float(np.median(times)), float(np.median(idle)), alerts


def bench_scorecard(fx: dict[str, Any]) -> tuple[float, float, int]:
    from zhian.grid.selectors import scorecard

    rng = np.random.default_rng(SEED + 1)
    leader = fx["leader"]
    latencies = []
    rows = 0
    for _ in range(SCORECARD_RUNS):
        offset = int(rng.integers(0, 23))
        month_end = (NOW - timedelta(days=30 * offset)).date()
        month_start = month_end - timedelta(days=29)
        start = time.perf_counter()
        result = scorecard(leader, month_start, month_end, now=NOW)
        latencies.append((time.perf_counter() - start) * 1000)
        rows = max(rows, sum(r.referrals for r in result))
    return float(np.percentile(latencies, 95)), float(np.median(latencies)), rows


def main() -> int:
    if not os.environ.get("ZHIAN_DATABASE_URL"):
        return subprocess.call([str(ROOT / "scripts" / "with-postgres"), sys.executable, __file__])
    setup_django()
    fx = fixtures()
    start = time.perf_counter()
    counts = load(fx)
    load_s = time.perf_counter() - start
    scan_s, idle_s, alerts = bench_scan()
    p95, p50, month_rows = bench_scorecard(fx)
    print(
        f"grid on PostgreSQL: {counts['reports']:,} reports, {counts['referrals']:,} "
        f"referrals, COPY load {load_s:.1f} s (seed {SEED})"
    )
    print(
        f"  overdue scan, {counts['due']} referrals due ({alerts} alerts made), "
        f"median of {SCAN_RUNS}: {scan_s:.3f} s · idle scan {idle_s * 1000:.1f} ms"
    )
    print(
        f"  scorecard for a month, 8 departments, ~{month_rows:,} referrals: "
        f"p50 {p50:.1f} ms · p95 {p95:.1f} ms over {SCORECARD_RUNS} runs"
    )
    print(f"bench: sla_overdue_scan = {scan_s:.3f} s")
    print(f"bench: department_scorecard_p95 = {p95:.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
