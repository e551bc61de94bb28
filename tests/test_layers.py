"""The layer contracts in pyproject.toml bite: a forbidden import added to a copy of the tree
makes ``lint-imports`` fail, and the untouched copy passes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

pytestmark = pytest.mark.slow


def _copy_tree(tmp_path: Path) -> Path:
    dest = tmp_path / "tree"
    shutil.copytree(
        ROOT / "zhian",
        dest / "zhian",
        ignore=shutil.ignore_patterns("__pycache__", "static", "locale", "templates", "data"),
    )
    shutil.copy(ROOT / "pyproject.toml", dest / "pyproject.toml")
    return dest


def _lint(tree: Path) -> subprocess.CompletedProcess[str]:
    # PYTHONPATH first, so the copy is analysed and not the installed checkout.
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=tree, env=env, capture_output=True, text=True
    )


def _imported_module_dirs(line: str, *, leaves: bool = False) -> list[Path]:
    """For ``import zhian.a.b``: the package ``zhian/a`` (or, with leaves, ``zhian/a/b.py``)."""
    parts = line.split()[1].split(".")
    if parts[0] != "zhian":
        return []
    if leaves:
        return [Path(*parts[:-1], parts[-1] + ".py")]
    return [Path(*parts[:-1])]


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory: pytest.TempPathFactory) -> subprocess.CompletedProcess[str]:
    return _lint(_copy_tree(tmp_path_factory.mktemp("clean")))


def test_the_tree_keeps_every_contract(clean_run: subprocess.CompletedProcess[str]) -> None:
    assert clean_run.returncode == 0, clean_run.stdout + clean_run.stderr
    assert "broken" not in clean_run.stdout.lower().replace("0 broken", "")


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        ("zhian/analytics/_leak.py", "import django.db\n", "imports no Django"),
        ("zhian/analytics/_leak.py", "import zhian.core.errors\n", "Layers"),
        ("zhian/core/_leak.py", "import zhian.dispatch.models\n", "Layers"),
        ("zhian/dispatch/_leak.py", "import zhian.api\n", "Layers"),
        ("zhian/core/_leak.py", "import zhian.dispatch.views\n", "another app's views"),
        # Apps that do not exist yet are held from their first line.
        ("zhian/records/_leak.py", "import zhian.metrics.models\n", "Layers"),
        ("zhian/dispatch/_leak.py", "import zhian.grid.models\n", "Layers"),
        ("zhian/grid/_leak.py", "import zhian.records.views\n", "another app's views"),
    ],
)
def test_a_forbidden_import_breaks_a_contract(
    tmp_path: Path,
    clean_run: subprocess.CompletedProcess[str],
    module: str,
    line: str,
    contract: str,
) -> None:
    tree = _copy_tree(tmp_path)
    for path in {Path(module).parent, *_imported_module_dirs(line)}:
        for package in [path, *path.parents]:
            if package.parts and not (tree / package / "__init__.py").exists():
                (tree / package).mkdir(parents=True, exist_ok=True)
                (tree / package / "__init__.py").write_text("")
    for name in _imported_module_dirs(line, leaves=True):
        (tree / name).touch()
    (tree / module).write_text(line)
    result = _lint(tree)
    assert result.returncode != 0
    broken = result.stdout.split("Broken contracts", 1)[-1]
    assert contract in broken, result.stdout
