"""``Idempotency-Key`` on every API POST: a retry returns the first response instead of
acting twice.

:func:`idempotent_posts` is a view decorator the API installs once for all operations
(django-ninja's "view" mode), so no handler can forget it. For a POST with the header it
names the user the key belongs to, replays a stored response for a repeated key and
request, refuses the key with another request (422), and otherwise runs the view and
writes its 2xx response in one transaction: a key is either unused or bound to a
completed response. A concurrent duplicate that gets as far as the record loses on its
unique constraint, rolls back its own work and replays the winner's response; one that
the winner's effects refuse (409) replays it too (see :func:`run_once`). Refused
requests (4xx) are not recorded, so a corrected retry with the same key runs. Keys are
remembered for :data:`KEY_TTL`.

Operations marked :func:`response_not_stored` (a response holding a secret or personal
data) ignore the key: their responses are never copied into the record table.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any, TypeVar

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.translation import gettext as _

from zhian.core.errors import ServiceError, ValidationFailed
from zhian.core.models.idempotency import IdempotencyRecord

MAX_KEY_LENGTH = 255

View = Callable[..., HttpResponseBase]
F = TypeVar("F", bound=Callable[..., Any])

_NOT_STORED = "zhian_response_not_stored"


def response_not_stored(func: F) -> F:
    """Mark an API operation whose response must never be stored for replay (an API
    token's secret, callers' personal data): it runs anew on every retry."""
    setattr(func, _NOT_STORED, True)
    return func


def _stores_responses(view: View) -> bool:
    """False for an operation marked :func:`response_not_stored` (``view`` is the bound
    ``run`` of a django-ninja operation, whose ``view_func`` is the endpoint)."""
    endpoint = getattr(getattr(view, "__self__", None), "view_func", None)
    return not getattr(endpoint, _NOT_STORED, False)


def _replay(record: IdempotencyRecord) -> HttpResponse:
    content = "" if record.body == "" else json.dumps(record.body, ensure_ascii=False)
    response = HttpResponse(
        content, status=record.status, content_type="application/json; charset=utf-8"
    )
    response["Idempotent-Replayed"] = "true"
    return response


def _digest(request: HttpRequest) -> str:
    head = (request.method or "POST").encode() + b" " + request.get_full_path().encode()
    return hashlib.sha256(head + b"\n" + request.body).hexdigest()


#: How long a key is remembered: long enough for any client's retries, short enough not
#: to keep copies of responses (prune older records with ``prune_idempotency_keys``).
KEY_TTL = timedelta(hours=24)


def _live(user: Any, key: str) -> QuerySet[IdempotencyRecord]:
    return IdempotencyRecord.objects.filter(
        user=user, key=key, created_at__gte=timezone.now() - KEY_TTL
    )


def _stored(user: Any, key: str, digest: str) -> HttpResponse | None:
    record = _live(user, key).first()
    if record is None:
        return None
    if record.request_hash != digest:
        raise ValidationFailed(
            _("同一 Idempotency-Key 已用于不同的请求"), code="idempotency_key_reused"
        )
    return _replay(record)


def run_once(
    request: HttpRequest, user: Any, key: str, view: Callable[[], HttpResponseBase]
) -> HttpResponseBase:
    """Run ``view`` at most once for ``user`` and ``key`` (see the module docstring).

    A duplicate that raced the first request sees the first one's effects only once it
    has committed, and with them its stored response: so a duplicate refused for a
    conflict (a unit already sent, a step already done) or beaten to the record answers
    with that stored response instead.
    """
    if len(key) > MAX_KEY_LENGTH:
        raise ValidationFailed(
            _("Idempotency-Key 过长（最多 255 个字符）"), code="invalid_idempotency_key"
        )
    digest = _digest(request)
    previous = _stored(user, key, digest)
    if previous is not None:
        return previous
    try:
        with transaction.atomic():
            response = view()
            if 200 <= response.status_code < 300:
                content = getattr(response, "content", b"")
                IdempotencyRecord.objects.filter(
                    user=user, key=key, created_at__lt=timezone.now() - KEY_TTL
                ).delete()
                IdempotencyRecord.objects.create(
                    user=user,
                    key=key,
                    request_hash=digest,
                    status=response.status_code,
                    body=json.loads(content) if content else "",
                )
    except IntegrityError:
        replay = _stored(user, key, digest)
        if replay is None:
            raise
        return replay
    if not 200 <= response.status_code < 300:
        return _stored(user, key, digest) or response
    return response


def prune_expired_keys() -> int:
    """Delete records older than :data:`KEY_TTL`; the number deleted."""
    deleted, _kinds = IdempotencyRecord.objects.filter(
        created_at__lt=timezone.now() - KEY_TTL
    ).delete()
    return deleted


KEY_PARAMETER = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "schema": {"type": "string", "maxLength": MAX_KEY_LENGTH},
    "description": (
        "Any unique string (e.g. a UUID) per intended action. A retry with the same key "
        "and body returns the first response with `Idempotent-Replayed: true` instead of "
        "acting twice; the same key with another body is refused (422)."
    ),
}


def _document(view: View) -> None:
    """Add the header to the OpenAPI description of a POST operation (``view`` is the
    bound ``run`` of a django-ninja operation; other callables are left alone)."""
    operation = getattr(view, "__self__", None)
    if operation is None or "POST" not in getattr(operation, "methods", ()):
        return
    extra = operation.openapi_extra = dict(operation.openapi_extra or {})
    extra["parameters"] = [*extra.get("parameters", []), KEY_PARAMETER]


def idempotent_posts(
    authenticate: Callable[[HttpRequest], Any],
    on_error: Callable[[HttpRequest, ServiceError], HttpResponseBase],
) -> Callable[[View], View]:
    """View decorator: ``Idempotency-Key`` for every POST of the views it wraps.

    ``authenticate(request)`` returns the user the key belongs to, or None to let the
    view answer (401) without idempotency; ``on_error`` renders a refused key.
    """

    def decorate(view: View) -> View:
        if not _stores_responses(view):
            return view
        _document(view)

        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            key = request.headers.get("Idempotency-Key", "").strip()
            if request.method != "POST" or not key:
                return view(request, *args, **kwargs)
            user = authenticate(request)
            if user is None:
                return view(request, *args, **kwargs)
            try:
                return run_once(request, user, key, lambda: view(request, *args, **kwargs))
            except ServiceError as exc:
                return on_error(request, exc)

        return wrapper

    return decorate
