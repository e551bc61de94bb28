"""The 警情发案图's aggregate (:class:`~zhian.insights.models.IncidentCellDay`): kept exact.

Why a hook in the writing transaction rather than a periodic rebuild of closed days plus a
live query for today: incidents of closed days still change (a category is corrected, a
duplicate is merged days later), so a nightly rebuild would be wrong until the next run,
and a live query for today is the very scan the aggregate exists to avoid (a busy bureau
records thousands of incidents a day). Dispatch calls :func:`apply_counted_changes`
(registered from ``InsightsConfig.ready()``) in the same transaction as the write, so the
counts commit or roll back with the incidents. Each change is an upsert that adds to the
stored count in the database (``n = n + excluded.n``), so concurrent intakes of one cell
serialise on its row and none is lost.

:func:`rebuild_incident_cells` (``manage.py rebuild_map_cells``) recounts whole days from
the incidents: the backfill when the table is introduced, after bulk imports that bypass
dispatch's services, and a repair if the two ever disagree (:func:`check_incident_cells`
says which days).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence

from django.db import connection, transaction
from django.utils import timezone

from zhian.dispatch.hooks import CountedIncident
from zhian.dispatch.selectors import incident_counts_by_day_and_cell
from zhian.insights.models import IncidentCellDay

Key = tuple[int, dt.date, int, str]  # jurisdiction, day, category, cell
TABLE = IncidentCellDay._meta.db_table


def _key(c: CountedIncident) -> Key:
    day = c.received_at.astimezone(timezone.get_default_timezone()).date()
    return (c.jurisdiction_id, day, c.category_id, c.h3_cell)


def apply_counted_changes(
    removed: Sequence[CountedIncident], added: Sequence[CountedIncident]
) -> None:
    """Add ``added`` to and take ``removed`` from their cells' counts, in the caller's
    transaction (dispatch's write hook)."""
    delta: Counter[Key] = Counter()
    for c in added:
        delta[_key(c)] += 1
    for c in removed:
        delta[_key(c)] -= 1
    changed = sorted((k, n) for k, n in delta.items() if n)  # a fixed order: no deadlocks
    if not changed:
        return
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {TABLE} (jurisdiction_id, day, category_id, h3_cell, n) "
            "VALUES (%s, %s, %s, %s, %s) "
            "ON CONFLICT (jurisdiction_id, day, category_id, h3_cell) "
            f"DO UPDATE SET n = {TABLE}.n + excluded.n",
            [(j, d, c, h, n) for (j, d, c, h), n in changed],
        )
    emptied = [k for k, n in changed if n < 0]
    for jur, day, cat, cell in emptied:
        IncidentCellDay.objects.filter(
            jurisdiction_id=jur, day=day, category_id=cat, h3_cell=cell, n=0
        ).delete()


def _day_bounds(since: dt.date, until: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_default_timezone()
    return (
        dt.datetime.combine(since, dt.time(0), tzinfo=tz),
        dt.datetime.combine(until, dt.time(0), tzinfo=tz),
    )


def _lock_for_rebuild() -> None:
    """Hold off the write hook while days are recounted. PostgreSQL: a table lock that
    conflicts with the hook's upserts and waits for transactions that already upserted,
    so the recount sees every incident counted so far and later ones add on top after
    the commit. SQLite: the DELETE that follows takes the database's single write lock."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {TABLE} IN SHARE ROW EXCLUSIVE MODE")


@transaction.atomic
def rebuild_incident_cells(since: dt.date, until: dt.date, *, batch_size: int = 5000) -> int:
    """Recount the local days ``[since, until)`` from the incidents; the rows written."""
    if until <= since:
        return 0
    _lock_for_rebuild()
    IncidentCellDay.objects.filter(day__gte=since, day__lt=until).delete()
    start, end = _day_bounds(since, until)
    rows = (
        IncidentCellDay(day=d, jurisdiction_id=j, category_id=c, h3_cell=h, n=n)
        for d, j, c, h, n in incident_counts_by_day_and_cell(since=start, until=end)
    )
    written = 0
    batch: list[IncidentCellDay] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= batch_size:
            written += len(IncidentCellDay.objects.bulk_create(batch))
            batch = []
    written += len(IncidentCellDay.objects.bulk_create(batch))
    return written


def check_incident_cells(since: dt.date, until: dt.date) -> list[dt.date]:
    """Local days in ``[since, until)`` whose stored counts differ from the incidents
    (empty when the aggregate is exact)."""
    start, end = _day_bounds(since, until)
    raw = {
        (j, d, c, h): n for d, j, c, h, n in incident_counts_by_day_and_cell(since=start, until=end)
    }
    stored = {
        (j, d, c, h): n
        for j, d, c, h, n in IncidentCellDay.objects.filter(day__gte=since, day__lt=until)
        .exclude(n=0)
        .values_list("jurisdiction_id", "day", "category_id", "h3_cell", "n")
    }
    return sorted({k[1] for k in raw.keys() ^ stored.keys()} | _differing(raw, stored))


def _differing(raw: dict[Key, int], stored: dict[Key, int]) -> set[dt.date]:
    return {k[1] for k in raw.keys() & stored.keys() if raw[k] != stored[k]}


def days_with_incidents() -> tuple[dt.date, dt.date] | None:
    """The first local day with an incident and the day after the last (for a full
    rebuild); None when there are none."""
    from zhian.dispatch.selectors import incident_time_range

    span = incident_time_range()
    if span is None:
        return None
    first, last = span
    return (
        timezone.localtime(first, timezone.get_default_timezone()).date(),
        timezone.localtime(last, timezone.get_default_timezone()).date() + dt.timedelta(days=1),
    )


def rebuild_in_chunks(
    since: dt.date, until: dt.date, days: int = 31
) -> Iterable[tuple[dt.date, int]]:
    """Rebuild ``[since, until)`` a month at a time (each its own transaction, so intake
    waits at most one month's recount); yields each chunk's start and rows written."""
    day = since
    while day < until:
        stop = min(until, day + dt.timedelta(days=days))
        yield day, rebuild_incident_cells(day, stop)
        day = stop
