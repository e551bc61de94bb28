"""A shift's load with locust (issue #14): 50 users against gunicorn, headless.

    python bench/shift_mix.py            # PostgreSQL (its own server) 10 min, then SQLite 2 min
    ZHIAN_BENCH_MINUTES=1 python bench/shift_mix.py   # shorter (SQLite gets a fifth, ≥ 0.5)

The mix (docs/operations.md):

* 10 call-takers, each creating an incident every 30 s (POST /api/v1/incidents with an
  Idempotency-Key, real 2020 offence locations mapped into the demo bureau);
* 30 desks with the live board open, each polling it every 5 s with its change number
  (GET /dispatch/board/live/, session cookie, as the page's htmx poll does);
* 10 patrol devices, each every 10 s posting its position and stepping its task
  (dispatched to the newest incident when free, then 出发 → 到达 → 处置完毕).

Server: the demo bureau (``load_demo``), gunicorn ``-k sync -w 8`` with DEBUG off, on the
same 2 cores as the load generator. Lines: ``shift_mix_p95``/``p99`` (ms, all requests),
``shift_mix_errors`` (count), ``board_unchanged_p99`` (ms, polls answered 204, measured by
one desk polling every second from its own process beside locust; locust's own figure for
its 30 desks is ``board_unchanged_p99_locust``) and ``board_bytes_unchanged`` (status line,
headers and body of a 204 poll).
"""

from __future__ import annotations

import json
import os
import random
import secrets
import subprocess
import sys
import time
from collections import deque
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._dispatch_api import offences  # noqa: E402
from bench._server import bench_env, django_shell, gunicorn, load_demo, shared_data  # noqa: E402

# A long worker timeout: on a shared machine 8 workers importing Django at once can take
# longer than gunicorn's default 30 s before their first answer.
GUNICORN = os.environ.get("ZHIAN_BENCH_GUNICORN", "-k sync -w 8 --timeout 120")
PREPARE = """
import json
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.auth import SESSION_KEY, BACKEND_SESSION_KEY, HASH_SESSION_KEY
from zhian.core.models import User
from zhian.core.services.tokens import do_create_token
from zhian.dispatch.models import Unit
user = User.objects.get(username="dispatcher")  # the demo's bureau dispatcher (no MFA role)
sessions = []
for _ in range(31):  # 30 desks and the probe's
    s = SessionStore()
    s[SESSION_KEY] = str(user.pk)
    s[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    s[HASH_SESSION_KEY] = user.get_session_auth_hash()
    s.create()
    sessions.append(s.session_key)
units = list(
    Unit.objects.filter(status="available").order_by("pk").values_list("pk", "lon", "lat")[:10]
)
from django.conf import settings
print(json.dumps({"token": do_create_token(acting_user=user, name="bench")[1],
                  "sessions": sessions, "units": units, "cookie": settings.SESSION_COOKIE_NAME}))
"""


# A desk outside locust: one plain HTTP client in its own process polling the board every
# second with its own change number. Locust's figures include its own greenlet scheduling
# on the cores it shares with the server; this one measures what a desk waits for.
PROBE = """
import http.client, json, sys, time
port, session, seconds, name = int(sys.argv[1]), sys.argv[2], float(sys.argv[3]), sys.argv[4]
cookie = {"Cookie": name + "=" + session}
def get(path, extra=()):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request("GET", path, headers={**cookie, **dict(extra)})
    r = c.getresponse(); body = r.read(); c.close()
    return r, body
_r, page = get("/dispatch/")
page = page.decode()
assert 'data-token="' in page, "the probe's board page did not load"
start = page.find('data-token="') + len('data-token="')
token, times, changed = page[start : page.find('"', start)], [], 0
end = time.monotonic() + seconds
while time.monotonic() < end:
    t = time.perf_counter()
    r, _body = get("/dispatch/board/live/?token=" + token, [("X-Zhian-Poll", "1")])
    ms = (time.perf_counter() - t) * 1000
    token = r.getheader("X-Board-Token") or token
    if r.getheader("HX-Redirect"):
        raise SystemExit("the probe's poll was sent to the log-on page")
    if r.status == 204:
        times.append(ms)
    else:
        changed += 1
    time.sleep(1.0)
print(json.dumps({"times": times, "changed": changed}))
"""


def prepare(env: dict[str, str]) -> dict[str, Any]:
    load_demo(env)
    return dict(json.loads(django_shell(env, PREPARE)[-1]))


