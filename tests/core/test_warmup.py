"""The WSGI module warms its process up before the first request, without the database."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# What a server process holds once ``zhian.wsgi`` is imported.
PROBE = """
import gc, json, sys
import zhian.wsgi
from django.template import engines
(loader,) = engines["django"].engine.template_loaders
print(json.dumps({
    "frozen": gc.get_freeze_count(),
    "views_imported": all(f"zhian.{a}.views" in sys.modules for a in ("dispatch", "grid")),
    "compiled": sorted(loader.get_template_cache),
}))
"""


def test_importing_the_wsgi_module_warms_the_process_without_touching_the_database(
    tmp_path: Path,
) -> None:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ZHIAN_")}
    env = {
        **clean,
        "DJANGO_SETTINGS_MODULE": "zhian.settings.base",
        "ZHIAN_DEBUG": "0",
        "ZHIAN_SECRET_KEY": secrets.token_urlsafe(48),
        "ZHIAN_VAR_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    held = json.loads(result.stdout.strip().splitlines()[-1])
    assert held["frozen"] > 10_000  # the loaded code and data sit outside the collector
    assert held["views_imported"]
    for page in ("dispatch/board.html", "base.html", "records/case_detail.html"):
        assert page in held["compiled"]
    assert not any("admin/" in name for name in held["compiled"])  # only the project's own
    assert not list(tmp_path.glob("*.sqlite3*")), "warming up opened the database"
