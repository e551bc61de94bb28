"""Records endpoints: cases, stages, approvals, deadlines, parties, evidence, the board."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import CursorPagination, paginate
from pydantic import AfterValidator

from zhian.core.api_support import acting_user, if_match_version
from zhian.core.idempotency import response_not_stored
from zhian.core.schema_types import (
    Id,
    Instant,
    Name16,
    Name100,
    Text32,
    Text200,
    Text2000,
    Text4000,
    check_name,
    check_text,
)
from zhian.records import selectors
from zhian.records.services import approvals as approval_services
from zhian.records.services import cases as case_services
from zhian.records.services import deadlines as deadline_services
from zhian.records.services import parties as party_services
from zhian.records.services import reviews as review_services

router = Router(tags=["records"])

CaseTypeIn = Literal["administrative", "criminal"]
# The input contract of zhian.core.schema_types at the lengths of records' own columns.
Text40 = Annotated[str, Field(max_length=40), AfterValidator(check_text)]
Text120 = Annotated[str, Field(max_length=120), AfterValidator(check_text)]
Name40 = Annotated[str, Field(min_length=1, max_length=40), AfterValidator(check_name)]
Name120 = Annotated[str, Field(min_length=1, max_length=120), AfterValidator(check_name)]


class CaseIn(Schema):
    case_type: CaseTypeIn
    category: Name16 = Field(..., description="案件类别编码，如 X01")
    title: Text120
    summary: Text4000 = ""
    incidents: list[Id] = Field(default_factory=list, max_length=20, description="关联警情 id")
    jurisdiction: Text32 = Field("", description="主办单位编码（无警情时必填）")
    accepted_at: Instant | None = None


class CaseOut(Schema):
    id: int
    number: str
    case_type: str
    category: str = Field(..., alias="category.code")
    title: str
    summary: str
    legal_basis: str
    decision: str
    transfer_to: str
    outcome_note: str
    jurisdiction: str = Field(..., alias="jurisdiction.code")
    stage: str
    officer_id: int | None
    accepted_at: datetime
    last_progress_at: datetime
    closed_at: datetime | None
    version: int


class CaseListOut(CaseOut):
    next_due: datetime | None = None


class CasePatch(Schema):
    title: Text120 | None = None
    summary: Text4000 | None = None
    legal_basis: Text200 | None = None
    decision: Text2000 | None = None
    transfer_to: Text120 | None = None
    outcome_note: Text2000 | None = None


class MoveIn(Schema):
    stage: Name16
    note: Text2000 = ""


class EventIn(Schema):
    kind: Literal["detained", "arrest_requested", "arrest_decided", "arrested", "released"]
    at: Instant
    note: Text200 = ""


class AssignIn(Schema):
    officer_id: Id


class ReasonIn(Schema):
    reason: Text2000 = ""


class ApprovalOut(Schema):
    id: int
    case_id: int
    target_stage: str
    status: str
    level: int
    submitted_at: datetime
    decided_at: datetime | None
    reason: str


class TimelineOut(Schema):
    at: datetime
    source: str
    kind: str
    label: str
    actor: str
    note: str


class ExtensionOut(Schema):
    label: str
    amount: int
    unit: str
    reason: str
    approved_at: datetime
    approved_by: str = Field(..., alias="approved_by.username")


class DeadlineOut(Schema):
    id: int
    rule: str = Field(..., alias="rule.code")
    rule_name: str = Field(..., alias="rule.name")
    law: str = Field(..., alias="rule.law")
    article: str = Field(..., alias="rule.article")
    started_at: datetime
    due_at: datetime
    status: str
    met_at: datetime | None
    version: int
    extensions: list[ExtensionOut] = Field(..., alias="extension_rows")


class ExtendIn(Schema):
    option: int = Field(..., ge=0, le=20)
    amount: int = Field(..., ge=1, le=1000)
    reason: str = Field(..., max_length=2000)


class PartyIn(Schema):
    role: Name16
    name: Name100
    legal_basis: Name40
    id_number: Text32 = ""
    phone: Text32 = ""
    address: Text200 = ""
    legal_basis_note: Text200 = ""


class PartyOut(Schema):
    """Always masked; clear values only through the audited reveal."""

    id: int
    role: str
    name: str = Field(..., alias="masked_name")
    id_number: str = Field(..., alias="masked_id_number")
    phone: str = Field(..., alias="masked_phone")
    legal_basis: str


class RevealIn(Schema):
    purpose: Text200


class EvidenceIn(Schema):
    kind: Name16
    name: Name120
    holder: Name120
    reason: Text200
    at: Instant | None = None
    description: Text2000 = ""
    quantity: Text40 = ""


class CustodyOut(Schema):
    seq: int
    action: str
    at: datetime
    from_holder: str
    to_holder: str
    reason: str


class EvidenceOut(Schema):
    id: int
    kind: str
    name: str
    holder: str
    status: str
    custody: list[CustodyOut]


class CustodyIn(Schema):
    action: Name16
    to_holder: Name120
    reason: Text200
    at: Instant | None = None


class ReviewIn(Schema):
    items: dict[str, bool] = Field(..., max_length=20)
    note: Text2000 = ""


class ReviewOut(Schema):
    case_id: int
    score: int
    items: dict[str, bool]
    reviewed_at: datetime


class BoardDeadlineOut(Schema):
    deadline_id: int = Field(..., alias="pk")
    case_id: int
    number: str = Field(..., alias="case.number")
    rule: str = Field(..., alias="rule.name")
    due_at: datetime
    officer_id: int | None = Field(None, alias="case.officer_id")


class LoadOut(Schema):
    officer_id: int | None
    username: str | None = Field(None, alias="officer__username")
    open_cases: int


class BoardCaseOut(Schema):
    id: int
    number: str
    title: str
    stage: str
    officer_id: int | None
    last_progress_at: datetime


class BoardOut(Schema):
    overdue: list[BoardDeadlineOut]
    due_soon: list[BoardDeadlineOut]
    stale: list[BoardCaseOut]
    pending: list[ApprovalOut]
    returned: list[ApprovalOut]
    load: list[LoadOut]
    stale_days: int


class RuleOut(Schema):
    id: int
    code: str
    name: str
    case_type: str
    start_event: str
    end_events: list[str]
    amount: int
    unit: str
    moves_on_holiday: bool
    custody: bool
    extensions: list[dict[str, Any]]
    max_extensions: int
    law: str
    article: str
    effective_date: Any
    valid_from: Any
    active: bool


@router.post("/cases", response={201: CaseOut})
def open_case(request: HttpRequest, payload: CaseIn) -> Status[Any]:
    """受案: from incidents (their station hosts the case) or directly (来所报案)."""
    case = case_services.do_open_case(
        acting_user=acting_user(request),
        data=case_services.CaseInput(
            case_type=payload.case_type,
            category_code=payload.category,
            title=payload.title,
            summary=payload.summary,
            incident_ids=tuple(payload.incidents),
            jurisdiction_code=payload.jurisdiction,
            accepted_at=payload.accepted_at,
        ),
    )
    return Status(201, case)


@router.get("/cases", response=list[CaseListOut])
@paginate(CursorPagination, ordering=("-accepted_at", "-id"), page_size=50)
def list_cases(
    request: HttpRequest,
    stage: str = "",
    case_type: str = "",
    category: str = "",
    officer_id: int | None = None,
    mine: bool = False,
    flag: str = "",
    q: str = "",
) -> Any:
    """Filters: stage, case_type, category code, officer_id, mine, flag (overdue /
    due_soon), q (number or title, first 40 characters)."""
    filters = selectors.CaseFilter(stage, case_type, category, officer_id, mine, flag, q[:40])
    return selectors.cases_for(acting_user(request), filters)


@router.get("/cases/{case_id}", response=CaseOut)
def get_case(request: HttpRequest, case_id: int) -> Any:
    return selectors.access_case(acting_user(request), case_id)


@router.patch("/cases/{case_id}", response=CaseOut)
def update_case(request: HttpRequest, case_id: int, payload: CasePatch) -> Any:
    user = acting_user(request)
    return case_services.do_update_case(
        selectors.access_case(user, case_id),
        acting_user=user,
        expected_version=if_match_version(request),
        changes=payload.model_dump(exclude_none=True),
    )


@router.post("/cases/{case_id}/move", response=CaseOut)
def move_case(request: HttpRequest, case_id: int, payload: MoveIn) -> Any:
    """One step of the stage machine; a refused step says why and which steps are allowed."""
    user = acting_user(request)
    return case_services.do_move_case(
        selectors.access_case(user, case_id),
        acting_user=user,
        target=payload.stage,
        expected_version=if_match_version(request),
        note=payload.note,
    )


@router.post("/cases/{case_id}/submit", response={201: ApprovalOut})
def submit_case(request: HttpRequest, case_id: int, payload: MoveIn) -> Status[Any]:
    """提交审批 for a step that needs one (立案)."""
    user = acting_user(request)
    approval = approval_services.do_submit_for_approval(
        selectors.access_case(user, case_id),
        acting_user=user,
        target=payload.stage,
        expected_version=if_match_version(request),
        note=payload.note,
    )
    return Status(201, approval)


@router.post("/cases/{case_id}/events", response={201: list[DeadlineOut]})
def record_event(request: HttpRequest, case_id: int, payload: EventIn) -> Status[Any]:
    """Record a dated fact (刑事拘留 …); returns the case's deadlines after it."""
    user = acting_user(request)
    case = selectors.access_case(user, case_id)
    case_services.do_record_event(
        case, acting_user=user, kind=payload.kind, at=payload.at, note=payload.note
    )
    return Status(201, selectors.case_deadlines(case))


