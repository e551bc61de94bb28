"""Core's demo: the demo bureau's jurisdiction tree and one log-in per role (演示账号)."""

from __future__ import annotations

from typing import Any

from zhian.core.models import Jurisdiction, Role, User
from zhian.core.services.accounts import do_create_user
from zhian.core.services.jurisdictions import do_import_jurisdictions

DEMO_PASSWORD = "zhian-demo-2026"
BUREAU = "DEMO"

# username, display name, role, where (the bureau's code, or the kind of the first such unit)
DEMO_USERS = [
    ("admin", "系统管理员", Role.ADMINISTRATOR, BUREAU),
    # 三员分立: the security administrator assigns roles, the audit administrator reads
    # the trail; each is a separate account.
    ("secadmin", "安全管理员", Role.SECURITY_ADMINISTRATOR, BUREAU),
    ("auditadmin", "安全审计员", Role.AUDIT_ADMINISTRATOR, BUREAU),
    ("leader", "局领导", Role.LEADER, BUREAU),
    ("dispatcher", "指挥中心接警员", Role.DISPATCHER, BUREAU),
    ("analyst", "情报研判员", Role.ANALYST, BUREAU),
    ("supervisor", "法制监督员", Role.SUPERVISOR, BUREAU),
    ("liaison", "城管部门联络员", Role.DEPARTMENT_LIAISON, BUREAU),
    ("patrol", "派出所巡逻民警", Role.PATROL_OFFICER, "station"),
    ("station_admin", "派出所内勤管理员", Role.ADMINISTRATOR, "station"),
    ("caseofficer", "派出所办案民警", Role.CASE_OFFICER, "station"),
    ("community", "社区民警", Role.COMMUNITY_OFFICER, "sector"),
    ("gridworker", "网格员", Role.GRID_WORKER, "grid"),
]


def demo_loaded() -> bool:
    """Whether the demo bureau is already in the database."""
    return Jurisdiction.objects.filter(code=BUREAU).exists()


def _where(spec: str) -> Jurisdiction:
    if spec == BUREAU:
        return Jurisdiction.objects.get(code=BUREAU)
    return Jurisdiction.objects.filter(kind=spec, path__startswith=f"/{BUREAU}/").order_by("path")[
        0
    ]


def create_demo_core(collection: dict[str, Any]) -> str:
    """Import the demo bureau's jurisdictions (a built FeatureCollection) and the demo users."""
    summary = do_import_jurisdictions(collection, acting_user=None)
    for username, display, role, where in DEMO_USERS:
        user = do_create_user(
            acting_user=None,
            username=username,
            password=DEMO_PASSWORD,
            display_name=display,
            roles=[(role, _where(where))],
        )
        if username == "admin":
            User.objects.filter(pk=user.pk).update(is_staff=True, is_superuser=True)
    return f"已导入 {summary.created} 个辖区"


def demo_logins() -> list[str]:
    """One line per demo user: the username and the roles it holds where."""
    lines = []
    for user in User.objects.filter(username__in=[u[0] for u in DEMO_USERS]).order_by("pk"):
        roles = ", ".join(
            f"{ra.get_role_display()}@{ra.jurisdiction.name}"
            for ra in user.role_assignments.select_related("jurisdiction")
        )
        lines.append(f"{user.username:<14} {roles}")
    return lines
