"""Appending to and verifying the audit chain (see ``models/audit.py``)."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhian.core.errors import ValidationFailed
from zhian.core.models.audit import GENESIS_HASH, AuditEvent
from zhian.core.requestcontext import current_request_id

# Any fixed 64-bit key: the PostgreSQL advisory lock that serialises appends.
_PG_LOCK_KEY = 0x7A6869616E  # "zhian"


def canonical_payload(
    *,
    seq: int,
    at: datetime,
    actor_id: int | None,
    actor: str,
    action: str,
    object_type: str,
    object_id: str,
    purpose: str,
    request_id: str,
    outcome: str,
    data: dict[str, Any],
) -> str:
    """The exact text that is hashed: sorted keys, UTC microseconds, no whitespace."""
    body = {
        "seq": seq,
        "at": at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "actor_id": actor_id,
        "actor": actor,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "purpose": purpose,
        "request_id": request_id,
        "outcome": outcome,
        "data": data,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def chain_hash(prev_hash: str, payload: str) -> str:
    return hashlib.sha256((prev_hash + payload).encode()).hexdigest()


def _event_hash(event: AuditEvent) -> str:
    payload = canonical_payload(
        seq=event.seq,
        at=event.at,
        actor_id=event.actor_id,
        actor=event.actor,
        action=event.action,
        object_type=event.object_type,
        object_id=event.object_id,
        purpose=event.purpose,
        request_id=event.request_id,
        outcome=event.outcome,
        data=event.data,
    )
    return chain_hash(event.prev_hash, payload)


def _lock_chain() -> None:
    """Serialise appends. SQLite already holds the write lock (IMMEDIATE transactions)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_LOCK_KEY])


def record(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    purpose: str = "",
    outcome: str = "success",
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event in the caller's transaction (or a new one) and return it.

    ``actor`` is a user, or None for a named system job (put its name in ``data["job"]``).
    """
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    actor_id = getattr(actor, "pk", None) if actor is not None else None
    actor_name = actor.get_username() if actor is not None else "system"
    payload_data = json.loads(json.dumps(data or {}, default=str))
    # Inside the caller's transaction no savepoint is needed: a failure aborts it all.
    with transaction.atomic(savepoint=False):
        _lock_chain()
        head = AuditEvent.objects.order_by("-seq").values("seq", "hash").first()
        seq = head["seq"] + 1 if head else 1
        prev_hash = head["hash"] if head else GENESIS_HASH
        event = AuditEvent(
            seq=seq,
            at=timezone.now(),
            actor_id=actor_id,
            actor=actor_name,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            purpose=purpose,
            request_id=current_request_id.get(),
            outcome=outcome,
            data=payload_data,
            prev_hash=prev_hash,
        )
        event.hash = _event_hash(event)
        event.save(force_insert=True)
    return event


def record_personal_data_read(
    *,
    actor: Any,
    obj: models.Model,
    purpose: str,
    fields: Iterable[str],
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Log a read of a person's data (查询事由 required); ``data`` adds context such as the
    jurisdiction (the read fields are always recorded under ``"fields"``)."""
    purpose = purpose.strip()
    if len(purpose) < 2:
        raise ValidationFailed(_("查看个人信息必须填写事由"), code="purpose_required")
    return record(
        actor=actor,
        action="personal_data.read",
        obj=obj,
        purpose=purpose,
        data={**(data or {}), "fields": sorted(fields)},
    )


@dataclass(frozen=True)
class ChainReport:
    """Outcome of :func:`verify_chain`."""

    ok: bool
    count: int
    head_hash: str
    first_bad_seq: int | None = None
    reason: str = ""


def verify_chain(expected_head: dict[str, Any] | None = None) -> ChainReport:
    """Walk the chain in ``seq`` order and report the first event that breaks it.

    Detects a changed row (hash mismatch), a deleted or inserted row (gap in ``seq`` or a
    ``prev_hash`` that is not the previous hash) and reordering. A truncated tail leaves a
    valid shorter chain: it is caught only against ``expected_head`` (an exported head).
    """
    prev_hash = GENESIS_HASH
    expected_seq = 1
    count = 0
    for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=2000):
        if event.seq != expected_seq:
            return ChainReport(
                False,
                count,
                prev_hash,
                expected_seq,
                f"事件 #{expected_seq} 缺失（下一条为 #{event.seq}）",
            )
        if event.prev_hash != prev_hash:
            return ChainReport(
                False,
                count,
                prev_hash,
                event.seq,
                f"事件 #{event.seq} 的前序哈希与链不符",
            )
        if _event_hash(event) != event.hash:
            return ChainReport(
                False,
                count,
                prev_hash,
                event.seq,
                f"事件 #{event.seq} 的内容已被修改",
            )
        prev_hash = event.hash
        expected_seq += 1
        count += 1
    if expected_head is not None:
        head_seq = int(expected_head["seq"])
        if count < head_seq:
            return ChainReport(
                False,
                count,
                prev_hash,
                count + 1,
                f"链尾被截断：导出的链头为 #{head_seq}，现存仅 {count} 条",
            )
        if (
            head_seq > 0
            and not AuditEvent.objects.filter(seq=head_seq, hash=expected_head["hash"]).exists()
        ):
            return ChainReport(
                False, count, prev_hash, head_seq, f"事件 #{head_seq} 与导出的链头不符"
            )
    return ChainReport(True, count, prev_hash)


def current_head() -> dict[str, Any]:
    head = AuditEvent.objects.order_by("-seq").values("seq", "hash", "at").first()
    if head is None:
        return {"seq": 0, "hash": GENESIS_HASH, "at": None}
    return {"seq": head["seq"], "hash": head["hash"], "at": head["at"].isoformat()}


def export_head(target: Path) -> dict[str, Any]:
    """Write the chain head to ``target`` atomically (a temporary file, then a rename) and
    return it; copied off the machine, it lets ``audit_verify`` detect a truncated tail."""
    head = current_head()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    tmp.write_text(json.dumps(head), encoding="utf-8")
    os.replace(tmp, target)
    return head
