from __future__ import annotations

import importlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser import CHROMIUM, CHROMIUM_ARGS
from tests.factories import PASSWORD, Role, UserFactory, build_tree

TEST_OUTPUT = Path(__file__).resolve().parents[1] / "test-output"


@pytest.fixture(autouse=True)
def _default_language() -> Any:
    """Each test starts in the site language (a test that switches to English must not
    leak it to the next one through the thread's active translation)."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture
def tree(db: Any) -> dict[str, Any]:
    """The small two-station jurisdiction tree, keyed by code."""
    return build_tree()


@pytest.fixture
def station_users(tree: dict[str, Any]) -> dict[str, Any]:
    """An administrator and a dispatcher for each station, and a bureau leader."""
    return {
        "admin1": UserFactory(username="admin1", roles=[(Role.ADMINISTRATOR, tree["S1"])]),
        "admin2": UserFactory(username="admin2", roles=[(Role.ADMINISTRATOR, tree["S2"])]),
        "disp1": UserFactory(username="disp1", roles=[(Role.DISPATCHER, tree["S1"])]),
        "leader": UserFactory(username="leader", roles=[(Role.LEADER, tree["B"])]),
    }


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """One headless Debian chromium for the session's browser tests."""
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run `make system-deps` (apt-get install chromium)")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # ORM teardown beside the loop
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def browser_context(chromium: Any) -> Iterator[Any]:
    """A fresh browser profile (Simplified Chinese, 1440×900) per test."""
    context = chromium.new_context(locale="zh-CN", viewport={"width": 1440, "height": 900})
    context.set_default_timeout(10_000)
    yield context
    context.close()


@pytest.fixture
def test_output() -> Path:
    TEST_OUTPUT.mkdir(exist_ok=True)
    return TEST_OUTPUT


_audit_migration = importlib.import_module("zhian.core.migrations.0002_audit_append_only")


def _set_audit_triggers(enabled: bool) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"ALTER TABLE core_auditevent {'ENABLE' if enabled else 'DISABLE'} TRIGGER USER"
            )
            return
        statements = _audit_migration.SQLITE_UP if enabled else _audit_migration.SQLITE_DOWN
        for sql in statements:
            cursor.execute(sql.replace("CREATE TRIGGER", "CREATE TRIGGER IF NOT EXISTS"))


@pytest.fixture(autouse=True)
def _audit_append_only(request: pytest.FixtureRequest, django_db_blocker: Any) -> Any:
    """Every test starts with the append-only triggers in force. A transactional test's
    teardown flushes all tables, which the triggers refuse, so they are lifted just for it."""
    marker = request.node.get_closest_marker("django_db")
    transactional = bool(marker and marker.kwargs.get("transaction")) or (
        "transactional_db" in request.fixturenames or "live_server" in request.fixturenames
    )
    if marker is None and not transactional:
        yield
        return
    if transactional:
        request.getfixturevalue("transactional_db")
    else:
        request.getfixturevalue("db")
    with django_db_blocker.unblock():
        _set_audit_triggers(True)
    yield
    if transactional:
        with django_db_blocker.unblock():
            _set_audit_triggers(False)
