"""Read queries for grid governance, narrowed to what the acting user may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Avg, Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from zhian.core.errors import NotFound
from zhian.core.scoping import scope_paths, scope_q, scoped
from zhian.grid.choices import OPEN_REFERRAL
from zhian.grid.models import Department, GridReport, Referral, ReportEvent


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


def departments_for(user: Any) -> QuerySet[Department]:
    """Departments serving a jurisdiction the user sees or an ancestor of one (a
    station's officers refer to the bureau's 城管), and those the user is a liaison of."""
    paths = scope_paths(user, "department.view")
    qs = Department.objects.all()
    if paths is not None:
        q = Q(memberships__user=user)
        for path in paths:
            codes = [c for c in path.split("/") if c]
            above = ["/" + "/".join(codes[: i + 1]) + "/" for i in range(len(codes))]
            q |= Q(jurisdiction__path__startswith=path) | Q(jurisdiction__path__in=above)
        qs = qs.filter(q).distinct()
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
        scope_q(user, "scorecard.view", "report__jurisdiction"),
        created_at__gte=begin,
        created_at__lt=finish,
    )
    signed_late_unmet = Q(signed_at__isnull=True, sign_due_at__lt=now)
    resolve_open_late = Q(resolved_on_time__isnull=True, resolve_due_at__lt=now) & Q(
        status__in=OPEN_REFERRAL
    )
    resolved_ever = ~Q(status__in=OPEN_REFERRAL) | Q(reopen_count__gt=0)
    rows = (
        qs.values("department_id", "department__name")
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
        .order_by("department__name")
    )
    return [
        ScorecardRow(
            department_id=r["department_id"],
            department=r["department__name"],
            referrals=r["n"],
            sign_rate=_rate(r["sign_hit"], r["sign_total"]),
            resolve_rate=_rate(r["resolve_hit"], r["resolve_total"]),
            reopen_rate=_rate(r["reopened"], r["resolved"]),
            average_rating=round(r["rating"], 2) if r["rating"] is not None else None,
            open_now=r["open_now"],
        )
        for r in rows
    ]
