"""Non-emergency online reports (网上报警): submission from the portal or Open311, routing
by rules, and the station's handling (accept, forward to dispatch, finish, reject)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from zhian.core import audit
from zhian.core.attachments import JPEG, PNG, store_attachment
from zhian.core.concurrency import update_if_version
from zhian.core.errors import Conflict, ValidationFailed
from zhian.core.geo import point_cell
from zhian.core.parties import check_purpose
from zhian.core.scoping import check_can
from zhian.dispatch.services.incidents import IncidentInput, do_create_incident
from zhian.grid.choices import ReportType as GridReportType
from zhian.grid.services.reports import ReportInput as GridReportInput
from zhian.grid.services.reports import do_submit_report as do_submit_grid_report
from zhian.services.choices import (
    OPEN_REPORT,
    Channel,
    PublicEvent,
    ReportCategory,
    ReportStatus,
    RouteTarget,
    TrackedKind,
)
from zhian.services.models import OnlineReport, ReportPhoto, RoutingRule
from zhian.services.operations import ratelimits
from zhian.services.operations.portal import Citizen, default_bureau, locate_public
from zhian.services.operations.tracking import (
    add_internal,
    add_public,
    finish_tracking,
    normalise_phone,
    open_tracking,
    phone_digest,
)

STALE = gettext_lazy("该报警已被他人处理，请刷新后重试")
# The grid report type (网格事件类型) each citizen category becomes when handed to the grid.
GRID_TYPE = {
    ReportCategory.NOISE: GridReportType.DISPUTE,
    ReportCategory.TRAFFIC_OBSTRUCTION: GridReportType.SAFETY_HAZARD,
    ReportCategory.MINOR_DAMAGE: GridReportType.SAFETY_HAZARD,
    ReportCategory.LOST_PROPERTY: GridReportType.ASSISTANCE,
    ReportCategory.TIP: GridReportType.SECURITY_LEAD,
}


@dataclass(frozen=True)
class ReportInput:
    """What a citizen sends. A place is an address, coordinates (WGS84), or both."""

    category: str
    description: str
    phone: str
    address: str = ""
    lon: float | None = None
    lat: float | None = None
    occurred_at: datetime | None = None
    media_url: str = ""
    photos: tuple[Any, ...] = ()


@dataclass(frozen=True)
class Route:
    target: str
    incident_category_code: str


def route_for(category: str) -> Route:
    """The first active rule of the category, or the station's own queue."""
    rule = (
        RoutingRule.objects.filter(category=category, active=True).order_by("order", "pk").first()
    )
    if rule is None:
        return Route(RouteTarget.STATION, "")
    return Route(rule.target, rule.incident_category_code)


def _validate(data: ReportInput, *, phone_required: bool) -> tuple[str, dict[str, str]]:
    errors: dict[str, str] = {}
    phone = ""
    if data.category not in ReportCategory.values:
        errors["category"] = _("请选择报警类别")
    if len(data.description.strip()) < 5:
        errors["description"] = _("请简要描述情况（至少 5 个字）")
    elif len(data.description) > 4000:
        errors["description"] = _("描述不能超过 4000 字")
    if (data.lon is None) != (data.lat is None):
        errors["lat"] = _("经度和纬度须同时填写")
    if not data.address.strip() and data.lon is None:
        errors["address"] = _("请填写地址或在地图上选点")
    if len(data.address) > 200:
        errors["address"] = _("地址不能超过 200 字")
    if data.occurred_at is not None and data.occurred_at > timezone.now() + timedelta(minutes=5):
        errors["occurred_at"] = _("发生时间不能晚于现在")
    if len(data.media_url) > 500 or (data.media_url and not data.media_url.startswith("https://")):
        errors["media_url"] = _("图片链接须为 https 地址（500 字符以内）")
    if len(data.photos) > settings.ZHIAN_REPORT_MAX_PHOTOS:
        errors["photos"] = _("最多上传 %(n)d 张照片") % {"n": settings.ZHIAN_REPORT_MAX_PHOTOS}
    if phone_required or data.phone.strip():
        try:
            phone = normalise_phone(data.phone)
        except ValidationFailed as exc:
            errors.update(exc.extra.get("fields", {}))
    return phone, errors


