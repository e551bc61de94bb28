"""Grid reports (网格事件上报) and 吹哨报到: submit, route, sign for, progress, resolve,
verify or reopen with a rating."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhian.core import audit
from zhian.core.attachments import IMAGE_TYPES, store_attachment
from zhian.core.concurrency import update_if_version
from zhian.core.coords import gcj02_to_wgs84
from zhian.core.errors import Conflict, PermissionDenied, ValidationFailed
from zhian.core.geo import point_cell
from zhian.core.models import Jurisdiction
from zhian.core.scoping import check_can
from zhian.core.selectors import jurisdiction_at
from zhian.grid.choices import EventKind, ReferralStatus, ReportStatus, ReportType
from zhian.grid.models import Department, DepartmentMember, GridReport, Referral, ReportPhoto
from zhian.grid.services import notify
from zhian.grid.services.departments import Route, routes_for
from zhian.grid.services.timeline import add_event, refresh_status

STALE_REFERRAL = gettext_lazy("该报到单已被他人处理，请刷新后重试")
MAX_TEXT = 2000
MAX_PHOTOS = 6


def _store_photos(
    report: GridReport, photos: Sequence[Any], *, acting_user: Any, referral: Referral | None = None
) -> None:
    """Store each upload as an image attachment (type checked by content, size limited)."""
    if len(photos) > MAX_PHOTOS:
        raise ValidationFailed(
            _("照片最多 %(n)d 张") % {"n": MAX_PHOTOS},
            code="too_many_photos",
            fields={"photos": _("过多")},
        )
    for upload in photos:
        attachment = store_attachment(
            upload,
            acting_user=acting_user,
            allowed=IMAGE_TYPES,
            max_bytes=settings.ZHIAN_GRID_PHOTO_MAX_BYTES,
        )
        ReportPhoto.objects.create(report=report, referral=referral, attachment=attachment)


@dataclass(frozen=True)
class ReportInput:
    """What a grid worker sends. ``crs`` is ``wgs84`` or ``gcj02`` (phone maps in China)."""

    report_type: str
    description: str
    lon: float
    lat: float
    crs: str = "wgs84"
    address: str = ""


def _validate(data: ReportInput) -> tuple[float, float]:
    errors: dict[str, str] = {}
    if data.report_type not in ReportType.values:
        errors["report_type"] = _("事件类型无效")
    if not data.description.strip():
        errors["description"] = _("请描述现场情况")
    elif len(data.description) > MAX_TEXT:
        errors["description"] = _("情况描述不超过 2000 字")
    if len(data.address) > 200:
        errors["address"] = _("地点不超过 200 字")
    if data.crs not in {"wgs84", "gcj02"}:
        errors["crs"] = _("坐标系须为 wgs84 或 gcj02")
    if not (-180 <= data.lon <= 180 and -90 <= data.lat <= 90):
        errors["lon"] = _("坐标超出范围")
    if errors:
        raise ValidationFailed("；".join(errors.values()), code="invalid_report", fields=errors)
    if data.crs == "gcj02":
        return gcj02_to_wgs84(data.lon, data.lat)
    return data.lon, data.lat


def locate(user: Any, action: str, lon: float, lat: float) -> Jurisdiction:
    found = jurisdiction_at(user, action, lon, lat)
    if found is None:
        raise ValidationFailed(
            _("该位置不在您的网格辖区内，请核对位置"),
            code="outside_jurisdiction",
            fields={"lon": _("不在辖区内")},
        )
    return found


def _open_referral(
    report: GridReport, route: Route, *, actor: Any, at: datetime, note: str = ""
) -> Referral:
    referral = Referral.objects.create(
        report=report,
        jurisdiction_id=report.jurisdiction_id,
        department=route.department,
        sign_hours=route.sign_hours,
        resolve_days=route.resolve_days,
        created_at=at,
        sign_due_at=at + timedelta(hours=route.sign_hours),
        resolve_due_at=at + timedelta(days=route.resolve_days),
        next_alert_at=at + timedelta(hours=route.sign_hours),
    )
    add_event(
        report,
        EventKind.REFERRED,
        actor=actor,
        referral=referral,
        at=at,
        note=note or route.department.name,
        data={
            "department": route.department.code,
            "sign_due_at": referral.sign_due_at.isoformat(),
            "resolve_due_at": referral.resolve_due_at.isoformat(),
        },
    )
    notify.referral_opened(referral)
    return referral


@transaction.atomic
def do_submit_report(
    data: ReportInput,
    *,
    acting_user: Any,
    photos: Sequence[Any] = (),
    at: datetime | None = None,
) -> GridReport:
    """File a report where the worker stands (the jurisdiction is found by the point) and
    whistle it to every department the routing rules name (吹哨). With no rule it waits
    for a community officer to refer it by hand."""
    lon, lat = _validate(data)
    jurisdiction = locate(acting_user, "gridreport.create", lon, lat)
    check_can(acting_user, "gridreport.create", jurisdiction)
    at = at or timezone.now()
    report = GridReport.objects.create(
        jurisdiction=jurisdiction,
        report_type=data.report_type,
        status=ReportStatus.UNROUTED,
        description=data.description.strip(),
        address=data.address.strip(),
        lon=lon,
        lat=lat,
        source_crs=data.crs,
        h3_cell=point_cell(lon, lat),
        reporter=acting_user,
        created_at=at,
    )
    _store_photos(report, photos, acting_user=acting_user)
    add_event(
        report,
        EventKind.SUBMITTED,
        actor=acting_user,
        at=at,
        note=report.address,
        data={"photos": len(photos)},
    )
    routes = routes_for(report.report_type, jurisdiction)
    for route in routes:
        _open_referral(report, route, actor=None, at=at)
    refresh_status(report, at=at)
    audit.record(
        actor=acting_user,
        action="gridreport.create",
        obj=report,
        data={
            "type": report.report_type,
            "jurisdiction": jurisdiction.code,
            "departments": [r.department.code for r in routes],
        },
    )
    return report


@transaction.atomic
def do_refer_report(
    report: GridReport,
    department: Department,
    *,
    acting_user: Any,
    sign_hours: int | None = None,
    resolve_days: int | None = None,
    note: str = "",
) -> Referral:
    """Whistle a report to one more department by hand (a report no rule routed, or a
    dispute handed to a people's mediation committee, 公调对接)."""
    check_can(acting_user, "gridreport.refer", report.jurisdiction)
    if not report.jurisdiction.path.startswith(department.jurisdiction.path):
        raise ValidationFailed(_("该部门不服务此辖区"), code="department_outside_area")
    if not department.active:
        raise ValidationFailed(_("该部门已停用"), code="department_inactive")
    if Referral.objects.filter(report=report, department=department).exists():
        raise Conflict(_("已向该部门派单"), code="already_referred")
    route = Route(
        department=department,
        sign_hours=sign_hours or department.sign_hours,
        resolve_days=resolve_days or department.resolve_days,
    )
    at = timezone.now()
    referral = _open_referral(report, route, actor=acting_user, at=at, note=note.strip())
    refresh_status(report, at=at)
    audit.record(
        actor=acting_user,
        action="gridreport.refer",
        obj=report,
        data={"department": department.code},
    )
    return referral


def check_can_handle_referral(user: Any, referral: Referral) -> None:
    """A liaison acts for a department they belong to, where their role reaches."""
    check_can(user, "referral.handle", referral.report.jurisdiction)
    if not DepartmentMember.objects.filter(department=referral.department_id, user=user).exists():
        raise PermissionDenied(
            _("您不是%(dept)s的联络员") % {"dept": referral.department.name},
            code="not_department_member",
        )


def _require(referral: Referral, status: str, message: str) -> None:
    if referral.status != status:
        raise Conflict(message, code="referral_state", status=referral.status)


@transaction.atomic
def do_sign_referral(referral: Referral, *, acting_user: Any, expected_version: int) -> Referral:
    """签收: the department takes the report on; the resolve clock starts its alerts."""
    check_can_handle_referral(acting_user, referral)
    _require(referral, ReferralStatus.PENDING_SIGN, _("该报到单已签收"))
    now = timezone.now()
    update_if_version(
        referral,
        expected_version,
        STALE_REFERRAL,
        status=ReferralStatus.SIGNED,
        signed_at=now,
        signed_by=acting_user,
        signed_on_time=now <= referral.sign_due_at,
        alert_stage=0,
        next_alert_at=referral.resolve_due_at,
        escalated_to=None,
    )
    add_event(
        referral.report,
        EventKind.SIGNED,
        actor=acting_user,
        referral=referral,
        at=now,
        note=referral.department.name,
    )
    refresh_status(referral.report, at=now)
    audit.record(actor=acting_user, action="referral.sign", obj=referral)
    return referral


@transaction.atomic
def do_add_progress(referral: Referral, *, acting_user: Any, note: str) -> None:
    """办理进展: a line on the timeline while the department works on it."""
    check_can_handle_referral(acting_user, referral)
    _require(referral, ReferralStatus.SIGNED, _("签收后才能填写进展"))
    note = note.strip()
    if not note or len(note) > MAX_TEXT:
        raise ValidationFailed(_("请填写进展（不超过 2000 字）"), code="invalid_note")
    add_event(referral.report, EventKind.PROGRESS, actor=acting_user, referral=referral, note=note)
    audit.record(actor=acting_user, action="referral.progress", obj=referral)


@transaction.atomic
def do_resolve_referral(
    referral: Referral,
    *,
    acting_user: Any,
    expected_version: int,
    resolution: str,
    photos: Sequence[Any],
) -> Referral:
    """办结 with at least one photo of the result; the originator checks it next."""
    check_can_handle_referral(acting_user, referral)
    _require(referral, ReferralStatus.SIGNED, _("签收后才能办结"))
    resolution = resolution.strip()
    if not resolution or len(resolution) > MAX_TEXT:
        raise ValidationFailed(
            _("请填写办结情况（不超过 2000 字）"),
            code="invalid_resolution",
            fields={"resolution": _("必填")},
        )
    if not photos:
        raise ValidationFailed(
            _("办结须附现场照片"), code="photo_required", fields={"photos": _("必填")}
        )
    now = timezone.now()
    update_if_version(
        referral,
        expected_version,
        STALE_REFERRAL,
        status=ReferralStatus.RESOLVED,
        resolved_at=now,
        resolved_by=acting_user,
        resolved_on_time=now <= referral.resolve_due_at,
        resolution=resolution,
        alert_stage=0,
        next_alert_at=None,
        escalated_to=None,
    )
    _store_photos(referral.report, photos, acting_user=acting_user, referral=referral)
    add_event(
        referral.report,
        EventKind.RESOLVED,
        actor=acting_user,
        referral=referral,
        at=now,
        note=resolution,
        data={"photos": len(photos)},
    )
    notify.referral_resolved(referral)
    refresh_status(referral.report, at=now)
    if referral.report.report_type == ReportType.DISPUTE:
        # 公调对接: a people's mediation committee's result goes back onto the dispute.
        from zhian.grid.services.disputes import receive_mediation_result

        receive_mediation_result(referral, acting_user=acting_user)
    audit.record(actor=acting_user, action="referral.resolve", obj=referral)
    return referral


def check_can_verify(user: Any, referral: Referral) -> None:
    """Only the originator checks the department's work (核实), within their scope."""
    check_can(user, "gridreport.verify", referral.report.jurisdiction)
    if referral.report.reporter_id != user.pk:
        raise PermissionDenied(_("只有上报人可以核实"), code="not_originator")


def _check_rating(rating: int | None, *, required: bool) -> None:
    if rating is None and not required:
        return
    if rating is None or not 1 <= rating <= 5:
        raise ValidationFailed(
            _("评价须为 1–5 星"), code="invalid_rating", fields={"rating": _("1–5")}
        )


@transaction.atomic
def do_verify_referral(
    referral: Referral, *, acting_user: Any, expected_version: int, rating: int, note: str = ""
) -> Referral:
    """核实通过 and rate the department (1–5)."""
    check_can_verify(acting_user, referral)
    _require(referral, ReferralStatus.RESOLVED, _("部门办结后才能核实"))
    _check_rating(rating, required=True)
    now = timezone.now()
    update_if_version(
        referral,
        expected_version,
        STALE_REFERRAL,
        status=ReferralStatus.VERIFIED,
        verified_at=now,
        rating=rating,
    )
    add_event(
        referral.report,
        EventKind.VERIFIED,
        actor=acting_user,
        referral=referral,
        at=now,
        note=note.strip(),
        data={"rating": rating},
    )
    refresh_status(referral.report, at=now)
    audit.record(actor=acting_user, action="referral.verify", obj=referral, data={"rating": rating})
    return referral


@transaction.atomic
def do_reopen_referral(
    referral: Referral,
    *,
    acting_user: Any,
    expected_version: int,
    reason: str,
    rating: int | None = None,
) -> Referral:
    """退回重办: the work does not hold up. The department works on it again with a fresh
    resolve clock; the reopening counts against its scorecard."""
    check_can_verify(acting_user, referral)
    _require(referral, ReferralStatus.RESOLVED, _("部门办结后才能退回"))
    _check_rating(rating, required=False)
    reason = reason.strip()
    if not reason or len(reason) > MAX_TEXT:
        raise ValidationFailed(
            _("请填写退回理由"), code="invalid_reason", fields={"reason": _("必填")}
        )
    now = timezone.now()
    due = now + timedelta(days=referral.resolve_days)
    update_if_version(
        referral,
        expected_version,
        STALE_REFERRAL,
        status=ReferralStatus.SIGNED,
        resolved_at=None,
        resolved_on_time=None,
        resolve_due_at=due,
        reopen_count=referral.reopen_count + 1,
        rating=rating,
        alert_stage=0,
        next_alert_at=due,
        escalated_to=None,
    )
    add_event(
        referral.report,
        EventKind.REOPENED,
        actor=acting_user,
        referral=referral,
        at=now,
        note=reason,
        data={"rating": rating, "resolve_due_at": due.isoformat()},
    )
    refresh_status(referral.report, at=now)
    notify.referral_reopened(referral)
    audit.record(actor=acting_user, action="referral.reopen", obj=referral, data={"reason": reason})
    return referral
