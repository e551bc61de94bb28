"""Read queries for grid governance, narrowed to what the acting user may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Avg, Count, Prefetch, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from zhian.core.errors import NotFound
from zhian.core.models import Jurisdiction
from zhian.core.scoping import scope_paths, scope_q, scoped
from zhian.grid.choices import OPEN_REFERRAL, HazardStatus, TaskStatus
from zhian.grid.models import (
    Campaign,
    Department,
    Dispute,
    DisputeParty,
    GridReport,
    Hazard,
    InspectionRecord,
    InspectionTask,
    Place,
    Referral,
    ReportEvent,
)


def reports_for(
    user: Any,
    *,
    status: str | None = None,
    report_type: str | None = None,
    mine: bool = False,
) -> QuerySet[GridReport]:
    qs = scoped(GridReport.objects.all(), user, "gridreport.view")
    if status:
        qs = qs.filter(status=status)
    if report_type:
        qs = qs.filter(report_type=report_type)
    if mine:
        qs = qs.filter(reporter=user)
    return qs.select_related("jurisdiction", "reporter")


def access_report(user: Any, report_id: int) -> GridReport:
    report = (
        reports_for(user)
        .prefetch_related(
            Prefetch(
                "referrals", queryset=Referral.objects.select_related("department", "escalated_to")
            ),
            Prefetch("events", queryset=ReportEvent.objects.select_related("actor", "referral")),
        )
        .filter(pk=report_id)
        .first()
    )
    if report is None:
        raise NotFound(_("未找到该网格事件"))
    return report


def access_referral(user: Any, referral_id: int) -> Referral:
    """A referral is visible to whoever sees its report; services check the action."""
    referral = (
        Referral.objects.filter(scope_q(user, "gridreport.view", "report__jurisdiction"))
        .select_related("report__jurisdiction", "report__reporter", "department")
        .filter(pk=referral_id)
        .first()
    )
    if referral is None:
        raise NotFound(_("未找到该报到单"))
    return referral


def inbox_for(user: Any, *, open_only: bool = True) -> QuerySet[Referral]:
    """A liaison's referrals: their departments', where their role reaches, oldest
    deadline first."""
    qs = Referral.objects.filter(
        scope_q(user, "referral.handle", "report__jurisdiction"),
        department__memberships__user=user,
    )
    if open_only:
        qs = qs.filter(status__in=OPEN_REFERRAL)
    return qs.select_related("report__jurisdiction", "department").order_by("sign_due_at", "pk")


def covering_q(user: Any, action: str, field: str = "jurisdiction") -> Q | None:
    """Rows whose ``field`` lies inside the user's scope for ``action`` *or above it* (a
    bureau-wide department or sweep concerns a station's officers too); None: everything."""
    paths = scope_paths(user, action)
    if paths is None:
        return None
    q = Q(pk__in=[])
    for path in paths:
        codes = [c for c in path.split("/") if c]
        above = ["/" + "/".join(codes[: i + 1]) + "/" for i in range(len(codes))]
        q |= Q(**{f"{field}__path__startswith": path}) | Q(**{f"{field}__path__in": above})
    return q


def departments_for(user: Any) -> QuerySet[Department]:
    """Departments serving the user's area or an area above it (a station's officers
    refer to the bureau's 城管), and those the user is a liaison of."""
    qs = Department.objects.all()
    covering = covering_q(user, "department.view")
    if covering is not None:
        qs = qs.filter(covering | Q(memberships__user=user)).distinct()
    return qs.select_related("jurisdiction").order_by("code")


@dataclass(frozen=True)
class ScorecardRow:
    """One department's record over a period (部门考评)."""

    department_id: int
    department: str
    referrals: int
    sign_rate: float | None
    resolve_rate: float | None
    reopen_rate: float | None
    average_rating: float | None
    open_now: int


def _rate(hits: int, total: int) -> float | None:
    return hits / total if total else None


def period_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """Local days ``start`` to ``end`` inclusive, as aware datetimes [from, to)."""
    zone = timezone.get_current_timezone()
    return (
        datetime.combine(start, time.min, tzinfo=zone),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone),
    )


