"""``manage.py load_demo``: the demo bureau from real Toronto data, a user per role, and each
app's demo data.

Runs once: when the demo bureau exists it only prints the log-ins again. Each app's demo is one
step in ``DEMO_STEPS`` (``zhian/demo/<app>.py``: ``create_demo_<app>() -> str``, built through
the app's services, returning a one-line summary); all steps run in one transaction after the
jurisdictions and users exist. The data come from the repository (``zhian/demo/data/``), never
from ``../shared``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from zhian.demo.bureau import build_demo_bureau
from zhian.demo.core import DEMO_PASSWORD, create_demo_core, demo_loaded, demo_logins
from zhian.demo.dispatch import create_demo_dispatch
from zhian.demo.grid import create_demo_grid
from zhian.demo.insights import create_demo_insights
from zhian.demo.metrics import create_demo_metrics
from zhian.demo.records import create_demo_records
from zhian.demo.services import create_demo_services
from zhian.demo.toronto import POINTS_PATH

# One line per app, in dependency order; each returns a one-line summary.
DEMO_STEPS: list[Callable[[], str]] = [
    create_demo_dispatch,
    create_demo_records,
    create_demo_grid,
    create_demo_insights,
    create_demo_metrics,
    create_demo_services,
]


class Command(BaseCommand):
    help = "加载演示分局（多伦多真实数据生成的辖区）、每个角色的演示账号和各模块的演示数据。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--stations", type=int, default=12)

    def handle(self, *args: Any, stations: int, **options: Any) -> None:
        if demo_loaded():
            self.stdout.write("演示数据已加载。")
        else:
            if not POINTS_PATH.exists():  # shipped in the repository: only a broken install
                raise CommandError(f"找不到演示数据 {POINTS_PATH}", returncode=2)
            self.stdout.write(f"正在由 {POINTS_PATH.name} 生成演示分局……")
            collection = build_demo_bureau(POINTS_PATH, n_stations=stations)
            with transaction.atomic():
                summaries = [create_demo_core(collection)] + [step() for step in DEMO_STEPS]
            for summary in summaries:
                self.stdout.write(summary.rstrip("。") + "。")
        self.stdout.write(f"\n演示账号（密码均为 {DEMO_PASSWORD}）：")
        for line in demo_logins():
            self.stdout.write(f"  {line}")
        self.stdout.write("\n打开 http://127.0.0.1:8000 登录。\n")
