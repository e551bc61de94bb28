"""The analytics package must stay framework-free."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CODE = """
import sys
import zhian.analytics
import zhian.analytics.cli, zhian.analytics.fairness, zhian.analytics.near_repeat
import zhian.analytics.forecasters.learned, zhian.analytics.forecasters.sepp
bad = sorted(m for m in sys.modules if m == "django" or m.startswith("django."))
assert not bad, bad
"""


def test_importing_analytics_does_not_import_django() -> None:
    out = subprocess.run(
        [sys.executable, "-c", CODE], cwd=ROOT, capture_output=True, text=True,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    assert out.returncode == 0, out.stderr