def scorecard(
    user: Any, start: date, end: date, *, now: datetime | None = None
) -> list[ScorecardRow]:
    """Referrals made in the period to each department, over the reports the user may
    see: the share signed on time and resolved on time (a clock that ran out unmet
    counts as late; one still running is left out), the share of resolved ones the
    originator reopened, and the average rating.  One grouped query."""
    now = now or timezone.now()
    begin, finish = period_bounds(start, end)
    qs = Referral.objects.filter(
        scope_q(user, "scorecard.view", "jurisdiction"),
        created_at__gte=begin,
        created_at__lt=finish,
    )
    signed_late_unmet = Q(signed_at__isnull=True, sign_due_at__lt=now)
    resolve_open_late = Q(resolved_on_time__isnull=True, resolve_due_at__lt=now) & Q(
        status__in=OPEN_REFERRAL
    )
    resolved_ever = ~Q(status__in=OPEN_REFERRAL) | Q(reopen_count__gt=0)
    grouped = (
        qs.values("department_id")
        .annotate(
            n=Count("pk"),
            sign_hit=Count("pk", filter=Q(signed_on_time=True)),
            sign_total=Count("pk", filter=Q(signed_on_time__isnull=False) | signed_late_unmet),
            resolve_hit=Count("pk", filter=Q(resolved_on_time=True)),
            resolve_total=Count("pk", filter=Q(resolved_on_time__isnull=False) | resolve_open_late),
            reopened=Count("pk", filter=Q(reopen_count__gt=0)),
            resolved=Count("pk", filter=resolved_ever),
            rating=Avg("rating"),
            open_now=Count("pk", filter=Q(status__in=OPEN_REFERRAL)),
        )
        .order_by()
    )
    rows: list[dict[str, Any]] = [dict(r) for r in grouped]
    names = dict(
        Department.objects.filter(pk__in=[r["department_id"] for r in rows]).values_list(
            "pk", "name"
        )
    )
    rows.sort(key=lambda r: names[r["department_id"]])
    return [
        ScorecardRow(
            department_id=r["department_id"],
            department=names[r["department_id"]],
            referrals=r["n"],
            sign_rate=_rate(r["sign_hit"], r["sign_total"]),
            resolve_rate=_rate(r["resolve_hit"], r["resolve_total"]),
            reopen_rate=_rate(r["reopened"], r["resolved"]),
            average_rating=round(r["rating"], 2) if r["rating"] is not None else None,
            open_now=r["open_now"],
        )
        for r in rows
    ]


# --- Places, inspections, hazards, sweeps ---------------------------------------------------


def places_for(
    user: Any,
    *,
    place_type: str | None = None,
    risk_tier: int | None = None,
    jurisdiction: str | None = None,
    q: str | None = None,
) -> QuerySet[Place]:
    """A ledger (台账): the places the user may see, filtered."""
    qs = scoped(Place.objects.all(), user, "place.view")
    if place_type:
        qs = qs.filter(place_type=place_type)
    if risk_tier:
        qs = qs.filter(risk_tier=risk_tier)
    if jurisdiction:
        qs = qs.filter(jurisdiction__path__contains=f"/{jurisdiction}/")
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(address__icontains=q))
    return qs.select_related("jurisdiction")


def access_place(user: Any, place_id: int) -> Place:
    place = places_for(user).filter(pk=place_id).first()
    if place is None:
        raise NotFound(_("未找到该场所"))
    return place


def tasks_for(user: Any, *, open_only: bool = True) -> QuerySet[InspectionTask]:
    qs = scoped(InspectionTask.objects.all(), user, "place.view")
    if open_only:
        qs = qs.filter(status=TaskStatus.OPEN)
    return qs.select_related("place", "jurisdiction", "campaign").order_by("due_on", "pk")


def access_task(user: Any, task_id: int) -> InspectionTask:
    task = tasks_for(user, open_only=False).filter(pk=task_id).first()
    if task is None:
        raise NotFound(_("未找到该检查任务"))
    return task


def hazards_for(user: Any, *, open_only: bool = True) -> QuerySet[Hazard]:
    qs = scoped(Hazard.objects.all(), user, "place.view")
    if open_only:
        qs = qs.exclude(status=HazardStatus.CLOSED)
    return qs.select_related("place", "jurisdiction").order_by("deadline", "pk")


def access_hazard(user: Any, hazard_id: int) -> Hazard:
    hazard = (
        hazards_for(user, open_only=False)
        .prefetch_related("follow_ups__by")
        .filter(pk=hazard_id)
        .first()
    )
    if hazard is None:
        raise NotFound(_("未找到该隐患"))
    return hazard


def campaigns_for(user: Any) -> QuerySet[Campaign]:
    """Sweeps over the user's area or an area containing it; their boards show only the
    tasks the user may see."""
    covering = covering_q(user, "place.view")
    qs = Campaign.objects.all() if covering is None else Campaign.objects.filter(covering)
    return qs.select_related("jurisdiction")


@dataclass(frozen=True)
class BoardRow:
    """One station's progress in a sweep (作战进度)."""

    station: str
    tasks: int
    done: int
    findings: int
    hazards_open: int


