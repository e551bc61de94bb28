"""Grid reports (网格事件), referrals (吹哨报到), departments, the scorecard."""

from __future__ import annotations

import base64
import binascii
from datetime import date, datetime
from typing import Any, Literal

from django.core.files.base import ContentFile
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Schema, Status
from ninja.pagination import CursorPagination, paginate

from zhian.core.api_support import acting_user, if_match_version
from zhian.core.errors import ValidationFailed
from zhian.core.schema_types import Lat, Lon, Text100, Text200, Text2000
from zhian.grid import selectors
from zhian.grid.api import router
from zhian.grid.api.inputs import Rating, Required2000
from zhian.grid.services import reports as report_services

ReportTypeIn = Literal["safety_hazard", "dispute", "security_lead", "assistance", "other"]


class PhotoIn(Schema):
    """A photo as base64 (resized in the browser first), so that a re-sent draft is the
    very same JSON body and its ``Idempotency-Key`` replays."""

    name: Text100 = "photo.jpg"
    data: str = Field(
        ..., max_length=5_000_000, description="base64，可带 data:image/…;base64, 前缀"
    )


def decode_photos(photos: list[PhotoIn]) -> list[ContentFile[bytes]]:
    files = []
    for i, photo in enumerate(photos):
        raw = photo.data.split(",", 1)[1] if photo.data.startswith("data:") else photo.data
        try:
            content = base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError):
            raise ValidationFailed(
                _("第 %(n)d 张照片不是有效的 base64") % {"n": i + 1}, code="invalid_photo"
            ) from None
        files.append(ContentFile(content, name=photo.name))
    return files


class ReportIn(Schema):
    report_type: ReportTypeIn
    description: Required2000
    address: Text200 = ""
    lon: Lon
    lat: Lat
    crs: Literal["wgs84", "gcj02"] = Field("wgs84", description="手机地图多为 gcj02，入库前换算")
    photos: list[PhotoIn] = Field([], max_length=6)


class ReferralOut(Schema):
    id: int
    department: str
    department_name: str
    status: str
    sign_due_at: datetime
    resolve_due_at: datetime
    signed_at: datetime | None
    resolved_at: datetime | None
    verified_at: datetime | None
    resolution: str
    rating: int | None
    reopen_count: int
    escalated_to: str | None
    version: int

    @staticmethod
    def resolve_department(obj: Any) -> str:
        return str(obj.department.code)

    @staticmethod
    def resolve_department_name(obj: Any) -> str:
        return str(obj.department.name)

    @staticmethod
    def resolve_escalated_to(obj: Any) -> str | None:
        return obj.escalated_to.code if obj.escalated_to_id else None


class EventOut(Schema):
    at: datetime
    kind: str
    referral_id: int | None
    actor: str | None
    note: str

    @staticmethod
    def resolve_actor(obj: Any) -> str | None:
        return str(obj.actor) if obj.actor_id else None


class ReportOut(Schema):
    id: int
    report_type: str
    status: str
    jurisdiction: str
    description: str
    address: str
    lon: float
    lat: float
    created_at: datetime
    closed_at: datetime | None
    version: int

    @staticmethod
    def resolve_jurisdiction(obj: Any) -> str:
        return str(obj.jurisdiction.code)


class ReportDetailOut(ReportOut):
    referrals: list[ReferralOut]
    timeline: list[EventOut]
    photos: int

    @staticmethod
    def resolve_photos(obj: Any) -> int:
        return obj.photos.count()

    @staticmethod
    def resolve_referrals(obj: Any) -> list[Any]:
        return list(obj.referrals.all())

    @staticmethod
    def resolve_timeline(obj: Any) -> list[Any]:
        return list(obj.events.all())


class InboxOut(ReferralOut):
    report_id: int
    report_type: str
    jurisdiction: str
    description: str

    @staticmethod
    def resolve_report_type(obj: Any) -> str:
        return str(obj.report.report_type)

    @staticmethod
    def resolve_jurisdiction(obj: Any) -> str:
        return str(obj.report.jurisdiction.code)

    @staticmethod
    def resolve_description(obj: Any) -> str:
        return str(obj.report.description)


class NoteIn(Schema):
    note: Required2000


class ResolveIn(Schema):
    resolution: Required2000
    photos: list[PhotoIn] = Field(..., min_length=1, max_length=6, description="办结须附照片")


class VerifyIn(Schema):
    rating: Rating = Field(..., description="1–5 星")
    note: Text2000 = ""


class ReopenIn(Schema):
    reason: Required2000
    rating: Rating | None = None


class DepartmentOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    jurisdiction: str
    sign_hours: int
    resolve_days: int
    active: bool

    @staticmethod
    def resolve_jurisdiction(obj: Any) -> str:
        return str(obj.jurisdiction.code)


