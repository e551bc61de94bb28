"""A throw-away Zhian site for crash tests: its own database (a SQLite file, or a fresh
PostgreSQL database), gunicorn on loopback, a seeded bureau and an API token, and the
checks run afterwards in a separate process (the test process never opens the site's
database itself)."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
WEST = (24.9410, 60.1690)  # inside station HKI-W of the Helsinki test bureau


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def site_env(var: Path, database_url: str | None) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "zhian.settings.base",
        "ZHIAN_DEBUG": "0",
        "ZHIAN_SSL_REDIRECT": "0",  # plain HTTP on loopback; TLS ends at the proxy in production
        "ZHIAN_SECRET_KEY": secrets.token_urlsafe(48),
        "ZHIAN_ALLOWED_HOSTS": "127.0.0.1",
        "ZHIAN_VAR_DIR": str(var),
        "ZHIAN_AUDIT_HEAD_FILE": str(var / "no-head.json"),
        "ZHIAN_LOG_LEVEL": "CRITICAL",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("ZHIAN_DATABASE_URL", None)
    if database_url:
        env["ZHIAN_DATABASE_URL"] = database_url
    return env


def run_python(env: dict[str, str], code: str, timeout: float = 120) -> str:
    """Run ``code`` with Django set up in a fresh process; its stdout."""
    script = "import django; django.setup()\n" + code
    done = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode != 0:
        raise RuntimeError(f"python failed ({done.returncode}): {done.stderr[-2000:]}")
    return done.stdout


def manage(
    env: dict[str, str], *args: str, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


SEED = """
import json
from tests.dispatch.conftest import helsinki_features, UNIT_POINTS
from tests.factories import Role, UserFactory
from zhian.core.models import Jurisdiction
from zhian.core.services.jurisdictions import do_import_jurisdictions
from zhian.core.services.tokens import do_create_token
from zhian.dispatch.models import Unit
features = {"type": "FeatureCollection", "features": helsinki_features()}
do_import_jurisdictions(features, acting_user=None)
bureau = Jurisdiction.objects.get(code="HKI")
roles = [(Role.DISPATCHER, bureau), (Role.PATROL_OFFICER, bureau)]
user = UserFactory(username="crash", roles=roles)
for call_sign, (lon, lat) in UNIT_POINTS.items():
    station = Jurisdiction.objects.get(code="HKI-W" if call_sign.startswith("W") else "HKI-E")
    Unit.objects.create(call_sign=call_sign, station=station, kind="patrol_car", lon=lon, lat=lat)
units = dict(Unit.objects.values_list("call_sign", "pk"))
print(json.dumps({"token": do_create_token(acting_user=user, name="crash")[1], "units": units}))
"""

CHECK = """
import json
from zhian.core.audit import verify_chain
from zhian.core.models import AuditEvent
from zhian.dispatch.models import Assignment, Call, Incident, TimelineEvent
audited = {}
for action, oid in AuditEvent.objects.values_list("action", "object_id"):
    audited.setdefault(action, []).append(oid)
def count(action, oid):
    return audited.get(action, []).count(str(oid))
incidents = [
    {"id": i.pk, "number": i.number,
     "calls": Call.objects.filter(incident=i).count(),
     "received": TimelineEvent.objects.filter(incident=i, kind="received").count(),
     "audited": count("incident.create", i.pk)}
    for i in Incident.objects.all()
]
assignments = [
    {"id": a.pk, "incident": a.incident_id,
     "timeline": TimelineEvent.objects.filter(
         incident_id=a.incident_id, unit_id=a.unit_id, kind="dispatched"
     ).count(),
     "audited": count("incident.dispatch", a.incident_id)}
    for a in Assignment.objects.all()
]
report = verify_chain()
print(json.dumps({"incidents": incidents, "assignments": assignments, "chain_ok": report.ok,
                  "chain_count": report.count, "chain_reason": report.reason}))
