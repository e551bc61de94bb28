"""Dispatch endpoints: incidents, units (status, AVL), assignments, recommendations, coverage."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import CursorPagination, paginate

from zhian.core import selectors as core_selectors
from zhian.core.api_support import acting_user, if_match_version
from zhian.core.idempotency import response_not_stored
from zhian.core.schema_types import (
    Id,
    Instant,
    Lat,
    Lon,
    Name16,
    Name32,
    Name64,
    Priority,
    Text32,
    Text64,
    Text200,
    Text500,
    Text2000,
    Text4000,
)
from zhian.dispatch import selectors
from zhian.dispatch.choices import AssignmentStep
from zhian.dispatch.models import Incident
from zhian.dispatch.services import assignments as assignment_services
from zhian.dispatch.services import clocks as clock_services
from zhian.dispatch.services import incidents as incident_services
from zhian.dispatch.services import plans as plan_services
from zhian.dispatch.services import routing as routing_services
from zhian.dispatch.services import units as unit_services

router = Router(tags=["dispatch"])


class IncidentIn(Schema):
    channel: Literal["call_110", "walk_in", "online", "patrol"]
    category: Name16 = Field(..., description="警情类别编码，如 0101")
    address: Text200 = Field(..., min_length=1)
    lon: Lon
    lat: Lat
    crs: Literal["wgs84", "gcj02"] = "wgs84"
    priority: Priority | None = Field(None, description="省略则按类别建议")
    narrative: Text4000 = ""
    caller_name: Text64 = ""
    caller_phone: Text32 = ""
    received_at: Instant | None = Field(
        None, description="接警时间，须带时区；不早于 ZHIAN_EARLIEST_DATE，不晚于当前几分钟"
    )


class AssignmentOut(Schema):
    id: int
    unit_id: int
    call_sign: str
    active: bool
    dispatched_at: datetime
    en_route_at: datetime | None
    on_scene_at: datetime | None
    cleared_at: datetime | None
    cancelled_at: datetime | None
    eta_seconds: float | None

    @staticmethod
    def resolve_call_sign(obj: Any) -> str:
        return str(obj.unit.call_sign)


class IncidentOut(Schema):
    id: int
    number: str
    jurisdiction: str
    channel: str
    category: str
    category_name: str
    priority: int
    status: str
    address: str
    lon: float
    lat: float
    narrative: str
    received_at: datetime
    closed_at: datetime | None
    disposition: str
    version: int

    @staticmethod
    def resolve_jurisdiction(obj: Any) -> str:
        return str(obj.jurisdiction.code)

    @staticmethod
    def resolve_category(obj: Any) -> str:
        return str(obj.category.code)

    @staticmethod
    def resolve_category_name(obj: Any) -> str:
        return str(obj.category.name)


class DuplicateOut(Schema):
    id: int
    number: str
    distance_m: float
    received_at: datetime


class IncidentCreated(IncidentOut):
    probable_duplicates: list[DuplicateOut]


class IncidentPatch(Schema):
    category_code: Name16 | None = None
    priority: Priority | None = None
    address: Text200 | None = Field(None, min_length=1)
    narrative: Text4000 | None = None


class CloseIn(Schema):
    disposition: Name16
    note: Text2000 = ""


class MergeIn(Schema):
    into: Id = Field(..., description="保留的警情 id")


class DispatchIn(Schema):
    unit_ids: list[Id] = Field(..., min_length=1, max_length=20)


class StepIn(Schema):
    step: AssignmentStep


class ReassignIn(Schema):
    unit_id: Id


class RevealIn(Schema):
    purpose: Text500 = Field(..., min_length=2, description="查询事由")


class TimelineOut(Schema):
    at: datetime
    kind: str
    unit: str | None
    actor: str | None
    note: str

    @staticmethod
    def resolve_unit(obj: Any) -> str | None:
        return obj.unit.call_sign if obj.unit else None

    @staticmethod
    def resolve_actor(obj: Any) -> str | None:
        return str(obj.actor) if obj.actor else None


class SuggestionOut(Schema):
    unit_id: int
    call_sign: str
    station: str
    eta_s: float
    distance_m: float
    method: str


class SuggestionsOut(Schema):
    method: str
    note: str
    units: list[SuggestionOut]


class UnitIn(Schema):
    call_sign: Name32
    station: Name64 = Field(..., description="派出所编码")
    kind: Literal["patrol_car", "motorcycle", "foot", "traffic", "special"]
    capabilities: list[Name32] = Field([], max_length=20)
    lon: Lon | None = None
    lat: Lat | None = None


class UnitOut(Schema):
    id: int
    call_sign: str
    station: str
    kind: str
    capabilities: list[str]
    status: str
    lon: float | None
    lat: float | None
    position_at: datetime | None
    version: int

    @staticmethod
    def resolve_station(obj: Any) -> str:
        return str(obj.station.code)


class AvailabilityIn(Schema):
    status: Literal["available", "unavailable"]


class PositionIn(Schema):
    lon: Lon
    lat: Lat
    at: Instant


class PositionsIn(Schema):
    positions: list[PositionIn] = Field(..., min_length=1, max_length=1000)


@dataclass
class _Created:
    """An incident plus the duplicates found at intake, read as one :class:`IncidentCreated`."""

    incident: Incident
    probable_duplicates: list[dict[str, Any]]

    def __getattr__(self, name: str) -> Any:
        if name == "incident":  # not set yet (copying, unpickling): no recursion
            raise AttributeError(name)
        return getattr(self.incident, name)


def _duplicate_out(incident: Any, distance_m: float) -> dict[str, Any]:
    return {
        "id": incident.pk,
        "number": incident.number,
        "distance_m": round(distance_m, 1),
        "received_at": incident.received_at,
    }


@router.post("/incidents", response={201: IncidentCreated})
def create_incident(request: HttpRequest, payload: IncidentIn) -> Status[Any]:
    """Record an incident (接警). With ``Idempotency-Key`` (as on every POST) a retried
    request returns the first response instead of creating a second incident."""
    user = acting_user(request)
    intake = incident_services.do_create_incident(
        incident_services.IncidentInput(
            channel=payload.channel,
            category_code=payload.category,
            address=payload.address,
            lon=payload.lon,
            lat=payload.lat,
            crs=payload.crs,
            priority=payload.priority,
            narrative=payload.narrative,
            caller_name=payload.caller_name,
            caller_phone=payload.caller_phone,
            received_at=payload.received_at,
        ),
        acting_user=user,
    )
    duplicates = [_duplicate_out(d, m) for d, m in intake.probable_duplicates]
    return Status(201, _Created(intake.incident, duplicates))


@router.get("/incidents", response=list[IncidentOut])
@paginate(CursorPagination, ordering=("-received_at",), page_size=50)
def list_incidents(
    request: HttpRequest, status: str | None = None, active: bool | None = None
) -> Any:
    return selectors.incidents_for(acting_user(request), status=status, active=active)


@router.get("/incidents/{incident_id}", response=IncidentOut)
def get_incident(request: HttpRequest, incident_id: int) -> Any:
    return selectors.access_incident(acting_user(request), incident_id)


@router.patch("/incidents/{incident_id}", response=IncidentOut)
def update_incident(request: HttpRequest, incident_id: int, payload: IncidentPatch) -> Any:
    user = acting_user(request)
    incident = selectors.access_incident(user, incident_id)
    return incident_services.do_update_incident(
        incident,
        acting_user=user,
        expected_version=if_match_version(request),
        **payload.model_dump(exclude_unset=True, exclude_none=True),
    )


@router.post("/incidents/{incident_id}/close", response=IncidentOut)
def close_incident(request: HttpRequest, incident_id: int, payload: CloseIn) -> Any:
    user = acting_user(request)
    incident = selectors.access_incident(user, incident_id)
    return incident_services.do_close_incident(
        incident,
        acting_user=user,
        disposition=payload.disposition,
        note=payload.note,
        expected_version=if_match_version(request),
    )


@router.post("/incidents/{incident_id}/merge", response=IncidentOut)
def merge_incident(request: HttpRequest, incident_id: int, payload: MergeIn) -> Any:
    """Fold this incident (a duplicate) into ``into``; its calls move over."""
    user = acting_user(request)
    duplicate = selectors.access_incident(user, incident_id)
    into = selectors.access_incident(user, payload.into)
    return incident_services.do_merge_incident(duplicate, into=into, acting_user=user)


@router.get("/incidents/{incident_id}/duplicates", response=list[DuplicateOut])
def incident_duplicates(request: HttpRequest, incident_id: int) -> Any:
    user = acting_user(request)
    incident = selectors.access_incident(user, incident_id)
    found = incident_services.find_probable_duplicates(incident, acting_user=user)
    return [_duplicate_out(d, m) for d, m in found]


@router.get("/incidents/{incident_id}/timeline", response=list[TimelineOut])
def incident_timeline(request: HttpRequest, incident_id: int) -> Any:
    incident = selectors.access_incident(acting_user(request), incident_id)
    return incident.timeline.select_related("unit", "actor")


class ResponseClockOut(Schema):
    received_at: datetime
    to_dispatch_s: float | None
    to_en_route_s: float | None
    to_on_scene_s: float | None
    arrival_band_min: int | None = Field(
        None, description="1, 3 or 5: arrival within that many minutes; 0: later; null: none yet"
    )


@router.get("/incidents/{incident_id}/response-clock", response=ResponseClockOut)
def incident_response_clock(request: HttpRequest, incident_id: int) -> Any:
    """Seconds from the call to the first unit sent, moving and on scene (响应时间)."""
    incident = selectors.access_incident(acting_user(request), incident_id)
    clock = clock_services.response_clock(incident)
    return {**asdict(clock), "arrival_band_min": clock.arrival_band}


@router.get("/incidents/{incident_id}/assignments", response=list[AssignmentOut])
def incident_assignments(request: HttpRequest, incident_id: int) -> Any:
    incident = selectors.access_incident(acting_user(request), incident_id)
    return incident.assignments.select_related("unit")


@router.get("/incidents/{incident_id}/recommendations", response=SuggestionsOut)
def incident_recommendations(request: HttpRequest, incident_id: int, k: int = 5) -> Any:
    """Available units ranked by estimated arrival time; ``method`` and ``note`` say
    whether road travel times or the straight-line fallback were used."""
    user = acting_user(request)
    incident = selectors.access_incident(user, incident_id)
    result = routing_services.recommend_for_incident(
        incident, acting_user=user, k=max(1, min(k, 20))
    )
    return {
        "method": result.method,
        "note": result.note,
        "units": [
            {
                "unit_id": s.unit.pk,
                "call_sign": s.unit.call_sign,
                "station": s.unit.station.code,
                "eta_s": round(s.eta_s, 1),
                "distance_m": round(s.distance_m, 1),
                "method": s.method,
            }
            for s in result.units
        ],
    }


@router.post("/incidents/{incident_id}/dispatch", response={201: list[AssignmentOut]})
def dispatch_units(request: HttpRequest, incident_id: int, payload: DispatchIn) -> Status[Any]:
    """Send units (派警)."""
    user = acting_user(request)
    incident = selectors.access_incident(user, incident_id)
    created = assignment_services.do_dispatch_units(incident, payload.unit_ids, acting_user=user)
    return Status(201, created)


class FeedbackIn(Schema):
    note: str = Field(..., min_length=1, max_length=500)


@router.post("/incidents/{incident_id}/feedback", response={201: list[TimelineOut]})
def add_feedback(request: HttpRequest, incident_id: int, payload: FeedbackIn) -> Status[Any]:
    """Record a 反馈 on the timeline (officers' report back, or what the caller was told)."""
    user = acting_user(request)
    incident = selectors.access_incident(user, incident_id)
    incident_services.do_add_feedback(incident, acting_user=user, note=payload.note)
    return Status(201, list(incident.timeline.select_related("unit", "actor")))


@router.post("/incidents/{incident_id}/reveal-callers", tags=["personal data"])
@response_not_stored
def reveal_callers(request: HttpRequest, incident_id: int, payload: RevealIn) -> Any:
    """Caller names and phones; the read is audited with the purpose given. Every call is
    a new audited read: ``Idempotency-Key`` is ignored and the response never stored."""
    user = acting_user(request)
    incident = selectors.access_incident(user, incident_id)
    return incident_services.reveal_callers(incident, acting_user=user, purpose=payload.purpose)


@router.get("/incidents/{incident_id}/plans")
def incident_plans(request: HttpRequest, incident_id: int) -> Any:
    incident = selectors.access_incident(acting_user(request), incident_id)
    return plan_services.checklist(incident)


@router.post("/incidents/{incident_id}/plans/{plan_id}/steps/{step}", response={201: dict})
def complete_plan_step(
    request: HttpRequest, incident_id: int, plan_id: int, step: int
) -> Status[Any]:
    user = acting_user(request)
    incident = selectors.access_incident(user, incident_id)
    done = plan_services.do_complete_plan_step(incident, plan_id, step, acting_user=user)
    return Status(201, {"plan_id": plan_id, "step": step, "done_at": done.done_at.isoformat()})


@router.post("/assignments/{assignment_id}/steps", response=AssignmentOut)
def advance_assignment(request: HttpRequest, assignment_id: int, payload: StepIn) -> Any:
    """A unit's acknowledgement: 出发 en_route, 到达 on_scene, 押送 transporting,
    处置完毕 cleared."""
    user = acting_user(request)
    assignment = selectors.access_assignment(user, assignment_id)
    return assignment_services.do_advance_assignment(assignment, payload.step, acting_user=user)


@router.post("/assignments/{assignment_id}/cancel", response=AssignmentOut)
def cancel_assignment(request: HttpRequest, assignment_id: int) -> Any:
    user = acting_user(request)
    assignment = selectors.access_assignment(user, assignment_id)
    return assignment_services.do_cancel_assignment(assignment, acting_user=user)


@router.post("/assignments/{assignment_id}/reassign", response=AssignmentOut)
def reassign(request: HttpRequest, assignment_id: int, payload: ReassignIn) -> Any:
    user = acting_user(request)
    assignment = selectors.access_assignment(user, assignment_id)
    return assignment_services.do_reassign(assignment, payload.unit_id, acting_user=user)


@router.get("/units", response=list[UnitOut])
@paginate(CursorPagination, ordering=("call_sign",), page_size=100)
def list_units(request: HttpRequest, status: str | None = None) -> Any:
    return selectors.units_for(acting_user(request), status=status)


@router.post("/units", response={201: UnitOut})
def register_unit(request: HttpRequest, payload: UnitIn) -> Status[Any]:
    user = acting_user(request)
    station = core_selectors.access_jurisdiction(user, payload.station)
    unit = unit_services.do_register_unit(
        acting_user=user,
        call_sign=payload.call_sign,
        station=station,
        kind=payload.kind,
        capabilities=payload.capabilities,
        lon=payload.lon,
        lat=payload.lat,
    )
    return Status(201, unit)


@router.get("/units/{unit_id}", response=UnitOut)
def get_unit(request: HttpRequest, unit_id: int) -> Any:
    return selectors.access_unit(acting_user(request), unit_id)


@router.put("/units/{unit_id}/availability", response=UnitOut)
def set_availability(request: HttpRequest, unit_id: int, payload: AvailabilityIn) -> Any:
    """空闲 ⇄ 不可用. Other states change through assignments; illegal changes get 409."""
    user = acting_user(request)
    unit = selectors.access_unit(user, unit_id)
    return unit_services.do_set_unit_availability(
        unit, acting_user=user, status=payload.status, expected_version=if_match_version(request)
    )


@router.post("/units/{unit_id}/positions", response={201: dict})
def record_positions(request: HttpRequest, unit_id: int, payload: PositionsIn) -> Status[Any]:
    """AVL feed (车载定位): one or more fixes; the newest becomes the unit's position."""
    user = acting_user(request)
    unit = selectors.access_unit(user, unit_id)
    fixes = [unit_services.PositionFix(p.lon, p.lat, p.at) for p in payload.positions]
    return Status(201, {"stored": unit_services.do_record_positions(unit, fixes, acting_user=user)})


class PositionOut(Schema):
    at: datetime
    lon: float
    lat: float


@router.get("/units/{unit_id}/positions", response=list[PositionOut])
@paginate(CursorPagination, ordering=("-at",), page_size=200)
def unit_positions(request: HttpRequest, unit_id: int) -> Any:
    unit = selectors.access_unit(acting_user(request), unit_id)
    return unit.positions.values("at", "lon", "lat")


@router.get("/coverage")
def coverage(request: HttpRequest, jurisdiction: str) -> Any:
    """1-3-5 minute coverage of the road network and last year's incidents, with staging
    points for idle units."""
    user = acting_user(request)
    node = core_selectors.access_jurisdiction(user, jurisdiction)
    return routing_services.coverage_for(node, acting_user=user)