def campaign_board(user: Any, campaign: Campaign) -> list[BoardRow]:
    """Per station under the campaign's area: tasks, done, failed items found in the
    campaign's inspections, and hazards from them still open. Three grouped queries."""
    tasks = scoped(InspectionTask.objects.filter(campaign=campaign), user, "place.view")
    depth = 3  # "/B/S1/…": the station is the second code of the path

    def station_of(path: str) -> str:
        codes = [c for c in path.split("/") if c]
        return codes[depth - 2] if len(codes) >= depth - 1 else codes[-1]

    rows: dict[str, dict[str, int]] = {}
    for path, status, n in tasks.values_list("jurisdiction__path", "status").annotate(
        n=Count("pk")
    ):
        row = rows.setdefault(
            station_of(path), {"tasks": 0, "done": 0, "findings": 0, "hazards_open": 0}
        )
        row["tasks"] += n
        if status == TaskStatus.DONE:
            row["done"] += n
    records = InspectionRecord.objects.filter(task__in=tasks)
    for path, failed in records.values_list("task__jurisdiction__path").annotate(
        f=Sum("failed_items")
    ):
        rows[station_of(path)]["findings"] += failed or 0
    for path, n in (
        Hazard.objects.filter(found_in__in=records)
        .exclude(status=HazardStatus.CLOSED)
        .values_list("jurisdiction__path")
        .annotate(n=Count("pk"))
    ):
        rows[station_of(path)]["hazards_open"] += n
    names = dict(Jurisdiction.objects.filter(code__in=list(rows)).values_list("code", "name"))
    return [BoardRow(names.get(code, code), **counts) for code, counts in sorted(rows.items())]


# --- Disputes ------------------------------------------------------------------------------


def disputes_for(
    user: Any, *, status: str | None = None, risk: str | None = None
) -> QuerySet[Dispute]:
    qs = scoped(Dispute.objects.all(), user, "dispute.view")
    if status:
        qs = qs.filter(status=status)
    if risk:
        qs = qs.filter(risk_level=risk)
    return qs.select_related("jurisdiction", "raised_incident", "source_incident")


def access_dispute(user: Any, dispute_id: int) -> Dispute:
    dispute = (
        disputes_for(user)
        .prefetch_related(
            "parties",
            "sessions",
            "follow_ups__assignee",
            "events__actor",
            "agreements__attachment",
        )
        .filter(pk=dispute_id)
        .first()
    )
    if dispute is None:
        raise NotFound(_("未找到该纠纷"))
    return dispute


def access_party(user: Any, party_id: int) -> DisputeParty:
    """A dispute's party, to whoever sees the dispute (revealing is checked by the service)."""
    party = (
        DisputeParty.objects.filter(scope_q(user, "dispute.view", "dispute__jurisdiction"))
        .select_related("dispute__jurisdiction")
        .filter(pk=party_id)
        .first()
    )
    if party is None:
        raise NotFound(_("未找到该当事人"))
    return party


# --- KPI read side (zhian.metrics imports these; grid never imports metrics) -------------

CLOCKS = ("sign", "resolve")


def _below(within: Jurisdiction) -> QuerySet[Any]:
    return Jurisdiction.objects.filter(path__startswith=within.path).values("pk")


def counted_referrals(
    within: Jurisdiction,
    start: datetime,
    end: datetime,
    *,
    met: str = "",
    decided: str = "",
    now: datetime | None = None,
    user: Any = None,
) -> QuerySet[Referral]:
    """Referrals (吹哨报到 报到单) made in ``[start, end)`` on reports in ``within`` and
    below. ``met="sign"`` / ``"resolve"``: only those whose clock was met on time;
    ``decided=…``: only those whose clock has an outcome by ``now`` (met, late, or run
    out unmet), as the department scorecard counts them, so a rate of on-time signing is
    ``met`` over ``decided``. With ``user`` the rows are those the user may see."""
    if met not in ("", *CLOCKS) or decided not in ("", *CLOCKS):
        raise ValueError("clock must be 'sign' or 'resolve'")
    now = now or timezone.now()
    qs = Referral.objects.all()
    if user is not None:
        qs = qs.filter(scope_q(user, "gridreport.view", "jurisdiction"))
    qs = qs.filter(created_at__gte=start, created_at__lt=end, jurisdiction_id__in=_below(within))
    if met == "sign":
        qs = qs.filter(signed_on_time=True)
    elif met == "resolve":
        qs = qs.filter(resolved_on_time=True)
    if decided == "sign":
        qs = qs.filter(
            Q(signed_on_time__isnull=False) | Q(signed_at__isnull=True, sign_due_at__lt=now)
        )
    elif decided == "resolve":
        qs = qs.filter(
            Q(resolved_on_time__isnull=False)
            | Q(status__in=OPEN_REFERRAL, resolved_on_time__isnull=True, resolve_due_at__lt=now)
        )
    return qs


def counted_disputes(
    within: Jurisdiction,
    start: datetime,
    end: datetime,
    *,
    statuses: list[str] | tuple[str, ...] = (),
    user: Any = None,
) -> QuerySet[Dispute]:
    """Disputes (矛盾纠纷) registered in ``[start, end)`` in ``within`` and below, in one of
    ``statuses`` now (e.g. ``settled``: 已化解) when given. With ``user``: in scope."""
    qs = Dispute.objects.all()
    if user is not None:
        qs = scoped(qs, user, "dispute.view")
    qs = qs.filter(created_at__gte=start, created_at__lt=end, jurisdiction_id__in=_below(within))
    if statuses:
        qs = qs.filter(status__in=list(statuses))
    return qs
