"""Read queries for records (案件), scoped to the acting user."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from django.conf import settings
from django.db.models import (
    Avg,
    Count,
    Exists,
    F,
    FilteredRelation,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import TruncMonth
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from zhian.core.errors import NotFound, PermissionDenied
from zhian.core.extensions import PageAction
from zhian.core.models import Jurisdiction, JurisdictionKind
from zhian.core.scoping import can, scope_paths, scope_q
from zhian.dispatch.selectors import access_incident
from zhian.records.choices import OPEN_STAGES, ApprovalStatus, DeadlineStatus, EventKind, Stage
from zhian.records.models import (
    Approval,
    Case,
    CaseEvent,
    Deadline,
    DeadlineRule,
    Evidence,
    EvidenceFile,
    Party,
    QualityReview,
)
from zhian.records.services.deadlines import DUE_SOON

M = TypeVar("M", bound=Model)


def in_scope(
    queryset: QuerySet[M], user: Any, action: str, field: str = "jurisdiction"
) -> QuerySet[M]:
    """Rows whose unit ``field`` lies in the user's scope for ``action``, like
    ``core.scoping.scoped`` but with the scope resolved first to the ids of the units that
    hold cases (bureaus and stations): the planner then filters by an id list it can
    estimate instead of a LIKE on a joined table, which on a million cases decides whether
    the board reads 50 index entries or every case in the bureau."""
    if scope_paths(user, action) is None:
        return queryset
    # Once per user object (one request) and action, like core's scope cache.
    cache: dict[str, list[int]] = user.__dict__.setdefault("_records_unit_ids", {})
    if action not in cache:
        cache[action] = list(
            Jurisdiction.objects.filter(
                scope_q(user, action, field=""),
                kind__in=[JurisdictionKind.BUREAU, JurisdictionKind.STATION],
            ).values_list("pk", flat=True)
        )
    return queryset.filter(**{f"{field}__in": cache[action]})


# A jurisdiction's boundary is GeoJSON (often hundreds of kB): never load it for lists.
HEAVY_JURISDICTION = ("jurisdiction__boundary",)


@dataclass(frozen=True)
class CaseFilter:
    stage: str = ""
    case_type: str = ""
    category: str = ""
    officer_id: int | None = None
    mine: bool = False
    flag: str = ""  # "overdue" or "due_soon"
    q: str = ""  # case number or title


def cases_for(user: Any, filters: CaseFilter | None = None) -> QuerySet[Case]:
    qs = in_scope(Case.objects.all(), user, "case.view")
    f = filters or CaseFilter()
    if f.stage:
        qs = qs.filter(stage=f.stage)
    if f.case_type:
        qs = qs.filter(case_type=f.case_type)
    if f.category:
        qs = qs.filter(category__code=f.category)
    if f.officer_id:
        qs = qs.filter(officer_id=f.officer_id)
    if f.mine:
        qs = qs.filter(officer_id=user.pk)
    if f.q:
        qs = qs.filter(Q(number__icontains=f.q) | Q(title__icontains=f.q))
    now = timezone.now()
    # Driven from the open-deadline index (few rows), not by probing cases newest first.
    if f.flag == "overdue":
        qs = qs.filter(pk__in=_open_due(until=now).values("case_id"))
    elif f.flag == "due_soon":
        qs = qs.filter(pk__in=_open_due(since=now, until=now + DUE_SOON).values("case_id"))
    # A correlated subquery per listed row (not a GROUP BY over every case in scope).
    next_due = Deadline.objects.filter(case=OuterRef("pk"), status=DeadlineStatus.OPEN).order_by(
        "due_at"
    )
    return (
        qs.select_related("category", "jurisdiction", "officer")
        .defer(*HEAVY_JURISDICTION)
        .annotate(next_due=Subquery(next_due.values("due_at")[:1]))
    )


def _open_due(*, until: datetime, since: datetime | None = None) -> QuerySet[Deadline]:
    qs = Deadline.objects.filter(status=DeadlineStatus.OPEN, due_at__lte=until)
    if since is not None:
        qs = qs.filter(due_at__gt=since)
    return qs


def access_case(user: Any, case_id: int) -> Case:
    case = (
        in_scope(Case.objects.all(), user, "case.view")
        .select_related("category", "jurisdiction", "officer", "bureau", "created_by")
        .defer(*HEAVY_JURISDICTION, "bureau__boundary")
        .filter(pk=case_id)
        .first()
    )
    if case is None:
        raise NotFound(_("未找到该案件"))
    return case


def access_approval(user: Any, approval_id: int) -> Approval:
    approval = (
        in_scope(Approval.objects.all(), user, "case.view", field="case__jurisdiction")
        .select_related("case__jurisdiction", "case__officer")
        .filter(pk=approval_id)
        .first()
    )
    if approval is None:
        raise NotFound(_("未找到该审批"))
    return approval


def access_deadline(user: Any, deadline_id: int) -> Deadline:
    deadline = (
        in_scope(Deadline.objects.all(), user, "case.view", field="case__jurisdiction")
        .select_related("case__jurisdiction", "case__officer", "rule")
        .filter(pk=deadline_id)
        .first()
    )
    if deadline is None:
        raise NotFound(_("未找到该期限"))
    return deadline


@dataclass(frozen=True)
class TimelineItem:
    at: datetime
    source: str  # "incident" or "case"
    kind: str
    label: str
    actor: str
    note: str


def case_timeline(user: Any, case: Case) -> list[TimelineItem]:
    """The whole story: each linked incident's timeline (from the call) and the case's."""
    items: list[TimelineItem] = []
    for incident in case.incidents.all():
        try:
            visible = access_incident(user, incident.pk)
        except NotFound:
            # The incident lies outside what this user may read in dispatch: say it is
            # there, without its content.
            items.append(
                TimelineItem(
                    at=incident.received_at,
                    source=incident.number,
                    kind="incident_hidden",
                    label=_("关联警情（无权查看详情）"),
                    actor="",
                    note="",
                )
            )
            continue
        for event in visible.timeline.select_related("actor", "unit"):
            items.append(
                TimelineItem(
                    at=event.at,
                    source=visible.number,
                    kind=event.kind,
                    label=str(event.get_kind_display()),
                    actor=str(event.actor or event.unit or ""),
                    note=event.note,
                )
            )
    for entry in case.entries.select_related("actor"):
        label = str(entry.get_kind_display())
        if entry.stage_to and entry.stage_from:
            label = f"{entry.get_stage_from_display()} → {entry.get_stage_to_display()}"
        items.append(
            TimelineItem(
                at=entry.at,
                source=case.number,
                kind=entry.kind,
                label=label,
                actor=str(entry.actor or ""),
                note=entry.note,
            )
        )
    return sorted(items, key=lambda item: item.at)


def case_deadlines(case: Case) -> list[Deadline]:
    return list(
        case.deadlines.select_related("rule").prefetch_related("extension_rows__approved_by")
    )


def open_approval(case: Case) -> Approval | None:
    return case.approvals.filter(
        status__in=[ApprovalStatus.PENDING, ApprovalStatus.ESCALATED]
    ).first()


def stale_days() -> int:
    return int(getattr(settings, "ZHIAN_CASE_STALE_DAYS", 15))


def board_for(user: Any, now: datetime | None = None, limit: int = 50) -> dict[str, Any]:
    """The supervisor's board (盯案): overdue and due-soon periods, cases without progress
    for N days, returned approvals, pending approvals, and each officer's open load."""
    now = now or timezone.now()
    deadlines = in_scope(
        Deadline.objects.filter(status=DeadlineStatus.OPEN),
        user,
        "case.supervise",
        "case__jurisdiction",
    ).select_related("case__officer", "rule")
    # Only what the board shows: instantiating whole rows is most of its cost.
    deadlines = deadlines.only(
        "case_id",
        "due_at",
        "rule__name",
        "case__number",
        "case__title",
        "case__officer_id",
        "case__officer__username",
        "case__officer__display_name",
    )
    cases = in_scope(Case.objects.filter(stage__in=OPEN_STAGES), user, "case.supervise")
    approvals = in_scope(
        Approval.objects.all(), user, "case.supervise", "case__jurisdiction"
    ).select_related("case", "submitted_by", "decided_by")
    return {
        "overdue": list(deadlines.filter(due_at__lte=now).order_by("due_at")[:limit]),
        "due_soon": list(
            deadlines.filter(due_at__gt=now, due_at__lte=now + DUE_SOON).order_by("due_at")[:limit]
        ),
        "stale": list(
            cases.filter(last_progress_at__lte=now - timedelta(days=stale_days()))
            .select_related("officer")
            .only(
                "number",
                "title",
                "stage",
                "last_progress_at",
                "officer__username",
                "officer__display_name",
            )
            .order_by("last_progress_at")[:limit]
        ),
        "pending": list(
            approvals.filter(
                status__in=[ApprovalStatus.PENDING, ApprovalStatus.ESCALATED]
            ).order_by("submitted_at")[:limit]
        ),
        "returned": list(
            approvals.filter(
                status=ApprovalStatus.RETURNED, decided_at__gte=now - timedelta(days=30)
            )
            .filter(
                ~Q(case__approvals__status__in=[ApprovalStatus.PENDING, ApprovalStatus.ESCALATED])
            )
            .order_by("-decided_at")[:limit]
        ),
        "load": list(
            cases.values("officer_id", "officer__username", "officer__display_name")
            .annotate(open_cases=Count("*"))
            .order_by("-open_cases")[:limit]
        ),
        "stale_days": stale_days(),
        "now": now,
    }


