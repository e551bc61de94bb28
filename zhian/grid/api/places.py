"""Places (重点场所), inspections, hazards and tasks."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Schema, Status
from ninja.pagination import CursorPagination, paginate

from zhian.core.api_support import acting_user
from zhian.core.schema_types import Id, Lat, Lon, Name32, Name100, Text4000
from zhian.grid import selectors
from zhian.grid.api import router
from zhian.grid.api.inputs import Name200, Required200
from zhian.grid.services import places as place_services

PlaceTypeIn = Literal[
    "school",
    "hospital",
    "hotel",
    "rental_housing",
    "entertainment",
    "internet_cafe",
    "hazmat_site",
    "shop",
    "other",
]


class PlaceIn(Schema):
    name: Name200
    place_type: PlaceTypeIn
    address: Required200
    lon: Lon
    lat: Lat
    crs: Literal["wgs84", "gcj02"] = "wgs84"
    operator_name: Name100
    operator_phone: Name32
    attributes: dict[str, Any] = Field(default_factory=dict, description="按场所类型校验")


class PlaceOut(Schema):
    id: int
    name: str
    place_type: str
    address: str
    lon: float
    lat: float
    jurisdiction: str
    operator_name: str
    operator_phone: str
    attributes: dict[str, Any]
    risk_tier: int
    risk_reasons: list[str]
    version: int

    @staticmethod
    def resolve_jurisdiction(obj: Any) -> str:
        return str(obj.jurisdiction.code)


class InspectionIn(Schema):
    results: dict[str, Literal["pass", "fail", "na"]] = Field(
        ..., description="检查项编码 → pass / fail / na，须覆盖该类型的全部检查项"
    )
    notes: Text4000 = ""
    task_id: Id | None = None


class InspectionOut(Schema):
    id: int
    place_id: int
    inspected_at: datetime
    results: dict[str, str]
    failed_items: int


class HazardOut(Schema):
    id: int
    place_id: int
    item: str
    description: str
    deadline: date
    status: str


class TaskOut(Schema):
    id: int
    place_id: int
    period: str
    due_on: date
    status: str
    campaign_id: int | None


@router.get("/grid/places", response=list[PlaceOut])
@paginate(CursorPagination, ordering=("place_type", "name", "pk"), page_size=100)
def list_places(
    request: HttpRequest,
    place_type: str | None = None,
    risk_tier: int | None = None,
    jurisdiction: str | None = None,
    q: str | None = None,
) -> Any:
    """A ledger (台账), filtered like the page."""
    return selectors.places_for(
        acting_user(request),
        place_type=place_type,
        risk_tier=risk_tier,
        jurisdiction=jurisdiction,
        q=q,
    )


@router.get("/grid/places/{place_id}", response=PlaceOut)
def get_place(request: HttpRequest, place_id: int) -> Any:
    return selectors.access_place(acting_user(request), place_id)


@router.post("/grid/places", response={201: PlaceOut})
def register_place(request: HttpRequest, payload: PlaceIn) -> Status[Any]:
    place = place_services.do_register_place(
        place_services.PlaceInput(**payload.model_dump()), acting_user=acting_user(request)
    )
    return Status(201, place)


@router.post("/grid/places/{place_id}/inspections", response={201: InspectionOut})
def record_inspection(request: HttpRequest, place_id: int, payload: InspectionIn) -> Status[Any]:
    """检查: failed items open hazards; an item passing closes its open hazard (销号)."""
    user = acting_user(request)
    place = selectors.access_place(user, place_id)
    task = selectors.access_task(user, payload.task_id) if payload.task_id else None
    record = place_services.do_record_inspection(
        place, acting_user=user, results=dict(payload.results), notes=payload.notes, task=task
    )
    return Status(201, record)


@router.get("/grid/hazards", response=list[HazardOut])
@paginate(CursorPagination, ordering=("deadline", "pk"), page_size=100)
def list_hazards(request: HttpRequest, include_closed: bool = False) -> Any:
    return selectors.hazards_for(acting_user(request), open_only=not include_closed)


@router.get("/grid/tasks", response=list[TaskOut])
@paginate(CursorPagination, ordering=("due_on", "pk"), page_size=100)
def list_tasks(request: HttpRequest) -> Any:
    return selectors.tasks_for(acting_user(request))