def submit_report(data: ReportInput, *, citizen: Citizen) -> OnlineReport:
    """File a report: validate, count it against the address's and the phone's limits
    (counted even when refused), then store it with its tracking code and route. The
    portal requires a phone (the citizen's key to tracking); an Open311 client may file
    without one (it follows the request by its id)."""
    phone, errors = _validate(data, phone_required=citizen.channel != Channel.OPEN311)
    if errors:
        raise ValidationFailed(
            pgettext("sentence separator", "；").join(errors.values()),
            code="invalid_report",
            fields=errors,
        )
    if citizen.ip and citizen.channel == Channel.PORTAL:  # Open311 clients are keyed
        ratelimits.hit("report_ip", citizen.ip)
    if phone:
        ratelimits.hit("report_phone", phone_digest(phone))
    return _store_report(data, phone, citizen)


@transaction.atomic
def _store_report(data: ReportInput, phone: str, citizen: Citizen) -> OnlineReport:
    if data.lon is not None and data.lat is not None:
        jurisdiction = locate_public(data.lon, data.lat)
        cell = point_cell(data.lon, data.lat)
    else:
        jurisdiction, cell = default_bureau(), ""
    route = route_for(data.category)
    now = timezone.now()
    tracking = open_tracking(kind=TrackedKind.REPORT, channel=citizen.channel, phone=phone, at=now)
    report = OnlineReport.objects.create(
        tracking=tracking,
        token=secrets.token_hex(16),
        category=data.category,
        description=data.description.strip(),
        address=data.address.strip(),
        lon=data.lon,
        lat=data.lat,
        h3_cell=cell,
        occurred_at=data.occurred_at,
        jurisdiction=jurisdiction,
        route=route.target,
        incident_category_code=route.incident_category_code,
        open311_client_id=citizen.open311_client_id,
        media_url=data.media_url,
        due_at=now + timedelta(hours=settings.ZHIAN_REPORT_ACCEPT_HOURS),
        created_at=now,
    )
    for upload in data.photos:
        try:
            attachment = store_attachment(
                upload,
                acting_user=None,
                allowed=(JPEG, PNG),
                max_bytes=settings.ZHIAN_REPORT_PHOTO_MAX_BYTES,
            )
        except ValidationFailed as exc:
            raise ValidationFailed(
                exc.message, code=exc.code, fields={"photos": exc.message}
            ) from exc
        ReportPhoto.objects.create(report=report, attachment=attachment)
    add_public(tracking, PublicEvent.SUBMITTED, at=now)
    audit.record(
        actor=None,
        action="report.submit",
        obj=report,
        data=citizen.audit_data(
            code=tracking.code,
            category=data.category,
            jurisdiction=jurisdiction.code,
            photos=len(data.photos),
        ),
    )
    return report


def _check_open(report: OnlineReport) -> None:
    if report.status not in OPEN_REPORT:
        raise Conflict(_("该报警已办结"), code="report_closed")


def _check_open_unforwarded(report: OnlineReport) -> None:
    _check_open(report)
    if report.incident_id:
        raise Conflict(_("该报警已转为警情"), code="report_forwarded")
    if report.grid_report_id:
        raise Conflict(_("该报警已转为网格事件"), code="report_forwarded")


@transaction.atomic
def do_accept_report(
    report: OnlineReport, *, acting_user: Any, expected_version: int
) -> OnlineReport:
    """The station takes the report on (受理)."""
    check_can(acting_user, "report.handle", report.jurisdiction)
    if report.status != ReportStatus.SUBMITTED:
        raise Conflict(_("只能受理新提交的报警"), code="report_not_new")
    update_if_version(report, expected_version, STALE, status=ReportStatus.ACCEPTED)
    add_public(report.tracking, PublicEvent.ACCEPTED)
    audit.record(actor=acting_user, action="report.accept", obj=report)
    return report


