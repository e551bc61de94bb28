"""Read queries of 便民服务. Staff lists are scoped to the acting user; the portal's one
read (:func:`public_view`) loads public fields and the public timeline only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from zhian.core.errors import NotFound
from zhian.core.models import Jurisdiction, JurisdictionKind
from zhian.core.scoping import scoped
from zhian.services.choices import (
    OPEN_COMPLAINT,
    OPEN_REPORT,
    AppointmentStatus,
    ConsultationStatus,
    ReportCategory,
    TrackedKind,
)
from zhian.services.models import (
    Appointment,
    BookableService,
    Complaint,
    Consultation,
    FaqEntry,
    OnlineReport,
    Slot,
    SurveyResponse,
)
from zhian.services.operations.tracking import PublicEntry, find_tracking, public_timeline


@dataclass(frozen=True)
class PublicView:
    """What the portal shows for a tracking code."""

    code: str
    kind: str
    kind_label: str
    status: str
    status_label: str
    created_at: datetime
    facts: list[tuple[str, str]]
    timeline: list[PublicEntry]
    appointment: Appointment | None = None


def public_view(code: str, last4: str) -> PublicView:
    """The citizen's view: status, a few facts they gave, and the public timeline. Staff
    names, handlers and internal notes are not loaded at all."""
    tracking = find_tracking(code, last4)
    facts: list[tuple[Any, str]] = []
    appointment = None
    if tracking.kind == TrackedKind.REPORT:
        report = OnlineReport.objects.only("category", "status", "address").get(tracking=tracking)
        status, label = report.status, report.get_status_display()
        facts = [
            (_("类别"), str(ReportCategory(report.category).label)),
            (_("地点"), report.address),
        ]
    elif tracking.kind == TrackedKind.APPOINTMENT:
        appointment = Appointment.objects.select_related("slot__service", "slot__station").get(
            tracking=tracking
        )
        slot = appointment.slot
        status, label = appointment.status, appointment.get_status_display()
        start = timezone.localtime(slot.starts_at)
        facts = [
            (_("服务"), slot.service.name),
            (_("地点"), slot.station.name),
            (_("时间"), f"{start:%Y-%m-%d %H:%M}–{timezone.localtime(slot.ends_at):%H:%M}"),
        ]
    elif tracking.kind == TrackedKind.CONSULTATION:
        consultation = Consultation.objects.only("topic", "status").get(tracking=tracking)
        status, label = consultation.status, consultation.get_status_display()
        facts = [(_("主题"), consultation.topic)]
    else:
        complaint = (
            Complaint.objects.select_related("unit")
            .only("status", "unit__name")
            .get(tracking=tracking)
        )
        status, label = complaint.status, complaint.get_status_display()
        facts = [(_("被投诉单位"), complaint.unit.name)]
    return PublicView(
        code=tracking.code,
        kind=tracking.kind,
        kind_label=str(TrackedKind(tracking.kind).label),
        status=status,
        status_label=str(label),
        created_at=tracking.created_at,
        facts=[(str(k), v) for k, v in facts if v],
        timeline=public_timeline(tracking),
        appointment=appointment if status == AppointmentStatus.BOOKED else None,
    )


# ---- public lists ----------------------------------------------------------------------


def active_services() -> QuerySet[BookableService]:
    return BookableService.objects.filter(active=True).prefetch_related("stations")


def access_public_service(code: str) -> BookableService:
    service = active_services().filter(code=code).first()
    if service is None:
        raise NotFound(_("未找到该预约服务"))
    return service


def open_days(service: BookableService, station: Jurisdiction, *, limit: int = 14) -> list[date]:
    """The next days with future slots of the service at the station."""
    days = (
        Slot.objects.filter(service=service, station=station, starts_at__gt=timezone.now())
        .order_by("day")
        .values_list("day", flat=True)
        .distinct()
    )
    return list(days[:limit])


def faq_entries(topic: str = "") -> QuerySet[FaqEntry]:
    qs = FaqEntry.objects.all()
    return qs.filter(topic__icontains=topic) if topic else qs


def complaint_units() -> list[tuple[str, str]]:  # (code, label)
    """Stations and sectors a complaint can name."""
    rows = (
        Jurisdiction.objects.filter(kind__in=[JurisdictionKind.STATION, JurisdictionKind.SECTOR])
        .defer("boundary")
        .order_by("path")
    )
    return [(j.code, j.name if j.kind == JurisdictionKind.STATION else f"— {j.name}") for j in rows]


# ---- staff queues ----------------------------------------------------------------------


def reports_for(user: Any, *, open_only: bool = True) -> QuerySet[OnlineReport]:
    qs = scoped(OnlineReport.objects.all(), user, "report.view")
    if open_only:
        qs = qs.filter(status__in=OPEN_REPORT)
    return qs.select_related("tracking", "jurisdiction").order_by("due_at")


def access_report(user: Any, report_id: int) -> OnlineReport:
    report = reports_for(user, open_only=False).filter(pk=report_id).first()
    if report is None:
        raise NotFound(_("未找到该报警"))
    return report


def appointments_for(user: Any, *, day: date | None = None) -> QuerySet[Appointment]:
    qs = scoped(Appointment.objects.all(), user, "appointment.view", field="station")
    if day is not None:
        qs = qs.filter(slot__day=day)
    return qs.select_related("tracking", "slot__service", "station").order_by("slot__starts_at")


def access_appointment(user: Any, appointment_id: int) -> Appointment:
    found = appointments_for(user).filter(pk=appointment_id).first()
    if found is None:
        raise NotFound(_("未找到该预约"))
    return found


def consultations_for(user: Any, *, open_only: bool = True) -> QuerySet[Consultation]:
    qs = scoped(Consultation.objects.all(), user, "consultation.view")
    if open_only:
        qs = qs.filter(status=ConsultationStatus.OPEN)
    return qs.select_related("tracking", "jurisdiction").order_by("due_at")


def access_consultation(user: Any, consultation_id: int) -> Consultation:
    found = consultations_for(user, open_only=False).filter(pk=consultation_id).first()
    if found is None:
        raise NotFound(_("未找到该咨询"))
    return found


def complaints_for(user: Any, *, open_only: bool = True) -> QuerySet[Complaint]:
    """Complaints in scope, without the complainant (their name is deferred: only the
    handler's reveal reads it)."""
    qs = scoped(Complaint.objects.all(), user, "complaint.view", field="unit")
    if open_only:
        qs = qs.filter(status__in=OPEN_COMPLAINT)
    return (
        qs.select_related("tracking", "unit", "handler")
        .defer("complainant_name", "tracking__phone")
        .order_by("due_at")
    )


def access_complaint(user: Any, complaint_id: int) -> Complaint:
    found = complaints_for(user, open_only=False).filter(pk=complaint_id).first()
    if found is None:
        raise NotFound(_("未找到该投诉"))
    return found


def internal_notes(tracking_id: int) -> list[Any]:
    from zhian.services.models import InternalNote

    return list(InternalNote.objects.filter(tracking_id=tracking_id).select_related("author"))


# ---- KPI read side (zhian.metrics imports these; services never imports metrics) ------


def _below(within: Jurisdiction) -> QuerySet[Any]:
    return Jurisdiction.objects.filter(path__startswith=within.path).values("pk")


def counted_complaints(
    within: Jurisdiction,
    start: datetime,
    end: datetime,
    *,
    findings: list[str] | tuple[str, ...] = (),
    user: Any = None,
) -> QuerySet[Complaint]:
    """Complaints about policing concluded (``concluded_at``) in ``[start, end)`` whose
    complained-about unit is ``within`` or below it, with one of ``findings`` when given
    (有效投诉: upheld and partly upheld). With ``user``: the complaints the user may see
    (the complainant deferred)."""
    qs = complaints_for(user, open_only=False) if user is not None else Complaint.objects.all()
    qs = qs.filter(concluded_at__gte=start, concluded_at__lt=end, unit_id__in=_below(within))
    if findings:
        qs = qs.filter(finding__in=list(findings))
    return qs


def counted_survey_responses(
    within: Jurisdiction,
    start: datetime,
    end: datetime,
    *,
    ratings: list[str] | tuple[str, ...] = (),
    user: Any = None,
) -> QuerySet[SurveyResponse]:
    """回访 answers given (``answered_at``) in ``[start, end)`` about a station in
    ``within`` or below, with one of ``ratings`` when given. With ``user``: in scope."""
    qs = SurveyResponse.objects.all()
    if user is not None:
        qs = scoped(qs, user, "survey.view", field="station")
    qs = qs.filter(answered_at__gte=start, answered_at__lt=end, station_id__in=_below(within))
    if ratings:
        qs = qs.filter(rating__in=list(ratings))
    return qs