def review_scores(
    user: Any, since: datetime, until: datetime, by: str = "officer"
) -> list[dict[str, Any]]:
    """Average 执法质量 score per officer or per station over reviews in [since, until)."""
    qs = in_scope(QualityReview.objects.all(), user, "case.supervise", "case__jurisdiction").filter(
        reviewed_at__gte=since, reviewed_at__lt=until
    )
    keys = (
        ("officer_id", "officer__username", "officer__display_name")
        if by == "officer"
        else ("case__jurisdiction__code", "case__jurisdiction__name")
    )
    return list(
        qs.values(*keys).annotate(reviews=Count("pk"), average=Avg("score")).order_by("-average")
    )


def rules_for(user: Any) -> QuerySet[DeadlineRule]:
    """The statutory rule table, readable by anyone who works or supervises cases."""
    if scope_paths(user, "case.view") == []:
        raise PermissionDenied(_("您的角色无权查看期限规则"), code="forbidden_action")
    return DeadlineRule.objects.all()


def access_rule(user: Any, rule_id: int) -> DeadlineRule:
    rule = rules_for(user).filter(pk=rule_id).first()
    if rule is None:
        raise NotFound(_("未找到该期限规则"))
    return rule


def open_case_actions(user: Any, incident: Any) -> Iterable[PageAction]:
    """The incident page's "受案" link (registered with core.extensions)."""
    if not can(user, "case.open", incident.jurisdiction):
        return []
    linked = list(incident.cases.all()[:3]) if incident.pk else []
    actions = [
        PageAction(
            label=_("查看案件 %(number)s") % {"number": case.number},
            url=reverse("records:case", args=[case.pk]),
        )
        for case in linked
    ]
    actions.append(
        PageAction(
            label=_("受案（立案登记）"),
            url=reverse("records:open") + f"?incident={incident.pk}",
            help=_("从本警情建立案件，警情记录并入案件时间线"),
        )
    )
    return actions


