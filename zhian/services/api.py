"""Staff endpoints of 便民服务 under ``/api/v1/services/``: the four queues and their
actions. Citizens use the portal and Open311, never this API. Contact data is not in any
response (reveals are page actions with an audited purpose)."""

from datetime import date, datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import CursorPagination, paginate
from pydantic import AfterValidator

from zhian.core.api_support import acting_user, if_match_version
from zhian.core.errors import ValidationFailed
from zhian.core.idempotency import response_not_stored
from zhian.core.models import User
from zhian.core.schema_types import (
    Day,
    Id,
    Instant,
    Lat,
    Lon,
    Name32,
    Text32,
    Text100,
    Text4000,
    check_name,
    check_text,
)
from zhian.core.selectors import access_jurisdiction
from zhian.services import selectors
from zhian.services.operations import appointments as appointment_ops
from zhian.services.operations import complaints as complaint_ops
from zhian.services.operations import consultations as consultation_ops
from zhian.services.operations import reports as report_ops
from zhian.services.operations.surveys import satisfaction_by_station

router = Router(tags=["services"])


class _Tracked(Schema):
    """Rows of a citizen's request: ``code`` is its tracking code, ``jurisdiction`` (where a
    schema has one) the code of the station or area that handles it."""

    @staticmethod
    def resolve_code(obj: Any) -> str:
        return str(obj.tracking.code)

    @staticmethod
    def resolve_jurisdiction(obj: Any) -> str:
        return str(obj.jurisdiction.code)


class ReportOut(_Tracked):
    id: int
    code: str
    category: str
    description: str
    address: str
    lon: float | None
    lat: float | None
    jurisdiction: str
    channel: str
    route: str
    status: str
    status_notes: str
    incident_id: int | None
    grid_report_id: int | None
    due_at: datetime
    created_at: datetime
    version: int

    @staticmethod
    def resolve_channel(obj: Any) -> str:
        return str(obj.tracking.channel)


class AppointmentOut(_Tracked):
    id: int
    code: str
    service: str
    station: str
    starts_at: datetime
    ends_at: datetime
    status: str
    version: int

    @staticmethod
    def resolve_service(obj: Any) -> str:
        return str(obj.slot.service.code)

    @staticmethod
    def resolve_station(obj: Any) -> str:
        return str(obj.station.code)

    @staticmethod
    def resolve_starts_at(obj: Any) -> datetime:
        return obj.slot.starts_at

    @staticmethod
    def resolve_ends_at(obj: Any) -> datetime:
        return obj.slot.ends_at


class ConsultationOut(_Tracked):
    id: int
    code: str
    jurisdiction: str
    topic: str
    question: str
    status: str
    answer: str
    due_at: datetime
    created_at: datetime
    version: int


class ComplaintOut(_Tracked):
    """Without the complainant: only the handler's page reveal shows them."""

    id: int
    code: str
    unit: str
    officer_reference: str
    description: str
    status: str
    handler_id: int | None
    finding: str
    finding_reasons: str
    due_at: datetime
    created_at: datetime
    version: int

    @staticmethod
    def resolve_unit(obj: Any) -> str:
        return str(obj.unit.code)


# The input contract of zhian.core.schema_types at the lengths of this app's forms.
PublicNote = Annotated[str, Field(min_length=2, max_length=1000), AfterValidator(check_text)]
Answer = Annotated[str, Field(min_length=2, max_length=4000), AfterValidator(check_text)]
Statement = Annotated[str, Field(min_length=10, max_length=4000), AfterValidator(check_text)]
OptionalCode16 = Annotated[str, Field(max_length=16), AfterValidator(check_name)]
OptionalCode24 = Annotated[str, Field(max_length=24), AfterValidator(check_name)]
OptionalName64 = Annotated[str, Field(max_length=64), AfterValidator(check_name)]


class NoteIn(Schema):
    public_note: PublicNote = Field(..., description="给群众的说明（公开）")


class ForwardIn(Schema):
    incident_category_code: OptionalCode16 = ""
    lon: Lon | None = None
    lat: Lat | None = None


class GridIn(Schema):
    # One of the grid's report types (validated there); "" = the category's default.
    report_type: OptionalCode24 = ""


class VisitIn(Schema):
    outcome: Literal["done", "no_show"]


