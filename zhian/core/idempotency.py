"""``Idempotency-Key`` on POST: a replay returns the first response instead of acting twice.

The operation and the stored response commit in one transaction, so a key is either
unused or bound to a completed response; a concurrent duplicate loses on the unique
constraint, rolls back its own work and answers with the winner's response.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse

from zhian.core.errors import ValidationFailed
from zhian.core.models.idempotency import IdempotencyRecord

MAX_KEY_LENGTH = 255


def _json_response(status: int, body: Any, replayed: bool = False) -> HttpResponse:
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False, default=str),
        status=status,
        content_type="application/json; charset=utf-8",
    )
    if replayed:
        response["Idempotent-Replayed"] = "true"
    return response


def idempotent(
    request: HttpRequest, user: Any, operation: Callable[[], tuple[int, Any]]
) -> HttpResponse:
    """Run ``operation`` (returning status and a JSON-ready body) at most once per key."""
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key:
        status, body = operation()
        return _json_response(status, body)
    if len(key) > MAX_KEY_LENGTH:
        raise ValidationFailed(
            "Idempotency-Key 过长（最多 255 个字符）", code="invalid_idempotency_key"
        )
    digest = hashlib.sha256(
        (request.method or "POST").encode() + b" " + request.path.encode() + b"\n" + request.body
    ).hexdigest()

    def stored() -> HttpResponse | None:
        record = IdempotencyRecord.objects.filter(user=user, key=key).first()
        if record is None:
            return None
        if record.request_hash != digest:
            raise ValidationFailed(
                "同一 Idempotency-Key 已用于不同的请求", code="idempotency_key_reused"
            )
        return _json_response(record.status, record.body, replayed=True)

    previous = stored()
    if previous is not None:
        return previous
    try:
        with transaction.atomic():
            status, body = operation()
            body = json.loads(json.dumps(body, default=str))
            IdempotencyRecord.objects.create(
                user=user, key=key, request_hash=digest, status=status, body=body
            )
    except IntegrityError:
        replay = stored()
        if replay is None:
            raise
        return replay
    return _json_response(status, body)
