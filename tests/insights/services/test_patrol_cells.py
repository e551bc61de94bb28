"""The 巡防图's per-day cell seconds: kept equal to the AVL fixes by dispatch's position
hook (batches in order, late batches, gaps over the cap, local midnight), dropped with
the fixes' retention, recounted by the rebuild, and read scoped by the layer."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from zhian.core.errors import ValidationFailed
from zhian.core.geo import point_cell
from zhian.dispatch.models import Unit, UnitPosition
from zhian.dispatch.services.units import PositionFix, do_record_positions, prune_positions
from zhian.insights import selectors
from zhian.insights.models import PatrolCellDay
from zhian.insights.services.patrol_cells import check_patrol_cells, rebuild_patrol_cells

pytestmark = pytest.mark.django_db

TZ = timezone.get_default_timezone()


def local(y: int, m: int, d: int, hh: int = 0, mm: int = 0, ss: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, ss, tzinfo=TZ)


def by_hand(since: dt.datetime | None = None, until: dt.datetime | None = None) -> dict:
    """(unit, day, cell) → [seconds, fixes] from the fix rows, plainly: each fix gets the
    time to its unit's next fix (at most 300 s), the unit's last fix nothing."""
    out: dict[tuple[int, dt.date, str], list[int]] = defaultdict(lambda: [0, 0])
    by_unit: dict[int, list[UnitPosition]] = defaultdict(list)
    for p in UnitPosition.objects.order_by("unit_id", "at", "pk"):
        by_unit[p.unit_id].append(p)
    for unit_id, fixes in by_unit.items():
        for i, p in enumerate(fixes):
            if since is not None and not (since <= p.at < until):  # type: ignore[operator]
                continue
            t = int(p.at.timestamp())
            nxt = int(fixes[i + 1].at.timestamp()) if i + 1 < len(fixes) else None
            key = (unit_id, dt.datetime.fromtimestamp(t, TZ).date(), point_cell(p.lon, p.lat))
            out[key][0] += min(nxt - t, 300) if nxt is not None else 0
            out[key][1] += 1
    return {k: v for k, v in out.items()}


def stored() -> dict:
    return {
        (r.unit_id, r.day, r.h3_cell): [r.seconds, r.fixes]
        for r in PatrolCellDay.objects.exclude(seconds=0, fixes=0)
    }


def record(unit: Unit, user: Any, start: dt.datetime, steps: list[tuple[int, float]]) -> None:
    """Fixes at ``start`` + seconds, moving east by ``dx`` degrees each."""
    assert unit.lon is not None and unit.lat is not None
    fixes = [
        PositionFix(lon=unit.lon + dx, lat=unit.lat, at=start + dt.timedelta(seconds=s))
        for s, dx in steps
    ]
    do_record_positions(unit, fixes, acting_user=user)


def test_batches_in_order_credit_the_time_to_the_next_fix(
    people: dict[str, Any], units: dict[str, Unit]
) -> None:
    unit, user = units["W-01"], people["dispatcher"]
    start = local(2026, 3, 10, 9)
    record(unit, user, start, [(0, 0.0), (30, 0.0), (60, 0.003)])
    # the batch's last fix is credited nothing until the next batch arrives
    assert stored() == by_hand()
    assert sum(v[0] for v in stored().values()) == 60
    record(unit, user, start, [(90, 0.003), (1290, 0.006)])  # then a 20-minute gap
    assert stored() == by_hand()
    assert sum(v[0] for v in stored().values()) == 90 + 300  # the gap is capped at 5 min
    assert sum(v[1] for v in stored().values()) == 5


def test_a_late_batch_between_stored_fixes_is_credited_exactly(
    people: dict[str, Any], units: dict[str, Unit]
) -> None:
    unit, user = units["E-01"], people["dispatcher"]
    start = local(2026, 3, 10, 9)
    record(unit, user, start, [(0, 0.0), (240, 0.004), (600, 0.008)])
    # a batch the device sent late, between the first and second fixes, in another cell
    record(unit, user, start, [(60, 0.002), (120, 0.002)])
    assert stored() == by_hand()
    # and one late batch that starts before all of them
    record(unit, user, start - dt.timedelta(minutes=2), [(0, -0.003)])
    assert stored() == by_hand()


def test_a_fix_before_local_midnight_counts_on_its_day(
    people: dict[str, Any], units: dict[str, Unit], hki: dict[str, Any]
) -> None:
    unit, user = units["W-02"], people["dispatcher"]
    record(unit, user, local(2026, 3, 14, 23, 58), [(0, 0.0), (60, 0.0), (120, 0.0), (180, 0.0)])
    days = dict(PatrolCellDay.objects.values_list("day", "seconds"))
    # 23:58 and 23:59 are the 14th (their next fixes are after midnight), 00:00 the 15th
    assert days == {dt.date(2026, 3, 14): 120, dt.date(2026, 3, 15): 60}
    analyst = people["analyst"]
    day14 = selectors.patrol_presence_layer(
        analyst, hki["HKI"], local(2026, 3, 14), local(2026, 3, 15)
    )
    assert sum(c[2] for c in day14["cells"]) == pytest.approx(2.0) and day14["fixes"] == 2


def test_a_write_rolled_back_leaves_no_seconds(
    people: dict[str, Any], units: dict[str, Unit]
) -> None:
    unit, user = units["W-01"], people["dispatcher"]
    record(unit, user, local(2026, 3, 10, 9), [(0, 0.0), (60, 0.0)])
    before = stored()
    with pytest.raises(RuntimeError), transaction.atomic():
        record(unit, user, local(2026, 3, 10, 9), [(120, 0.0)])
        raise RuntimeError("rolled back")
    assert stored() == before


@pytest.fixture
def patrols(people: dict[str, Any], units: dict[str, Unit]) -> None:
    """Three days of fixes of all six units, a minute apart with some gaps."""
    user = people["dispatcher"]
    for n, unit in enumerate(units.values()):
        for day in (10, 11, 12):
            steps = [(60 * k + (600 if k > 30 else 0), 0.0002 * (k % 7)) for k in range(45)]
            record(unit, user, local(2026, 3, day, 8 + n), steps)


def test_the_layer_equals_the_fixes_and_is_scoped(
    people: dict[str, Any], hki: dict[str, Any], units: dict[str, Unit], patrols: None
) -> None:
    since, until = local(2026, 3, 11), local(2026, 3, 13)
    for who, j, n_units in (("analyst", hki["HKI"], 6), ("analyst_w", hki["HKI-W"], 3)):
        layer = selectors.patrol_presence_layer(people[who], j, since, until)
        west = {u.pk for u in units.values() if u.station_id == hki["HKI-W"].pk}
        expected = {
            k: v for k, v in by_hand(since, until).items() if who == "analyst" or k[0] in west
        }
        minutes: dict[str, float] = defaultdict(float)
        for (_u, _d, cell), (secs, _f) in expected.items():
            minutes[cell] += secs / 60
        got = {selectors.h3.latlng_to_cell(c[1], c[0], 9): c[2] for c in layer["cells"]}
        assert got == pytest.approx({c: round(m, 2) for c, m in minutes.items() if m})
        assert layer["units"] == n_units
        assert layer["fixes"] == sum(v[1] for v in expected.values())
    with pytest.raises(ValidationFailed) as part:
        selectors.patrol_presence_layer(people["analyst"], hki["HKI"], local(2026, 3, 11, 8), until)
    assert part.value.code == "whole_days_only"


def test_retention_drops_the_days_with_the_fixes(
    people: dict[str, Any], units: dict[str, Unit], settings: Any
) -> None:
    settings.ZHIAN_AVL_RETENTION_DAYS = 30
    now = timezone.now()
    unit = units["W-01"]
    for days in (40, 1):
        record(unit, people["dispatcher"], now - dt.timedelta(days=days), [(0, 0.0), (60, 0.0)])
    assert prune_positions() == 2
    cutoff_day = timezone.localtime(now - dt.timedelta(days=30), TZ).date()
    assert not PatrolCellDay.objects.filter(day__lte=cutoff_day).exists()
    assert PatrolCellDay.objects.filter(day__gt=cutoff_day).exists()


def test_rebuild_and_check(people: dict[str, Any], patrols: None) -> None:
    expected = stored()
    since, until = dt.date(2026, 3, 10), dt.date(2026, 3, 13)
    assert check_patrol_cells(since, until) == []
    # a bulk import that bypassed dispatch's services: the check names the day
    UnitPosition.objects.filter(at__gte=local(2026, 3, 11), at__lt=local(2026, 3, 12)).delete()
    assert check_patrol_cells(since, until) == [dt.date(2026, 3, 11)]
    rebuild_patrol_cells(since, until)
    assert stored() == by_hand() and check_patrol_cells(since, until) == []
    PatrolCellDay.objects.all().delete()
    call_command("rebuild_map_cells", "--layer", "patrol")
    assert stored() == by_hand() != expected