class AnswerIn(Schema):
    answer: Answer
    publish: bool = False
    faq_question: Text4000 = ""


class ComplaintIn(Schema):
    """A complaint received in person or by phone, entered by staff."""

    unit: Name32 = Field(..., description="被投诉单位编码（派出所或警务区）")
    description: Statement
    phone: Text32
    officer_reference: Text100 = ""
    complainant_name: OptionalName64 = ""
    occurred_at: Instant | None = None


class AssignIn(Schema):
    handler_id: Id


class ConcludeIn(Schema):
    finding: Literal["upheld", "partly_upheld", "not_upheld"]
    reasons: Statement


class ReplyIn(Schema):
    reply: Statement


class StationFigureOut(Schema):
    station: str
    satisfied: int
    fairly_satisfied: int
    dissatisfied: int
    rate: float | None


class UnitFigureOut(Schema):
    unit: str
    upheld: int
    partly_upheld: int
    not_upheld: int
    effective: int


class FiguresOut(Schema):
    start: date
    end: date
    satisfaction: list[StationFigureOut]
    complaints: list[UnitFigureOut]


# ---- reports -----------------------------------------------------------------------------


@router.get("/services/reports", response=list[ReportOut])
@paginate(CursorPagination, ordering=("due_at",), page_size=50)
def list_reports(request: HttpRequest, open_only: bool = True) -> Any:
    return selectors.reports_for(acting_user(request), open_only=open_only)


@router.get("/services/reports/{report_id}", response=ReportOut)
def get_report(request: HttpRequest, report_id: int) -> Any:
    return selectors.access_report(acting_user(request), report_id)


@router.post("/services/reports/{report_id}/accept", response=ReportOut)
def accept_report(request: HttpRequest, report_id: int) -> Any:
    user = acting_user(request)
    report = selectors.access_report(user, report_id)
    return report_ops.do_accept_report(
        report, acting_user=user, expected_version=if_match_version(request)
    )


@router.post("/services/reports/{report_id}/forward", response=ReportOut)
def forward_report(request: HttpRequest, report_id: int, payload: ForwardIn) -> Any:
    user = acting_user(request)
    report = selectors.access_report(user, report_id)
    return report_ops.do_forward_report(
        report,
        acting_user=user,
        expected_version=if_match_version(request),
        incident_category_code=payload.incident_category_code,
        lon=payload.lon,
        lat=payload.lat,
    )


@router.post("/services/reports/{report_id}/grid", response=ReportOut)
def hand_report_to_grid(request: HttpRequest, report_id: int, payload: GridIn) -> Any:
    """转网格: the report becomes a grid report (the type defaults from its category)."""
    user = acting_user(request)
    report = selectors.access_report(user, report_id)
    return report_ops.do_hand_to_grid(
        report,
        acting_user=user,
        expected_version=if_match_version(request),
        report_type=payload.report_type,
    )


@router.post("/services/reports/{report_id}/finish", response=ReportOut)
def finish_report(request: HttpRequest, report_id: int, payload: NoteIn) -> Any:
    user = acting_user(request)
    report = selectors.access_report(user, report_id)
    return report_ops.do_finish_report(
        report,
        acting_user=user,
        expected_version=if_match_version(request),
        public_note=payload.public_note,
    )


@router.post("/services/reports/{report_id}/reject", response=ReportOut)
def reject_report(request: HttpRequest, report_id: int, payload: NoteIn) -> Any:
    user = acting_user(request)
    report = selectors.access_report(user, report_id)
    return report_ops.do_reject_report(
        report,
        acting_user=user,
        expected_version=if_match_version(request),
        public_note=payload.public_note,
    )


# ---- appointments ------------------------------------------------------------------------


@router.get("/services/appointments", response=list[AppointmentOut])
@paginate(CursorPagination, ordering=("slot__starts_at", "pk"), page_size=50)
def list_appointments(request: HttpRequest, day: Day | None = None) -> Any:
    return selectors.appointments_for(acting_user(request), day=day or timezone.localdate())


@router.post("/services/appointments/{appointment_id}/visit", response=AppointmentOut)
def record_visit(request: HttpRequest, appointment_id: int, payload: VisitIn) -> Any:
    user = acting_user(request)
    appointment = selectors.access_appointment(user, appointment_id)
    return appointment_ops.do_record_visit(
        appointment,
        acting_user=user,
        outcome=payload.outcome,
        expected_version=if_match_version(request),
    )


