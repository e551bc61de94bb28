"""Disputes (矛盾纠纷排查化解): register (also from a 110 incident), parties, risk,
mediation, follow-up visits, a police incident when the risk turns high, and the hand-over
to a people's mediation committee with its result coming back (公调对接)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhian.core import audit
from zhian.core.attachments import DOCUMENT_TYPES, IMAGE_TYPES, store_attachment
from zhian.core.concurrency import update_if_version
from zhian.core.coords import gcj02_to_wgs84
from zhian.core.errors import Conflict, ValidationFailed
from zhian.core.geo import point_cell
from zhian.core.parties import LegalBasis, check_party_fields, reveal_party
from zhian.core.scoping import can, check_can
from zhian.core.selectors import jurisdiction_at
from zhian.dispatch import selectors as dispatch_selectors
from zhian.dispatch.models import Incident
from zhian.dispatch.services.incidents import IncidentInput, do_create_incident
from zhian.grid.choices import (
    OPEN_DISPUTE,
    DisputeEventKind,
    DisputeStatus,
    DisputeType,
    EventKind,
    MediationOutcome,
    ReportStatus,
    ReportType,
    RiskLevel,
)
from zhian.grid.models import (
    Department,
    Dispute,
    DisputeAgreement,
    DisputeEvent,
    DisputeParty,
    FollowUpVisit,
    GridReport,
    MediationSession,
    Referral,
)
from zhian.grid.services import notify
from zhian.grid.services import risk as risk_rules
from zhian.grid.services.departments import Route
from zhian.grid.services.reports import _open_referral, locate
from zhian.grid.services.timeline import add_event, refresh_status

STALE_DISPUTE = gettext_lazy("该纠纷已被他人修改，请刷新后重试")
#: The incident category raised for each dispute type (seeded 05 纠纷 codes).
INCIDENT_CATEGORY = {
    DisputeType.FAMILY: "0501",
    DisputeType.NEIGHBOUR: "0502",
    DisputeType.PROPERTY_MANAGEMENT: "0502",
    DisputeType.LAND: "0503",
    DisputeType.LABOUR: "0503",
    DisputeType.ECONOMIC: "0503",
    DisputeType.OTHER: "0502",
}
#: And the dispute type for an incident category (opening a dispute from a 110 call).
DISPUTE_TYPE = {
    "0501": DisputeType.FAMILY,
    "0502": DisputeType.NEIGHBOUR,
    "0503": DisputeType.ECONOMIC,
    "0504": DisputeType.ECONOMIC,
}
DISPUTE_CATEGORY_PREFIX = "05"


@dataclass(frozen=True)
class DisputeInput:
    dispute_type: str
    title: str
    summary: str
    address: str
    lon: float
    lat: float
    crs: str = "wgs84"
    threat_of_violence: bool = False
    weapon_mentioned: bool = False


def _event(dispute: Dispute, kind: str, actor: Any, note: str = "", **data: Any) -> None:
    DisputeEvent.objects.create(
        dispute=dispute, kind=kind, actor=actor, note=note[:2000], data=data
    )


def _validate(data: DisputeInput) -> tuple[float, float]:
    errors: dict[str, str] = {}
    if data.dispute_type not in DisputeType.values:
        errors["dispute_type"] = _("纠纷类型无效")
    if not data.title.strip() or len(data.title) > 100:
        errors["title"] = _("请填写事由（不超过 100 字）")
    if not data.summary.strip() or len(data.summary) > 4000:
        errors["summary"] = _("请填写纠纷情况（不超过 4000 字）")
    if not data.address.strip() or len(data.address) > 200:
        errors["address"] = _("请填写地点（不超过 200 字）")
    if data.crs not in {"wgs84", "gcj02"}:
        errors["crs"] = _("坐标系须为 wgs84 或 gcj02")
    if not (-180 <= data.lon <= 180 and -90 <= data.lat <= 90):
        errors["lon"] = _("坐标超出范围")
    if errors:
        raise ValidationFailed("；".join(errors.values()), code="invalid_dispute", fields=errors)
    return gcj02_to_wgs84(data.lon, data.lat) if data.crs == "gcj02" else (data.lon, data.lat)


@transaction.atomic
def do_register_dispute(
    data: DisputeInput, *, acting_user: Any, source_incident: Incident | None = None
) -> Dispute:
    """登记 a dispute where it happens; its risk is assessed at once (and a high risk
    raises a police incident, see :func:`apply_risk`)."""
    lon, lat = _validate(data)
    jurisdiction = locate(acting_user, "dispute.manage", lon, lat)
    check_can(acting_user, "dispute.manage", jurisdiction)
    if (
        source_incident is not None
        and Dispute.objects.filter(source_incident=source_incident).exists()
    ):
        raise Conflict(_("该警情已登记为矛盾纠纷"), code="dispute_exists")
    dispute = Dispute.objects.create(
        jurisdiction=jurisdiction,
        dispute_type=data.dispute_type,
        title=data.title.strip(),
        summary=data.summary.strip(),
        address=data.address.strip(),
        lon=lon,
        lat=lat,
        h3_cell=point_cell(lon, lat),
        threat_of_violence=data.threat_of_violence,
        weapon_mentioned=data.weapon_mentioned,
        source_incident=source_incident,
        registered_by=acting_user,
    )
    note = source_incident.number if source_incident else ""
    _event(dispute, DisputeEventKind.REGISTERED, acting_user, note)
    audit.record(
        actor=acting_user,
        action="dispute.create",
        obj=dispute,
        data={"type": dispute.dispute_type, "incident": source_incident and source_incident.pk},
    )
    apply_risk(dispute, acting_user=acting_user)
    return dispute


def check_can_open_dispute_from(incident_id: int, *, acting_user: Any) -> Incident:
    """The incident a dispute may be opened from: one the user can see (404 otherwise) at a
    place where they manage disputes (403 otherwise), checked before anything about the
    incident (its category, an existing dispute) is said."""
    incident = dispatch_selectors.access_incident(acting_user, incident_id)
    where = jurisdiction_at(acting_user, "dispute.manage", incident.lon, incident.lat)
    check_can(acting_user, "dispute.manage", where or incident.jurisdiction)
    return incident


@transaction.atomic
def do_open_dispute_from_incident(incident_id: int, *, acting_user: Any) -> Dispute:
    """A 110 incident classified as a dispute (纠纷类警情) becomes a dispute in the grid,
    at the incident's place, once."""
    incident = check_can_open_dispute_from(incident_id, acting_user=acting_user)
    if not incident.category.code.startswith(DISPUTE_CATEGORY_PREFIX):
        raise ValidationFailed(_("只有纠纷类警情可以登记为矛盾纠纷"), code="not_a_dispute")
    data = DisputeInput(
        dispute_type=DISPUTE_TYPE.get(incident.category.code, DisputeType.OTHER),
        title=f"{incident.category.name} · {incident.number}"[:100],
        summary=incident.narrative or incident.category.name,
        address=incident.address,
        lon=incident.lon,
        lat=incident.lat,
    )
    return do_register_dispute(data, acting_user=acting_user, source_incident=incident)


