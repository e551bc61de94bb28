"""Enqueue the 便民服务 background jobs (for cron)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from zhian.services import tasks


class Command(BaseCommand):
    help = "Enqueue 便民服务 jobs: daily (reminders, contact retention, rate counters) or --sync"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--sync",
            action="store_true",
            help="only finish reports whose incident has closed (run every few minutes)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        jobs = (
            [tasks.sync_forwarded_reports]
            if options["sync"]
            else [
                tasks.send_appointment_reminders,
                tasks.erase_expired_contacts,
                tasks.prune_rate_counters,
            ]
        )
        for job in jobs:
            result = job.enqueue()
            self.stdout.write(f"{job.name}: {result.id}")