"""


@dataclass
class Site:
    """One site: ``database_url`` None means SQLite in ``var``."""

    var: Path
    database_url: str | None = None
    wsgi: str = "zhian.wsgi"
    workers: int = 2
    port: int = field(default_factory=free_port)
    env: dict[str, str] = field(default_factory=dict)
    token: str = ""
    units: dict[str, int] = field(default_factory=dict)
    server: subprocess.Popen[bytes] | None = None

    def __post_init__(self) -> None:
        self.env = site_env(self.var, self.database_url)

    def seed(self) -> None:
        out = json.loads(run_python(self.env, SEED).strip().splitlines()[-1])
        self.token, self.units = out["token"], out["units"]

    def start(self) -> None:
        self.server = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("gunicorn")),
                self.wsgi,
                "-b",
                f"127.0.0.1:{self.port}",
                "-k",
                "sync",
                "-w",
                str(self.workers),
                "--timeout",
                "120",
                "--log-level",
                "critical",
            ],
            env=self.env,
            cwd=ROOT,
            start_new_session=True,  # its own process group: kill -9 reaches every worker
        )
        deadline = time.monotonic() + 240  # workers import Django lazily; the machine is shared
        while time.monotonic() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("gunicorn did not become ready")

    def kill(self) -> None:
        """kill -9 the master and every worker at once."""
        assert self.server is not None
        os.killpg(self.server.pid, signal.SIGKILL)
        self.server.wait(timeout=30)
        self.server = None

    def stop(self) -> None:
        if self.server is not None:
            try:
                os.killpg(self.server.pid, signal.SIGTERM)
                self.server.wait(timeout=30)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(self.server.pid, signal.SIGKILL)
            self.server = None

    def post(
        self, path: str, body: dict[str, Any], key: str, timeout: float = 10
    ) -> tuple[int, Any]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(
                "POST",
                path,
                body=json.dumps(body).encode(),
                headers={
                    "Authorization": f"Bearer {self.token}",
                    "Content-Type": "application/json",
                    "Idempotency-Key": key,
                },
            )
            response = conn.getresponse()
            text = response.read()
            try:
                return response.status, json.loads(text) if text else None
            except ValueError:  # an error page while the database is down
                return response.status, None
        finally:
            conn.close()

    def check(self) -> dict[str, Any]:
        return json.loads(run_python(self.env, CHECK).strip().splitlines()[-1])


# --------------------------------------------------------------------------- databases


def pg_server_url(url: str, dbname: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{dbname}"))


def pg_execute(url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(pg_server_url(url, "postgres"), autocommit=True) as conn:
        conn.execute(sql)


def clone_sqlite(template: Path, var: Path) -> None:
    var.mkdir(parents=True, exist_ok=True)
    shutil.copy(template, var / "zhian.sqlite3")


class OwnPostgres:
    """A PostgreSQL 15 server of our own, durable (fsync on, the defaults), that a test
    may kill -9 and start again."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="zhian-crash-pg."))
        self.port = free_port()
        self.as_pg: list[str] = []
        if os.geteuid() == 0:  # initdb refuses root, as in scripts/with-postgres
            subprocess.run(["id", "postgres"], check=True, capture_output=True)
            self.as_pg = ["runuser", "-u", "postgres", "--"]
            shutil.chown(self.dir, "postgres")
        subprocess.run(
            [
                *self.as_pg,
                str(PG_BIN / "initdb"),
                "-D",
                str(self.dir / "data"),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ],
            check=True,
            capture_output=True,
        )
        self.start()
        subprocess.run(
            [
                *self.as_pg,
                str(PG_BIN / "createdb"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "zhian",
            ],
            check=True,
            capture_output=True,
        )
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/zhian"

    def start(self) -> None:
        subprocess.run(
            [
                *self.as_pg,
                str(PG_BIN / "pg_ctl"),
                "-D",
                str(self.dir / "data"),
                "-l",
                str(self.dir / "server.log"),
                "-w",
                "-t",
                "60",
                "-o",
                f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.dir}",
                "start",
            ],
            check=True,
            capture_output=True,
        )

    def postmaster_pid(self) -> int:
        return int((self.dir / "data" / "postmaster.pid").read_text().split()[0])

    def kill(self) -> None:
        """kill -9 the postmaster and its backends (a crash, no shutdown checkpoint)."""
        pid = self.postmaster_pid()
        children = subprocess.run(
            ["pgrep", "-P", str(pid)], capture_output=True, text=True
        ).stdout.split()
        for p in [pid, *map(int, children)]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(p, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
        (self.dir / "data" / "postmaster.pid").unlink(missing_ok=True)

    def stop(self) -> None:
        subprocess.run(
            [
                *self.as_pg,
                str(PG_BIN / "pg_ctl"),
                "-D",
                str(self.dir / "data"),
                "-m",
                "immediate",
                "stop",
            ],
            capture_output=True,
        )


WRITER = """
import sys, time
from django.db import transaction
from zhian.core.models import User
from zhian.dispatch.services.incidents import IncidentInput, do_create_incident
early = {early}
user = User.objects.get(username="crash")
i = 0
while True:
    i += 1
    data = IncidentInput(
        channel="call_110", category_code="0101", address=f"写入进程 {{i}}",
        lon=24.9410 + (i % 40) * 0.00002, lat=60.1690, caller_name="王五",
        caller_phone="13800000000",
    )
    if early:  # the broken build: says so before the commit
        with transaction.atomic():
            print(do_create_incident(data, acting_user=user).incident.number, flush=True)
            time.sleep(0.3)
    else:
        print(do_create_incident(data, acting_user=user).incident.number, flush=True)
"""


def start_writer(site: Site, *, early: bool = False) -> subprocess.Popen[str]:
    """A process writing incidents through the service in a loop, printing each number
    once ``do_create_incident`` has returned (committed)."""
    script = "import django; django.setup()\n" + WRITER.format(early=early)
    return subprocess.Popen(
        [sys.executable, "-c", script],
        env=site.env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
