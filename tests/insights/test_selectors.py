"""The 警情发案图 read from the per-day cell counts: the same counts as the incidents for
whole days, partial days and the local-midnight boundary, scoped to what the user may
see; the single points of a zoomed-in view, or a message to zoom in."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import h3
import pytest
from django.test import Client
from django.utils import timezone

from tests.insights.factories import record_incident, scatter_incidents
from zhian.core.errors import NotFound, ValidationFailed
from zhian.core.geo import point_cell
from zhian.dispatch.selectors import incident_arrays
from zhian.insights import selectors
from zhian.insights.models import IncidentCellDay

pytestmark = pytest.mark.django_db

TZ = timezone.get_default_timezone()


def local(y: int, m: int, d: int, hh: int = 0, mm: int = 0, ss: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, ss, tzinfo=TZ)


def raw_cells(user: Any, j: Any, since: dt.datetime, until: dt.datetime, code: str = "") -> Counter:
    """The layer's counts computed the slow way: every incident row, cell by cell."""
    arr = incident_arrays(
        since=since,
        until=until,
        jurisdiction_path=j.path,
        category_codes=[code] if code else None,
        user=user,
    )
    return Counter(point_cell(a, b) for a, b in zip(arr["lon"], arr["lat"], strict=True))


def layer_cells(layer: dict[str, Any]) -> Counter:
    return Counter({h3.latlng_to_cell(c[1], c[0], 9): c[2] for c in layer["density"]})


@pytest.fixture
def spread(people: dict[str, Any]) -> None:
    """60 incidents over March 2026 in both stations, and a pair either side of local
    midnight between 14 and 15 March (15:59:59 and 16:00:00 UTC)."""
    scatter_incidents(people["dispatcher"], 60, until=local(2026, 4, 1), days=31, seed=11)
    for at in (local(2026, 3, 14, 23, 59, 59), local(2026, 3, 15, 0, 0, 0)):
        record_incident(people["dispatcher"], code="0105", lon=24.9401, lat=60.1701, at=at)


@pytest.mark.parametrize(
    ("since", "until"),
    [
        (local(2026, 3, 1), local(2026, 4, 1)),  # the month
        (local(2026, 3, 15), local(2026, 3, 22)),  # starts at the midnight boundary
        (local(2026, 3, 10), local(2026, 3, 15)),  # ends at it
        (local(2026, 3, 14, 23, 59, 59), local(2026, 3, 15, 0, 0, 1)),  # within one second
        (local(2026, 3, 3, 7, 30), local(2026, 3, 27, 18, 15)),  # partial days at both ends
    ],
)
@pytest.mark.parametrize("code", ["", "0105"])
def test_layer_counts_equal_the_incidents(
    people: dict[str, Any],
    hki: dict[str, Any],
    spread: None,
    since: dt.datetime,
    until: dt.datetime,
    code: str,
) -> None:
    for who, j in (("analyst", hki["HKI"]), ("analyst_w", hki["HKI-W"])):
        user = people[who]
        layer = selectors.incident_layer(user, j, since, until, code)
        expected = raw_cells(user, j, since, until, code)
        assert layer_cells(layer) == expected
        assert layer["count"] == sum(expected.values())


def test_the_local_midnight_boundary(people: dict[str, Any], hki: dict[str, Any]) -> None:
    record_incident(
        people["dispatcher"], code="0105", lon=24.94, lat=60.17, at=local(2026, 3, 14, 23, 59, 59)
    )
    record_incident(people["dispatcher"], code="0105", lon=24.94, lat=60.17, at=local(2026, 3, 15))
    user, j = people["analyst"], hki["HKI"]

    def count(since: dt.datetime, until: dt.datetime) -> int:
        return int(selectors.incident_layer(user, j, since, until)["count"])

    assert count(local(2026, 3, 15), local(2026, 3, 16)) == 1  # 00:00:00 belongs to the 15th
    assert count(local(2026, 3, 14), local(2026, 3, 15)) == 1  # 23:59:59 to the 14th
    # UTC midnight is not the boundary: 16:00 UTC on the 14th is local midnight
    assert count(dt.datetime(2026, 3, 15, tzinfo=dt.UTC), local(2026, 3, 16)) == 0
    assert count(local(2026, 3, 14), local(2026, 3, 16)) == 2