def run_load(
    port: int, setup: dict[str, Any], bodies: list[dict[str, Any]], seconds: float
) -> dict[str, float]:
    import gevent
    from locust import HttpUser, task
    from locust.env import Environment

    auth = {"Authorization": f"Bearer {setup['token']}", "Content-Type": "application/json"}
    incidents: deque[int] = deque()  # created and not yet taken by a patrol
    unchanged_ms: list[float] = []
    unchanged_bytes: list[int] = []
    feed = iter(bodies * 100)
    sessions = iter(setup["sessions"][:30])
    units = iter(setup["units"])
    rng = random.Random(20261128)

    def stagger(user: Any, period: float) -> None:
        """Start ``user`` at a random point of its cycle: real desks, call-takers and cars
        are not synchronised (locust starts all 50 within two seconds, which would send
        the 30 desks' polls as one burst every 5 s)."""
        user.due = time.monotonic() + rng.uniform(0, period)
        gevent.sleep(user.due - time.monotonic())

    def paced(period: float) -> Any:
        """One task every ``period`` seconds on the user's own staggered schedule. (Locust's
        ``constant_pacing`` counts from the user's creation, so after the first task it
        would undo the stagger and line the users up again.)"""

        def wait(user: Any) -> float:
            user.due += period
            return max(0.0, user.due - time.monotonic())

        return wait

    class CallTaker(HttpUser):
        fixed_count = 10
        wait_time = paced(30)

        def on_start(self) -> None:
            stagger(self, 30)

        @task
        def create(self) -> None:
            headers = {**auth, "Idempotency-Key": secrets.token_hex(8)}
            with self.client.post(
                "/api/v1/incidents",
                data=json.dumps(next(feed)),
                headers=headers,
                name="incident create",
                catch_response=True,
            ) as r:
                if r.status_code == 201:
                    incidents.append(r.json()["id"])
                    r.success()
                elif r.status_code == 422 and "outside_jurisdiction" in r.text:
                    r.success()  # a 2020 record outside the demo bureau: a correct refusal
                else:
                    r.failure(f"HTTP {r.status_code}")

    class BoardDesk(HttpUser):
        fixed_count = 30
        wait_time = paced(5)

        def on_start(self) -> None:
            stagger(self, 5)
            # Production settings name the cookie __Host-sessionid (DEBUG off).
            self.client.cookies.set(setup["cookie"], next(sessions))
            with self.client.get("/dispatch/", name="board page", catch_response=True) as r:
                if 'data-token="' not in r.text:
                    r.failure("the board page did not load (not signed in?)")
                    self.token = ""
                    return
            page = r.text
            start = page.find('data-token="') + len('data-token="')
            self.token = page[start : page.find('"', start)]

        @task
        def poll(self) -> None:
            with self.client.get(
                "/dispatch/board/live/",
                params={"token": self.token},
                headers={"X-Zhian-Poll": "1"},
                name="board poll",
                catch_response=True,
            ) as r:
                if "HX-Redirect" in r.headers:
                    r.failure("the poll was sent to the log-on page")
                    return
            self.token = r.headers.get("X-Board-Token", self.token)
            if r.status_code == 204:
                unchanged_ms.append(r.elapsed.total_seconds() * 1000)
                head = sum(len(k) + len(v) + 4 for k, v in r.headers.items())
                unchanged_bytes.append(
                    len("HTTP/1.1 204 No Content\r\n") + head + 2 + len(r.content)
                )

    class PatrolDevice(HttpUser):
        fixed_count = 10
        wait_time = paced(10)

        def on_start(self) -> None:
            stagger(self, 10)
            self.unit, self.lon, self.lat = next(units)
            self.assignment: int | None = None
            self.steps: list[str] = []

        def post(self, path: str, body: dict[str, Any], name: str) -> Any:
            headers = {**auth, "Idempotency-Key": secrets.token_hex(8)}
            return self.client.post(path, data=json.dumps(body), headers=headers, name=name)

        @task
        def shift(self) -> None:
            self.lon = (self.lon or 120.0) + 0.0001
            fix = {
                "lon": self.lon,
                "lat": self.lat or 30.0,
                "at": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime()),
            }
            self.post(f"/api/v1/units/{self.unit}/positions", {"positions": [fix]}, "unit position")
            if self.assignment is None and incidents:
                # Each incident goes to one car (two cars sent to one incident at the same
                # instant are the dispatcher's business, refused 409/412 by design).
                r = self.post(
                    f"/api/v1/incidents/{incidents.popleft()}/dispatch",
                    {"unit_ids": [self.unit]},
                    "dispatch",
                )
                if r.status_code == 201:
                    self.assignment, self.steps = (
                        r.json()[0]["id"],
                        ["en_route", "on_scene", "cleared"],
                    )
            elif self.assignment is not None:
                self.post(
                    f"/api/v1/assignments/{self.assignment}/steps",
                    {"step": self.steps.pop(0)},
                    "step",
                )
                if not self.steps:
                    self.assignment = None

    env = Environment(
        user_classes=[CallTaker, BoardDesk, PatrolDevice], host=f"http://127.0.0.1:{port}"
    )
    runner = env.create_local_runner()
    runner.start(50, spawn_rate=25)
    gevent.spawn_later(seconds, runner.quit)
    runner.greenlet.join()
    total = env.stats.total
    print(f"  {'request':<16} {'n':>6} {'p50':>6} {'p95':>6} {'p99':>6} {'errors':>6}  (ms)")
    for (name, _method), entry in sorted(env.stats.entries.items()):
        print(
            f"  {name:<16} {entry.num_requests:>6} {entry.get_response_time_percentile(0.5):>6.0f} "
            f"{entry.get_response_time_percentile(0.95):>6.0f} "
            f"{entry.get_response_time_percentile(0.99):>6.0f} {entry.num_failures:>6}"
        )
    for error in sorted(env.stats.errors.values(), key=lambda e: -e.occurrences)[:5]:
        print(f"  error x{error.occurrences}: {error.method} {error.name}: {error.error}")
    unchanged_ms.sort()
    return {
        "p95": total.get_response_time_percentile(0.95),
        "p99": total.get_response_time_percentile(0.99),
        "errors": total.num_failures,
        "requests": total.num_requests,
        "board_unchanged_p99": unchanged_ms[int(0.99 * (len(unchanged_ms) - 1))]
        if unchanged_ms
        else float("nan"),
        "board_unchanged_n": len(unchanged_ms),
        "board_bytes_unchanged": sum(unchanged_bytes) / len(unchanged_bytes)
        if unchanged_bytes
        else float("nan"),
    }


