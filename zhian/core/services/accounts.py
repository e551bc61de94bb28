"""Log-on with throttling, and user and role administration."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from zhian.core import audit
from zhian.core.errors import ServiceError, ValidationFailed
from zhian.core.models.accounts import LoginFailure, Role, RoleAssignment, User
from zhian.core.models.jurisdictions import Jurisdiction


class LoginLocked(ServiceError):
    status = 429
    code = "login_locked"


class LoginFailed(ServiceError):
    status = 401
    code = "login_failed"


def client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def _recent_failures(username: str, ip: str | None) -> tuple[int, int]:
    since = timezone.now() - timedelta(seconds=settings.ZHIAN_LOGIN_LOCKOUT_SECONDS)
    recent = LoginFailure.objects.filter(at__gte=since)
    by_user = recent.filter(username__iexact=username).count()
    # An address gets more room than one account: a station may share one NAT address.
    by_ip = recent.filter(ip=ip).count() if ip else 0
    return by_user, by_ip


def check_login_allowed(username: str, ip: str | None) -> None:
    by_user, by_ip = _recent_failures(username, ip)
    limit = settings.ZHIAN_LOGIN_MAX_FAILURES
    if by_user >= limit or by_ip >= limit * 4:
        minutes = settings.ZHIAN_LOGIN_LOCKOUT_SECONDS // 60
        raise LoginLocked(_("登录失败次数过多，请 %(minutes)d 分钟后再试") % {"minutes": minutes})


def do_log_in(request: HttpRequest, username: str, password: str) -> User:
    """Authenticate or raise; every attempt is audited, failures are counted."""
    ip = client_ip(request)
    username = username.strip()
    check_login_allowed(username, ip)
    user = authenticate(request, username=username, password=password)
    if user is None:
        with transaction.atomic():
            LoginFailure.objects.create(username=username[:150], ip=ip, at=timezone.now())
            audit.record(
                actor=None,
                action="auth.login",
                outcome="failure",
                data={"username": username[:150], "ip": ip},
            )
        raise LoginFailed(_("用户名或密码错误"))
    with transaction.atomic():
        LoginFailure.objects.filter(username__iexact=username).delete()
        audit.record(actor=user, action="auth.login", data={"ip": ip})
    return user


def prune_login_failures() -> int:
    """Drop failures older than the lock-out window (a periodic job)."""
    cutoff = timezone.now() - timedelta(seconds=settings.ZHIAN_LOGIN_LOCKOUT_SECONDS)
    deleted, _by_model = LoginFailure.objects.filter(at__lt=cutoff).delete()
    return deleted


@transaction.atomic
def do_create_user(
    *,
    acting_user: Any,
    username: str,
    password: str,
    display_name: str = "",
    roles: Iterable[tuple[Role | str, Jurisdiction]] = (),
) -> User:
    """Create a staff account with its roles; the password must pass the site's rules."""
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationFailed(
            _("用户名 %(username)s 已存在") % {"username": username}, code="duplicate_username"
        )
    user = User(username=username, display_name=display_name)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationFailed(
            pgettext("sentence separator", "；").join(exc.messages), code="weak_password"
        ) from exc
    user.set_password(password)
    user.save()
    for role, jurisdiction in roles:
        RoleAssignment.objects.create(user=user, role=Role(role), jurisdiction=jurisdiction)
    audit.record(
        actor=acting_user,
        action="user.create",
        obj=user,
        data={"roles": [[str(r), j.code] for r, j in roles]},
    )
    return user
