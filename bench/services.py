"""便民服务 portal on PostgreSQL through gunicorn (issue #11).

    python bench/services.py          # starts its own PostgreSQL (scripts/with-postgres)

Protocol: a throw-away PostgreSQL 15 server on loopback; the demo bureau from the real
Toronto records (``load_demo``); gunicorn serving ``zhian.wsgi`` with DEBUG off (8 sync
workers on 2 cores). 50 citizens, each with its own keep-alive connection and CSRF cookie,
first GET the report form, then POST non-emergency reports at real 2020 offence locations
(the routing, the tracking code, the audit row, the rate-limit upserts: the whole path a
citizen takes). The per-address limit is raised for the run (every citizen comes from
127.0.0.1); each report has its own phone.

* paced (headline): the 50 citizens together offer ``PACED_RATE`` reports/s on a fixed
  schedule; latency is counted from each request's scheduled time (no coordinated
  omission). PACED_RATE is far above a county portal's real load.
* one citizen alone (``SEQUENTIAL`` reports): the service time without any queue.
* saturated: back to back, for the throughput ceiling (latency ≈ 50 / throughput there).

``portal_page_bytes`` is the largest portal page (HTML + its CSS and JS, no images) over
every page a citizen can open, including a booking page with a day of slots.
"""

from __future__ import annotations

import gzip
import http.client
import os
import re
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench._server import bench_env, django_shell, gunicorn, load_demo, shared_data  # noqa: E402

CITIZENS = 50
WARMUP = 100
MEASURED = 1000
PACED = 1000
PACED_RATE = 5.0  # reports/s from the 50 together: hundreds of times a real portal's load
SEQUENTIAL = 100  # one citizen alone: the service time without queueing
# --preload: the app is imported once before forking (8 workers importing numpy/scipy at
# once on 2 busy cores outlived gunicorn's 30 s boot timeout).
GUNICORN = os.environ.get("ZHIAN_BENCH_GUNICORN", "-k sync -w 8 --preload --timeout 120")
CATEGORIES = ["noise", "lost_property", "minor_damage", "traffic_obstruction", "tip"]
PAGES = ["/s/", "/s/report/", "/s/consult/", "/s/complaint/", "/s/track/", "/s/faq/", "/s/privacy/"]


def locations(shared: Path, n: int) -> list[tuple[float, float]]:
    """(lon, lat) of the first ``n`` offences of 2020 in the shared Toronto file."""
    rows: list[tuple[float, float]] = []
    with gzip.open(shared / "toronto_mci_2014_2020.csv.gz", "rt", encoding="utf-8") as f:
        header = f.readline().strip().split(",")
        i_at, i_lat, i_lon = (header.index(k) for k in ("occurred_at", "lat", "lon"))
        for line in f:
            parts = line.rstrip("\n").split(",")
            if len(parts) == len(header) and parts[i_at].startswith("2020"):
                rows.append((float(parts[i_lon]), float(parts[i_lat])))
                if len(rows) == n:
                    break
    return rows


def prepare(env: dict[str, str]) -> str:
    """Migrate, load the demo bureau, add the services demo; return a booking page path."""
    load_demo(env)
    code = (
        "from zhian.demo.services import create_demo_services; print(create_demo_services());"
        "from zhian.services.models import Slot;"
        "s = Slot.objects.select_related('service', 'station').order_by('starts_at').first();"
        "print(f'/s/book/?service={s.service.code}&station={s.station.code}&day={s.day}'"
        " if s else '/s/book/')"
    )
    lines = django_shell(env, code)
    print(lines[-2], file=sys.stderr)
    return lines[-1]


