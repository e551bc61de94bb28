"""Every English catalogue is up to date with the source: running ``makemessages`` on a
copy of the tree neither adds a message nor drops one (a string wrapped in ``gettext``
but never extracted stays Chinese on the English pages, and no other test notices)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.core.test_i18n import _po_entries

REPO = Path(__file__).resolve().parents[2]
SOURCES = ("*.py", "*.html", "*.txt", "*.js", "*.po")

pytestmark = pytest.mark.slow


def _msgids(path: Path) -> set[tuple[str | None, str]]:
    return {(e.get("msgctxt"), e["msgid"]) for e in _po_entries(path)}


def _copy_sources(dst: Path) -> None:
    def ignore(folder: str, names: list[str]) -> set[str]:
        keep = {n for n in names if (Path(folder) / n).is_dir() and n != "__pycache__"}
        keep |= {n for n in names if any(Path(n).match(p) for p in SOURCES)}
        return set(names) - keep

    shutil.copytree(REPO / "zhian", dst / "zhian", ignore=ignore)
    shutil.copy(REPO / "manage.py", dst / "manage.py")


def test_makemessages_finds_nothing_the_catalogues_lack(tmp_path: Path) -> None:
    if shutil.which("xgettext") is None:
        pytest.fail("the gettext tools are missing: `make system-deps` installs them")
    _copy_sources(tmp_path)
    env = {**os.environ, "ZHIAN_VAR_DIR": str(tmp_path / "var"), "PYTHONPATH": str(tmp_path)}
    subprocess.run(
        [sys.executable, str(tmp_path / "manage.py"), "makemessages", "-l", "en", "--no-obsolete"],
        cwd=tmp_path / "zhian",
        env=env,
        check=True,
        capture_output=True,
    )
    drift = {}
    for fresh in sorted(tmp_path.glob("zhian/**/locale/en/LC_MESSAGES/django.po")):
        committed = REPO / fresh.relative_to(tmp_path)
        new, old = _msgids(fresh), _msgids(committed)
        if new != old:
            drift[str(committed.relative_to(REPO))] = {
                "missing": sorted(m for _, m in new - old),
                "obsolete": sorted(m for _, m in old - new),
            }
    assert drift == {}, "run `make messages` and translate what it adds"
