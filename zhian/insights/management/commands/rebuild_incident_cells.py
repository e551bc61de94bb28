"""Recount the 警情发案图's per-day cell counts from the incidents (backfill, repair)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from zhian.insights.services import incident_cells


class Command(BaseCommand):
    help = (
        "Recount incidents per local day, jurisdiction, category and H3 cell for the 警情发案图 "
        "(after a bulk import that bypassed dispatch's services, or when --check reports a "
        "difference). Default: every day that has incidents. Intake waits while a month "
        "is recounted (each month is one transaction)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--since", type=dt.date.fromisoformat, help="first local day")
        parser.add_argument("--until", type=dt.date.fromisoformat, help="day after the last")
        parser.add_argument(
            "--check", action="store_true", help="only list the days whose counts differ"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        span = incident_cells.days_with_incidents()
        since = options["since"] or (span[0] if span else None)
        until = options["until"] or (span[1] if span else None)
        if since is None or until is None:
            self.stdout.write("no incidents: nothing to count")
            return
        if until <= since:
            raise CommandError("--until must be after --since")
        if options["check"]:
            days = incident_cells.check_incident_cells(since, until)
            for day in days:
                self.stdout.write(f"differs: {day.isoformat()}")
            self.stdout.write(f"{len(days)} day(s) differ in {since} .. {until}")
            if days:
                raise CommandError("counts differ; run without --check to recount")
            return
        total = 0
        for start, rows in incident_cells.rebuild_in_chunks(since, until):
            total += rows
            self.stdout.write(f"{start.isoformat()}: {rows} rows")
        self.stdout.write(f"recounted {since} .. {until}: {total} rows")