def access_party(user: Any, party_id: int) -> Party:
    party = (
        in_scope(Party.objects.all(), user, "case.view", field="case__jurisdiction")
        .select_related("case__jurisdiction", "case__officer")
        .filter(pk=party_id)
        .first()
    )
    if party is None:
        raise NotFound(_("未找到该当事人"))
    return party


def access_evidence(user: Any, evidence_id: int) -> Evidence:
    evidence = (
        in_scope(Evidence.objects.all(), user, "case.view", field="case__jurisdiction")
        .select_related("case__jurisdiction", "case__officer")
        .filter(pk=evidence_id)
        .first()
    )
    if evidence is None:
        raise NotFound(_("未找到该证据物品"))
    return evidence


def case_parties(case: Case) -> list[Party]:
    """The parties of one case (there is no search across cases)."""
    return list(case.parties.all())


def case_evidence(case: Case) -> list[Evidence]:
    return list(case.evidence.prefetch_related("custody__recorded_by"))


def case_worker(user_id: int) -> Any:
    """A user named as a case officer (the service checks they may work the case's unit)."""
    from zhian.core.models import User

    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        raise NotFound(_("未找到该民警"))
    return user


def access_evidence_file(user: Any, file_id: int) -> EvidenceFile:
    """An evidence file, only for users who may see its case."""
    row = (
        in_scope(
            EvidenceFile.objects.all(), user, "case.view", field="evidence__case__jurisdiction"
        )
        .select_related("attachment", "evidence__case")
        .filter(pk=file_id)
        .first()
    )
    if row is None:
        raise NotFound(_("未找到该附件"))
    return row


