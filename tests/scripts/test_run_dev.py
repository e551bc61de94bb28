"""``scripts/run-dev`` (what ``make run`` serves): web server and task worker start together and
Ctrl-C stops both."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _group(pgid: int) -> list[str]:
    """Command lines of the processes still in process group ``pgid``."""
    out = subprocess.run(
        ["ps", "-o", "args=", "-g", str(pgid)], capture_output=True, text=True, check=False
    )
    return [line for line in out.stdout.splitlines() if line.strip()]


def _healthz(port: int, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                return int(r.status)
        except OSError:
            time.sleep(0.5)
    return 0


def test_run_dev_serves_beside_a_worker_and_ctrl_c_stops_both(tmp_path: Path) -> None:
    # Given a migrated SQLite database of its own and no shared data beside the repository.
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZHIAN_")}
    env |= {
        "DJANGO_SETTINGS_MODULE": "zhian.settings.base",
        "ZHIAN_VAR_DIR": str(tmp_path),
        "ZHIAN_SHARED_DATA": str(tmp_path / "no-shared-data"),
        "PYTHON": sys.executable,
        "PORT": str(_free_port()),
    }
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )

    # When run-dev starts as a terminal's foreground job (own process group, SIGINT default).
    proc = subprocess.Popen(
        [str(ROOT / "scripts" / "run-dev")],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        # Then the web server answers and a worker runs beside it.
        assert _healthz(int(env["PORT"]), timeout=90) == 200
        running = _group(proc.pid)
        assert any("manage.py db_worker" in c for c in running), running
        assert any("manage.py runserver" in c for c in running), running

        # And Ctrl-C (SIGINT to the process group) stops every one of them.
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(timeout=30)
        deadline = time.monotonic() + 10
        while _group(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _group(proc.pid) == []
    finally:
        if _group(proc.pid):
            os.killpg(proc.pid, signal.SIGKILL)
