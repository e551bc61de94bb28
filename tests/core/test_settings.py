"""Settings refuse unsafe production configurations; the database URL is parsed strictly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from zhian.settings.database import database_config

ROOT = Path(__file__).resolve().parents[2]


def load_settings(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ZHIAN_")}
    return subprocess.run(
        [sys.executable, "-c", "import zhian.settings.base"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_debug_off_with_the_development_key_refuses_to_start() -> None:
    result = load_settings(ZHIAN_DEBUG="0")
    assert result.returncode != 0
    assert "ZHIAN_SECRET_KEY" in result.stderr


def test_debug_off_with_a_real_key_starts() -> None:
    result = load_settings(ZHIAN_DEBUG="0", ZHIAN_SECRET_KEY="k" * 50)
    assert result.returncode == 0, result.stderr


def test_postgres_url_is_parsed() -> None:
    config = database_config("postgresql://u:p%40ss@db.local:5433/zhian?sslmode=require", Path("x"))
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["USER"], config["PASSWORD"], config["HOST"], config["PORT"]) == (
        "u",
        "p@ss",
        "db.local",
        "5433",
    )
    assert config["OPTIONS"] == {"sslmode": "require"}
    assert config["CONN_HEALTH_CHECKS"] is True


def test_sqlite_is_the_default_with_wal_and_immediate_transactions(tmp_path: Path) -> None:
    config = database_config(None, tmp_path / "db.sqlite3")
    assert "journal_mode=WAL" in config["OPTIONS"]["init_command"]
    assert "synchronous=FULL" in config["OPTIONS"]["init_command"]
    assert config["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


@pytest.mark.parametrize("url", ["mysql://x/y", "postgresql://host:5432/"])
def test_bad_database_urls_are_refused(url: str) -> None:
    with pytest.raises(ImproperlyConfigured):
        database_config(url, Path("x"))