@transaction.atomic
def do_forward_report(
    report: OnlineReport,
    *,
    acting_user: Any,
    expected_version: int,
    incident_category_code: str = "",
    lon: float | None = None,
    lat: float | None = None,
) -> OnlineReport:
    """Turn the report into an incident through dispatch's intake, as the staff member who
    decided it (the portal never creates incidents by itself)."""
    check_can(acting_user, "report.handle", report.jurisdiction)
    _check_open_unforwarded(report)
    code = incident_category_code or report.incident_category_code
    lon = lon if lon is not None else report.lon
    lat = lat if lat is not None else report.lat
    errors: dict[str, str] = {}
    if not code:
        errors["incident_category_code"] = _("请选择警情类别")
    if lon is None or lat is None:
        errors["lon"] = _("转为警情需要坐标，请先核实地点")
    if errors:
        raise ValidationFailed(
            pgettext("sentence separator", "；").join(errors.values()),
            code="invalid_forward",
            fields=errors,
        )
    assert lon is not None and lat is not None
    label = ReportCategory(report.category).label
    intake = do_create_incident(
        IncidentInput(
            channel="online",
            category_code=code,
            address=report.address or f"{lon:.5f}, {lat:.5f}",
            lon=lon,
            lat=lat,
            priority=4,
            narrative=f"[{label} · {report.tracking.code}] {report.description}",
            caller_phone=report.tracking.phone,
            received_at=report.created_at,
        ),
        acting_user=acting_user,
    )
    return _mark_forwarded(
        report,
        expected_version,
        acting_user,
        {"incident": intake.incident.number},
        incident=intake.incident,
        route=RouteTarget.DISPATCH,
    )


@transaction.atomic
def do_hand_to_grid(
    report: OnlineReport, *, acting_user: Any, expected_version: int, report_type: str = ""
) -> OnlineReport:
    """转网格: the report becomes a grid report (网格事件) filed at its point by the staff
    member who decided it, so the grid's 吹哨 rules whistle it to the departments that
    answer for it. Only the place and the description travel, never the citizen's phone;
    the report is finished when the grid report closes (:func:`sync_forwarded_reports`)."""
    check_can(acting_user, "report.handle", report.jurisdiction)
    _check_open_unforwarded(report)
    kind = report_type or GRID_TYPE[ReportCategory(report.category)]
    if report.lon is None or report.lat is None:
        raise ValidationFailed(
            _("转网格需要坐标，请先核实地点"), code="invalid_forward", fields={"lon": _("必填")}
        )
    check_can(acting_user, "gridreport.create", report.jurisdiction)  # the grid's own rule
    label = ReportCategory(report.category).label
    grid_report = do_submit_grid_report(
        GridReportInput(
            report_type=kind,
            description=f"[{label} · {report.tracking.code}] {report.description}"[:2000],
            lon=report.lon,
            lat=report.lat,
            address=report.address,
        ),
        acting_user=acting_user,
    )
    return _mark_forwarded(
        report,
        expected_version,
        acting_user,
        {"grid_report": grid_report.pk, "type": kind},
        grid_report=grid_report,
        route=RouteTarget.GRID,
    )


def _mark_forwarded(
    report: OnlineReport,
    expected_version: int,
    acting_user: Any,
    audit_data: dict[str, Any],
    **link: Any,
) -> OnlineReport:
    """The report is 已转交 (to an incident or a grid report): the citizen's timeline says
    so, without saying to whom; the audit trail says which."""
    update_if_version(report, expected_version, STALE, status=ReportStatus.FORWARDED, **link)
    add_public(report.tracking, PublicEvent.FORWARDED)
    audit.record(actor=acting_user, action="report.forward", obj=report, data=audit_data)
    return report


