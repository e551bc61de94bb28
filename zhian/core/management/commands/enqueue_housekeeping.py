"""``manage.py enqueue_housekeeping [--frequent | --every SECONDS]``: queue periodic tasks.

django-tasks has no clock; ``manage.py db_worker`` runs what this queues. The tasks are
named by import path in ``ZHIAN_DAILY_TASKS`` and ``ZHIAN_FREQUENT_TASKS`` (apps add theirs
in settings; core imports none of them). Every task is idempotent, so an extra run does
nothing twice.

- From cron: once a day without options, and every few minutes with ``--frequent``.
- As a long-running clock (``make run`` starts one): ``--every 300`` queues the frequent
  tasks every 300 s and the daily ones at start and every 24 h.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils.module_loading import import_string

DAY_SECONDS = 24 * 3600


class Command(BaseCommand):
    help = "把例行任务（每日清理、审计链头导出等；--frequent：每几分钟的任务）放入后台队列。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--frequent", action="store_true", help="queue ZHIAN_FREQUENT_TASKS instead"
        )
        parser.add_argument(
            "--every",
            type=int,
            default=None,
            help="keep running: frequent tasks every this many seconds, daily ones every 24 h",
        )

    def handle(self, *args: Any, frequent: bool, every: int | None, **options: Any) -> None:
        if every is None:
            self._enqueue(settings.ZHIAN_FREQUENT_TASKS if frequent else settings.ZHIAN_DAILY_TASKS)
            return
        if every < 1:
            self.stderr.write("--every must be a positive number of seconds")
            raise SystemExit(2)
        last_daily = -float(DAY_SECONDS)
        while True:
            now = time.monotonic()
            if now - last_daily >= DAY_SECONDS:
                self._enqueue(settings.ZHIAN_DAILY_TASKS)
                last_daily = now
            self._enqueue(settings.ZHIAN_FREQUENT_TASKS)
            time.sleep(every)

    def _enqueue(self, paths: list[str]) -> None:
        for path in paths:
            result = import_string(path).enqueue()
            self.stdout.write(f"{path}: {result.id}")
