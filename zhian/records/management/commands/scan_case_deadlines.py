from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from zhian.records.services.deadlines import scan_deadlines


class Command(BaseCommand):
    help = "发送案件期限提醒：24 小时内到期与已超期（每个期限各一次）。"

    def handle(self, *args: Any, **options: Any) -> None:
        sent = scan_deadlines()
        self.stdout.write(f"due_soon={sent['due_soon']} overdue={sent['overdue']}")
