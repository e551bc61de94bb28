"""Tracking codes (受理编号), the public and internal timelines, and the citizen's view of
a request (code + last four digits of the phone)."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhian.core.errors import NotFound, ValidationFailed
from zhian.core.parties import validate_phone
from zhian.services.choices import PublicEvent
from zhian.services.models import InternalNote, PublicUpdate, Tracking

# No 0/O/1/I: codes are read aloud on the phone and typed from paper.
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_LENGTH = 10  # 32**10 ≈ 1.1e15: unguessable at the portal's rate limits


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(raw: str) -> str:
    """Upper case without spaces or dashes; O→0 is not mapped because neither is used."""
    return re.sub(r"[\s\-]", "", raw or "").upper()


def format_code(code: str) -> str:
    """``ABCDE-FGHJK``: easier to read aloud."""
    return f"{code[:5]}-{code[5:]}"


def normalise_phone(raw: str) -> str:
    """A mainland mobile (11 digits) or a landline with area code (core's rules), with
    the error on the form's ``phone`` field."""
    try:
        return validate_phone(raw)
    except ValidationFailed as exc:
        raise ValidationFailed(
            exc.message, code="invalid_phone", fields={"phone": exc.message}
        ) from exc


def phone_digest(phone: str) -> str:
    """A keyed digest for rate limits: counts a phone without storing it."""
    from django.conf import settings

    return hashlib.sha256(f"{settings.SECRET_KEY}:{phone}".encode()).hexdigest()[:32]


def open_tracking(*, kind: str, channel: str, phone: str, at: datetime | None = None) -> Tracking:
    """A new tracking row with a fresh code (a collision, ~never, draws again)."""
    digits = re.sub(r"\D", "", phone)
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return Tracking.objects.create(
                    code=new_code(),
                    kind=kind,
                    channel=channel,
                    phone=phone,
                    phone_last4=digits[-4:],
                    created_at=at or timezone.now(),
                )
        except IntegrityError:
            continue
    raise RuntimeError("could not draw a unique tracking code")


def add_public(
    tracking: Tracking, event: str, message: str = "", at: datetime | None = None
) -> None:
    """Append to the public timeline: a fixed event and, optionally, text for the citizen."""
    PublicUpdate.objects.create(
        tracking=tracking, at=at or timezone.now(), event=event, message=message[:1000]
    )


def add_internal(tracking: Tracking, author: Any, text: str) -> None:
    InternalNote.objects.create(
        tracking=tracking, at=timezone.now(), author=author, text=text[:2000]
    )


@transaction.atomic
def finish_tracking(tracking: Tracking, at: datetime | None = None) -> None:
    """The request is over: the retention period of its contact data starts now."""
    at = at or timezone.now()
    if Tracking.objects.filter(pk=tracking.pk, finished_at__isnull=True).update(finished_at=at):
        tracking.finished_at = at


@dataclass(frozen=True)
class PublicEntry:
    at: datetime
    event: str
    label: str
    message: str


@dataclass(frozen=True)
class PublicView:
    """What the portal shows for a tracking code: nothing internal is ever loaded."""

    code: str
    kind: str
    kind_label: str
    status_label: str
    created_at: datetime
    detail: dict[str, Any]
    timeline: list[PublicEntry]


def find_tracking(code: str, last4: str) -> Tracking:
    """The tracking row for a code and the phone's last four digits. Both wrong and
    partly wrong answer the same NotFound, so the form cannot be used to probe codes."""
    code = normalise_code(code)
    last4 = (last4 or "").strip()
    found = None
    if len(code) == CODE_LENGTH and len(last4) == 4 and last4.isdigit():
        found = Tracking.objects.filter(code=code).first()
    if (
        found is None
        or found.contact_erased_at is not None
        or not secrets.compare_digest(found.phone_last4, last4)
    ):
        raise NotFound(_("未找到该受理编号，或电话号码后四位不符"), code="tracking_not_found")
    return found


def public_timeline(tracking: Tracking) -> list[PublicEntry]:
    labels = dict(PublicEvent.choices)
    return [
        PublicEntry(u.at, u.event, str(labels.get(u.event, u.event)), u.message)
        for u in PublicUpdate.objects.filter(tracking=tracking).only("at", "event", "message")
    ]
