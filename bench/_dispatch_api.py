"""Incident creation through the HTTP API on PostgreSQL (issue #4), 20 concurrent clients.

    python bench/_dispatch_api.py     # run by bench/dispatch.py; starts its own PostgreSQL

Protocol: a throw-away PostgreSQL 15 server on loopback; the demo bureau built from the
real Toronto records (``load_demo``); gunicorn serving ``zhian.wsgi`` with DEBUG off
(8 sync workers on 2 cores); 20 client threads, each with its own
keep-alive connection, POST ``/api/v1/incidents`` with a bearer token and an
Idempotency-Key, at real 2020 offence locations with their category mapped to a 警情
category. 200 warm-up requests, then two measured phases:

* saturation: the 20 clients send back to back (closed loop), 2,000 requests. Gives the
  throughput ceiling; by Little's law its latency is 20 / throughput, so it measures the
  queue in front of 2 cores rather than the service time.
* paced: the 20 clients together offer ``PACED_RATE`` incidents/s on a fixed schedule
  (each client every 20/PACED_RATE s) for 1,000 requests; latency is counted from each
  request's scheduled time, so a slow server cannot hide its queue (no coordinated
  omission). PACED_RATE is far above a county bureau's real peak (a few thousand calls a
  day, well under 1 per second).

Client and server share the machine's 2 cores.
"""

from __future__ import annotations

import gzip
import http.client
import json
import os
import secrets
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench._server import bench_env, django_shell, gunicorn, load_demo, shared_data  # noqa: E402

CLIENTS = 20
WARMUP = 200
MEASURED = 2000
PACED = 1000
PACED_RATE = 20.0  # incidents per second offered by all clients together
# Sync workers (one request per process): with threads, the request that holds the day
# counter and audit-chain locks waits for the GIL after every database round trip while
# its sibling threads run, a lock convoy (measured: gthread 4x4 paced p99 133 ms, 30/s).
GUNICORN = os.environ.get("ZHIAN_BENCH_GUNICORN", "-k sync -w 8")
CATEGORY = {
    "Assault": "0104",
    "Break and Enter": "0105",
    "Auto Theft": "0106",
    "Robbery": "0102",
    "Theft Over": "0101",
}


def offences(shared: Path, n: int) -> list[dict[str, Any]]:
    """The first ``n`` offences of 2020 from the shared file, as incident bodies."""
    rows = []
    with gzip.open(shared / "toronto_mci_2014_2020.csv.gz", "rt", encoding="utf-8") as f:
        header = f.readline().strip().split(",")
        idx = {name: header.index(name) for name in ("occurred_at", "category", "lat", "lon")}
        for line in f:
            parts = line.rstrip("\n").split(",")
            if len(parts) != len(header) or not parts[idx["occurred_at"]].startswith("2020"):
                continue
            rows.append(
                {
                    "channel": "call_110",
                    "category": CATEGORY[parts[idx["category"]]],
                    "address": f"Toronto {parts[idx['lat']]},{parts[idx['lon']]}",
                    "lon": float(parts[idx["lon"]]),
                    "lat": float(parts[idx["lat"]]),
                    "narrative": "基准测试",
                    "caller_phone": "13800000000",
                }
            )
            if len(rows) == n:
                break
    return rows


def prepare(env: dict[str, str]) -> str:
    """Migrate, load the demo bureau, and return a bearer token of the demo dispatcher."""
    load_demo(env)
    code = (
        "from zhian.core.models import User;"
        "from zhian.core.services.tokens import do_create_token;"
        "print(do_create_token(acting_user=User.objects.get(username='dispatcher'),"
        "name='bench')[1])"
    )
    return django_shell(env, code)[-1]


def drive(
    port: int, token: str, bodies: list[dict[str, Any]], rate: float | None = None
) -> tuple[list[float], int, float]:
    """Send ``bodies`` from CLIENTS threads, back to back or at ``rate`` per second in all;
    returns latencies (ms, from the scheduled send time when paced), errors, wall seconds."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    chunks = [bodies[i::CLIENTS] for i in range(CLIENTS)]
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    t0 = time.perf_counter() + 0.5
    interval = CLIENTS / rate if rate else 0.0

    def client(offset: int, chunk: list[dict[str, Any]]) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        for i, body in enumerate(chunk):
            payload = json.dumps(body).encode()
            start = time.perf_counter()
            if rate:
                scheduled = t0 + (i + offset / CLIENTS) * interval
                if scheduled > start:
                    time.sleep(scheduled - start)
                start = scheduled
            conn.request(
                "POST",
                "/api/v1/incidents",
                body=payload,
                headers={**headers, "Idempotency-Key": secrets.token_hex(8)},
            )
            response = conn.getresponse()
            body_text = response.read().decode(errors="replace")
            mine.append((time.perf_counter() - start) * 1000)
            if response.status == 422 and "outside_jurisdiction" in body_text:
                pass  # one of the few 2020 records outside the demo bureau: a correct refusal
            elif response.status != 201:
                with lock:
                    errors[0] += 1
                    if errors[0] == 1:
                        print(
                            f"first error: HTTP {response.status} {body_text[:300]}",
                            file=sys.stderr,
                        )
        with lock:
            latencies.extend(mine)
        conn.close()

    threads = [threading.Thread(target=client, args=(i, c)) for i, c in enumerate(chunks)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, errors[0], time.perf_counter() - start


def run() -> dict[str, dict[str, float]]:
    env = bench_env()
    token = prepare(env)
    bodies = offences(shared_data(), WARMUP + MEASURED + PACED)
    with gunicorn(env, GUNICORN) as port:
        drive(port, token, bodies[:WARMUP])
        saturated = summarise(*drive(port, token, bodies[WARMUP : WARMUP + MEASURED]))
        paced = summarise(*drive(port, token, bodies[WARMUP + MEASURED :], rate=PACED_RATE))
    return {"saturated": saturated, "paced": paced}


def summarise(latencies: list[float], errors: int, wall: float) -> dict[str, float]:
    latencies = sorted(latencies)
    return {
        "p50": statistics.median(latencies),
        "p99": latencies[int(0.99 * (len(latencies) - 1))],
        "max": latencies[-1],
        "rate": len(latencies) / wall,
        "errors": errors,
        "n": len(latencies),
    }


def main() -> int:
    if not os.environ.get("ZHIAN_DATABASE_URL"):
        return subprocess.call([str(ROOT / "scripts" / "with-postgres"), sys.executable, __file__])
    figures = run()
    print(
        f"incident creation through the API on PostgreSQL, {CLIENTS} clients "
        f"(gunicorn {GUNICORN}, {WARMUP} warm-up requests)"
    )
    for name, label in (
        ("saturated", "back to back"),
        ("paced", f"paced, {PACED_RATE:.0f}/s offered"),
    ):
        f = figures[name]
        print(
            f"  {label:<22} n={f['n']:<5.0f} p50 {f['p50']:7.1f} ms · p99 {f['p99']:7.1f} ms · "
            f"max {f['max']:7.1f} ms · {f['rate']:6.1f}/s · errors {f['errors']:.0f}"
        )
    print(f"bench: incident_create_p99 = {figures['paced']['p99']:.1f} ms")
    print(f"bench: incident_create_p99_saturated = {figures['saturated']['p99']:.1f} ms")
    print(f"bench: incident_create_rate = {figures['saturated']['rate']:.0f} per s")
    errors = figures["saturated"]["errors"] + figures["paced"]["errors"]
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
