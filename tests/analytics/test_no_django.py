"""The analytics package must stay framework-free."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CODE = """
import importlib, pkgutil, sys
import zhian.analytics
names = [m.name for m in pkgutil.walk_packages(zhian.analytics.__path__, "zhian.analytics.")
         if not m.name.endswith("__main__")]
assert "zhian.analytics.ceiling" in names and "zhian.analytics.forecasters.sepp" in names
for name in names:
    importlib.import_module(name)
bad = sorted(m for m in sys.modules if m == "django" or m.startswith("django."))
assert not bad, bad
"""


def test_importing_analytics_does_not_import_django() -> None:
    out = subprocess.run(
        [sys.executable, "-c", CODE],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    assert out.returncode == 0, out.stderr
