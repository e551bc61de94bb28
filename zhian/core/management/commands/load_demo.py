"""``manage.py load_demo``: the demo bureau from real Toronto data, and a user per role.

Runs once: when the demo bureau exists it only prints the log-ins again."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from zhian.core.demo_bureau import CSV_NAME, build_demo_bureau
from zhian.core.management.commands._demo_dispatch import create_demo_dispatch
from zhian.core.models import Jurisdiction, Role, User
from zhian.core.services.accounts import do_create_user
from zhian.core.services.jurisdictions import do_import_jurisdictions

DEMO_PASSWORD = "zhian-demo-2026"
BUREAU = "DEMO"

# username, display name, role, where (a code, or "first station" / "first sector"/ "first grid")
DEMO_USERS = [
    ("admin", "系统管理员", Role.ADMINISTRATOR, BUREAU),
    ("leader", "局领导", Role.LEADER, BUREAU),
    ("dispatcher", "指挥中心接警员", Role.DISPATCHER, BUREAU),
    ("analyst", "情报研判员", Role.ANALYST, BUREAU),
    ("supervisor", "法制监督员", Role.SUPERVISOR, BUREAU),
    ("liaison", "城管部门联络员", Role.DEPARTMENT_LIAISON, BUREAU),
    ("patrol", "派出所巡逻民警", Role.PATROL_OFFICER, "station"),
    ("caseofficer", "派出所办案民警", Role.CASE_OFFICER, "station"),
    ("station_admin", "派出所内勤管理员", Role.ADMINISTRATOR, "station"),
    ("community", "社区民警", Role.COMMUNITY_OFFICER, "sector"),
    ("gridworker", "网格员", Role.GRID_WORKER, "grid"),
]


class Command(BaseCommand):
    help = "加载演示分局（多伦多真实数据生成的辖区）和每个角色的演示账号。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--stations", type=int, default=12)

    def handle(self, *args: Any, stations: int, **options: Any) -> None:
        if Jurisdiction.objects.filter(code=BUREAU).exists():
            self.stdout.write("演示数据已加载。")
        else:
            csv_path = settings.ZHIAN_SHARED_DATA / CSV_NAME
            if not csv_path.exists():
                raise CommandError(
                    f"找不到 {csv_path}；请设置 ZHIAN_SHARED_DATA 指向共享数据目录", returncode=2
                )
            self.stdout.write(f"正在由 {csv_path.name} 生成演示分局……")
            collection = build_demo_bureau(csv_path, n_stations=stations)
            with transaction.atomic():
                summary = do_import_jurisdictions(collection, acting_user=None)
                self._create_users()
                n_units, n_incidents = create_demo_dispatch(csv_path)
            self.stdout.write(
                f"已导入 {summary.created} 个辖区、{n_units} 个警力、{n_incidents} 起未结警情。"
            )
        self._print_logins()

    def _where(self, spec: str) -> Jurisdiction:
        if spec == BUREAU:
            return Jurisdiction.objects.get(code=BUREAU)
        return Jurisdiction.objects.filter(kind=spec, path__startswith=f"/{BUREAU}/").order_by(
            "path"
        )[0]

    def _create_users(self) -> None:
        for username, display, role, where in DEMO_USERS:
            user = do_create_user(
                acting_user=None,
                username=username,
                password=DEMO_PASSWORD,
                display_name=display,
                roles=[(role, self._where(where))],
            )
            if username == "admin":
                User.objects.filter(pk=user.pk).update(is_staff=True, is_superuser=True)

    def _print_logins(self) -> None:
        self.stdout.write(f"\n演示账号（密码均为 {DEMO_PASSWORD}）：")
        for user in User.objects.filter(username__in=[u[0] for u in DEMO_USERS]).order_by("pk"):
            roles = ", ".join(
                f"{ra.get_role_display()}@{ra.jurisdiction.name}"
                for ra in user.role_assignments.select_related("jurisdiction")
            )
            self.stdout.write(f"  {user.username:<14} {roles}")
        self.stdout.write("\n打开 http://127.0.0.1:8000 登录。\n")