# --- KPI read side (zhian.metrics imports these; records never imports metrics) ---------


def _below(within: Jurisdiction) -> QuerySet[Any]:
    return Jurisdiction.objects.filter(path__startswith=within.path).values("pk")


def _whole_platform(within: Jurisdiction) -> bool:
    """The only top-level jurisdiction: every row is inside it (no filter needed)."""
    return (
        within.parent_id is None
        and not Jurisdiction.objects.filter(parent=None).exclude(pk=within.pk).exists()
    )


def counted_cases(
    within: Jurisdiction,
    start: datetime,
    end: datetime,
    *,
    case_types: Iterable[str] = (),
    user: Any = None,
) -> QuerySet[Case]:
    """Cases accepted (受案, ``accepted_at``) in ``[start, end)`` by ``within`` or a unit
    below it that count as cases (案件): not those later 不予立案 (the report was not a
    case) or 撤销 (annulled). ``case_types`` narrows to criminal / administrative.

    With ``user`` the rows are narrowed to what the user may open (drill-down lists);
    without, the caller counts an aggregate for a jurisdiction it has already authorised."""
    qs = in_scope(Case.objects.all(), user, "case.view") if user is not None else Case.objects.all()
    qs = qs.filter(accepted_at__gte=start, accepted_at__lt=end).exclude(
        stage__in=[Stage.NOT_FILED, Stage.REVOKED]
    )
    if not _whole_platform(within):
        qs = qs.filter(jurisdiction_id__in=_below(within))
    types = list(case_types)
    if types:
        qs = qs.filter(case_type__in=types)
    return qs


def counted_filings(
    within: Jurisdiction,
    start: datetime,
    end: datetime,
    *,
    case_types: Iterable[str] = (),
    solved_within: bool = False,
) -> QuerySet[CaseEvent]:
    """立案 events in ``[start, end)`` of cases handled in ``within`` or below and not since
    annulled (撤销): one per filed case, the 现行案件 of the period, counted on the filing
    time (``at``). ``solved_within``: only cases that reached a 处理决定 before ``end`` (the
    破案 of this platform's stage machine: 调查 → 处理决定 → 结案 / 移送; a case handed to
    another authority from 调查 without a decision is never solved). Read from the events,
    so a count scans the period's events and joins their cases by key."""
    qs = CaseEvent.objects.filter(kind=EventKind.FILED, at__gte=start, at__lt=end).exclude(
        case__stage=Stage.REVOKED
    )
    if not _whole_platform(within):
        qs = qs.filter(case__jurisdiction_id__in=_below(within))
    types = list(case_types)
    if types:
        qs = qs.filter(case__case_type__in=types)
    if solved_within:
        qs = qs.filter(
            Exists(
                CaseEvent.objects.filter(
                    case_id=OuterRef("case_id"), kind=EventKind.DECIDED, at__lt=end
                )
            )
        )
    return qs


