"""Two-factor log-on (双因素认证): TOTP apps with one-time recovery codes (django-otp).

Required for the roles in ``ZHIAN_MFA_ROLES`` (administrators, supervisors, leaders, the
security and audit administrators) and for staff of the Django admin site; available to
everyone, and once a user has confirmed a device it is always asked for. Failed codes count
towards the same lock-out as failed passwords. Every change is audited."""

from __future__ import annotations

import base64
import hashlib
import secrets
from typing import Any

import segno
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from zhian.core import audit
from zhian.core.errors import NotFound, PermissionDenied, ValidationFailed
from zhian.core.models.accounts import LoginFailure, User
from zhian.core.services.accounts import (
    LoginFailed,
    LoginLocked,
    check_login_allowed,
    client_ip,
    record_lockout_if_reached,
)

RECOVERY_CODES = 10
RECOVERY_CODE_BYTES = 10  # 80 random bits: 16 base32 characters
TOTP_NAME = "totp"
RECOVERY_NAME = "recovery"


def role_requires_mfa(user: Any) -> bool:
    """Whether the user's roles (or staff status) make a second factor compulsory."""
    if not settings.ZHIAN_MFA_REQUIRED:
        return False
    if user.is_staff or user.is_superuser:
        return True
    roles = set(settings.ZHIAN_MFA_ROLES)
    return any(ra.role in roles for ra in user.role_assignments.all())


def has_confirmed_device(user: Any) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def mfa_waived() -> bool:
    """The demo-only waiver (``ZHIAN_DEMO_WAIVE_MFA``); settings refuse it unless DEBUG."""
    return bool(settings.DEBUG and getattr(settings, "ZHIAN_DEMO_WAIVE_MFA", False))


def mfa_needed(user: Any) -> bool:
    """A second factor is asked of this user at log-on."""
    if has_confirmed_device(user):
        return True
    return role_requires_mfa(user) and not mfa_waived()


def session_is_verified(request: HttpRequest) -> bool:
    user = request.user
    return bool(getattr(user, "is_verified", lambda: False)())


def qr_svg(device: TOTPDevice) -> str:
    """The provisioning URI as an inline SVG QR code (no inline style: CSP-safe)."""
    return str(segno.make(device.config_url, error="m").svg_inline(scale=4, border=2))


@transaction.atomic
def do_start_totp_setup(*, acting_user: User) -> TOTPDevice:
    """A fresh unconfirmed TOTP device for the user (replacing any earlier unconfirmed one).
    Nothing changes for log-on until it is confirmed with a code."""
    TOTPDevice.objects.filter(user=acting_user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=acting_user, name=TOTP_NAME, confirmed=False)


def pending_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()


def recovery_digest(code: str) -> str:
    """What the database keeps of a recovery code (never the code): 16 URL-safe base64
    characters (96 bits) of its SHA-256, which fit django-otp's token column. A code has 80
    random bits, so the digest cannot be turned back into a code by trying codes; a code
    is checked by looking up its digest (django-otp's lookup, throttling and one-time use
    are kept)."""
    raw = hashlib.sha256(b"zhian-recovery-code:" + _clean_code(code).encode()).digest()
    return base64.urlsafe_b64encode(raw)[:16].decode("ascii")


def _new_recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [
        base64.b32encode(secrets.token_bytes(RECOVERY_CODE_BYTES)).decode("ascii").lower()
        for _i in range(RECOVERY_CODES)
    ]
    StaticToken.objects.bulk_create(
        [StaticToken(device=device, token=recovery_digest(c)) for c in codes]
    )
    return codes


def _clean_code(code: str) -> str:
    return "".join(code.split()).lower()


def do_confirm_totp(request: HttpRequest, *, acting_user: User, code: str) -> list[str]:
    """Confirm the pending device with a current code; it replaces any earlier device, the
    session counts as verified, and new recovery codes are returned (shown once). A wrong
    code is audited (and throttled by the device) and changes nothing else."""
    device = pending_device(acting_user)
    if device is None:
        raise NotFound(_("没有待确认的验证器，请重新开始绑定"))
    if not device.verify_token(_clean_code(code)):
        audit.record(actor=acting_user, action="mfa.enable", outcome="failure")
        raise ValidationFailed(_("验证码不正确或已过期"), code="mfa_code_invalid", field="code")
    with transaction.atomic():
        TOTPDevice.objects.filter(user=acting_user, confirmed=True).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _new_recovery_codes(acting_user)
        otp_login(request, device)
        audit.record(actor=acting_user, action="mfa.enable", obj=device, data={"kind": "totp"})
    return codes


def do_verify_mfa(request: HttpRequest, *, user: User, code: str) -> None:
    """Check a TOTP or recovery code for the signed-in user and mark the session verified.
    A wrong code counts as a failed log-on (same lock-out); every attempt is audited."""
    ip = client_ip(request)
    try:
        check_login_allowed(user.username, ip)
    except LoginLocked:
        audit.record(actor=user, action="auth.mfa", outcome="locked", data={"ip": ip})
        raise
    code = _clean_code(code)
    for device in (
        *TOTPDevice.objects.filter(user=user, confirmed=True),
        *StaticDevice.objects.filter(user=user, confirmed=True),
    ):
        stored = recovery_digest(code) if isinstance(device, StaticDevice) else code
        if code and device.verify_token(stored):
            with transaction.atomic():
                otp_login(request, device)
                kind = "recovery" if isinstance(device, StaticDevice) else "totp"
                left = device.token_set.count() if isinstance(device, StaticDevice) else None
                audit.record(
                    actor=user, action="auth.mfa", data={"kind": kind, "ip": ip, "left": left}
                )
            return
    with transaction.atomic():
        LoginFailure.objects.create(username=user.username, ip=ip, at=timezone.now())
        audit.record(actor=user, action="auth.mfa", outcome="failure", data={"ip": ip})
        record_lockout_if_reached(user.username, ip)
    raise LoginFailed(_("验证码不正确"))


@transaction.atomic
def do_regenerate_recovery_codes(*, acting_user: User) -> list[str]:
    if not has_confirmed_device(acting_user):
        raise ValidationFailed(_("请先绑定验证器"), code="mfa_not_enabled")
    codes = _new_recovery_codes(acting_user)
    audit.record(actor=acting_user, action="mfa.recovery_codes", obj=acting_user)
    return codes


@transaction.atomic
def do_reset_mfa(*, acting_user: Any, user: User, reason: str) -> None:
    """Remove a user's devices (lost phone and codes) so they bind a new one at next log-on.
    Only a system or security administrator over one of the user's jurisdictions, never on
    their own account (``acting_user=None`` is the operator's management command)."""
    from zhian.core.scoping import can

    reason = reason.strip()
    if len(reason) < 2:
        raise ValidationFailed(_("请填写重置原因"), code="reason_required", field="reason")
    if acting_user is not None:
        if acting_user.pk == user.pk:
            raise PermissionDenied(_("不能重置自己的双因素认证"))
        places = [ra.jurisdiction for ra in user.role_assignments.select_related("jurisdiction")]
        if not places or not any(can(acting_user, "mfa.reset", j) for j in places):
            raise PermissionDenied(_("您无权重置该用户的双因素认证"))
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    audit.record(actor=acting_user, action="mfa.reset", obj=user, data={"reason": reason})
