"""The department registry (报到部门), their liaisons, and routing rules (分派规则)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from zhian.core import audit
from zhian.core.errors import Conflict, ValidationFailed
from zhian.core.models import Jurisdiction
from zhian.core.scoping import check_can
from zhian.grid.choices import DepartmentKind, ReportType
from zhian.grid.models import Department, DepartmentMember, RoutingRule


def _check_clocks(sign_hours: int | None, resolve_days: int | None) -> None:
    errors: dict[str, str] = {}
    if sign_hours is not None and not 1 <= sign_hours <= 24 * 30:
        errors["sign_hours"] = _("签收时限须为 1–720 小时")
    if resolve_days is not None and not 1 <= resolve_days <= 365:
        errors["resolve_days"] = _("办结时限须为 1–365 天")
    if errors:
        raise ValidationFailed("；".join(errors.values()), code="invalid_sla", fields=errors)


@transaction.atomic
def do_create_department(
    *,
    acting_user: Any,
    code: str,
    name: str,
    kind: str,
    jurisdiction: Jurisdiction,
    sign_hours: int = 4,
    resolve_days: int = 5,
) -> Department:
    """Register a department that serves ``jurisdiction`` (and everything below it)."""
    if acting_user is not None:
        check_can(acting_user, "department.manage", jurisdiction)
    code, name = code.strip(), name.strip()
    if not code or len(code) > 32 or not name or len(name) > 100:
        raise ValidationFailed(
            _("请填写部门编码（≤32 字）和名称（≤100 字）"), code="invalid_department"
        )
    if kind not in DepartmentKind.values:
        raise ValidationFailed(_("部门类别无效"), code="invalid_department_kind")
    _check_clocks(sign_hours, resolve_days)
    if Department.objects.filter(code=code).exists():
        raise Conflict(_("部门编码 %(code)s 已存在") % {"code": code}, code="department_exists")
    department = Department.objects.create(
        code=code,
        name=name,
        kind=kind,
        jurisdiction=jurisdiction,
        sign_hours=sign_hours,
        resolve_days=resolve_days,
    )
    audit.record(
        actor=acting_user,
        action="department.create",
        obj=department,
        data={"code": code, "kind": kind, "jurisdiction": jurisdiction.code},
    )
    return department


@transaction.atomic
def do_add_liaison(department: Department, user: Any, *, acting_user: Any) -> DepartmentMember:
    """List ``user`` as a liaison of ``department``. They must already hold
    ``Role.DEPARTMENT_LIAISON`` somewhere in the department's area, so that the role
    (where) and the membership (for whom) together say what they may handle."""
    if acting_user is not None:
        check_can(acting_user, "department.manage", department.jurisdiction)
    if not DepartmentMember(department=department, user=user).holds_liaison_role():
        raise ValidationFailed(
            _("该用户在本部门服务辖区内没有“部门联络员”角色"), code="not_a_liaison"
        )
    member, created = DepartmentMember.objects.get_or_create(department=department, user=user)
    if created:
        audit.record(
            actor=acting_user,
            action="department.add_liaison",
            obj=department,
            data={"user": user.get_username()},
        )
    return member


@transaction.atomic
def do_create_routing_rule(
    *,
    acting_user: Any,
    report_type: str,
    jurisdiction: Jurisdiction,
    department: Department,
    sign_hours: int | None = None,
    resolve_days: int | None = None,
) -> RoutingRule:
    """Send reports of ``report_type`` in ``jurisdiction`` (and below) to ``department``."""
    if acting_user is not None:
        check_can(acting_user, "department.manage", jurisdiction)
    if report_type not in ReportType.values:
        raise ValidationFailed(_("事件类型无效"), code="invalid_report_type")
    _check_clocks(sign_hours, resolve_days)
    if not jurisdiction.path.startswith(department.jurisdiction.path):
        raise ValidationFailed(_("规则的辖区须在部门服务辖区之内"), code="rule_outside_department")
    if RoutingRule.objects.filter(
        report_type=report_type, jurisdiction=jurisdiction, department=department
    ).exists():
        raise Conflict(_("相同的分派规则已存在"), code="rule_exists")
    rule = RoutingRule.objects.create(
        report_type=report_type,
        jurisdiction=jurisdiction,
        department=department,
        sign_hours=sign_hours,
        resolve_days=resolve_days,
    )
    audit.record(
        actor=acting_user,
        action="routing_rule.create",
        obj=rule,
        data={
            "type": report_type,
            "jurisdiction": jurisdiction.code,
            "department": department.code,
        },
    )
    return rule


@dataclass(frozen=True)
class Route:
    """Where a report goes and with which clocks."""

    department: Department
    sign_hours: int
    resolve_days: int
    rule: RoutingRule | None = None


def ancestor_paths(jurisdiction: Jurisdiction) -> list[str]:
    """``/B/S1/S1-1/`` → ``["/B/", "/B/S1/", "/B/S1/S1-1/"]``."""
    codes = jurisdiction.ancestor_codes()
    return ["/" + "/".join(codes[: i + 1]) + "/" for i in range(len(codes))]


def routes_for(report_type: str, jurisdiction: Jurisdiction) -> list[Route]:
    """Every active department whose rules cover the report's type and place; where a
    department has several matching rules, the deepest (most local) one sets the clocks."""
    rules = (
        RoutingRule.objects.filter(
            active=True,
            department__active=True,
            report_type=report_type,
            jurisdiction__path__in=ancestor_paths(jurisdiction),
        )
        .select_related("department", "jurisdiction")
        .order_by("department__code")
    )
    best: dict[int, RoutingRule] = {}
    for rule in rules:
        current = best.get(rule.department_id)
        if current is None or len(rule.jurisdiction.path) > len(current.jurisdiction.path):
            best[rule.department_id] = rule
    return [
        Route(
            department=r.department,
            sign_hours=r.sign_hours or r.department.sign_hours,
            resolve_days=r.resolve_days or r.department.resolve_days,
            rule=r,
        )
        for r in best.values()
    ]
