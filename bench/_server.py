"""A throw-away production-mode server for the HTTP benchmarks.

One place for what every such bench does: settings with DEBUG off in a fresh ``ZHIAN_VAR_DIR``,
``migrate`` + ``load_demo``, a Django shell snippet whose last printed line is the answer,
and gunicorn on a free loopback port, ready when ``/healthz`` answers 200.
"""

from __future__ import annotations

import http.client
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def shared_data() -> Path:
    """The shared real data sets (``ZHIAN_SHARED_DATA`` or ``../shared/data``)."""
    return Path(os.environ.get("ZHIAN_SHARED_DATA", ROOT.parent / "shared" / "data"))


def bench_env(**extra: str) -> dict[str, str]:
    """Production settings for a server on loopback, with its own empty var directory."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "zhian.settings.base",
        "ZHIAN_DEBUG": "0",
        "ZHIAN_SSL_REDIRECT": "0",  # plain HTTP on loopback; TLS ends at the proxy in production
        "ZHIAN_SECRET_KEY": secrets.token_urlsafe(48),
        "ZHIAN_ALLOWED_HOSTS": "127.0.0.1",
        "ZHIAN_VAR_DIR": tempfile.mkdtemp(prefix="zhian-bench-"),
        "ZHIAN_LOG_LEVEL": "WARNING",
        **extra,
    }


def load_demo(env: dict[str, str]) -> None:
    """Migrate the (empty) database and build the demo bureau."""
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, cwd=ROOT)
    subprocess.run([*manage, "load_demo"], env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)


def django_shell(env: dict[str, str], code: str) -> list[str]:
    """Run ``code`` in ``manage.py shell``; its printed lines (stderr shown on failure)."""
    out = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "shell", "-c", code],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if out.returncode:
        sys.stderr.write(out.stderr)
        raise RuntimeError("the bench's set-up snippet failed (its error is above)")
    return out.stdout.strip().splitlines()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(port: int, timeout_s: float = 300) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not become ready")


@contextmanager
def gunicorn(env: dict[str, str], options: str) -> Iterator[int]:
    """Serve ``zhian.wsgi`` with gunicorn ``options``; yields the port once it answers."""
    port = free_port()
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "zhian.wsgi",
            "-b",
            f"127.0.0.1:{port}",
            *options.split(),
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
    )
    try:
        wait_ready(port)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)
