"""Complaints about policing (警务投诉): received from the portal or by staff, assigned to a
supervisor **outside** the complained-about unit, concluded with a finding and reasons,
and answered. The officer concerned holds no complaint action (see ``permissions.py``)
and no list or export carries the complainant; only the handler may reveal them, with
an audited purpose."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhian.core import audit
from zhian.core.concurrency import update_if_version
from zhian.core.errors import Conflict, PermissionDenied, ValidationFailed
from zhian.core.models import Jurisdiction, JurisdictionKind, RoleAssignment
from zhian.core.parties import check_purpose
from zhian.core.scoping import can, check_can, scoped
from zhian.services.choices import (
    Channel,
    ComplaintStatus,
    Finding,
    PublicEvent,
    TrackedKind,
)
from zhian.services.models import Complaint
from zhian.services.operations import ratelimits
from zhian.services.operations.portal import Citizen
from zhian.services.operations.tracking import (
    add_internal,
    add_public,
    finish_tracking,
    normalise_phone,
    open_tracking,
    phone_digest,
)

STALE = gettext_lazy("该投诉已被他人处理，请刷新后重试")


@dataclass(frozen=True)
class ComplaintInput:
    unit: Jurisdiction
    description: str
    phone: str
    officer_reference: str = ""
    complainant_name: str = ""
    occurred_at: datetime | None = None


def _validate(data: ComplaintInput) -> str:
    errors: dict[str, str] = {}
    phone = ""
    if data.unit.kind == JurisdictionKind.BUREAU:
        errors["unit"] = _("请选择被投诉的派出所或警务区")
    if len(data.description.strip()) < 10 or len(data.description) > 4000:
        errors["description"] = _("请写明投诉的事实（10–4000 字）")
    if len(data.officer_reference) > 100 or len(data.complainant_name) > 64:
        errors["officer_reference"] = _("内容过长")
    try:
        phone = normalise_phone(data.phone)
    except ValidationFailed as exc:
        errors.update(exc.extra.get("fields", {}))
    if errors:
        raise ValidationFailed("；".join(errors.values()), code="invalid_complaint", fields=errors)
    return phone


def _due(now: datetime) -> datetime:
    return now + timedelta(days=settings.ZHIAN_COMPLAINT_DAYS)


def submit_complaint(data: ComplaintInput, *, citizen: Citizen) -> Complaint:
    """A complaint from the portal."""
    phone = _validate(data)
    if citizen.ip:
        ratelimits.hit("complaint_ip", citizen.ip)
    ratelimits.hit("complaint_phone", phone_digest(phone))
    return _store(data, phone, citizen.channel, None, citizen.audit_data())


@transaction.atomic
def do_receive_complaint(data: ComplaintInput, *, acting_user: Any) -> Complaint:
    """A complaint received in person or by phone and entered by staff."""
    check_can(acting_user, "complaint.receive", data.unit)
    phone = _validate(data)
    return _store(data, phone, Channel.STAFF, acting_user, {"channel": Channel.STAFF})


@transaction.atomic
def _store(
    data: ComplaintInput, phone: str, channel: str, staff: Any, audit_data: dict[str, Any]
) -> Complaint:
    now = timezone.now()
    tracking = open_tracking(kind=TrackedKind.COMPLAINT, channel=channel, phone=phone, at=now)
    complaint = Complaint.objects.create(
        tracking=tracking,
        unit=data.unit,
        officer_reference=data.officer_reference.strip(),
        occurred_at=data.occurred_at,
        description=data.description.strip(),
        complainant_name=data.complainant_name.strip(),
        due_at=_due(now),
        received_by=staff,
        created_at=now,
    )
    add_public(tracking, PublicEvent.SUBMITTED, at=now)
    audit.record(
        actor=staff,
        action="complaint.receive",
        obj=complaint,
        data={**audit_data, "unit": data.unit.code},
    )
    return complaint


def is_inside(user: Any, unit: Jurisdiction) -> bool:
    """Whether ``user`` holds any role on the unit or below it (a member of the unit)."""
    return RoleAssignment.objects.filter(
        user=user, jurisdiction__path__startswith=unit.path
    ).exists()


def eligible_handlers(unit: Jurisdiction) -> list[Any]:
    """Supervisors who may handle complaints about ``unit``: their scope covers it and
    they hold no role inside it."""
    from zhian.core.models import User

    ancestors = [p for p in unit.ancestor_codes()[:-1]]
    candidates = User.objects.filter(
        is_active=True,
        role_assignments__role="supervisor",
        role_assignments__jurisdiction__code__in=ancestors,
    ).distinct()
    return [u for u in candidates.order_by("username") if not is_inside(u, unit)]


@transaction.atomic
def do_assign_complaint(
    complaint: Complaint, *, acting_user: Any, handler: Any, expected_version: int
) -> Complaint:
    """Give the complaint to a supervisor outside the complained-about unit; one inside
    it (holding any role on the unit or below) is refused, whatever their rank."""
    check_can(acting_user, "complaint.assign", complaint.unit)
    if complaint.status not in (ComplaintStatus.RECEIVED, ComplaintStatus.ASSIGNED):
        raise Conflict(_("该投诉已作出结论"), code="complaint_concluded")
    if is_inside(handler, complaint.unit):
        raise PermissionDenied(_("不能指派被投诉单位内部人员办理投诉"), code="handler_inside_unit")
    if not handler.is_active or not can(handler, "complaint.handle", complaint.unit):
        raise ValidationFailed(
            _("所选人员无权办理该单位的投诉（须为上级单位的法制监督员）"),
            code="handler_not_eligible",
        )
    update_if_version(
        complaint, expected_version, STALE, handler=handler, status=ComplaintStatus.ASSIGNED
    )
    if complaint.status == ComplaintStatus.ASSIGNED:
        add_public(complaint.tracking, PublicEvent.ASSIGNED)
    audit.record(
        actor=acting_user, action="complaint.assign", obj=complaint, data={"handler": handler.pk}
    )
    return complaint


def _check_handler(complaint: Complaint, user: Any) -> None:
    if complaint.handler_id != getattr(user, "pk", None) or is_inside(user, complaint.unit):
        raise PermissionDenied(_("只有承办人可以办理该投诉"), code="not_the_handler")


@transaction.atomic
def do_conclude_complaint(
    complaint: Complaint, *, acting_user: Any, finding: str, reasons: str, expected_version: int
) -> Complaint:
    """The handler's finding (属实 / 部分属实 / 不属实) with reasons."""
    check_can(acting_user, "complaint.handle", complaint.unit)
    _check_handler(complaint, acting_user)
    if complaint.status != ComplaintStatus.ASSIGNED:
        raise Conflict(_("该投诉不在核查中"), code="complaint_not_assigned")
    if finding not in Finding.values:
        raise ValidationFailed(
            _("请选择结论"), code="invalid_finding", fields={"finding": _("必选")}
        )
    if len(reasons.strip()) < 10:
        raise ValidationFailed(
            _("请写明结论的理由（至少 10 字）"),
            code="reasons_required",
            fields={"reasons": _("必填")},
        )
    update_if_version(
        complaint,
        expected_version,
        STALE,
        status=ComplaintStatus.CONCLUDED,
        finding=finding,
        finding_reasons=reasons.strip(),
        concluded_at=timezone.now(),
    )
    add_public(complaint.tracking, PublicEvent.CONCLUDED)
    audit.record(
        actor=acting_user, action="complaint.conclude", obj=complaint, data={"finding": finding}
    )
    return complaint