def with_decision(filings: QuerySet[CaseEvent]) -> QuerySet[CaseEvent]:
    """:func:`counted_filings` rows joined to their case's 处理决定 event (``decision``),
    for one filtered count per month in a single scan with :func:`decided_before`."""
    return filings.annotate(
        decision=FilteredRelation("case__events", condition=Q(case__events__kind=EventKind.DECIDED))
    )


def decided_before(moment: datetime) -> Q:
    """On :func:`with_decision` rows: the case had a 处理决定 before ``moment``."""
    return Q(decision__at__lt=moment)


def counted_filed_cases(
    within: Jurisdiction,
    start: datetime,
    end: datetime,
    *,
    case_types: Iterable[str] = (),
    solved_within: bool = False,
    user: Any = None,
) -> QuerySet[Case]:
    """The cases of :func:`counted_filings` (``solved_within``: solved before ``end``), in
    the user's scope with ``user`` (the drill-down list behind a clearance figure)."""
    qs = in_scope(Case.objects.all(), user, "case.view") if user is not None else Case.objects.all()
    filings = counted_filings(
        within, start, end, case_types=case_types, solved_within=solved_within
    )
    return qs.filter(pk__in=filings.values("case_id"))


def case_month_groups(start: datetime, end: datetime, zone: Any) -> list[dict[str, Any]]:
    """For the KPI summary (zhian.metrics): per local month of ``zone``, handling unit and
    case type, the cases accepted in ``[start, end)`` that count (``accepted``), and the
    立案 events in it of cases not annulled (``filed``) with those decided before their
    filing month ended (``solved``). Rows of month, jurisdiction_id, case_type and counts."""
    accepted = (
        Case.objects.filter(accepted_at__gte=start, accepted_at__lt=end)
        .exclude(stage__in=[Stage.NOT_FILED, Stage.REVOKED])
        .annotate(month=TruncMonth("accepted_at", tzinfo=zone))
        .order_by()
        .values("month", "jurisdiction_id", "case_type")
        .annotate(accepted=Count("pk"))
    )
    first_decision = (
        CaseEvent.objects.filter(case_id=OuterRef("case_id"), kind=EventKind.DECIDED)
        .order_by("at")
        .values("at")[:1]
    )
    filed = (
        CaseEvent.objects.filter(kind=EventKind.FILED, at__gte=start, at__lt=end)
        .exclude(case__stage=Stage.REVOKED)
        .annotate(
            month=TruncMonth("at", tzinfo=zone),
            decided_month=TruncMonth(Subquery(first_decision), tzinfo=zone),
            jurisdiction_id=F("case__jurisdiction_id"),
            case_type=F("case__case_type"),
        )
        .order_by()
        .values("month", "jurisdiction_id", "case_type")
        .annotate(filed=Count("pk"), solved=Count("pk", filter=Q(decided_month=F("month"))))
    )
    return [dict(r) for r in accepted] + [dict(r) for r in filed]


def case_months_changed_since(since: datetime, before: datetime, zone: Any) -> set[Any]:
    """Local months (first day) that hold a case created or changed at or after ``since``
    (every stage step and its 立案 / 处理决定 event bumps ``updated_at``): its acceptance
    month and its filing month, when before ``before``."""
    changed = Case.objects.filter(updated_at__gte=since)
    months = set(
        changed.filter(accepted_at__lt=before)
        .annotate(month=TruncMonth("accepted_at", tzinfo=zone))
        .order_by()
        .values_list("month", flat=True)
        .distinct()
    ) | set(
        CaseEvent.objects.filter(kind=EventKind.FILED, at__lt=before, case__in=changed)
        .annotate(month=TruncMonth("at", tzinfo=zone))
        .order_by()
        .values_list("month", flat=True)
        .distinct()
    )
    return {timezone.localtime(m, zone).date() for m in months}
