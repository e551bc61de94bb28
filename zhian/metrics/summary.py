"""The incident summary (警情月汇总): counted incidents per local month, jurisdiction and
category, so a bureau dashboard reads a few thousand summary rows instead of scanning
half a million incidents.

Kept exact without touching dispatch's write path (dispatch never imports metrics):

* :func:`refresh_incident_summary` (a frequent task) rebuilds the closed months that are
  new or whose incidents changed since the last build, and records ``built_at`` (the build
  start, less a margin longer than any write transaction) and ``through`` (the first
  month not covered: the current month is always counted live);
* :func:`incident_counts_by_month` reads a month from the summary only if it is before
  ``through`` *and* no incident received in it was created or changed at or after
  ``built_at`` (every dispatch write stamps ``updated_at``, indexed); every other month is
  counted live from the incidents. So the numbers equal the raw count whenever they are
  read, whether the task ran a minute or a week ago; the task only decides how much is live.

Incidents are never deleted (retention erases callers' details only), ``received_at``
never changes after intake, and the summary stores leaf categories and the incident's own
jurisdiction, so a re-parented category or jurisdiction is resolved at read time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from zhian.core.models import Jurisdiction
from zhian.dispatch import selectors as dispatch_selectors
from zhian.metrics.models import IncidentMonthCount, IncidentSummaryState
from zhian.metrics.periods import bureau_zone, local_midnight

#: Writes that started this long before a build but committed after it are still caught.
MARGIN = timedelta(minutes=10)
EPOCH = date(1970, 1, 1)


def _month_after(first: date) -> date:
    return (first + timedelta(days=32)).replace(day=1)


def _months(start: datetime, end: datetime) -> list[date]:
    first = timezone.localtime(start, bureau_zone()).date().replace(day=1)
    stop = timezone.localtime(end, bureau_zone()).date()
    out = []
    while first < stop:
        out.append(first)
        first = _month_after(first)
    return out


def _runs(months: Iterable[date]) -> list[tuple[date, date]]:
    """Sorted months as [first, after-last) runs of consecutive months."""
    runs: list[tuple[date, date]] = []
    for month in sorted(months):
        if runs and runs[-1][1] == month:
            runs[-1] = (runs[-1][0], _month_after(month))
        else:
            runs.append((month, _month_after(month)))
    return runs


@transaction.atomic
def refresh_incident_summary(now: datetime | None = None, *, margin: timedelta = MARGIN) -> int:
    """Rebuild the months that closed or changed since the last build; the number of
    months rebuilt. ``margin``: how long before ``now`` a write may have started and still
    be uncommitted (tests pass 0). Two overlapping runs cannot both write a month (the unique
    constraint fails the later one, which changes nothing and runs again later)."""
    now = now or timezone.now()
    zone = bureau_zone()
    this_month = timezone.localtime(now, zone).date().replace(day=1)
    state = IncidentSummaryState.objects.select_for_update().filter(pk=1).first()
    built_at = state.built_at if state else None
    through = state.through if state else EPOCH
    ranges: list[tuple[date, date]] = []
    if built_at is not None and through > EPOCH:
        changed = dispatch_selectors.incident_months_changed_since(
            built_at, local_midnight(through), zone
        )
        ranges += _runs(changed)
    if through < this_month:
        ranges.append((through, this_month))  # newly closed months (all, on the first run)
    rebuilt: set[date] = set()
    for first, after in ranges:
        IncidentMonthCount.objects.filter(month__gte=first, month__lt=after).delete()
        rows = [
            IncidentMonthCount(
                month=timezone.localtime(r["month"], zone).date(),
                jurisdiction_id=r["jurisdiction_id"],
                category_id=r["category_id"],
                n=r["n"],
            )
            for r in dispatch_selectors.counted_incident_month_groups(
                local_midnight(first), local_midnight(after), zone
            ).iterator(chunk_size=5000)
        ]
        IncidentMonthCount.objects.bulk_create(rows, batch_size=5000)
        rebuilt |= {r.month for r in rows}
    IncidentSummaryState.objects.update_or_create(
        pk=1, defaults={"built_at": now - margin, "through": this_month}
    )
    return len(rebuilt)


def incident_counts_by_month(
    within: Jurisdiction,
    start: datetime,
    end: datetime,
    top_categories: list[str] | tuple[str, ...],
    live: Callable[[datetime, datetime], dict[date, int]],
) -> dict[date, int]:
    """Counted incidents per local month in ``[start, end)`` (local month boundaries) in
    ``within`` and below: summarised months from the summary in one query, the others
    through ``live`` (the raw grouped count) per run of months."""
    months = _months(start, end)
    state = IncidentSummaryState.objects.filter(pk=1).first()
    covered: list[date] = []
    if state is not None and months and months[0] < state.through:
        dirty = dispatch_selectors.incident_months_changed_since(
            state.built_at,
            local_midnight(min(state.through, _month_after(months[-1]))),
            bureau_zone(),
        )
        covered = [m for m in months if m < state.through and m not in dirty]
    counts: dict[date, int] = {}
    if covered:
        qs = IncidentMonthCount.objects.filter(month__in=covered)
        if within.parent_id is not None or Jurisdiction.objects.filter(parent=None).count() > 1:
            below = Jurisdiction.objects.filter(path__startswith=within.path).values("pk")
            qs = qs.filter(jurisdiction_id__in=below)
        if top_categories:
            qs = qs.filter(category_id__in=dispatch_selectors.category_ids_under(top_categories))
        counts = {m: 0 for m in covered}
        for month, n in (
            qs.order_by().values("month").annotate(n=Sum("n")).values_list("month", "n")
        ):
            counts[month] = n
    for first, after in _runs(m for m in months if m not in counts):
        counts |= {m: 0 for m in months if first <= m < after}
        counts |= live(local_midnight(first), local_midnight(after))
    return counts
