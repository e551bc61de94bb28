"""Database configuration from one environment variable.

SQLite (the embedded default) runs in WAL mode with ``synchronous=FULL``, a busy timeout,
foreign keys on and ``IMMEDIATE`` transactions, so a read that becomes a write never hits
"database is locked". ``ZHIAN_DATABASE_URL=postgresql://user:pass@host:port/name`` selects
PostgreSQL (psycopg 3) with connection health checks.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

SQLITE_INIT = (
    "PRAGMA journal_mode=WAL;"
    "PRAGMA synchronous=FULL;"
    "PRAGMA foreign_keys=ON;"
    "PRAGMA busy_timeout=5000;"
)


def sqlite_config(path: Path) -> dict[str, Any]:
    """The embedded SQLite database at ``path``."""
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        "OPTIONS": {
            "init_command": SQLITE_INIT,
            "transaction_mode": "IMMEDIATE",
            "timeout": 5,
        },
    }


def database_config(url: str | None, sqlite_path: Path) -> dict[str, Any]:
    """Parse ``url`` (``postgresql://…``) or fall back to SQLite at ``sqlite_path``."""
    if not url:
        return sqlite_config(sqlite_path)
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql"}:
        raise ImproperlyConfigured(
            f"ZHIAN_DATABASE_URL must start with postgresql://, got {parts.scheme!r}"
        )
    name = unquote(parts.path.lstrip("/"))
    if not name:
        raise ImproperlyConfigured("ZHIAN_DATABASE_URL names no database")
    options = dict(parse_qsl(parts.query))
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": name,
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": options,
    }
