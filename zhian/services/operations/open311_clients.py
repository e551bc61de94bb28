"""Open311 API keys (e.g. for the 12345 hotline). Only a SHA-256 digest is stored; the key
is shown once when created."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhian.core import audit
from zhian.core.errors import Conflict, ValidationFailed
from zhian.core.scoping import check_can
from zhian.services.models import Open311Client
from zhian.services.operations.portal import default_bureau

KEY_PREFIX = "o311_"


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def do_create_open311_client(*, acting_user: Any, name: str) -> tuple[Open311Client, str]:
    """A new client and its key (returned once, never stored in clear)."""
    check_can(acting_user, "open311.manage", default_bureau())
    if not name.strip() or len(name) > 100:
        raise ValidationFailed(_("请填写客户端名称（100 字以内）"), code="invalid_name")
    key = KEY_PREFIX + secrets.token_urlsafe(30)
    client = Open311Client.objects.create(
        name=name.strip(), prefix=key[:12], digest=_digest(key), created_by=acting_user
    )
    audit.record(actor=acting_user, action="open311.client.create", obj=client)
    return client, key


@transaction.atomic
def do_revoke_open311_client(client: Open311Client, *, acting_user: Any) -> Open311Client:
    check_can(acting_user, "open311.manage", default_bureau())
    if client.revoked_at is not None:
        raise Conflict(_("该密钥已停用"), code="already_revoked")
    client.revoked_at = timezone.now()
    client.save(update_fields=["revoked_at"])
    audit.record(actor=acting_user, action="open311.client.revoke", obj=client)
    return client


def client_for_key(key: str) -> Open311Client | None:
    """The active client holding ``key``, or None."""
    if not key or not key.startswith(KEY_PREFIX) or len(key) > 100:
        return None
    client = Open311Client.objects.filter(digest=_digest(key), revoked_at__isnull=True).first()
    if client is not None:
        Open311Client.objects.filter(pk=client.pk).update(last_used_at=timezone.now())
    return client