def test_a_station_user_never_sees_another_stations_cells(
    people: dict[str, Any], hki: dict[str, Any]
) -> None:
    # given a cell that straddles the stations' border (lon 24.945) with one incident on
    # each side, and an incident deep in the east station
    west = record_incident(people["dispatcher"], code="0105", lon=24.9449, lat=60.1700)
    east = record_incident(people["dispatcher"], code="0105", lon=24.9451, lat=60.1700)
    far_east = record_incident(people["dispatcher"], code="0101", lon=24.9530, lat=60.1760)
    assert west.h3_cell == east.h3_cell and west.jurisdiction_id != east.jurisdiction_id
    since, until = timezone.now() - dt.timedelta(days=1), timezone.now() + dt.timedelta(days=1)
    # then the west analyst's layer counts only the west incident, in the shared cell
    layer = selectors.incident_layer(people["analyst_w"], hki["HKI-W"], since, until)
    assert layer_cells(layer) == Counter({west.h3_cell: 1})
    assert far_east.h3_cell not in layer_cells(layer)
    # the bureau analyst sees all three
    bureau = selectors.incident_layer(people["analyst"], hki["HKI"], since, until)
    assert bureau["count"] == 3 and layer_cells(bureau)[west.h3_cell] == 2
    # and asking for the east station is refused
    with pytest.raises(NotFound):
        selectors.incident_layer(people["analyst_w"], hki["HKI-E"], since, until)
    assert IncidentCellDay.objects.count() == 3  # the aggregate holds them all


def test_points_of_a_zoomed_in_view(
    people: dict[str, Any], hki: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    inside = record_incident(people["dispatcher"], code="0105", lon=24.9400, lat=60.1700)
    record_incident(people["dispatcher"], code="0105", lon=24.9402, lat=60.1701)
    record_incident(people["dispatcher"], code="0101", lon=24.9500, lat=60.1760)  # outside
    record_incident(people["dispatcher"], code="0105", lon=24.9454, lat=60.1700)  # east station
    since, until = timezone.now() - dt.timedelta(days=1), timezone.now() + dt.timedelta(days=1)
    bbox = (24.9390, 60.1695, 24.9410, 60.1705)
    got = selectors.incident_points_in_view(people["analyst"], hki["HKI"], since, until, bbox)
    assert got["too_many"] is False and got["count"] == 2
    assert sorted(p[:2] for p in got["points"]) == [[24.94, 60.17], [24.9402, 60.1701]]
    assert got["points"][0][2] == inside.category.code
    # the category filter applies
    only = selectors.incident_points_in_view(
        people["analyst"], hki["HKI"], since, until, bbox, "0101"
    )
    assert only["points"] == []
    # a view across the border: the west analyst gets the west incidents only
    border = (24.9390, 60.1695, 24.9460, 60.1705)
    west = selectors.incident_points_in_view(
        people["analyst_w"], hki["HKI-W"], since, until, border
    )
    assert west["count"] == 2 and all(p[0] < 24.945 for p in west["points"])
    bureau = selectors.incident_points_in_view(people["analyst"], hki["HKI"], since, until, border)
    assert bureau["count"] == 3
    # more than the map shows one by one: no rows, a message to zoom in
    monkeypatch.setattr(selectors, "MAP_POINT_LIMIT", 1)
    crowded = selectors.incident_points_in_view(people["analyst"], hki["HKI"], since, until, bbox)
    assert crowded["too_many"] is True and crowded["points"] == [] and crowded["count"] == 2
    assert "放大" in crowded["message"]


def test_a_view_too_wide_or_inverted_is_refused(
    people: dict[str, Any], hki: dict[str, Any]
) -> None:
    since, until = local(2026, 3, 1), local(2026, 4, 1)
    with pytest.raises(ValidationFailed) as wide:
        selectors.incident_points_in_view(
            people["analyst"], hki["HKI"], since, until, (24.0, 60.0, 25.0, 60.5)
        )
    assert wide.value.code == "view_too_large"
    with pytest.raises(ValidationFailed) as inverted:
        selectors.incident_points_in_view(
            people["analyst"], hki["HKI"], since, until, (24.95, 60.17, 24.94, 60.18)
        )
    assert inverted.value.code == "invalid_bbox"


def test_the_points_endpoint(people: dict[str, Any], hki: dict[str, Any]) -> None:
    record_incident(people["dispatcher"], code="0105", lon=24.9400, lat=60.1700)
    record_incident(people["dispatcher"], code="0105", lon=24.9500, lat=60.1700)
    today = timezone.localdate()
    params: dict[str, Any] = {
        "since": today.isoformat(),
        "until": (today + dt.timedelta(days=1)).isoformat(),
        "west": 24.939,
        "south": 60.169,
        "east": 24.951,
        "north": 60.171,
    }
    client = Client()
    client.force_login(people["analyst_w"])
    url = "/api/v1/insights/layers/incidents/points"
    own = client.get(url, {**params, "jurisdiction": "HKI-W"})
    assert own.status_code == 200 and own.json()["count"] == 1
    assert client.get(url, {**params, "jurisdiction": "HKI-E"}).status_code == 404
    assert client.get(url, {**params, "jurisdiction": "HKI-W", "west": 200}).status_code == 422
    wide = client.get(url, {**params, "jurisdiction": "HKI-W", "west": 24.0})
    assert wide.status_code == 422 and wide.json()["code"] == "view_too_large"
