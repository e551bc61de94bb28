"""The 巡防图's aggregate (:class:`~zhian.insights.models.PatrolCellDay`): kept exact.

A fix is credited the time to its unit's next fix (at most ``MAX_FIX_SECONDS``), so storing
a batch changes the credit of the fix just before it (and, for a batch that arrives late,
of fixes already stored around it). Dispatch calls :func:`apply_recorded_positions` in the
transaction that stores the batch, with the unit's row locked; it reads the unit's fixes
from the last one before the batch to the first one after it, credits that span with and
without the new fixes, and adds the difference to the stored seconds (an upsert that adds
in the database). The same reasons as for the incident counts rule out a periodic rebuild
(see ``incident_cells``). Retention: when dispatch deletes old fixes, the days up to and
including the cutoff's local day are deleted here (never kept longer than the fixes).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from django.db import connection, transaction
from django.utils import timezone

from zhian.analytics.presence import dwell_seconds
from zhian.core.geo import point_cell
from zhian.dispatch.selectors import fixes_around, next_fix_times, unit_position_arrays
from zhian.insights.models import PatrolCellDay

#: Time credited to one AVL fix at most (a unit reporting every 30 s that stops reporting
#: is not assumed to have stayed put for hours).
MAX_FIX_SECONDS = 300
TABLE = PatrolCellDay._meta.db_table

Key = tuple[int, dt.date, str]  # unit, day, cell


def _days(t: np.ndarray) -> list[dt.date]:
    tz = timezone.get_default_timezone()
    return [dt.datetime.fromtimestamp(x, tz).date() for x in t.tolist()]


def _cells(lon: np.ndarray, lat: np.ndarray) -> list[str]:
    return [point_cell(a, b) for a, b in zip(lon.tolist(), lat.tolist(), strict=True)]


def _upsert(delta: dict[Key, list[int]]) -> None:
    changed = sorted((k, v) for k, v in delta.items() if v[0] or v[1])
    if not changed:
        return
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {TABLE} (unit_id, day, h3_cell, seconds, fixes) "
            "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (unit_id, day, h3_cell) DO UPDATE SET "
            f"seconds = {TABLE}.seconds + excluded.seconds, fixes = {TABLE}.fixes + excluded.fixes",
            [(u, d, c, s, f) for (u, d, c), (s, f) in changed],
        )
    for (u, d, c), (s, f) in changed:
        if s < 0 or f < 0:
            PatrolCellDay.objects.filter(unit_id=u, day=d, h3_cell=c, seconds=0, fixes=0).delete()


def apply_recorded_positions(
    unit_id: int, fix_ids: Sequence[int], first: dt.datetime, last: dt.datetime
) -> None:
    """Re-credit the span around a batch of fixes just stored (dispatch's position hook)."""
    arr = fixes_around([unit_id], first, last)[unit_id]
    if arr["t"].size == 0:
        return
    new = np.isin(arr["id"], np.asarray(fix_ids, dtype=np.int64))
    days, cells = _days(arr["t"]), _cells(arr["lon"], arr["lat"])
    delta: dict[Key, list[int]] = defaultdict(lambda: [0, 0])
    units = np.full(arr["t"].size, unit_id, dtype=np.int64)
    # The span's last fix keeps its credit (its next fix is outside the span), so both
    # passes leave it out; every other fix gets its credit with, minus without, the batch.
    for mask, sign in ((np.ones_like(new), 1), (~new, -1)):
        idx = np.flatnonzero(mask)
        secs = dwell_seconds(units[idx], arr["t"][idx], MAX_FIX_SECONDS)
        for i, s in zip(idx.tolist(), secs.tolist(), strict=True):
            if s:
                delta[(unit_id, days[i], cells[i])][0] += sign * s
    for i in np.flatnonzero(new).tolist():
        delta[(unit_id, days[i], cells[i])][1] += 1
    _upsert(delta)


def prune_patrol_cells(cutoff: dt.datetime) -> None:
    """Dispatch deleted the fixes before ``cutoff``: delete the days up to its local day."""
    day = timezone.localtime(cutoff, timezone.get_default_timezone()).date()
    PatrolCellDay.objects.filter(day__lte=day).delete()


def _credit_rows(arr: dict[str, Any], follow: dict[int, int]) -> dict[Key, list[int]]:
    secs = dwell_seconds(arr["unit"], arr["t"], MAX_FIX_SECONDS, follow)
    out: dict[Key, list[int]] = defaultdict(lambda: [0, 0])
    days, cells = _days(arr["t"]), _cells(arr["lon"], arr["lat"])
    for u, d, c, s in zip(arr["unit"].tolist(), days, cells, secs.tolist(), strict=True):
        row = out[(u, d, c)]
        row[0] += s
        row[1] += 1
    return out


def _bounds(since: dt.date, until: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_default_timezone()
    return (
        dt.datetime.combine(since, dt.time(0), tzinfo=tz),
        dt.datetime.combine(until, dt.time(0), tzinfo=tz),
    )


def counted_from_fixes(since: dt.date, until: dt.date) -> dict[Key, list[int]]:
    """The aggregate's rows for ``[since, until)`` computed from the fixes."""
    start, end = _bounds(since, until)
    return _credit_rows(unit_position_arrays(since=start, until=end), next_fix_times(end))


@transaction.atomic
def rebuild_patrol_cells(since: dt.date, until: dt.date, *, batch_size: int = 5000) -> int:
    """Recount the local days ``[since, until)`` from the fixes; the rows written. Takes
    the same lock as the incident rebuild (see ``incident_cells._lock_for_rebuild``)."""
    if until <= since:
        return 0
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {TABLE} IN SHARE ROW EXCLUSIVE MODE")
    PatrolCellDay.objects.filter(day__gte=since, day__lt=until).delete()
    rows = [
        PatrolCellDay(unit_id=u, day=d, h3_cell=c, seconds=s, fixes=f)
        for (u, d, c), (s, f) in counted_from_fixes(since, until).items()
    ]
    return len(PatrolCellDay.objects.bulk_create(rows, batch_size=batch_size))


def check_patrol_cells(since: dt.date, until: dt.date) -> list[dt.date]:
    """Local days in ``[since, until)`` whose stored rows differ from the fixes."""
    raw = {k: tuple(v) for k, v in counted_from_fixes(since, until).items()}
    stored = {
        (u, d, c): (s, f)
        for u, d, c, s, f in PatrolCellDay.objects.filter(day__gte=since, day__lt=until)
        .exclude(seconds=0, fixes=0)
        .values_list("unit_id", "day", "h3_cell", "seconds", "fixes")
    }
    keys = raw.keys() | stored.keys()
    return sorted({k[1] for k in keys if raw.get(k) != stored.get(k)})


def rebuild_in_chunks(
    since: dt.date, until: dt.date, days: int = 1
) -> Iterable[tuple[dt.date, int]]:
    """Rebuild ``[since, until)`` a day at a time (each its own transaction)."""
    day = since
    while day < until:
        stop = min(until, day + dt.timedelta(days=days))
        yield day, rebuild_patrol_cells(day, stop)
        day = stop


def days_with_fixes() -> tuple[dt.date, dt.date] | None:
    """The first local day with an AVL fix and the day after the last; None without any."""
    from zhian.dispatch.selectors import position_time_range

    span = position_time_range()
    if span is None:
        return None
    tz = timezone.get_default_timezone()
    first, last = span
    return (
        timezone.localtime(first, tz).date(),
        timezone.localtime(last, tz).date() + dt.timedelta(days=1),
    )
