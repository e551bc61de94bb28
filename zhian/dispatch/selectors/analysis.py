"""What other apps read of incidents and units: plain counts and arrays (grid's repeated-call
criterion, insights' maps and forecasts, metrics' indicators), never rows to browse."""

from __future__ import annotations

import math
from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any

from django.db.models import (
    BigIntegerField,
    Count,
    DateTimeField,
    Exists,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from zhian.analytics.routing import haversine_m
from zhian.core.models import Jurisdiction
from zhian.core.scoping import scope_q
from zhian.dispatch.choices import IncidentStatus
from zhian.dispatch.models import (
    Assignment,
    Incident,
    IncidentCategory,
)
from zhian.dispatch.selectors import incidents_for


def count_incidents_near(
    lon: float,
    lat: float,
    *,
    radius_m: float,
    since: datetime,
    category_prefixes: tuple[str, ...] = (),
) -> int:
    """How many incidents (merged duplicates left out) were received within ``radius_m``
    of a point since ``since``, optionally only in categories whose code starts with one of
    ``category_prefixes``. A bare count, no rows: other apps use it to judge how often a
    place calls for the police (grid's dispute risk) without reading incidents."""
    dlat = radius_m / 111_000
    dlon = dlat / max(0.05, abs(math.cos(math.radians(lat))))
    qs = Incident.objects.filter(
        received_at__gte=since,
        lat__range=(lat - dlat, lat + dlat),
        lon__range=(lon - dlon, lon + dlon),
    ).exclude(status=IncidentStatus.MERGED)
    if category_prefixes:
        q = Q(pk__in=[])
        for prefix in category_prefixes:
            q |= Q(category__code__startswith=prefix)
        qs = qs.filter(q)
    points = list(qs.values_list("lon", "lat"))
    if not points:
        return 0
    return int((haversine_m(points, (lon, lat)) <= radius_m).sum())


def _jurisdiction_ids(path: str, user: Any) -> list[int]:
    """Ids of the jurisdictions under ``path`` (all when empty) that ``user`` may view
    incidents of (all for None): filtering incidents by these ids uses the incident table's
    jurisdiction index instead of joining on the path for every incident."""
    qs = Jurisdiction.objects.all()
    if path:
        qs = qs.filter(path__startswith=path)
    if user is not None:
        qs = qs.filter(scope_q(user, "incident.view", field=""))
    return list(qs.values_list("pk", flat=True))


def incident_arrays(
    *,
    since: Any = None,
    until: Any = None,
    jurisdiction_path: str = "",
    category_codes: list[str] | None = None,
    user: Any = None,
    with_narrative: bool = False,
    h3_cells: list[str] | None = None,
    bbox: tuple[float, float, float, float] | None = None,
    limit: int | None = None,
    newest_first: bool = False,
) -> dict[str, Any]:
    """Incidents as plain numpy arrays for analysis (``zhian.insights`` feeds them to
    ``zhian.analytics``): ``id``, ``t`` (epoch seconds), ``lon``, ``lat``, ``category``
    (code), ``jurisdiction`` (id), in ``received_at`` order. Merged duplicates are left
    out. ``user`` narrows to what that user may view; None is a system job's read (the
    caller scopes by ``jurisdiction_path``). ``with_narrative`` adds ``narrative`` (简要案情,
    for 串并 text similarity). ``h3_cells`` narrows to those cells (read through the cell
    index: a zoomed-in map view), ``bbox`` (west, south, east, north) to a box, ``limit``
    to the first rows (with ``newest_first``, the latest ``limit`` rows, still returned in
    ``received_at`` order). No caller or party data is read.
    """
    import numpy as np

    qs = Incident.objects.filter(merged_into__isnull=True)
    if user is not None or jurisdiction_path:
        qs = qs.filter(jurisdiction_id__in=_jurisdiction_ids(jurisdiction_path, user))
    if since is not None:
        qs = qs.filter(received_at__gte=since)
    if until is not None:
        qs = qs.filter(received_at__lt=until)
    if category_codes is not None:
        qs = qs.filter(category__code__in=category_codes)
    if h3_cells is not None:
        qs = qs.filter(h3_cell__in=h3_cells)
    if bbox is not None:
        west, south, east, north = bbox
        qs = qs.filter(lon__gte=west, lon__lte=east, lat__gte=south, lat__lte=north)
    fields = ["pk", "received_at", "lon", "lat", "category__code", "jurisdiction_id"]
    if with_narrative:
        fields.append("narrative")
    if newest_first:
        latest = qs.order_by("-received_at", "-pk").values_list(*fields)
        rows = list(latest[:limit] if limit is not None else latest)[::-1]
    else:
        ordered = qs.order_by("received_at", "pk").values_list(*fields)
        rows = list(ordered[:limit] if limit is not None else ordered)
    out = {
        "id": np.array([r[0] for r in rows], dtype=np.int64),
        "t": np.array([int(r[1].timestamp()) for r in rows], dtype=np.int64),
        "lon": np.array([r[2] for r in rows], dtype=np.float64),
        "lat": np.array([r[3] for r in rows], dtype=np.float64),
        "category": np.array([r[4] for r in rows], dtype=str),
        "jurisdiction": np.array([r[5] for r in rows], dtype=np.int64),
    }
    if with_narrative:
        out["narrative"] = np.array([r[6] for r in rows], dtype=str)
    return out


def unit_position_arrays(
    *, since: Any, until: Any, jurisdiction_path: str = "", user: Any = None
) -> dict[str, Any]:
    """AVL fixes of units (vehicles, not people) as numpy arrays: ``unit`` (id), ``t``
    (epoch seconds), ``lon``, ``lat``, ordered by unit, time and id; narrowed to the units
    of ``jurisdiction_path``'s stations and, with ``user``, to units that user may view."""
    import numpy as np

    from zhian.dispatch.models import UnitPosition

    qs = UnitPosition.objects.filter(at__gte=since, at__lt=until)
    if user is not None:
        qs = qs.filter(scope_q(user, "unit.view", field="unit__station"))
    if jurisdiction_path:
        qs = qs.filter(unit__station__path__startswith=jurisdiction_path)
    rows = list(qs.order_by("unit_id", "at", "pk").values_list("unit_id", "at", "lon", "lat"))
    return {
        "unit": np.array([r[0] for r in rows], dtype=np.int64),
        "t": np.array([int(r[1].timestamp()) for r in rows], dtype=np.int64),
        "lon": np.array([r[2] for r in rows], dtype=np.float64),
        "lat": np.array([r[3] for r in rows], dtype=np.float64),
    }


class _EpochSeconds(Func):
    """Whole seconds since 1970 (UTC) of a datetime column, computed by the database: what
    ``int(value.timestamp())`` gives, without building a datetime per row."""

    template = "FLOOR(EXTRACT(EPOCH FROM %(expressions)s))::bigint"
    output_field = BigIntegerField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        # Stored as UTC text; "%%%%s" reaches SQLite as "%s" (two rounds of %-escaping).
        template = "CAST(strftime('%%%%s', %(expressions)s) AS INTEGER)"
        return self.as_sql(compiler, connection, template=template, **extra)


def fixes_around(
    unit_ids: Collection[int], first: datetime, last: datetime
) -> dict[int, dict[str, Any]]:
    """Per unit of ``unit_ids`` (every one, empty arrays when it has none), its AVL fixes
    from its last fix before ``first`` to its first fix after ``last`` (all the fixes at
    those two instants included when they exist; without one, the span stops at ``first``
    or ``last``), ordered by time and id: ``id``, ``t`` (epoch seconds), ``lon``, ``lat``.
    What a write hook needs to re-credit the time around a newly stored batch, and a patrol
    plan's report to credit its units' shift. One query for all the units."""
    import numpy as np

    from zhian.dispatch.models import Unit, UnitPosition

    ids = sorted({int(u) for u in unit_ids})
    own = UnitPosition.objects.filter(unit=OuterRef("pk")).order_by()
    before = own.filter(at__lt=first).order_by("-at").values("at")[:1]
    after = own.filter(at__gt=last).order_by("at").values("at")[:1]
    # Driven from the units, so each unit's bounds are computed once and its fixes read
    # through the (unit, at) index between them.
    rows = list(
        Unit.objects.filter(pk__in=ids)
        .filter(
            positions__at__gte=Coalesce(Subquery(before), Value(first, DateTimeField())),
            positions__at__lte=Coalesce(Subquery(after), Value(last, DateTimeField())),
        )
        .annotate(t=_EpochSeconds("positions__at"))
        .order_by("pk", "positions__at", "positions__pk")
        .values_list("pk", "positions__pk", "t", "positions__lon", "positions__lat")
    )
    unit = np.array([r[0] for r in rows], dtype=np.int64)
    cols = {
        "id": np.array([r[1] for r in rows], dtype=np.int64),
        "t": np.array([r[2] for r in rows], dtype=np.int64),
        "lon": np.array([r[3] for r in rows], dtype=np.float64),
        "lat": np.array([r[4] for r in rows], dtype=np.float64),
    }
    out = {}
    for u in ids:
        lo, hi = np.searchsorted(unit, [u, u + 1])
        out[u] = {k: v[lo:hi] for k, v in cols.items()}
    return out


def position_time_range() -> tuple[datetime, datetime] | None:
    """When the first and the last AVL fix were taken (None when there are none)."""
    from django.db.models import Max, Min

    from zhian.dispatch.models import UnitPosition

    span = UnitPosition.objects.aggregate(first=Min("at"), last=Max("at"))
    if span["first"] is None:
        return None
    return span["first"], span["last"]


def unit_ids_under(path: str, user: Any = None) -> list[int]:
    """Ids of the units of the stations under ``path`` that ``user`` may view (all for
    None): what the 巡防图 counts."""
    from zhian.dispatch.models import Unit

    qs = Unit.objects.filter(station__path__startswith=path)
    if user is not None:
        qs = qs.filter(scope_q(user, "unit.view", field="station"))
    return list(qs.values_list("pk", flat=True))


def next_fix_times(after: datetime) -> dict[int, int]:
    """Per unit, the epoch second of its first AVL fix at or after ``after`` (units with
    none are left out)."""
    from django.db.models import Min

    from zhian.dispatch.models import UnitPosition

    rows = (
        UnitPosition.objects.filter(at__gte=after)
        .values("unit_id")
        .annotate(first=Min("at"))
        .order_by()
        .values_list("unit_id", "first")
    )
    return {int(u): int(t.timestamp()) for u, t in rows}


def incident_counts_by_day_and_cell(
    *,
    since: Any,
    until: Any,
    jurisdiction_path: str = "",
    category_codes: list[str] | None = None,
    user: Any = None,
) -> list[tuple[Any, int, int, str, int]]:
    """Incidents received in ``[since, until)`` counted per local day (the bureau's
    ``TIME_ZONE``), jurisdiction, category and H3 cell: ``(day, jurisdiction_id,
    category_id, h3_cell, n)``, merged duplicates left out, the same filters as
    :func:`incident_arrays`. Read-side apps build and check their place aggregates with
    it (insights' 警情发案图 counts)."""
    from django.db.models import Count
    from django.db.models.functions import TruncDate
    from django.utils import timezone

    qs = Incident.objects.filter(
        merged_into__isnull=True, received_at__gte=since, received_at__lt=until
    )
    if user is not None or jurisdiction_path:
        qs = qs.filter(jurisdiction_id__in=_jurisdiction_ids(jurisdiction_path, user))
    if category_codes is not None:
        qs = qs.filter(category__code__in=category_codes)
    rows = (
        qs.annotate(day=TruncDate("received_at", tzinfo=timezone.get_default_timezone()))
        .values("day", "jurisdiction_id", "category_id", "h3_cell")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("day", "jurisdiction_id", "category_id", "h3_cell", "n")
    )
    return [(d, int(j), int(c), str(h), int(n)) for d, j, c, h, n in rows]


def incident_time_range() -> tuple[datetime, datetime] | None:
    """When the first and the last incident were received (None when there are none)."""
    from django.db.models import Max, Min

    span = Incident.objects.aggregate(first=Min("received_at"), last=Max("received_at"))
    if span["first"] is None:
        return None
    return span["first"], span["last"]


#: Incidents that do not count in statistics: merged into another (a duplicate report of
#: the same event) or cancelled (entered in error).
NOT_COUNTED = (IncidentStatus.MERGED, IncidentStatus.CANCELLED)


def counted_incidents(
    within: Jurisdiction,
    start: datetime,
    end: datetime,
    *,
    top_categories: list[str] | tuple[str, ...] = (),
    arrived_within_s: int | None = None,
    arrived_only: bool = False,
    user: Any = None,
) -> QuerySet[Incident]:
    """Incidents received in ``[start, end)`` in ``within`` and below that count in
    statistics (not merged or cancelled), for the KPI read side (zhian.metrics).

    ``top_categories``: only categories under these top-level codes (e.g. 01 刑事, 02 治安).
    ``arrived_only``: a unit arrived on scene; ``arrived_within_s``: the first arrival was
    at most this many seconds after receipt (as the response clock counts the 1-3-5 bands).
    With ``user`` the rows are narrowed to the user's scope (drill-down lists); without,
    the caller counts an aggregate for a jurisdiction it has already authorised."""
    qs = incidents_for(user) if user is not None else Incident.objects.all()
    qs = qs.filter(received_at__gte=start, received_at__lt=end).exclude(status__in=NOT_COUNTED)
    # Semi-joins on the small tables (jurisdictions, categories) rather than joins, so a
    # count over a million incidents scans one table.
    if within.parent_id is not None or Jurisdiction.objects.filter(parent=None).count() > 1:
        below = Jurisdiction.objects.filter(path__startswith=within.path).values("pk")
        qs = qs.filter(jurisdiction_id__in=below)
    if top_categories:
        chosen = IncidentCategory.objects.filter(
            Q(parent__code__in=top_categories) | Q(parent=None, code__in=top_categories)
        ).values("pk")
        qs = qs.filter(category_id__in=chosen)
    arrivals = Assignment.objects.filter(incident=OuterRef("pk"), on_scene_at__isnull=False)
    if arrived_within_s is not None:
        limit = OuterRef("received_at") + timedelta(seconds=arrived_within_s)
        qs = qs.filter(Exists(arrivals.filter(on_scene_at__lte=limit)))
    elif arrived_only:
        qs = qs.filter(Exists(arrivals))
    return qs


def top_category_codes() -> dict[str, str]:
    """Top-level incident categories (code → name), for validating KPI filters."""
    return dict(IncidentCategory.objects.filter(parent__isnull=True).values_list("code", "name"))


def category_ids_under(top_categories: list[str] | tuple[str, ...]) -> QuerySet[Any]:
    """Ids of the categories a KPI filter on top-level codes counts (for a subquery)."""
    return IncidentCategory.objects.filter(
        Q(parent__code__in=top_categories) | Q(parent=None, code__in=top_categories)
    ).values("pk")


def counted_incident_month_groups(start: datetime, end: datetime, zone: Any) -> QuerySet[Any]:
    """Counted incidents (not merged or cancelled) received in ``[start, end)`` per local
    month of ``zone``, jurisdiction and category: rows of ``month``, ``jurisdiction_id``,
    ``category_id``, ``n`` (for the KPI summary that zhian.metrics keeps)."""
    return (
        Incident.objects.filter(received_at__gte=start, received_at__lt=end)
        .exclude(status__in=NOT_COUNTED)
        .annotate(month=TruncMonth("received_at", tzinfo=zone))
        .order_by()
        .values("month", "jurisdiction_id", "category_id")
        .annotate(n=Count("pk"))
    )


def incident_months_changed_since(since: datetime, before: datetime, zone: Any) -> set[Any]:
    """Local months (first day) of incidents received before ``before`` that were created
    or changed (merged, cancelled, reclassified …: every dispatch write stamps
    ``updated_at``) at or after ``since``."""
    rows = (
        Incident.objects.filter(updated_at__gte=since, received_at__lt=before)
        .annotate(month=TruncMonth("received_at", tzinfo=zone))
        .order_by()
        .values_list("month", flat=True)
        .distinct()
    )
    return {timezone.localtime(m, zone).date() for m in rows}
