"""List pages run a fixed number of queries whatever the number of rows (an N+1 fails).

Each page is read with few rows and with many; both counts must equal the pinned number."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.dispatch.factories import new_incident
from zhian.dispatch.models import Unit
from zhian.dispatch.services.assignments import do_dispatch_units

pytestmark = pytest.mark.django_db

# Queries per page view: session, user, roles, the inbox badge, then the page's own.
# Raise only with a reason.
PINNED = {
    "/dispatch/": 11,  # change number: 1 read (was 2 MAX scans); worker banner: 2
    "/dispatch/incidents/": 6,
    "/dispatch/units/": 8,  # + the change number its live rows poll with
}


def queries(client: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("path", sorted(PINNED))
def test_list_pages_cost_the_same_for_few_and_many_rows(
    path: str, people: dict[str, Any], units: dict[str, Unit]
) -> None:
    dispatcher = people["dispatcher"]
    client = Client()
    client.force_login(dispatcher)
    incident = new_incident(dispatcher)
    do_dispatch_units(incident, [units["W-01"].pk], acting_user=dispatcher)
    client.get(path)  # the first view of a session warms per-process caches
    few = queries(client, path)
    for i in range(8):
        other = new_incident(dispatcher, lat=60.165 + i * 0.001)
        if i < 3:
            do_dispatch_units(other, [units[f"E-0{i + 1}"].pk], acting_user=dispatcher)
    assert (few, queries(client, path)) == (PINNED[path], PINNED[path])
