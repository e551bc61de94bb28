"""``manage.py prune_idempotency_keys``: delete stored API responses older than a day.

Run it daily (cron or the task worker): the records exist only to answer retries."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from zhian.core.idempotency import KEY_TTL, prune_expired_keys


class Command(BaseCommand):
    help = "删除过期（超过 24 小时）的 Idempotency-Key 记录。"

    def handle(self, *args: Any, **options: Any) -> None:
        deleted = prune_expired_keys()
        hours = KEY_TTL.total_seconds() / 3600
        self.stdout.write(f"deleted {deleted} idempotency records older than {hours:g} h")
