"""The board's change sequence (看板变更序号): every dispatch write marks the incidents and
units it touched, in its own transaction, through :func:`mark_changed`.

Why one global sequence and a change log rather than a counter per jurisdiction:

* A desk's scope is any set of subtrees (several roles, or everything for a superuser).
  One integer token covers any scope; per-jurisdiction counters would need a vector.
* An unchanged poll costs one primary-key read of :class:`BoardSequence` (no incident or
  unit row is touched). When the number moved, the log says *which* rows in the desk's
  scope changed, so only those travel; a counter alone would only say "something did".
* The sequence row is updated in one statement (``UPDATE ... RETURNING``) and stays locked
  until commit, so numbers are committed in order: a poller that read number N has every
  change numbered N or below, and none is skipped. Every dispatch write already takes the
  audit-chain lock, so this adds no new serialisation.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone

from zhian.dispatch.models import BoardChange, BoardSequence, Incident, Unit

SEQUENCE_PK = 1


def _next_seq() -> int:
    table = BoardSequence._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (id, seq, pruned_through) VALUES (%s, 1, 0) "
            f"ON CONFLICT (id) DO UPDATE SET seq = {table}.seq + 1 RETURNING seq",
            [SEQUENCE_PK],
        )
        (seq,) = cursor.fetchone()
    return int(seq)


def mark_changed(*, incidents: Iterable[Incident] = (), units: Iterable[Unit] = ()) -> int:
    """Record that these rows changed in the current transaction; the new sequence number.
    Call it last in a service (the sequence row is then locked only until the commit)."""
    with transaction.atomic(savepoint=False):
        seq = _next_seq()
        now = timezone.now()
        rows = [
            BoardChange(
                seq=seq,
                kind=BoardChange.Kind.INCIDENT,
                object_id=i.pk,
                jurisdiction_id=i.jurisdiction_id,
                at=now,
            )
            for i in {i.pk: i for i in incidents}.values()
        ] + [
            BoardChange(
                seq=seq,
                kind=BoardChange.Kind.UNIT,
                object_id=u.pk,
                jurisdiction_id=u.station_id,
                at=now,
            )
            for u in {u.pk: u for u in units}.values()
        ]
        BoardChange.objects.bulk_create(rows)
    return seq


def current_seq() -> tuple[int, int]:
    """The last committed change number and the last pruned one (one primary-key read)."""
    row = BoardSequence.objects.filter(pk=SEQUENCE_PK).values_list("seq", "pruned_through").first()
    return (int(row[0]), int(row[1])) if row else (0, 0)


@transaction.atomic
def prune_changes(hours: int) -> int:
    """Delete change rows older than ``hours``; a board that has not polled since then
    reloads in full. The number deleted."""
    cutoff = timezone.now() - timedelta(hours=hours)
    last = BoardChange.objects.filter(at__lt=cutoff).order_by("-seq").values_list("seq", flat=True)
    through = last.first()
    if through is None:
        return 0
    deleted, _ = BoardChange.objects.filter(seq__lte=through).delete()
    BoardSequence.objects.filter(pk=SEQUENCE_PK).update(pruned_through=through)
    return deleted
