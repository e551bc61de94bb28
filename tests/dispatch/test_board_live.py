"""The live board costs nothing when nothing changed, and only changed rows travel.

Every dispatch write bumps one change number and logs which incidents and units it
touched (``services/changes.py``); the board's poll compares its number first."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.dispatch.factories import new_incident
from zhian.core.errors import Conflict
from zhian.dispatch.models import BoardChange, Unit
from zhian.dispatch.services.assignments import do_dispatch_units
from zhian.dispatch.services.changes import current_seq, prune_changes
from zhian.dispatch.services.incidents import do_close_incident

pytestmark = pytest.mark.django_db

LIVE = reverse("dispatch:board_live")
BOARD = reverse("dispatch:board")
# An unchanged poll: the session, its user, the change number. Nothing else.
UNCHANGED_POLL_QUERIES = 3
# Changes elsewhere: the above, the user's roles, the scoped change log (a second read of
# the number, which the log query is bounded by).
OUT_OF_SCOPE_POLL_QUERIES = 6


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def token_of(html: str) -> str:
    found = re.search(r'data-token="([^"]*)"', html)
    assert found is not None
    return found.group(1)


def poll(client: Client, token: str) -> tuple[Any, int]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(LIVE, {"token": token}, HTTP_X_ZHIAN_POLL="1")
    return response, len(ctx.captured_queries)


def test_unchanged_poll_is_204_in_three_queries_whatever_the_board_holds(
    people: dict[str, Any], units: dict[str, Unit]
) -> None:
    dispatcher = people["dispatcher"]
    for i in range(12):
        new_incident(dispatcher, lat=60.165 + i * 0.001)
    client = client_for(dispatcher)
    token = token_of(client.get(BOARD).content.decode())
    response, queries = poll(client, token)
    assert (response.status_code, response.content, queries) == (204, b"", UNCHANGED_POLL_QUERIES)
    assert response["X-Board-Token"] == token


def test_a_change_outside_the_scope_moves_the_number_but_sends_nothing(
    people: dict[str, Any], units: dict[str, Unit]
) -> None:
    east = client_for(people["east_dispatcher"])
    token = token_of(east.get(BOARD).content.decode())
    new_incident(people["dispatcher"])  # in the west station
    response, queries = poll(east, token)
    assert (response.status_code, queries) == (204, OUT_OF_SCOPE_POLL_QUERIES)
    newer = response["X-Board-Token"]
    assert int(newer) > int(token)
    assert poll(east, newer)[1] == UNCHANGED_POLL_QUERIES


def test_only_the_changed_rows_travel(people: dict[str, Any], units: dict[str, Unit]) -> None:
    dispatcher = people["dispatcher"]
    incidents = [new_incident(dispatcher, lat=60.165 + i * 0.001) for i in range(10)]
    client = client_for(dispatcher)
    full = client.get(BOARD).content.decode()
    token = token_of(full)
    do_dispatch_units(incidents[3], [units["W-01"].pk], acting_user=dispatcher)
    response, _queries = poll(client, token)
    body = response.content.decode()
    assert response.status_code == 200
    assert re.findall(r'<tr id="inc-(\d+)"', body) == [str(incidents[3].pk)]
    assert re.findall(r'<li id="unit-(\d+)"', body) == [str(units["W-01"].pk)]
    assert 'data-unit-status="dispatched"' in body
    assert len(body) * 4 < len(full)  # the delta, not the board
    assert response["X-Board-Token"] == token_of(body) != token


def test_a_closed_incident_is_removed_and_its_units_freed(
    people: dict[str, Any], units: dict[str, Unit]
) -> None:
    dispatcher = people["dispatcher"]
    incident = new_incident(dispatcher)
    do_dispatch_units(incident, [units["W-01"].pk], acting_user=dispatcher)
    incident.refresh_from_db()
    client = client_for(dispatcher)
    token = token_of(client.get(BOARD).content.decode())
    do_close_incident(
        incident,
        acting_user=dispatcher,
        disposition="resolved",
        note="",
        expected_version=incident.version,
    )
    body = poll(client, token)[0].content.decode()
    assert f'data-gone-incidents="{incident.pk}"' in body and "<tr id=" not in body
    assert 'data-unit="W-01" data-unit-status="available"' in body


def test_a_refused_write_leaves_the_number_alone(
    people: dict[str, Any], units: dict[str, Unit]
) -> None:
    dispatcher = people["dispatcher"]
    first, second = new_incident(dispatcher), new_incident(dispatcher, lat=60.172)
    do_dispatch_units(first, [units["W-01"].pk], acting_user=dispatcher)
    before = (current_seq(), BoardChange.objects.count())
    with pytest.raises(Conflict):
        do_dispatch_units(second, [units["W-02"].pk, units["W-01"].pk], acting_user=dispatcher)
    assert (current_seq(), BoardChange.objects.count()) == before


@pytest.mark.parametrize("token", ["", "nonsense", "-3", "99999999"])
def test_no_usable_token_gets_the_whole_live_part(
    token: str, people: dict[str, Any], units: dict[str, Unit]
) -> None:
    new_incident(people["dispatcher"])
    response = client_for(people["dispatcher"]).get(LIVE, {"token": token})
    body = response.content.decode()
    assert response.status_code == 200 and 'id="board-live"' in body and 'id="board-data"' in body


def test_a_board_older_than_the_change_log_reloads_in_full(
    people: dict[str, Any], units: dict[str, Unit]
) -> None:
    dispatcher = people["dispatcher"]
    client = client_for(dispatcher)
    token = token_of(client.get(BOARD).content.decode())
    new_incident(dispatcher)
    assert prune_changes(hours=0) >= 1
    new_incident(dispatcher, lat=60.172)
    body = poll(client, token)[0].content.decode()
    assert 'id="board-live"' in body


def test_the_first_load_is_capped_with_more(people: dict[str, Any], units: dict[str, Unit]) -> None:
    dispatcher = people["dispatcher"]
    for i in range(4):
        new_incident(dispatcher, lat=60.165 + i * 0.001)
    client = client_for(dispatcher)
    capped = client.get(BOARD, {"limit": 3}).content.decode()
    assert len(re.findall(r'<tr id="inc-', capped)) == 3 and 'id="board-more"' in capped
    assert "?limit=" in capped
    whole = client.get(BOARD).content.decode()
    assert len(re.findall(r'<tr id="inc-', whole)) == 4 and 'id="board-more"' not in whole


def test_the_incident_timeline_sends_only_new_entries(
    people: dict[str, Any], units: dict[str, Unit]
) -> None:
    dispatcher = people["dispatcher"]
    incident = new_incident(dispatcher)
    client = client_for(dispatcher)
    page = client.get(reverse("dispatch:incident", args=[incident.pk])).content.decode()
    live = reverse("dispatch:incident_timeline_live", args=[incident.pk])
    token = re.search(r'id="timeline-list" data-live data-token="(\d+)"', page).group(1)  # type: ignore[union-attr]
    shown = [int(x) for x in re.findall(r'<li class="tl-[a-z_]+" data-id="(\d+)"', page)]
    params = {"token": token, "after": max(shown), "count": len(shown)}
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(live, params, HTTP_X_ZHIAN_POLL="1").status_code == 204
    assert len(ctx.captured_queries) == UNCHANGED_POLL_QUERIES
    do_dispatch_units(incident, [units["W-01"].pk], acting_user=dispatcher)
    response = client.get(live, params)
    body = response.content.decode()
    assert response.status_code == 200 and "HX-Reswap" not in response
    assert len(re.findall(r"data-id=", body)) == 1 and "W-01" in body
    # A page that missed an entry (committed after a later one) gets the whole timeline.
    response = client.get(live, {**params, "count": 0})
    assert response["HX-Reswap"] == "innerHTML"
    assert len(re.findall(r"data-id=", response.content.decode())) == len(shown) + 1
    # Outside the user's scope: nothing.
    east = client_for(people["east_dispatcher"])
    assert east.get(live, params).status_code == 404


def test_the_unit_list_sends_only_its_changed_rows(
    people: dict[str, Any], units: dict[str, Unit]
) -> None:
    dispatcher = people["dispatcher"]
    client = client_for(dispatcher)
    page = client.get(reverse("dispatch:units")).content.decode()
    token = re.search(r'id="unit-rows" data-live data-token="(\d+)"', page).group(1)  # type: ignore[union-attr]
    ids = ",".join(re.findall(r'<tr id="unit-row-\d+" data-id="(\d+)"', page))
    live = reverse("dispatch:units_live")
    params = {"token": token, "ids": ids, "path": "/dispatch/units/"}
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(live, params, HTTP_X_ZHIAN_POLL="1").status_code == 204
    assert len(ctx.captured_queries) == UNCHANGED_POLL_QUERIES
    do_dispatch_units(new_incident(dispatcher), [units["W-02"].pk], acting_user=dispatcher)
    body = client.get(live, params).content.decode()
    assert re.findall(r'<tr id="unit-row-(\d+)"', body) == [str(units["W-02"].pk)]
    assert 'hx-swap-oob="true"' in body and "已派" in body
    assert client.get(live, {**params, "token": "x"})["HX-Refresh"] == "true"


def test_the_board_warns_when_the_worker_is_down(
    settings: Any, people: dict[str, Any], units: dict[str, Unit]
) -> None:
    from datetime import timedelta

    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from zhian.core.tasks import prune_failed_logins

    client = client_for(people["dispatcher"])
    assert 'id="worker-down"' not in client.get(BOARD).content.decode()
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    prune_failed_logins.using(backend="default").enqueue()
    DBTaskResult.objects.update(enqueued_at=timezone.now() - timedelta(hours=1))
    assert 'id="worker-down"' in client.get(BOARD).content.decode()