@transaction.atomic
def do_finish_report(
    report: OnlineReport, *, acting_user: Any, expected_version: int, public_note: str
) -> OnlineReport:
    """办结: the note is written for the citizen and shown on the portal."""
    from zhian.services.operations.surveys import invite_survey

    check_can(acting_user, "report.handle", report.jurisdiction)
    _check_open(report)
    if len(public_note.strip()) < 2:
        raise ValidationFailed(
            _("请填写给报警人的办理结果说明"),
            code="note_required",
            fields={"public_note": _("必填")},
        )
    update_if_version(
        report,
        expected_version,
        STALE,
        status=ReportStatus.FINISHED,
        status_notes=public_note.strip(),
    )
    add_public(report.tracking, PublicEvent.FINISHED, public_note.strip())
    finish_tracking(report.tracking)
    invite_survey(report.tracking, station=report.jurisdiction)
    audit.record(actor=acting_user, action="report.finish", obj=report)
    return report


@transaction.atomic
def do_reject_report(
    report: OnlineReport, *, acting_user: Any, expected_version: int, public_note: str
) -> OnlineReport:
    """不予受理, with the reason the citizen reads (e.g. "属民事纠纷，请向法院起诉")."""
    check_can(acting_user, "report.handle", report.jurisdiction)
    _check_open(report)
    if len(public_note.strip()) < 2:
        raise ValidationFailed(
            _("请填写不予受理的理由"), code="note_required", fields={"public_note": _("必填")}
        )
    update_if_version(
        report,
        expected_version,
        STALE,
        status=ReportStatus.REJECTED,
        status_notes=public_note.strip(),
    )
    add_public(report.tracking, PublicEvent.REJECTED, public_note.strip())
    finish_tracking(report.tracking)
    audit.record(actor=acting_user, action="report.reject", obj=report)
    return report


@transaction.atomic
def do_add_report_note(report: OnlineReport, *, acting_user: Any, text: str) -> None:
    """An internal note (内部备注): colleagues only, never the portal."""
    check_can(acting_user, "report.handle", report.jurisdiction)
    if not text.strip():
        raise ValidationFailed(_("备注不能为空"), code="note_required")
    add_internal(report.tracking, acting_user, text.strip())
    audit.record(actor=acting_user, action="report.note", obj=report)


def sync_forwarded_reports(*, now: datetime | None = None) -> int:
    """Finish reports whose incident (dispatch) or grid report (grid) has closed, and invite
    a 回访 (a system job: run every few minutes). Returns how many were finished."""
    from zhian.services.operations.surveys import invite_survey

    done = 0
    pending = OnlineReport.objects.filter(
        Q(incident__closed_at__isnull=False) | Q(grid_report__closed_at__isnull=False),
        status=ReportStatus.FORWARDED,
    ).select_related("tracking", "jurisdiction")
    for report in pending:
        with transaction.atomic():
            moved = OnlineReport.objects.filter(pk=report.pk, status=ReportStatus.FORWARDED).update(
                status=ReportStatus.FINISHED, version=report.version + 1, updated_at=timezone.now()
            )
            if not moved:
                continue
            note = _("警情已处置完毕") if report.incident_id else _("网格事件已办结")
            add_public(report.tracking, PublicEvent.FINISHED, note)
            finish_tracking(report.tracking, now)
            invite_survey(report.tracking, station=report.jurisdiction)
            audit.record(
                actor=None,
                action="report.finish",
                obj=report,
                data={"job": "sync_forwarded_reports"},
            )
            done += 1
    return done


@transaction.atomic
def reveal_reporter_phone(report: OnlineReport, *, acting_user: Any, purpose: str) -> str:
    """The reporter's phone for a call back, with an audited purpose (查看事由)."""
    check_can(acting_user, "contact.reveal", report.jurisdiction)
    audit.record_personal_data_read(
        actor=acting_user, obj=report, purpose=check_purpose(purpose), fields=["phone"]
    )
    return report.tracking.phone
