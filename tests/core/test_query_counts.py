"""Core's list pages run a fixed number of queries whatever the number of rows."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.factories import Role, UserFactory
from zhian.core import audit

pytestmark = pytest.mark.django_db

# Queries per page view (session, user, roles, then the page's own). Raise only with a reason.
# The inbox reads no scoped rows itself; the top bar reads the roles for its 账号与角色 link.
PINNED = {"/audit/": 6, "/jurisdictions/": 6, "/inbox/": 6}


def queries(client: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("path", sorted(PINNED))
def test_list_pages_cost_the_same_for_few_and_many_rows(path: str, tree: dict[str, Any]) -> None:
    from zhian.core.notifications import notify

    user = UserFactory(roles=[(Role.SUPERVISOR, tree["B"])])  # reads the audit trail
    client = Client()
    client.force_login(user)

    def add_rows(n: int) -> None:
        for i in range(n):
            audit.record(actor=user, action="test.event", data={"i": i})
            notify(user, kind="test", title=f"通知 {i}")

    add_rows(2)
    client.get(path)  # the first view of a session warms per-process caches
    few = queries(client, path)
    add_rows(10)
    assert (few, queries(client, path)) == (PINNED[path], PINNED[path])