@transaction.atomic
def do_reply_complaint(
    complaint: Complaint, *, acting_user: Any, reply: str, expected_version: int
) -> Complaint:
    """The reply to the complainant, shown on the portal; the complaint is then closed."""
    from zhian.services.operations.surveys import invite_survey

    check_can(acting_user, "complaint.handle", complaint.unit)
    _check_handler(complaint, acting_user)
    if complaint.status != ComplaintStatus.CONCLUDED:
        raise Conflict(_("请先作出结论再答复"), code="complaint_not_concluded")
    if len(reply.strip()) < 10:
        raise ValidationFailed(
            _("请填写答复内容"), code="reply_required", fields={"reply": _("必填")}
        )
    now = timezone.now()
    update_if_version(
        complaint,
        expected_version,
        STALE,
        status=ComplaintStatus.REPLIED,
        reply=reply.strip(),
        replied_at=now,
    )
    add_public(complaint.tracking, PublicEvent.REPLIED, reply.strip(), at=now)
    finish_tracking(complaint.tracking, now)
    invite_survey(complaint.tracking, station=complaint.unit)
    audit.record(actor=acting_user, action="complaint.reply", obj=complaint)
    return complaint


@transaction.atomic
def do_add_complaint_note(complaint: Complaint, *, acting_user: Any, text: str) -> None:
    check_can(acting_user, "complaint.handle", complaint.unit)
    _check_handler(complaint, acting_user)
    if not text.strip():
        raise ValidationFailed(_("备注不能为空"), code="note_required")
    add_internal(complaint.tracking, acting_user, text.strip())
    audit.record(actor=acting_user, action="complaint.note", obj=complaint)


@transaction.atomic
def reveal_complainant(complaint: Complaint, *, acting_user: Any, purpose: str) -> dict[str, str]:
    """The complainant's name and phone, for the handler only, with an audited purpose."""
    check_can(acting_user, "complaint.handle", complaint.unit)
    _check_handler(complaint, acting_user)
    audit.record_personal_data_read(
        actor=acting_user,
        obj=complaint,
        purpose=check_purpose(purpose),
        fields=["complainant_name", "phone"],
    )
    return {"name": complaint.complainant_name, "phone": complaint.tracking.phone}


@dataclass(frozen=True)
class UnitFindings:
    unit: Jurisdiction
    upheld: int
    partly_upheld: int
    not_upheld: int

    @property
    def effective(self) -> int:
        """有效投诉: upheld in full or in part."""
        return self.upheld + self.partly_upheld


def findings_by_unit(user: Any, start: date, end: date) -> list[UnitFindings]:
    """Findings concluded in [start, end] (local days) per complained-about unit."""
    tz = timezone.get_current_timezone()
    lo = datetime.combine(start, datetime.min.time(), tz)
    hi = datetime.combine(end + timedelta(days=1), datetime.min.time(), tz)
    rows = (
        scoped(Complaint.objects.all(), user, "complaint.view", field="unit")
        .filter(concluded_at__gte=lo, concluded_at__lt=hi)
        .values("unit")
        .annotate(
            u=Count("pk", filter=Q(finding=Finding.UPHELD)),
            p=Count("pk", filter=Q(finding=Finding.PARTLY_UPHELD)),
            n=Count("pk", filter=Q(finding=Finding.NOT_UPHELD)),
        )
    )
    by_pk = {r["unit"]: r for r in rows}
    units = Jurisdiction.objects.filter(pk__in=by_pk).defer("boundary").order_by("code")
    return [UnitFindings(j, by_pk[j.pk]["u"], by_pk[j.pk]["p"], by_pk[j.pk]["n"]) for j in units]
