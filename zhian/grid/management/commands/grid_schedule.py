"""``manage.py grid_schedule``: put grid's periodic jobs on the task queue.

django-tasks has no clock of its own. Run this beside ``manage.py db_worker`` (which runs
the jobs): with ``--once`` from cron or a systemd timer, or as a long-running process that
enqueues the overdue scan every ``ZHIAN_GRID_SCAN_SECONDS`` and the hourly jobs (follow-up
reminders, this month's inspection tasks) every hour. Every job is idempotent, so an extra
run does nothing twice."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from zhian.grid import tasks


class Command(BaseCommand):
    help = "把网格治理的定时任务（超时督办、回访提醒、检查任务生成）放入任务队列。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="enqueue every job once and exit")
        parser.add_argument("--every", type=int, default=None, help="seconds between overdue scans")

    def handle(self, *args: Any, once: bool, every: int | None, **options: Any) -> None:
        period = every or int(settings.ZHIAN_GRID_SCAN_SECONDS)
        last_hourly = 0.0
        while True:
            tasks.scan_overdue_referrals.enqueue()
            now = time.monotonic()
            if once or now - last_hourly >= 3600:
                tasks.remind_follow_up_visits.enqueue()
                tasks.generate_inspection_tasks.enqueue()
                last_hourly = now
            self.stdout.write(
                "已加入队列：超时督办" + ("及每小时任务" if last_hourly == now else "")
            )
            if once:
                return
            time.sleep(period)
