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


def record_lockout_if_reached(username: str, ip: str | None) -> None:
    """Audit the failure that locks an account (call after storing the failure)."""
    by_user, _by_ip = _recent_failures(username, ip)
    if by_user == settings.ZHIAN_LOGIN_MAX_FAILURES:
        audit.record(
            actor=None,
            action="auth.lockout",
            outcome="failure",
            data={
                "username": username,
                "ip": ip,
                "seconds": settings.ZHIAN_LOGIN_LOCKOUT_SECONDS,
            },
        )


def do_log_in(request: HttpRequest, username: str, password: str) -> User:
    """Authenticate or raise; every attempt is audited, failures are counted."""
    ip = client_ip(request)
    username = username.strip()[:150]
    try:
        check_login_allowed(username, ip)
    except LoginLocked:
        audit.record(
            actor=None,
            action="auth.login",
            outcome="locked",
            data={"username": username, "ip": ip},
        )
        raise
    user = authenticate(request, username=username, password=password)
    if user is None:
        with transaction.atomic():
            LoginFailure.objects.create(username=username, ip=ip, at=timezone.now())
            audit.record(
                actor=None,
                action="auth.login",
                outcome="failure",
                data={"username": username, "ip": ip},
            )
            record_lockout_if_reached(username, ip)
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
    roles = list(roles)
    check_separation_of_duties(r for r, _j in roles)
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


# 三员分立 (separation of the three administrators, MLPS): the system administrator, the
# security administrator and the audit administrator are three people.
SEPARATED_ROLES = frozenset(
    {Role.ADMINISTRATOR, Role.SECURITY_ADMINISTRATOR, Role.AUDIT_ADMINISTRATOR}
)


def check_separation_of_duties(roles: Iterable[Role | str]) -> None:
    """Refuse a set of roles that holds two of the three administrator roles."""
    held = {Role(r) for r in roles} & SEPARATED_ROLES
    if len(held) > 1:
        names = "、".join(sorted(str(r.label) for r in held))
        raise ValidationFailed(
            _("三员分立：同一账号不能同时担任%(roles)s") % {"roles": names},
            code="separation_of_duties",
            field="role",
        )


def separation_violations() -> list[tuple[str, list[str]]]:
    """Accounts that hold two or more of the three administrator roles (existing data,
    e.g. from before the rule or from a direct database edit): ``[(username, roles)]``."""
    rows = (
        RoleAssignment.objects.filter(role__in=[str(r) for r in SEPARATED_ROLES])
        .values_list("user__username", "role")
        .order_by("user__username", "role")
        .distinct()
    )
    held: dict[str, set[str]] = {}
    for username, role in rows:
        held.setdefault(username, set()).add(role)
    return [(u, sorted(r)) for u, r in held.items() if len(r) > 1]


@transaction.atomic
def do_assign_role(
    *, acting_user: Any, user: User, role: Role | str, jurisdiction: Jurisdiction
) -> RoleAssignment:
    """The security administrator's power: give ``user`` ``role`` on ``jurisdiction``.
    Never to oneself, never a second of the three administrator roles."""
    from zhian.core.errors import PermissionDenied
    from zhian.core.scoping import check_can

    check_can(acting_user, "role.assign", jurisdiction)
    if acting_user is not None and acting_user.pk == user.pk:
        raise PermissionDenied(_("不能给自己分配角色"), code="self_assignment")
    try:
        role = Role(role)
    except ValueError:
        raise ValidationFailed(_("角色无效"), code="invalid_role", field="role") from None
    check_separation_of_duties([*user.role_assignments.values_list("role", flat=True), role])
    assignment, created = RoleAssignment.objects.get_or_create(
        user=user, role=role, jurisdiction=jurisdiction
    )
    if created:
        audit.record(
            actor=acting_user,
            action="role.assign",
            obj=user,
            data={"role": str(role), "jurisdiction": jurisdiction.code},
        )
    return assignment


@transaction.atomic
def do_revoke_role(*, acting_user: Any, assignment: RoleAssignment) -> None:
    from zhian.core.errors import PermissionDenied
    from zhian.core.scoping import check_can

    check_can(acting_user, "role.assign", assignment.jurisdiction)
    if acting_user is not None and acting_user.pk == assignment.user_id:
        raise PermissionDenied(_("不能撤销自己的角色"), code="self_assignment")
    audit.record(
        actor=acting_user,
        action="role.revoke",
        obj=assignment.user,
        data={"role": assignment.role, "jurisdiction": assignment.jurisdiction.code},
    )
    assignment.delete()