@router.post("/cases/{case_id}/assign", response=CaseOut)
def assign_officer(request: HttpRequest, case_id: int, payload: AssignIn) -> Any:
    user = acting_user(request)
    return case_services.do_assign_officer(
        selectors.access_case(user, case_id),
        acting_user=user,
        officer=selectors.case_worker(payload.officer_id),
        expected_version=if_match_version(request),
    )


@router.get("/cases/{case_id}/timeline", response=list[TimelineOut])
def case_timeline(request: HttpRequest, case_id: int) -> Any:
    """From the incident call to closure: incident and case entries in time order."""
    user = acting_user(request)
    return selectors.case_timeline(user, selectors.access_case(user, case_id))


@router.get("/cases/{case_id}/deadlines", response=list[DeadlineOut])
def case_deadlines(request: HttpRequest, case_id: int) -> Any:
    return selectors.case_deadlines(selectors.access_case(acting_user(request), case_id))


@router.post("/deadlines/{deadline_id}/extend", response=DeadlineOut)
def extend_deadline(request: HttpRequest, deadline_id: int, payload: ExtendIn) -> Any:
    """Approve an extension the rule offers; who and why are recorded."""
    user = acting_user(request)
    return deadline_services.do_extend_deadline(
        selectors.access_deadline(user, deadline_id),
        acting_user=user,
        option=payload.option,
        amount=payload.amount,
        reason=payload.reason,
        expected_version=if_match_version(request),
    )


