"""Parties (当事人) of a case and the evidence register with its chain of custody (保管链)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhian.core import audit
from zhian.core.attachments import EVIDENCE_TYPES, store_attachment
from zhian.core.errors import Conflict, ValidationFailed
from zhian.core.parties import check_party_fields, reveal_party
from zhian.core.scoping import check_can
from zhian.records.choices import (
    FINAL_CUSTODY,
    FINAL_STAGES,
    CustodyAction,
    EntryKind,
    EvidenceKind,
)
from zhian.records.models import Case, CustodyEntry, Evidence, EvidenceFile, Party
from zhian.records.services.cases import check_can_work_case
from zhian.records.services.timeline import add_entry


def _check_open(case: Case) -> None:
    if case.stage in FINAL_STAGES:
        raise Conflict(_("案件已办结，不能修改"), code="case_final")


@transaction.atomic
def do_add_party(case: Case, *, acting_user: Any, **fields: str) -> Party:
    """登记当事人: ID number (GB 11643) and phone validated by core, a legal basis required."""
    check_can_work_case(acting_user, case)
    _check_open(case)
    values = check_party_fields(**fields)
    party = Party.objects.create(case=case, created_by=acting_user, **values)
    add_entry(
        case,
        EntryKind.PARTY,
        actor=acting_user,
        note=f"{party.get_role_display()} {party.masked_name}",
        data={"party": party.pk},
    )
    audit.record(actor=acting_user, action="case.party.add", obj=party, data={"role": party.role})
    return party


@transaction.atomic
def do_reveal_party(party: Party, *, acting_user: Any, purpose: str) -> dict[str, str]:
    """Clear values for a stated purpose; the personal-data-read audit event is written first."""
    case = party.case
    check_can(acting_user, "party.reveal", case.jurisdiction)
    return reveal_party(
        party, acting_user=acting_user, purpose=purpose, jurisdiction=case.jurisdiction
    )


def _text(errors: dict[str, str], name: str, value: str, limit: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        errors[name] = _("此项必填")
    elif len(value) > limit:
        errors[name] = _("不超过 %(n)d 字") % {"n": limit}
    return value


def _raise(errors: dict[str, str], code: str) -> None:
    if errors:
        raise ValidationFailed(
            "；".join(f"{k}: {v}" for k, v in errors.items()), code=code, fields=errors
        )


@transaction.atomic
def do_register_evidence(
    case: Case,
    *,
    acting_user: Any,
    kind: str,
    name: str,
    holder: str,
    reason: str,
    at: datetime | None = None,
    description: str = "",
    quantity: str = "",
) -> Evidence:
    """登记证据物品: the register row and the first custody entry (扣押/提取) together."""
    check_can_work_case(acting_user, case)
    _check_open(case)
    errors: dict[str, str] = {}
    if kind not in EvidenceKind.values:
        errors["kind"] = _("请选择种类")
    name = _text(errors, "name", name, 120)
    holder = _text(errors, "holder", holder, 120)
    reason = _text(errors, "reason", reason, 200)
    description = _text(errors, "description", description, 2000, required=False)
    quantity = _text(errors, "quantity", quantity, 40, required=False)
    at = at or timezone.now()
    if at.tzinfo is None or at > timezone.now():
        errors["at"] = _("时间须带时区且不晚于当前时间")
    _raise(errors, "invalid_evidence")
    evidence = Evidence.objects.create(
        case=case,
        kind=kind,
        name=name,
        holder=holder,
        description=description,
        quantity=quantity,
        created_by=acting_user,
    )
    CustodyEntry.objects.create(
        evidence=evidence,
        seq=1,
        action=CustodyAction.SEIZED,
        at=at,
        from_holder="",
        to_holder=holder,
        reason=reason,
        recorded_by=acting_user,
    )
    add_entry(
        case,
        EntryKind.EVIDENCE,
        actor=acting_user,
        note=name,
        data={"evidence": evidence.pk},
        at=at,
    )
    audit.record(actor=acting_user, action="case.evidence.add", obj=evidence, data={"name": name})
    return evidence


@transaction.atomic
def do_record_custody(
    evidence: Evidence,
    *,
    acting_user: Any,
    action: str,
    to_holder: str,
    reason: str,
    at: datetime | None = None,
) -> CustodyEntry:
    """Append one link: it must not predate the previous one, and nothing follows 发还/销毁."""
    case = evidence.case
    check_can_work_case(acting_user, case)
    errors: dict[str, str] = {}
    if action not in CustodyAction.values or action == CustodyAction.SEIZED:
        errors["action"] = _("请选择保管事项")
    to_holder = _text(errors, "to_holder", to_holder, 120)
    reason = _text(errors, "reason", reason, 200)
    at = at or timezone.now()
    last = evidence.custody.order_by("-seq").first()
    if at.tzinfo is None or at > timezone.now():
        errors["at"] = _("时间须带时区且不晚于当前时间")
    elif last is not None and at < last.at:
        errors["at"] = _("时间不能早于上一条保管记录（%(at)s）") % {
            "at": timezone.localtime(last.at).strftime("%Y-%m-%d %H:%M")
        }
    _raise(errors, "invalid_custody")
    if evidence.status in FINAL_CUSTODY:
        raise Conflict(_("该物品已发还或处置，保管链已结束"), code="custody_closed")
    try:
        with transaction.atomic():
            entry = CustodyEntry.objects.create(
                evidence=evidence,
                seq=(last.seq if last else 0) + 1,
                action=action,
                at=at,
                from_holder=evidence.holder,
                to_holder=to_holder,
                reason=reason,
                recorded_by=acting_user,
            )
    except IntegrityError:
        raise Conflict(_("保管记录已被他人更新，请刷新后重试"), code="custody_race") from None
    Evidence.objects.filter(pk=evidence.pk).update(holder=to_holder, status=action)
    evidence.holder, evidence.status = to_holder, action
    audit.record(
        actor=acting_user,
        action="case.evidence.custody",
        obj=evidence,
        data={"seq": entry.seq, "action": action, "to": to_holder},
    )
    return entry


@transaction.atomic
def do_attach_evidence_file(evidence: Evidence, *, acting_user: Any, upload: Any) -> EvidenceFile:
    """Attach a photo or document to an evidence item (type by content, size limit
    ``ZHIAN_EVIDENCE_MAX_BYTES``); a refused upload leaves no row and no file."""
    check_can_work_case(acting_user, evidence.case)
    _check_open(evidence.case)
    attachment = store_attachment(
        upload,
        acting_user=acting_user,
        allowed=EVIDENCE_TYPES,
        max_bytes=settings.ZHIAN_EVIDENCE_MAX_BYTES,
    )
    row = EvidenceFile.objects.create(evidence=evidence, attachment=attachment)
    audit.record(
        actor=acting_user,
        action="case.evidence.file",
        obj=evidence,
        data={"attachment": attachment.pk, "sha256": attachment.sha256, "size": attachment.size},
    )
    return row
