"""Crash durability: kill -9 in the middle of writes under load, restart, and compare what
is stored with what the clients were told.

After each crash every acknowledged write must be stored exactly once; nothing
unacknowledged may be half-stored (an incident without its call, timeline entry or audit
event; an assignment without its timeline entry); the audit chain must verify; and
retrying each unacknowledged request with its own ``Idempotency-Key`` must succeed
without creating anything twice.

Each check is shown to bite: ``early_ack_wsgi`` is a build that answers before its
transaction commits, and the same scenario against it must find acknowledged writes
missing (``test_the_checks_catch_a_build_that_acknowledges_before_commit``).

Runs on the session's database (SQLite by default, PostgreSQL under
``scripts/with-postgres``); each test takes seconds: the database is migrated and seeded
once per session and cloned for each test.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from typing import Any

import pytest

from tests.reliability._load import Load
from tests.reliability._site import OwnPostgres, Site, manage, start_writer

pytestmark = pytest.mark.slow


def crash_app_worker(site: Any, *, kill_after: int = 15) -> tuple[Load, dict[str, Any]]:
    site.start()
    load = Load(site, kill_after=kill_after)
    load.run_until_acks(site.kill)
    site.start()
    return load, site.check()


def test_killing_the_app_server_loses_no_acknowledged_write(make_site: Any) -> None:
    site = make_site()
    load, after_crash = crash_app_worker(site)
    assert load.problems(after_crash) == []
    unacknowledged = [s for s in load.sent if not s.acked]
    load.retry_unacknowledged()
    final = site.check()
    assert load.problems(final) == []
    assert len(final["incidents"]) == len([s for s in load.sent if s.kind == "incident"])
    assert unacknowledged, "the kill landed between requests: nothing was in flight"


def test_the_checks_catch_a_build_that_acknowledges_before_commit(make_site: Any) -> None:
    site = make_site(wsgi="tests.reliability.early_ack_wsgi")
    load, after_crash = crash_app_worker(site, kill_after=5)
    missing = [p for p in load.problems(after_crash) if "is missing" in p]
    assert missing, "a build that answers before committing must lose an acknowledged write"


def crash_writer(site: Any, *, early: bool, acks: int = 10) -> tuple[list[str], dict[str, Any]]:
    writer = start_writer(site, early=early)
    assert writer.stdout is not None
    numbers: list[str] = []
    try:
        while len(numbers) < acks:
            line = writer.stdout.readline()
            assert line, "the writer died before the kill"
            numbers.append(line.strip())
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait(timeout=30)
    finally:
        if writer.poll() is None:
            writer.kill()
    return numbers, site.check()


def test_killing_the_writing_process_loses_no_acknowledged_write(make_site: Any) -> None:
    """The process writing to the database (SQLite's only writer lock holder, or a
    PostgreSQL client) killed in the middle of its next write."""
    numbers, state = crash_writer(make_site(), early=False)
    stored = {i["number"]: i for i in state["incidents"]}
    assert [n for n in numbers if n not in stored] == []
    assert [
        i for i in state["incidents"] if (i["calls"], i["received"], i["audited"]) != (1, 1, 1)
    ] == []
    assert state["chain_ok"], state["chain_reason"]
    assert set(stored) - set(numbers) == set()  # the write in flight left nothing behind


def test_the_writer_check_catches_acknowledging_before_commit(make_site: Any) -> None:
    numbers, state = crash_writer(make_site(), early=True, acks=3)
    stored = {i["number"] for i in state["incidents"]}
    assert numbers[-1] not in stored  # announced, then lost with the process


@pytest.fixture
def own_postgres() -> Iterator[OwnPostgres]:
    if not os.environ.get("ZHIAN_DATABASE_URL"):
        pytest.skip(
            "the PostgreSQL-server crash runs in the PostgreSQL session (make test-postgres)"
        )
    server = OwnPostgres()
    yield server
    server.stop()


def crash_postgres(
    server: OwnPostgres, tmp_path: Any, *, wsgi: str = "zhian.wsgi", kill_after: int = 15
) -> tuple[Load, Site, dict[str, Any]]:
    """Serve ``wsgi`` on ``server``, kill -9 the postmaster and its backends after
    ``kill_after`` acknowledgements, restart it (crash recovery from the WAL)."""
    site = Site(tmp_path, server.url, wsgi=wsgi)
    done = manage(site.env, "migrate", "-v0")
    assert done.returncode == 0, done.stderr
    site.seed()
    site.start()
    load = Load(site, kill_after=kill_after)
    load.run_until_acks(server.kill)
    server.start()
    return load, site, site.check()


def test_killing_the_postgresql_server_loses_no_acknowledged_write(
    own_postgres: OwnPostgres, tmp_path: Any
) -> None:
    """kill -9 of the postmaster and its backends (durable settings: fsync on) while the
    app writes; after a restart (crash recovery from the WAL) the app reconnects."""
    load, site, after_crash = crash_postgres(own_postgres, tmp_path)
    try:
        assert load.problems(after_crash) == []
        load.retry_unacknowledged()
        final = site.check()
        assert load.problems(final) == []
        assert len(final["incidents"]) == len([s for s in load.sent if s.kind == "incident"])
    finally:
        site.stop()


def test_the_postgresql_crash_check_catches_acknowledging_before_commit(
    own_postgres: OwnPostgres, tmp_path: Any
) -> None:
    """The same server crash against a build that answers before it commits: the
    acknowledged writes still open in the killed server's transactions are lost."""
    load, site, after_crash = crash_postgres(
        own_postgres, tmp_path, wsgi="tests.reliability.early_ack_wsgi", kill_after=5
    )
    try:
        missing = [p for p in load.problems(after_crash) if "is missing" in p]
        assert missing, "a build that answers before committing must lose an acknowledged write"
    finally:
        site.stop()
