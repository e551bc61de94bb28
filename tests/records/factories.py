"""Cases built through the real services."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from zhian.dispatch.services.incidents import IncidentInput, do_create_incident
from zhian.records.models import Case
from zhian.records.services.cases import CaseInput, do_open_case, do_update_case


def make_incident(dispatcher: Any, lon: float = 120.01, lat: float = 30.01) -> Any:
    return do_create_incident(
        IncidentInput(
            channel="call_110",
            category_code="0101",
            address="测试路 1 号",
            lon=lon,
            lat=lat,
            narrative="有人打架",
        ),
        acting_user=dispatcher,
    ).incident


def open_case(
    officer: Any,
    *,
    case_type: str = "administrative",
    category: str | None = None,
    station: str = "S1",
    accepted_at: datetime | None = None,
    incidents: tuple[int, ...] = (),
) -> Case:
    return do_open_case(
        acting_user=officer,
        data=CaseInput(
            case_type=case_type,
            category_code=category or ("X01" if case_type == "administrative" else "A01"),
            title="张某殴打他人案",
            summary="",
            jurisdiction_code="" if incidents else station,
            incident_ids=incidents,
            accepted_at=accepted_at,
        ),
    )


def fill(case: Case, officer: Any, **fields: str) -> Case:
    return do_update_case(case, acting_user=officer, expected_version=case.version, changes=fields)