def one_run(minutes: float) -> dict[str, float]:
    env = bench_env()
    setup = prepare(env)
    bodies = offences(shared_data(), 2000)
    with gunicorn(env, GUNICORN) as port:
        probe = subprocess.Popen(
            [
                sys.executable,
                "-c",
                PROBE,
                str(port),
                setup["sessions"][30],
                str(minutes * 60 - 5),
                setup["cookie"],
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        figures = run_load(port, setup, bodies, minutes * 60)
        seen = json.loads(probe.communicate(timeout=120)[0])
    times = sorted(seen["times"])
    figures["probe_unchanged_p50"] = times[len(times) // 2] if times else float("nan")
    figures["probe_unchanged_p99"] = times[int(0.99 * (len(times) - 1))] if times else float("nan")
    figures["probe_n"], figures["probe_changed"] = len(times), seen["changed"]
    return figures


def report(figures: dict[str, float], suffix: str, label: str) -> None:
    print(
        f"shift mix on {label}: {figures['requests']:.0f} requests, "
        f"{figures['board_unchanged_n']:.0f} unchanged board polls"
    )
    print(f"bench: shift_mix_p95{suffix} = {figures['p95']:.0f} ms")
    print(f"bench: shift_mix_p99{suffix} = {figures['p99']:.0f} ms")
    print(f"bench: shift_mix_errors{suffix} = {figures['errors']:.0f} count")
    print(
        f"  one desk outside locust: {figures['probe_n']:.0f} unchanged polls "
        f"(p50 {figures['probe_unchanged_p50']:.1f} ms), "
        f"{figures['probe_changed']:.0f} with changes"
    )
    print(f"bench: board_unchanged_p99{suffix} = {figures['probe_unchanged_p99']:.1f} ms")
    print(f"bench: board_unchanged_p99_locust{suffix} = {figures['board_unchanged_p99']:.1f} ms")
    print(f"bench: board_bytes_unchanged{suffix} = {figures['board_bytes_unchanged']:.0f} B")


def main() -> int:
    minutes = float(os.environ.get("ZHIAN_BENCH_MINUTES", "10"))
    if os.environ.get("ZHIAN_BENCH_SHIFT_CHILD"):
        figures = one_run(minutes)
        report(figures, "", "PostgreSQL")
        return 1 if figures["errors"] else 0
    pg = subprocess.call(
        [str(ROOT / "scripts" / "with-postgres"), sys.executable, __file__],
        env={**os.environ, "ZHIAN_BENCH_SHIFT_CHILD": "1"},
    )
    os.environ.pop("ZHIAN_DATABASE_URL", None)
    figures = one_run(max(0.5, minutes / 5))
    report(figures, "_sqlite", "SQLite")
    return 1 if pg or figures["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