def apply_risk(dispute: Dispute, *, acting_user: Any) -> str:
    """Re-assess the risk by the written criteria and store level and reasons. When it
    becomes high, raise one linked police incident (if the user may; otherwise the
    dispute waits for a community officer to do so)."""
    outcomes = list(dispute.sessions.values_list("outcome", flat=True))
    assessed = risk_rules.assess(
        text=f"{dispute.title} {dispute.summary}",
        threat_of_violence=dispute.threat_of_violence,
        weapon_mentioned=dispute.weapon_mentioned,
        lon=dispute.lon,
        lat=dispute.lat,
        outcomes=outcomes,
    )
    before = dispute.risk_level
    if assessed.level != before or assessed.reasons != dispute.risk_reasons:
        Dispute.objects.filter(pk=dispute.pk).update(
            risk_level=assessed.level, risk_reasons=assessed.reasons, version=F("version") + 1
        )
        dispute.refresh_from_db(fields=["risk_level", "risk_reasons", "version"])
        _event(
            dispute,
            DisputeEventKind.RISK,
            acting_user,
            "；".join(assessed.reasons),
            level=assessed.level,
            before=before,
            points=assessed.points,
        )
    if assessed.level == RiskLevel.HIGH and dispute.raised_incident_id is None:
        if can(acting_user, "incident.create", dispute.jurisdiction):
            raise_incident(dispute, acting_user=acting_user)
        elif before != RiskLevel.HIGH:
            _event(
                dispute,
                DisputeEventKind.INCIDENT_PENDING,
                acting_user,
                _("风险升为高，请社区民警转警情"),
            )
    return assessed.level