class ScorecardOut(Schema):
    department_id: int
    department: str
    referrals: int
    sign_rate: float | None = Field(None, description="按时签收率（0–1）")
    resolve_rate: float | None = Field(None, description="按时办结率（0–1）")
    reopen_rate: float | None = Field(None, description="退回率（0–1）")
    average_rating: float | None
    open_now: int


@router.post("/grid/reports", response={201: ReportDetailOut})
def submit_report(request: HttpRequest, payload: ReportIn) -> Status[Any]:
    """File a grid report where it is (the jurisdiction is found by the point) and send it
    to the departments the routing rules name. Send an ``Idempotency-Key`` made when the
    draft was made: a retry after a lost connection returns the first report."""
    user = acting_user(request)
    report = report_services.do_submit_report(
        report_services.ReportInput(
            report_type=payload.report_type,
            description=payload.description,
            lon=payload.lon,
            lat=payload.lat,
            crs=payload.crs,
            address=payload.address,
        ),
        acting_user=user,
        photos=decode_photos(payload.photos),
    )
    return Status(201, selectors.access_report(user, report.pk))


@router.get("/grid/reports", response=list[ReportOut])
@paginate(CursorPagination, ordering=("-created_at", "-pk"), page_size=50)
def list_reports(
    request: HttpRequest,
    status: str | None = None,
    report_type: str | None = None,
    mine: bool = False,
) -> Any:
    return selectors.reports_for(
        acting_user(request), status=status, report_type=report_type, mine=mine
    )


@router.get("/grid/reports/{report_id}", response=ReportDetailOut)
def get_report(request: HttpRequest, report_id: int) -> Any:
    return selectors.access_report(acting_user(request), report_id)


@router.get("/grid/inbox", response=list[InboxOut])
@paginate(CursorPagination, ordering=("sign_due_at", "pk"), page_size=50)
def liaison_inbox(request: HttpRequest) -> Any:
    """The caller's departments' open referrals (签收/办理), earliest deadline first."""
    return selectors.inbox_for(acting_user(request))


@router.post("/grid/referrals/{referral_id}/sign", response=ReferralOut)
def sign_referral(request: HttpRequest, referral_id: int) -> Any:
    """签收 (``If-Match``: the referral's version)."""
    user = acting_user(request)
    referral = selectors.access_referral(user, referral_id)
    return report_services.do_sign_referral(
        referral, acting_user=user, expected_version=if_match_version(request)
    )


@router.post("/grid/referrals/{referral_id}/progress", response={204: None})
def add_progress(request: HttpRequest, referral_id: int, payload: NoteIn) -> Status[None]:
    user = acting_user(request)
    referral = selectors.access_referral(user, referral_id)
    report_services.do_add_progress(referral, acting_user=user, note=payload.note)
    return Status(204, None)


@router.post("/grid/referrals/{referral_id}/resolve", response=ReferralOut)
def resolve_referral(request: HttpRequest, referral_id: int, payload: ResolveIn) -> Any:
    """办结 (``If-Match``)."""
    user = acting_user(request)
    referral = selectors.access_referral(user, referral_id)
    return report_services.do_resolve_referral(
        referral,
        acting_user=user,
        expected_version=if_match_version(request),
        resolution=payload.resolution,
        photos=decode_photos(payload.photos),
    )


@router.post("/grid/referrals/{referral_id}/verify", response=ReferralOut)
def verify_referral(request: HttpRequest, referral_id: int, payload: VerifyIn) -> Any:
    """核实通过 and rate, by the originator (``If-Match``)."""
    user = acting_user(request)
    referral = selectors.access_referral(user, referral_id)
    return report_services.do_verify_referral(
        referral,
        acting_user=user,
        expected_version=if_match_version(request),
        rating=payload.rating,
        note=payload.note,
    )


@router.post("/grid/referrals/{referral_id}/reopen", response=ReferralOut)
def reopen_referral(request: HttpRequest, referral_id: int, payload: ReopenIn) -> Any:
    """退回重办, by the originator (``If-Match``)."""
    user = acting_user(request)
    referral = selectors.access_referral(user, referral_id)
    return report_services.do_reopen_referral(
        referral,
        acting_user=user,
        expected_version=if_match_version(request),
        reason=payload.reason,
        rating=payload.rating,
    )


@router.get("/grid/departments", response=list[DepartmentOut])
@paginate(CursorPagination, ordering=("code",), page_size=100)
def list_departments(request: HttpRequest) -> Any:
    return selectors.departments_for(acting_user(request))


@router.get("/grid/scorecard", response=list[ScorecardOut])
def department_scorecard(request: HttpRequest, start: date, end: date) -> Any:
    """Per department, referrals made from ``start`` to ``end`` (local days, inclusive)."""
    if end < start or (end - start).days > 366:
        raise ValidationFailed(
            _("结束日期须不早于开始日期，且区间不超过 366 天"), code="invalid_period"
        )
    return selectors.scorecard(acting_user(request), start, end)