@router.post("/approvals/{approval_id}/{decision}", response=ApprovalOut)
def decide_approval(
    request: HttpRequest,
    approval_id: int,
    decision: Literal["approve", "return", "escalate"],
    payload: ReasonIn,
) -> Any:
    """批准 / 退回（须写理由） / 提请局领导."""
    user = acting_user(request)
    approval = selectors.access_approval(user, approval_id)
    action = {
        "approve": approval_services.do_approve,
        "return": approval_services.do_return,
        "escalate": approval_services.do_escalate,
    }[decision]
    return action(approval, acting_user=user, reason=payload.reason)


@router.get("/cases/{case_id}/parties", response=list[PartyOut], tags=["personal data"])
def list_parties(request: HttpRequest, case_id: int) -> Any:
    return selectors.case_parties(selectors.access_case(acting_user(request), case_id))


@router.post("/cases/{case_id}/parties", response={201: PartyOut}, tags=["personal data"])
@response_not_stored
def add_party(request: HttpRequest, case_id: int, payload: PartyIn) -> Status[Any]:
    user = acting_user(request)
    party = party_services.do_add_party(
        selectors.access_case(user, case_id), acting_user=user, **payload.model_dump()
    )
    return Status(201, party)


@router.post("/parties/{party_id}/reveal", tags=["personal data"])
@response_not_stored
def reveal_party(request: HttpRequest, party_id: int, payload: RevealIn) -> Any:
    """Clear values for a stated purpose; every call is a new audited read."""
    user = acting_user(request)
    return party_services.do_reveal_party(
        selectors.access_party(user, party_id), acting_user=user, purpose=payload.purpose
    )


@router.get("/cases/{case_id}/evidence", response=list[EvidenceOut])
def list_evidence(request: HttpRequest, case_id: int) -> Any:
    return selectors.case_evidence(selectors.access_case(acting_user(request), case_id))


@router.post("/cases/{case_id}/evidence", response={201: EvidenceOut})
def register_evidence(request: HttpRequest, case_id: int, payload: EvidenceIn) -> Status[Any]:
    user = acting_user(request)
    evidence = party_services.do_register_evidence(
        selectors.access_case(user, case_id), acting_user=user, **payload.model_dump()
    )
    return Status(201, evidence)


@router.post("/evidence/{evidence_id}/custody", response={201: CustodyOut})
def record_custody(request: HttpRequest, evidence_id: int, payload: CustodyIn) -> Status[Any]:
    user = acting_user(request)
    entry = party_services.do_record_custody(
        selectors.access_evidence(user, evidence_id), acting_user=user, **payload.model_dump()
    )
    return Status(201, entry)


@router.post("/cases/{case_id}/review", response={201: ReviewOut})
def review_case(request: HttpRequest, case_id: int, payload: ReviewIn) -> Status[Any]:
    user = acting_user(request)
    review = review_services.do_review_case(
        selectors.access_case(user, case_id),
        acting_user=user,
        items=payload.items,
        note=payload.note,
    )
    return Status(201, review)


@router.get("/records/board", response=BoardOut)
def board(request: HttpRequest) -> Any:
    """盯案: overdue, due within 24 h, stale, pending and returned approvals, officer load."""
    return selectors.board_for(acting_user(request))


@router.get("/records/rules", response=list[RuleOut])
def list_rules(request: HttpRequest) -> Any:
    return selectors.rules_for(acting_user(request))