class _AlreadyRaised(Exception):
    pass


def raise_incident(dispute: Dispute, *, acting_user: Any) -> Incident | None:
    """Create the dispute's police incident through dispatch's intake, once: the link is
    set by a conditional UPDATE, and a loser's incident is rolled back with its savepoint."""
    try:
        with transaction.atomic():
            incident = do_create_incident(
                IncidentInput(
                    channel="patrol",
                    category_code=INCIDENT_CATEGORY[DisputeType(dispute.dispute_type)],
                    address=dispute.address,
                    lon=dispute.lon,
                    lat=dispute.lat,
                    priority=2,
                    narrative=_("矛盾纠纷 #%(id)d 风险升为高：%(reasons)s")
                    % {"id": dispute.pk, "reasons": "；".join(dispute.risk_reasons)},
                ),
                acting_user=acting_user,
            ).incident
            won = Dispute.objects.filter(pk=dispute.pk, raised_incident__isnull=True).update(
                raised_incident=incident, version=F("version") + 1
            )
            if not won:
                raise _AlreadyRaised
    except _AlreadyRaised:
        return None
    dispute.raised_incident = incident
    dispute.refresh_from_db(fields=["version"])
    _event(
        dispute,
        DisputeEventKind.INCIDENT_RAISED,
        acting_user,
        incident.number,
        incident=incident.pk,
    )
    audit.record(
        actor=acting_user,
        action="dispute.raise_incident",
        obj=dispute,
        data={"incident": incident.number},
    )
    return incident


@transaction.atomic
def do_raise_incident(dispute: Dispute, *, acting_user: Any) -> Incident:
    """A community officer raises the incident a high-risk dispute is waiting for."""
    check_can(acting_user, "incident.create", dispute.jurisdiction)
    if dispute.risk_level != RiskLevel.HIGH:
        raise Conflict(_("只有高风险纠纷需要转警情"), code="not_high_risk")
    incident = raise_incident(dispute, acting_user=acting_user)
    if incident is None:
        raise Conflict(_("该纠纷已转警情"), code="incident_exists")
    return incident


@transaction.atomic
def do_update_risk_factors(
    dispute: Dispute,
    *,
    acting_user: Any,
    expected_version: int,
    threat_of_violence: bool,
    weapon_mentioned: bool,
    summary: str | None = None,
) -> Dispute:
    """New facts (排查发现): threat or weapon flags, an amended account; risk re-assessed."""
    check_can(acting_user, "dispute.manage", dispute.jurisdiction)
    fields: dict[str, Any] = {
        "threat_of_violence": threat_of_violence,
        "weapon_mentioned": weapon_mentioned,
    }
    if summary is not None:
        if not summary.strip() or len(summary) > 4000:
            raise ValidationFailed(_("请填写纠纷情况（不超过 4000 字）"), code="invalid_dispute")
        fields["summary"] = summary.strip()
    update_if_version(dispute, expected_version, STALE_DISPUTE, **fields)
    audit.record(
        actor=acting_user,
        action="dispute.update",
        obj=dispute,
        data={k: v for k, v in fields.items() if k != "summary"},
    )
    apply_risk(dispute, acting_user=acting_user)
    return dispute


