"""Disputes (矛盾纠纷): register, risk, parties (masked; purpose-logged reveal), mediation."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Schema, Status
from ninja.pagination import CursorPagination, paginate

from zhian.core.api_support import acting_user, if_match_version
from zhian.core.idempotency import response_not_stored
from zhian.core.schema_types import Lat, Lon, Name100, Text32, Text200, Text4000
from zhian.grid import selectors
from zhian.grid.api import router
from zhian.grid.api.inputs import Purpose500, Required100, Required200, Required4000, Text18
from zhian.grid.services import disputes as dispute_services

DisputeTypeIn = Literal[
    "neighbour", "family", "labour", "property_management", "land", "economic", "other"
]


class DisputeIn(Schema):
    dispute_type: DisputeTypeIn
    title: Required100
    summary: Required4000
    address: Required200
    lon: Lon
    lat: Lat
    crs: Literal["wgs84", "gcj02"] = "wgs84"
    threat_of_violence: bool = False
    weapon_mentioned: bool = False


class RiskIn(Schema):
    threat_of_violence: bool
    weapon_mentioned: bool
    summary: Required4000 | None = None


class PartyIn(Schema):
    role: Literal["victim", "suspect", "witness", "reporter", "complainant", "other"]
    name: Name100
    id_number: Text18 = ""
    phone: Text32 = ""
    address: Text200 = ""
    legal_basis: Literal[
        "criminal_procedure",
        "public_security_administration",
        "peoples_mediation",
        "statutory_duty",
    ] = "peoples_mediation"


class PartyOut(Schema):
    """Masked: the clear data only through ``POST /grid/parties/{id}/reveal``."""

    id: int
    role: str
    name: str = Field(..., alias="masked_name")
    id_number: str = Field(..., alias="masked_id_number")
    phone: str = Field(..., alias="masked_phone")
    legal_basis: str


class RevealIn(Schema):
    purpose: Purpose500 = Field(..., description="查询事由")


class RevealedOut(Schema):
    name: str
    id_number: str
    phone: str
    address: str


class SessionIn(Schema):
    mediator: Name100
    held_on: date
    outcome: Literal["agreement", "partial", "no_agreement", "adjourned"]
    notes: Text4000 = ""


class SessionOut(Schema):
    id: int
    mediator: str
    held_on: date
    outcome: str
    notes: str


class DisputeOut(Schema):
    id: int
    dispute_type: str
    title: str
    status: str
    risk_level: str
    risk_reasons: list[str]
    jurisdiction: str
    address: str
    lon: float
    lat: float
    source_incident: str | None
    raised_incident: str | None
    mediation_result: str
    created_at: datetime
    version: int

    @staticmethod
    def resolve_jurisdiction(obj: Any) -> str:
        return str(obj.jurisdiction.code)

    @staticmethod
    def resolve_source_incident(obj: Any) -> str | None:
        return obj.source_incident.number if obj.source_incident_id else None

    @staticmethod
    def resolve_raised_incident(obj: Any) -> str | None:
        return obj.raised_incident.number if obj.raised_incident_id else None


class DisputeDetailOut(DisputeOut):
    parties: list[PartyOut]
    sessions: list[SessionOut]

    @staticmethod
    def resolve_parties(obj: Any) -> list[Any]:
        return list(obj.parties.all())

    @staticmethod
    def resolve_sessions(obj: Any) -> list[Any]:
        return list(obj.sessions.all())


@router.get("/grid/disputes", response=list[DisputeOut])
@paginate(CursorPagination, ordering=("-created_at", "-pk"), page_size=50)
def list_disputes(request: HttpRequest, status: str | None = None, risk: str | None = None) -> Any:
    return selectors.disputes_for(acting_user(request), status=status, risk=risk)


@router.get("/grid/disputes/{dispute_id}", response=DisputeDetailOut)
def get_dispute(request: HttpRequest, dispute_id: int) -> Any:
    return selectors.access_dispute(acting_user(request), dispute_id)


@router.post("/grid/disputes", response={201: DisputeDetailOut})
def register_dispute(request: HttpRequest, payload: DisputeIn) -> Status[Any]:
    """登记 a dispute; its risk is assessed by the written criteria at once, and a high
    risk raises one linked police incident."""
    user = acting_user(request)
    dispute = dispute_services.do_register_dispute(
        dispute_services.DisputeInput(**payload.model_dump()), acting_user=user
    )
    return Status(201, selectors.access_dispute(user, dispute.pk))


@router.post("/grid/disputes/{dispute_id}/risk", response=DisputeDetailOut)
def update_dispute_risk(request: HttpRequest, dispute_id: int, payload: RiskIn) -> Any:
    """New facts (``If-Match``): flags and account; the risk is re-assessed."""
    user = acting_user(request)
    dispute = dispute_services.do_update_risk_factors(
        selectors.access_dispute(user, dispute_id),
        acting_user=user,
        expected_version=if_match_version(request),
        **payload.model_dump(),
    )
    return selectors.access_dispute(user, dispute.pk)


@router.post("/grid/disputes/{dispute_id}/parties", response={201: PartyOut})
def add_dispute_party(request: HttpRequest, dispute_id: int, payload: PartyIn) -> Status[Any]:
    user = acting_user(request)
    party = dispute_services.do_add_party(
        selectors.access_dispute(user, dispute_id), acting_user=user, **payload.model_dump()
    )
    return Status(201, party)


@router.post("/grid/parties/{party_id}/reveal", response=RevealedOut)
@response_not_stored
def reveal_dispute_party(request: HttpRequest, party_id: int, payload: RevealIn) -> Any:
    """A party's clear data, after the purpose is written to the audit chain."""
    user = acting_user(request)
    return dispute_services.do_reveal_party(
        selectors.access_party(user, party_id), acting_user=user, purpose=payload.purpose
    )


@router.post("/grid/disputes/{dispute_id}/sessions", response={201: SessionOut})
def record_mediation(request: HttpRequest, dispute_id: int, payload: SessionIn) -> Status[Any]:
    user = acting_user(request)
    session = dispute_services.do_record_session(
        selectors.access_dispute(user, dispute_id), acting_user=user, **payload.model_dump()
    )
    return Status(201, session)
