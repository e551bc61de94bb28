"""``manage.py enqueue_housekeeping``: queue the daily tasks for the worker.

Run it once a day (cron or a systemd timer); ``manage.py db_worker`` runs what it queues.
The tasks are named by import path in ``ZHIAN_DAILY_TASKS``, so apps add theirs in settings
and core imports none of them."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.module_loading import import_string


class Command(BaseCommand):
    help = "把每日例行任务（清理、审计链头导出等）放入后台任务队列。"

    def handle(self, *args: Any, **options: Any) -> None:
        for path in settings.ZHIAN_DAILY_TASKS:
            result = import_string(path).enqueue()
            self.stdout.write(f"{path}: {result.id}")
