"""Issuing, checking and revoking API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhian.core import audit
from zhian.core.errors import NotFound, PermissionDenied, ValidationFailed
from zhian.core.models.accounts import User
from zhian.core.models.tokens import ApiToken

TOKEN_PREFIX = "zt_"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def do_create_token(
    *, acting_user: User, name: str, expires_in_days: int = 90
) -> tuple[ApiToken, str]:
    """Issue a token for the acting user. The secret is returned once and never stored.
    Every token expires (at most ``ZHIAN_TOKEN_MAX_DAYS`` days); a user whose role needs a
    second factor gets one only after binding it (the session that asks is verified by
    ``MfaRequiredMiddleware``; a token cannot outlive that rule)."""
    from zhian.core.services.mfa import has_confirmed_device, mfa_waived, role_requires_mfa

    if (
        role_requires_mfa(acting_user)
        and not mfa_waived()
        and not has_confirmed_device(acting_user)
    ):
        raise PermissionDenied(
            _("您的角色要求双因素认证，请先绑定验证器再申请令牌"), code="mfa_required"
        )
    max_days = settings.ZHIAN_TOKEN_MAX_DAYS
    name = name.strip()
    if not name or len(name) > 100:
        raise ValidationFailed(
            _("请填写令牌用途（1–100 个字符）"), code="invalid_name", field="name"
        )
    if (
        not isinstance(expires_in_days, int)
        or isinstance(expires_in_days, bool)
        or not 1 <= expires_in_days <= max_days
    ):
        raise ValidationFailed(
            _("有效期须在 1–%(max)d 天之间") % {"max": max_days},
            code="invalid_expiry",
            field="expires_in_days",
        )
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=acting_user,
        name=name,
        prefix=secret[:10],
        digest=_digest(secret),
        expires_at=timezone.now() + timedelta(days=expires_in_days),
    )
    audit.record(
        actor=acting_user,
        action="token.create",
        obj=token,
        data={"name": name, "expires_in_days": expires_in_days},
    )
    return token, secret


@transaction.atomic
def do_revoke_token(*, acting_user: User, token_id: int) -> ApiToken:
    """Revoke one of the acting user's tokens (idempotent)."""
    token = ApiToken.objects.filter(pk=token_id, user=acting_user).first()
    if token is None:
        raise NotFound(_("未找到该令牌"))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(actor=acting_user, action="token.revoke", obj=token)
    return token


def user_for_token(secret: str) -> User | None:
    """The active user behind a live token, or None."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    now = timezone.now()
    token = ApiToken.objects.select_related("user").filter(digest=_digest(secret)).first()
    if token is None or token.revoked_at is not None or not token.user.is_active:
        return None
    if token.expires_at is not None and token.expires_at <= now:
        return None
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