@transaction.atomic
def do_add_party(dispute: Dispute, *, acting_user: Any, **fields: str) -> DisputeParty:
    """登记当事人 (validated ID number and phone; the 人民调解法 by default)."""
    check_can(acting_user, "dispute.manage", dispute.jurisdiction)
    fields.setdefault("legal_basis", LegalBasis.PEOPLES_MEDIATION)
    values = check_party_fields(**fields)
    party = DisputeParty.objects.create(dispute=dispute, created_by=acting_user, **values)
    _event(dispute, DisputeEventKind.PARTY_ADDED, acting_user, party.masked_name)
    audit.record(
        actor=acting_user,
        action="dispute.add_party",
        obj=party,
        data={"dispute": dispute.pk, "role": party.role},
    )
    return party


@transaction.atomic
def do_reveal_party(party: DisputeParty, *, acting_user: Any, purpose: str) -> dict[str, str]:
    """The party's clear data, after the reveal is authorised and logged with its purpose."""
    check_can(acting_user, "dispute.party_reveal", party.dispute.jurisdiction)
    return reveal_party(
        party, acting_user=acting_user, purpose=purpose, jurisdiction=party.dispute.jurisdiction
    )


@transaction.atomic
def do_record_session(
    dispute: Dispute,
    *,
    acting_user: Any,
    mediator: str,
    held_on: date,
    outcome: str,
    notes: str = "",
) -> MediationSession:
    """调解: record a mediation session; an agreement settles the dispute."""
    check_can(acting_user, "dispute.manage", dispute.jurisdiction)
    if dispute.status not in OPEN_DISPUTE:
        raise Conflict(_("纠纷已结案"), code="dispute_closed")
    errors: dict[str, str] = {}
    if not mediator.strip() or len(mediator) > 100:
        errors["mediator"] = _("请填写调解员")
    if outcome not in MediationOutcome.values:
        errors["outcome"] = _("调解结果无效")
    if held_on > timezone.localdate():
        errors["held_on"] = _("调解日期不能晚于今天")
    if len(notes) > 4000:
        errors["notes"] = _("调解情况不超过 4000 字")
    if errors:
        raise ValidationFailed("；".join(errors.values()), code="invalid_session", fields=errors)
    session = MediationSession.objects.create(
        dispute=dispute,
        mediator=mediator.strip(),
        held_on=held_on,
        outcome=outcome,
        notes=notes.strip(),
        recorded_by=acting_user,
    )
    status = (
        DisputeStatus.SETTLED
        if outcome == MediationOutcome.AGREEMENT
        else (DisputeStatus.MEDIATING)
    )
    Dispute.objects.filter(pk=dispute.pk).update(
        status=status,
        closed_at=timezone.now() if status == DisputeStatus.SETTLED else None,
        version=F("version") + 1,
    )
    dispute.refresh_from_db(fields=["status", "closed_at", "version"])
    _event(
        dispute,
        DisputeEventKind.SESSION,
        acting_user,
        session.get_outcome_display(),
        session=session.pk,
        outcome=outcome,
    )
    audit.record(
        actor=acting_user, action="dispute.session", obj=dispute, data={"outcome": outcome}
    )
    apply_risk(dispute, acting_user=acting_user)
    return session


