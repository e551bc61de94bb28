"""The migration that adds the map layers' per-day cell tables counts what is already
stored: the same rows the write hooks keep."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from tests.insights.factories import scatter_incidents
from zhian.dispatch.services.units import PositionFix, do_record_positions
from zhian.insights.models import IncidentCellDay, PatrolCellDay

pytestmark = pytest.mark.django_db(transaction=True)


def rows() -> tuple[set[tuple[Any, ...]], set[tuple[Any, ...]]]:
    return (
        set(
            IncidentCellDay.objects.values_list(
                "jurisdiction_id", "day", "category_id", "h3_cell", "n"
            )
        ),
        set(PatrolCellDay.objects.values_list("unit_id", "day", "h3_cell", "seconds", "fixes")),
    )


def test_the_backfill_equals_the_hooks(people: dict[str, Any], units: dict[str, Any]) -> None:
    now = timezone.now()
    scatter_incidents(people["dispatcher"], 25, until=now, days=20, seed=9)
    start = now - dt.timedelta(days=3, hours=1)
    for n, unit in enumerate(units.values()):
        fixes = [
            PositionFix(
                lon=unit.lon + 0.0004 * (k % 5),
                lat=unit.lat,
                at=start + dt.timedelta(minutes=3 * k + n),
            )
            for k in range(40)
        ]
        do_record_positions(unit, fixes, acting_user=people["dispatcher"])
    kept = rows()
    assert kept[0] and kept[1]
    executor = MigrationExecutor(connection)
    executor.migrate([("insights", "0001_initial")])
    executor.loader.build_graph()
    executor.migrate([("insights", "0002_map_cell_days")])
    assert rows() == kept
