"""Dispatch's background tasks."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from zhian.dispatch.models import Unit, UnitPosition
from zhian.dispatch.tasks import prune_unit_positions

pytestmark = pytest.mark.django_db


def test_avl_history_older_than_the_retention_is_pruned(
    settings: Any, units: dict[str, Unit]
) -> None:
    settings.ZHIAN_AVL_RETENTION_DAYS = 30
    unit = units["W-01"]
    now = timezone.now()
    for days in (40, 31, 29, 1):
        UnitPosition.objects.create(unit=unit, at=now - timedelta(days=days), lon=24.94, lat=60.17)
    assert prune_unit_positions.enqueue().return_value == 2
    kept = sorted((now - at).days for at in UnitPosition.objects.values_list("at", flat=True))
    assert kept == [1, 29]
    unit.refresh_from_db()
    assert unit.lon is not None  # the unit's own latest position is not history


def test_board_changes_older_than_the_window_are_pruned(
    settings: Any, units: dict[str, Unit]
) -> None:
    from zhian.dispatch.models import BoardChange
    from zhian.dispatch.services.changes import current_seq

    settings.ZHIAN_BOARD_CHANGE_HOURS = 24
    BoardChange.objects.update(at=timezone.now() - timedelta(hours=25))  # the units' registration
    old = BoardChange.objects.count()
    from zhian.dispatch.tasks import prune_board_changes

    assert old > 0 and prune_board_changes.enqueue().return_value == old
    assert current_seq()[1] == current_seq()[0]  # everything so far is pruned: old tokens reload