@transaction.atomic
def do_schedule_follow_up(
    dispute: Dispute, *, acting_user: Any, due_on: date, assignee: Any = None
) -> FollowUpVisit:
    """安排回访 on ``due_on``; the assignee (default: the user) is reminded that day."""
    check_can(acting_user, "dispute.manage", dispute.jurisdiction)
    assignee = assignee or acting_user
    if due_on < timezone.localdate():
        raise ValidationFailed(_("回访日期不能早于今天"), code="invalid_follow_up")
    if not can(assignee, "dispute.manage", dispute.jurisdiction):
        raise ValidationFailed(_("回访人须能办理该辖区的纠纷"), code="invalid_assignee")
    visit = FollowUpVisit.objects.create(dispute=dispute, due_on=due_on, assignee=assignee)
    _event(dispute, DisputeEventKind.FOLLOW_UP_PLANNED, acting_user, due_on.isoformat())
    audit.record(
        actor=acting_user, action="dispute.schedule_follow_up", obj=dispute, data={"due_on": due_on}
    )
    return visit


@transaction.atomic
def do_complete_follow_up(visit: FollowUpVisit, *, acting_user: Any, note: str) -> FollowUpVisit:
    check_can(acting_user, "dispute.manage", visit.dispute.jurisdiction)
    if not note.strip() or len(note) > 2000:
        raise ValidationFailed(_("请填写回访情况"), code="invalid_note")
    won = FollowUpVisit.objects.filter(pk=visit.pk, done_at__isnull=True).update(
        done_at=timezone.now(), note=note.strip()
    )
    if not won:
        raise Conflict(_("该回访已完成"), code="follow_up_done")
    visit.refresh_from_db()
    _event(visit.dispute, DisputeEventKind.FOLLOW_UP_DONE, acting_user, note.strip())
    audit.record(actor=acting_user, action="dispute.follow_up", obj=visit.dispute)
    return visit


def remind_due_follow_ups(*, today: date | None = None) -> list[FollowUpVisit]:
    """Remind the assignee of every open visit due by ``today``, once (a conditional
    UPDATE on ``reminded_at``), and return the visits reminded."""
    today = today or timezone.localdate()
    reminded = []
    due = FollowUpVisit.objects.filter(
        due_on__lte=today, done_at__isnull=True, reminded_at__isnull=True
    ).select_related("dispute", "assignee")
    for visit in due:
        with transaction.atomic():
            if FollowUpVisit.objects.filter(pk=visit.pk, reminded_at__isnull=True).update(
                reminded_at=timezone.now()
            ):
                _event(
                    visit.dispute,
                    DisputeEventKind.FOLLOW_UP_REMINDED,
                    None,
                    visit.due_on.isoformat(),
                )
                notify.follow_up_due(visit)
                reminded.append(visit)
    return reminded


@transaction.atomic
def do_hand_over_to_mediation(
    dispute: Dispute, department: Department, *, acting_user: Any
) -> Referral:
    """公调对接: hand the dispute to a people's mediation committee as a referral (its
    clocks, reminders and escalation apply); the committee's 办结 comes back onto the
    dispute (:func:`receive_mediation_result`)."""
    check_can(acting_user, "dispute.manage", dispute.jurisdiction)
    if department.kind != "mediation_committee":
        raise ValidationFailed(_("请选择人民调解委员会"), code="not_mediation_committee")
    if not dispute.jurisdiction.path.startswith(department.jurisdiction.path):
        raise ValidationFailed(_("该调解委员会不服务此辖区"), code="department_outside_area")
    if dispute.status not in OPEN_DISPUTE or dispute.handover_report_id:
        raise Conflict(_("该纠纷已移交或已结案"), code="already_handed_over")
    now = timezone.now()
    report = GridReport.objects.create(
        jurisdiction=dispute.jurisdiction,
        report_type=ReportType.DISPUTE,
        status=ReportStatus.IN_PROGRESS,
        description=f"{dispute.title}\n{dispute.summary}"[:2000],
        address=dispute.address,
        lon=dispute.lon,
        lat=dispute.lat,
        h3_cell=dispute.h3_cell,
        reporter=acting_user,
        created_at=now,
    )
    add_event(
        report,
        EventKind.SUBMITTED,
        actor=acting_user,
        at=now,
        note=_("矛盾纠纷 #%(id)d 移交人民调解") % {"id": dispute.pk},
    )
    referral = _open_referral(
        report,
        Route(department, department.sign_hours, department.resolve_days),
        actor=acting_user,
        at=now,
    )
    refresh_status(report, at=now)
    won = Dispute.objects.filter(pk=dispute.pk, handover_report__isnull=True).update(
        handover_report=report, status=DisputeStatus.HANDED_OVER, version=F("version") + 1
    )
    if not won:
        raise Conflict(_("该纠纷已移交"), code="already_handed_over")
    dispute.refresh_from_db(fields=["handover_report", "status", "version"])
    _event(dispute, DisputeEventKind.HANDED_OVER, acting_user, department.name, report=report.pk)
    audit.record(
        actor=acting_user,
        action="dispute.hand_over",
        obj=dispute,
        data={"department": department.code, "report": report.pk},
    )
    return referral