class Citizen:
    """One browser: a keep-alive connection and the CSRF cookie of its first GET."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.conn.request("GET", "/s/report/")
        response = self.conn.getresponse()
        html = response.read().decode()
        cookie = response.getheader("Set-Cookie") or ""
        self.cookie = cookie.split(";", 1)[0]
        self.token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]

    def submit(self, body: dict[str, str]) -> tuple[int, str]:
        payload = urlencode({**body, "csrfmiddlewaretoken": self.token}).encode()
        self.conn.request(
            "POST",
            "/s/report/",
            body=payload,
            headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": self.cookie},
        )
        response = self.conn.getresponse()
        return response.status, response.read().decode(errors="replace")


def drive(
    port: int, bodies: list[dict[str, str]], rate: float | None = None, citizens: int = CITIZENS
) -> tuple[list[float], int, float]:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    chunks = [bodies[i::citizens] for i in range(citizens)]
    browsers = [Citizen(port) for _ in range(citizens)]
    t0 = time.perf_counter() + 0.5
    interval = citizens / rate if rate else 0.0

    def run(offset: int, citizen: Citizen, chunk: list[dict[str, str]]) -> None:
        mine = []
        for i, body in enumerate(chunk):
            start = time.perf_counter()
            if rate:
                scheduled = t0 + (i + offset / citizens) * interval
                if scheduled > start:
                    time.sleep(scheduled - start)
                start = scheduled
            status, text = citizen.submit(body)
            mine.append((time.perf_counter() - start) * 1000)
            if status != 201 and not (status == 422 and "不在本局辖区" in text):
                with lock:
                    errors[0] += 1
                    if errors[0] == 1:
                        print(f"first error: HTTP {status} {text[:300]}", file=sys.stderr)
        with lock:
            latencies.extend(mine)
        citizen.conn.close()

    threads = [
        threading.Thread(target=run, args=(i, c, chunk))
        for i, (c, chunk) in enumerate(zip(browsers, chunks, strict=True))
    ]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, errors[0], time.perf_counter() - start


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


def page_bytes(port: int, paths: list[str]) -> dict[str, int]:
    """Bytes of each page: its HTML plus the stylesheets and scripts it loads."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    sizes: dict[str, int] = {}
    assets: dict[str, int] = {}
    for path in paths:
        conn.request("GET", path)
        response = conn.getresponse()
        html = response.read()
        total = len(html)
        for asset in re.findall(rb'(?:href|src)="(/static/[^"]+\.(?:css|js))"', html):
            url = asset.decode()
            if url not in assets:
                conn.request("GET", url)
                response = conn.getresponse()
                body = response.read()
                # DEBUG off serves no static files: measure the app's own file instead.
                found = list(ROOT.glob(f"zhian/**/static/{url.removeprefix('/static/')}"))
                assets[url] = len(body) if response.status == 200 else found[0].stat().st_size
            total += assets[url]
        sizes[path] = total
    conn.close()
    return sizes


def run() -> dict[str, Any]:
    env = bench_env(ZHIAN_PORTAL_REPORTS_PER_IP_HOUR="1000000")
    booking = prepare(env)
    points = locations(shared_data(), WARMUP + SEQUENTIAL + MEASURED + PACED)
    bodies = [
        {
            "category": CATEGORIES[i % 5],
            "description": f"基准测试报警 {i}：夜间噪声扰民",
            "address": f"Toronto {lat:.5f},{lon:.5f}",
            "lon": f"{lon}",
            "lat": f"{lat}",
            "phone": f"13{i:09d}",
        }
        for i, (lon, lat) in enumerate(points)
    ]
    with gunicorn(env, GUNICORN) as port:
        sizes = page_bytes(port, [*PAGES, booking])
        drive(port, bodies[:WARMUP])
        alone = summarise(*drive(port, bodies[WARMUP : WARMUP + SEQUENTIAL], citizens=1))
        rest = bodies[WARMUP + SEQUENTIAL :]
        saturated = summarise(*drive(port, rest[:MEASURED]))
        paced = summarise(*drive(port, rest[MEASURED:], rate=PACED_RATE))
    return {
        "alone": alone,
        "saturated": saturated,
        "paced": paced,
        "sizes": sizes,
        "load": os.getloadavg(),
    }


def main() -> int:
    if not os.environ.get("ZHIAN_DATABASE_URL"):
        return subprocess.call([str(ROOT / "scripts" / "with-postgres"), sys.executable, __file__])
    figures = run()
    print(
        f"portal report submission on PostgreSQL, {CITIZENS} citizens (gunicorn {GUNICORN}, "
        f"{WARMUP} warm-up reports)"
    )
    print(
        "  machine load average (1, 5, 15 min) at the end: "
        + ", ".join(f"{x:.1f}" for x in figures["load"])
    )
    for name, label in (
        ("alone", "one citizen"),
        ("saturated", "back to back"),
        ("paced", f"paced, {PACED_RATE:.0f}/s offered"),
    ):
        f = figures[name]
        print(
            f"  {label:<22} n={f['n']:<5.0f} p50 {f['p50']:7.1f} ms · p99 {f['p99']:7.1f} ms · "
            f"max {f['max']:7.1f} ms · {f['rate']:6.1f}/s · errors {f['errors']:.0f}"
        )
    print("portal pages (HTML + CSS + JS, no images):")
    for path, size in figures["sizes"].items():
        print(f"  {size:>8,} B  {path}")
    print(f"bench: portal_submit_p99 = {figures['paced']['p99']:.1f} ms")
    print(f"bench: portal_submit_p99_saturated = {figures['saturated']['p99']:.1f} ms")
    print(f"bench: portal_submit_p50_alone = {figures['alone']['p50']:.1f} ms")
    print(f"bench: portal_submit_rate = {figures['saturated']['rate']:.0f} per s")
    print(f"bench: portal_page_bytes = {max(figures['sizes'].values())} B")
    return 1 if sum(figures[k]["errors"] for k in ("alone", "saturated", "paced")) else 0


if __name__ == "__main__":
    sys.exit(main())
