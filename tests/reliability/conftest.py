"""Crash-test fixtures: one migrated and seeded database per test session, cloned for each
test (a SQLite file copy, or ``CREATE DATABASE … TEMPLATE`` on the session's PostgreSQL)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.reliability._site import Site, clone_sqlite, manage, pg_execute, pg_server_url


@dataclass(frozen=True)
class Template:
    database_url: str | None  # the session's PostgreSQL, or None for SQLite
    sqlite_file: Path | None
    pg_name: str | None
    token: str
    units: dict[str, int]


@pytest.fixture(scope="session")
def site_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Template]:
    url = os.environ.get("ZHIAN_DATABASE_URL")
    var = tmp_path_factory.mktemp("site-template")
    pg_name = None
    if url:
        pg_name = f"zhian_tpl_{uuid.uuid4().hex[:8]}"
        pg_execute(url, f"CREATE DATABASE {pg_name}")
        site = Site(var, pg_server_url(url, pg_name))
    else:
        site = Site(var)
    done = manage(site.env, "migrate", "-v0")
    assert done.returncode == 0, done.stderr
    site.seed()
    yield Template(url, None if url else var / "zhian.sqlite3", pg_name, site.token, site.units)
    if url and pg_name:
        pg_execute(url, f"DROP DATABASE IF EXISTS {pg_name} WITH (FORCE)")


@pytest.fixture
def make_site(site_template: Template, tmp_path: Path) -> Iterator[Any]:
    """``make_site(wsgi=…)``: a fresh copy of the seeded database behind a new Site."""
    made: list[tuple[Site, str | None]] = []

    def make(**kwargs: Any) -> Site:
        var = tmp_path / f"site{len(made)}"
        var.mkdir()
        name = None
        if site_template.database_url:
            name = f"zhian_crash_{uuid.uuid4().hex[:8]}"
            pg_execute(
                site_template.database_url,
                f"CREATE DATABASE {name} TEMPLATE {site_template.pg_name}",
            )
            site = Site(var, pg_server_url(site_template.database_url, name), **kwargs)
        else:
            assert site_template.sqlite_file is not None
            clone_sqlite(site_template.sqlite_file, var)
            site = Site(var, **kwargs)
        site.token, site.units = site_template.token, site_template.units
        made.append((site, name))
        return site

    yield make
    for site, name in made:
        site.stop()
        if name and site_template.database_url:
            pg_execute(site_template.database_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
