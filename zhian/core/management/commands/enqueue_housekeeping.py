"""``manage.py enqueue_housekeeping [--frequent]``: queue the periodic tasks for the worker.

Run it once a day, and with ``--frequent`` every few minutes (cron or systemd timers);
``manage.py db_worker`` runs what it queues. The tasks are named by import path in
``ZHIAN_DAILY_TASKS`` and ``ZHIAN_FREQUENT_TASKS``, so apps add theirs in settings and core
imports none of them."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils.module_loading import import_string


class Command(BaseCommand):
    help = (
        "把例行任务（每日清理、审计链头导出等；--frequent 为每几分钟一次的任务）放入后台任务队列。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--frequent", action="store_true", help="queue ZHIAN_FREQUENT_TASKS instead"
        )

    def handle(self, *args: Any, frequent: bool, **options: Any) -> None:
        tasks = settings.ZHIAN_FREQUENT_TASKS if frequent else settings.ZHIAN_DAILY_TASKS
        for path in tasks:
            result = import_string(path).enqueue()
            self.stdout.write(f"{path}: {result.id}")
