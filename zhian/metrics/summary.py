"""The summaries (月汇总) of incidents (per local month, jurisdiction and category) and of
cases (per local month, handling unit and case type: accepted, filed, solved in month), so
a bureau dashboard reads a few thousand summary rows instead of scanning half a million
incidents and a hundred thousand cases.

Kept exact without touching dispatch's write path (dispatch never imports metrics):

* :func:`refresh_summaries` (a frequent task) rebuilds the closed months that are
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
jurisdiction, so a re-parented category or jurisdiction is resolved at read time. Cases
likewise: never deleted; their type, unit and ``accepted_at`` never change; every stage
step and its 立案 / 处理决定 event bumps the case's ``updated_at`` (records' ``touch``), and
a changed case marks both its acceptance month and its filing month.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from zhian.core.models import Jurisdiction
from zhian.dispatch import selectors as dispatch_selectors
from zhian.metrics.models import CaseMonthCount, IncidentMonthCount, SummaryState
from zhian.metrics.periods import bureau_zone, local_midnight
from zhian.records import selectors as records_selectors

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


def _state(name: str, *, lock: bool = False) -> SummaryState | None:
    qs = SummaryState.objects.filter(name=name)
    return (qs.select_for_update() if lock else qs).first()


def _ranges_to_rebuild(
    name: str, this_month: date, changed: Callable[[datetime, datetime], set[date]]
) -> list[tuple[date, date]]:
    state = _state(name, lock=True)
    through = state.through if state else EPOCH
    ranges: list[tuple[date, date]] = []
    if state is not None and through > EPOCH:
        ranges += _runs(changed(state.built_at, local_midnight(through)))
    if through < this_month:
        ranges.append((through, this_month))  # newly closed months (all, on the first run)
    return ranges


def _mark_built(name: str, now: datetime, margin: timedelta, this_month: date) -> None:
    SummaryState.objects.update_or_create(
        name=name, defaults={"built_at": now - margin, "through": this_month}
    )


@transaction.atomic
def refresh_incident_summary(now: datetime | None = None, *, margin: timedelta = MARGIN) -> int:
    """Rebuild the incident months that closed or changed since the last build; the number
    of months rebuilt. ``margin``: how long before ``now`` a write may have started and
    still be uncommitted (tests pass 0). Two overlapping runs cannot both write a month
    (the unique constraint fails the later one, which changes nothing and runs again)."""
    now = now or timezone.now()
    zone = bureau_zone()
    this_month = timezone.localtime(now, zone).date().replace(day=1)
    ranges = _ranges_to_rebuild(
        "incidents",
        this_month,
        lambda since, before: dispatch_selectors.incident_months_changed_since(since, before, zone),
    )
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
    _mark_built("incidents", now, margin, this_month)
    return len(rebuilt)


@transaction.atomic
def refresh_case_summary(now: datetime | None = None, *, margin: timedelta = MARGIN) -> int:
    """Rebuild the case months that closed or changed since the last build (as
    :func:`refresh_incident_summary`); the number of months rebuilt."""
    now = now or timezone.now()
    zone = bureau_zone()
    this_month = timezone.localtime(now, zone).date().replace(day=1)
    ranges = _ranges_to_rebuild(
        "cases",
        this_month,
        lambda since, before: records_selectors.case_months_changed_since(since, before, zone),
    )
    rebuilt: set[date] = set()
    for first, after in ranges:
        CaseMonthCount.objects.filter(month__gte=first, month__lt=after).delete()
        rows: dict[tuple[date, int, str], CaseMonthCount] = {}
        for r in records_selectors.case_month_groups(
            local_midnight(first), local_midnight(after), zone
        ):
            month = timezone.localtime(r["month"], zone).date()
            key = (month, r["jurisdiction_id"], r["case_type"])
            row = rows.setdefault(
                key, CaseMonthCount(month=month, jurisdiction_id=key[1], case_type=key[2])
            )
            row.accepted += r.get("accepted", 0)
            row.filed += r.get("filed", 0)
            row.solved_in_month += r.get("solved", 0)
        CaseMonthCount.objects.bulk_create(rows.values(), batch_size=5000)
        rebuilt |= {key[0] for key in rows}
    _mark_built("cases", now, margin, this_month)
    return len(rebuilt)


def refresh_summaries(now: datetime | None = None) -> int:
    """Both summaries; the number of months rebuilt."""
    return refresh_incident_summary(now) + refresh_case_summary(now)


def _read(
    name: str,
    within: Jurisdiction,
    start: datetime,
    end: datetime,
    changed: Callable[[datetime, datetime], set[date]],
    summarised: Callable[[list[date]], dict[date, int]],
    live: Callable[[datetime, datetime], dict[date, int]],
) -> dict[date, int]:
    """Per local month in ``[start, end)``: covered and unchanged months from the summary
    (one query), every other month through ``live`` per run of months."""
    months = _months(start, end)
    state = _state(name)
    covered: list[date] = []
    if state is not None and months and months[0] < state.through:
        # The months changed since the build, read once per summary and place object: a
        # dashboard's sources share its jurisdiction (and so this cache); a new request
        # loads the jurisdiction again (as records' scope cache does with the user).
        cache: dict[tuple[str, datetime, date], set[date]] = within.__dict__.setdefault(
            "_metrics_changed_months", {}
        )
        key = (name, state.built_at, state.through)
        if key not in cache:
            cache[key] = changed(state.built_at, local_midnight(state.through))
        dirty = cache[key]
        covered = [m for m in months if m < state.through and m not in dirty]
    counts: dict[date, int] = {}
    if covered:
        counts = {m: 0 for m in covered} | summarised(covered)
    for first, after in _runs(m for m in months if m not in counts):
        counts |= {m: 0 for m in months if first <= m < after}
        counts |= live(local_midnight(first), local_midnight(after))
    return counts


def _below(within: Jurisdiction) -> Any:
    if (
        within.parent_id is None
        and not Jurisdiction.objects.filter(parent=None).exclude(pk=within.pk).exists()
    ):
        return None
    return Jurisdiction.objects.filter(path__startswith=within.path).values("pk")


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

    def summarised(months: list[date]) -> dict[date, int]:
        qs = IncidentMonthCount.objects.filter(month__in=months)
        below = _below(within)
        if below is not None:
            qs = qs.filter(jurisdiction_id__in=below)
        if top_categories:
            qs = qs.filter(category_id__in=dispatch_selectors.category_ids_under(top_categories))
        rows = qs.order_by().values("month").annotate(n=Sum("n")).values_list("month", "n")
        return dict(rows)

    return _read(
        "incidents",
        within,
        start,
        end,
        lambda since, before: dispatch_selectors.incident_months_changed_since(
            since, before, bureau_zone()
        ),
        summarised,
        live,
    )


def case_counts_by_month(
    within: Jurisdiction,
    start: datetime,
    end: datetime,
    case_types: list[str] | tuple[str, ...],
    column: str,
    live: Callable[[datetime, datetime], dict[date, int]],
) -> dict[date, int]:
    """Cases per local month (``column``: accepted, filed or solved_in_month) in ``within``
    and below, from the case summary where it is current, else through ``live``."""

    def summarised(months: list[date]) -> dict[date, int]:
        qs = CaseMonthCount.objects.filter(month__in=months)
        below = _below(within)
        if below is not None:
            qs = qs.filter(jurisdiction_id__in=below)
        if case_types:
            qs = qs.filter(case_type__in=list(case_types))
        rows = qs.order_by().values("month").annotate(n=Sum(column)).values_list("month", "n")
        return dict(rows)

    return _read(
        "cases",
        within,
        start,
        end,
        lambda since, before: records_selectors.case_months_changed_since(
            since, before, bureau_zone()
        ),
        summarised,
        live,
    )