def receive_mediation_result(referral: Referral, *, acting_user: Any) -> None:
    """Called when a referral is resolved: if its report carries a handed-over dispute,
    the committee's result lands on the dispute (in the same transaction)."""
    dispute = Dispute.objects.filter(handover_report=referral.report_id).first()
    if dispute is None:
        return
    Dispute.objects.filter(pk=dispute.pk).update(
        mediation_result=referral.resolution,
        status=DisputeStatus.MEDIATING,
        version=F("version") + 1,
    )
    _event(
        dispute,
        DisputeEventKind.RESULT_RECEIVED,
        acting_user,
        referral.resolution,
        department=referral.department.code,
    )


@transaction.atomic
def do_close_dispute(
    dispute: Dispute, *, acting_user: Any, expected_version: int, settled: bool, note: str
) -> Dispute:
    """结案: settled (化解) or not (调解未果, e.g. referred to court)."""
    check_can(acting_user, "dispute.manage", dispute.jurisdiction)
    if dispute.status not in OPEN_DISPUTE:
        raise Conflict(_("纠纷已结案"), code="dispute_closed")
    if not note.strip():
        raise ValidationFailed(_("请填写结案说明"), code="invalid_note")
    update_if_version(
        dispute,
        expected_version,
        STALE_DISPUTE,
        status=DisputeStatus.SETTLED if settled else DisputeStatus.UNSETTLED,
        closed_at=timezone.now(),
    )
    _event(dispute, DisputeEventKind.CLOSED, acting_user, note.strip(), settled=settled)
    audit.record(actor=acting_user, action="dispute.close", obj=dispute, data={"settled": settled})
    return dispute


@transaction.atomic
def do_attach_agreement(
    dispute: Dispute, upload: Any, *, acting_user: Any, session: MediationSession | None = None
) -> DisputeAgreement:
    """Keep a mediation agreement (调解协议书: PDF, Word or a photo of the signed page)."""
    check_can(acting_user, "dispute.manage", dispute.jurisdiction)
    if session is not None and session.dispute_id != dispute.pk:
        raise ValidationFailed(_("调解记录不属于该纠纷"), code="invalid_session")
    attachment = store_attachment(
        upload, acting_user=acting_user, allowed=IMAGE_TYPES | DOCUMENT_TYPES
    )
    agreement = DisputeAgreement.objects.create(
        dispute=dispute, session=session, attachment=attachment
    )
    _event(
        dispute,
        DisputeEventKind.SESSION,
        acting_user,
        _("上传调解协议：%(name)s") % {"name": attachment.original_name},
        agreement=agreement.pk,
    )
    audit.record(
        actor=acting_user,
        action="dispute.attach_agreement",
        obj=dispute,
        data={"attachment": attachment.pk, "sha256": attachment.sha256},
    )
    return agreement