# ---- consultations -----------------------------------------------------------------------


@router.get("/services/consultations", response=list[ConsultationOut])
@paginate(CursorPagination, ordering=("due_at",), page_size=50)
def list_consultations(request: HttpRequest, open_only: bool = True) -> Any:
    return selectors.consultations_for(acting_user(request), open_only=open_only)


@router.post("/services/consultations/{consultation_id}/answer", response=ConsultationOut)
def answer_consultation(request: HttpRequest, consultation_id: int, payload: AnswerIn) -> Any:
    user = acting_user(request)
    consultation = selectors.access_consultation(user, consultation_id)
    return consultation_ops.do_answer_consultation(
        consultation,
        acting_user=user,
        expected_version=if_match_version(request),
        answer=payload.answer,
        publish=payload.publish,
        faq_question=payload.faq_question,
    )


# ---- complaints --------------------------------------------------------------------------


@router.get("/services/complaints", response=list[ComplaintOut])
@paginate(CursorPagination, ordering=("due_at",), page_size=50)
def list_complaints(request: HttpRequest, open_only: bool = True) -> Any:
    return selectors.complaints_for(acting_user(request), open_only=open_only)


@router.post("/services/complaints", response={201: ComplaintOut})
@response_not_stored
def receive_complaint(request: HttpRequest, payload: ComplaintIn) -> Any:
    user = acting_user(request)
    unit = access_jurisdiction(user, payload.unit)
    complaint = complaint_ops.do_receive_complaint(
        complaint_ops.ComplaintInput(
            unit=unit,
            description=payload.description,
            phone=payload.phone,
            officer_reference=payload.officer_reference,
            complainant_name=payload.complainant_name,
            occurred_at=payload.occurred_at,
        ),
        acting_user=user,
    )
    return Status(201, complaint)


@router.post("/services/complaints/{complaint_id}/assign", response=ComplaintOut)
def assign_complaint(request: HttpRequest, complaint_id: int, payload: AssignIn) -> Any:
    user = acting_user(request)
    complaint = selectors.access_complaint(user, complaint_id)
    handler = User.objects.filter(pk=payload.handler_id, is_active=True).first()
    if handler is None:
        raise ValidationFailed(_("未找到该人员"), code="handler_not_found")
    return complaint_ops.do_assign_complaint(
        complaint, acting_user=user, handler=handler, expected_version=if_match_version(request)
    )


@router.post("/services/complaints/{complaint_id}/conclude", response=ComplaintOut)
def conclude_complaint(request: HttpRequest, complaint_id: int, payload: ConcludeIn) -> Any:
    user = acting_user(request)
    complaint = selectors.access_complaint(user, complaint_id)
    return complaint_ops.do_conclude_complaint(
        complaint,
        acting_user=user,
        finding=payload.finding,
        reasons=payload.reasons,
        expected_version=if_match_version(request),
    )


@router.post("/services/complaints/{complaint_id}/reply", response=ComplaintOut)
def reply_complaint(request: HttpRequest, complaint_id: int, payload: ReplyIn) -> Any:
    user = acting_user(request)
    complaint = selectors.access_complaint(user, complaint_id)
    return complaint_ops.do_reply_complaint(
        complaint, acting_user=user, reply=payload.reply, expected_version=if_match_version(request)
    )


@router.get("/services/figures", response=FiguresOut)
def figures(request: HttpRequest, start: date, end: date) -> Any:
    """满意度 per station and findings per complained-about unit, answered/concluded in
    [start, end] (local days)."""
    user = acting_user(request)
    return {
        "start": start,
        "end": end,
        "satisfaction": [
            {
                "station": r.station.code,
                "satisfied": r.satisfied,
                "fairly_satisfied": r.fairly_satisfied,
                "dissatisfied": r.dissatisfied,
                "rate": r.rate,
            }
            for r in satisfaction_by_station(user, start, end)
        ],
        "complaints": [
            {
                "unit": r.unit.code,
                "upheld": r.upheld,
                "partly_upheld": r.partly_upheld,
                "not_upheld": r.not_upheld,
                "effective": r.effective,
            }
            for r in complaint_ops.findings_by_unit(user, start, end)
        ],
    }
