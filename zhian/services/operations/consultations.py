"""Consultations (在线咨询): a question answered by staff within the SLA, optionally
published, anonymised, to the FAQ (常见问题)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhian.core import audit
from zhian.core.concurrency import update_if_version
from zhian.core.errors import Conflict, ValidationFailed
from zhian.core.models import Jurisdiction
from zhian.core.scoping import check_can
from zhian.services.choices import ConsultationStatus, PublicEvent, TrackedKind
from zhian.services.models import Consultation, FaqEntry
from zhian.services.operations import ratelimits
from zhian.services.operations.portal import Citizen, default_bureau
from zhian.services.operations.tracking import (
    add_public,
    finish_tracking,
    normalise_phone,
    open_tracking,
    phone_digest,
)

STALE = gettext_lazy("该咨询已被他人答复，请刷新后查看")
# Runs of digits long enough to be a phone, ID, plate or account number; e-mail addresses.
_IDENTIFIERS = re.compile(r"\d[\d\s\-]{5,}[\dXx]|[\w.+-]+@[\w-]+\.[\w.]+")


def anonymise(text: str) -> str:
    """Mask identifiers in text meant for the public FAQ (names stay for the editor)."""
    return _IDENTIFIERS.sub("＊＊＊", text).strip()


def submit_consultation(
    *, topic: str, question: str, phone: str, station: Jurisdiction | None, citizen: Citizen
) -> Consultation:
    errors: dict[str, str] = {}
    if not topic.strip() or len(topic) > 100:
        errors["topic"] = _("请填写主题（100 字以内）")
    if len(question.strip()) < 5 or len(question) > 4000:
        errors["question"] = _("请填写问题（5–4000 字）")
    try:
        phone = normalise_phone(phone)
    except ValidationFailed as exc:
        errors.update(exc.extra.get("fields", {}))
    if errors:
        raise ValidationFailed(
            "；".join(errors.values()), code="invalid_consultation", fields=errors
        )
    if citizen.ip:
        ratelimits.hit("consult_ip", citizen.ip)
    ratelimits.hit("consult_phone", phone_digest(phone))
    return _store(topic.strip(), question.strip(), phone, station, citizen)


@transaction.atomic
def _store(
    topic: str, question: str, phone: str, station: Jurisdiction | None, citizen: Citizen
) -> Consultation:
    now = timezone.now()
    tracking = open_tracking(
        kind=TrackedKind.CONSULTATION, channel=citizen.channel, phone=phone, at=now
    )
    consultation = Consultation.objects.create(
        tracking=tracking,
        jurisdiction=station or default_bureau(),
        topic=topic,
        question=question,
        due_at=now + timedelta(hours=settings.ZHIAN_CONSULTATION_SLA_HOURS),
        created_at=now,
    )
    add_public(tracking, PublicEvent.SUBMITTED, at=now)
    audit.record(
        actor=None, action="consultation.submit", obj=consultation, data=citizen.audit_data()
    )
    return consultation


@transaction.atomic
def do_answer_consultation(
    consultation: Consultation,
    *,
    acting_user: Any,
    expected_version: int,
    answer: str,
    publish: bool = False,
    faq_question: str = "",
) -> Consultation:
    """Answer; with ``publish`` the question (as edited in ``faq_question``, identifiers
    masked) and the answer go to the FAQ without any trace of who asked."""
    check_can(acting_user, "consultation.answer", consultation.jurisdiction)
    if consultation.status != ConsultationStatus.OPEN:
        raise Conflict(_("该咨询已答复"), code="consultation_answered")
    if len(answer.strip()) < 2:
        raise ValidationFailed(
            _("请填写答复"), code="answer_required", fields={"answer": _("必填")}
        )
    now = timezone.now()
    update_if_version(
        consultation,
        expected_version,
        STALE,
        status=ConsultationStatus.ANSWERED,
        answer=answer.strip(),
        answered_at=now,
        answered_by=acting_user,
    )
    add_public(consultation.tracking, PublicEvent.ANSWERED, answer.strip(), at=now)
    finish_tracking(consultation.tracking, now)
    if publish:
        FaqEntry.objects.create(
            consultation=consultation,
            topic=consultation.topic,
            question=anonymise(faq_question or consultation.question),
            answer=anonymise(answer),
            published_at=now,
        )
    audit.record(
        actor=acting_user,
        action="consultation.answer",
        obj=consultation,
        data={"published": publish, "late": now > consultation.due_at},
    )
    return consultation
