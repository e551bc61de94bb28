"""Recount the 三张图's per-day cell tables from the incidents and AVL fixes (backfill,
repair after a bulk import that bypassed dispatch's services)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from zhian.insights.services import incident_cells, patrol_cells

LAYERS = {
    # name: (days with data, check, rebuild in chunks)
    "incidents": (
        incident_cells.days_with_incidents,
        incident_cells.check_incident_cells,
        incident_cells.rebuild_in_chunks,
    ),
    "patrol": (
        patrol_cells.days_with_fixes,
        patrol_cells.check_patrol_cells,
        patrol_cells.rebuild_in_chunks,
    ),
}


class Command(BaseCommand):
    help = (
        "Recount the 警情发案图's incidents and the 巡防图's patrol seconds per local day and "
        "H3 cell, after a bulk import that bypassed dispatch's services or when --check "
        "reports a difference. Default: both layers, every day that has data. Intake (or "
        "AVL) waits while a chunk is recounted (a month of incidents, a day of fixes)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--layer", choices=sorted(LAYERS), help="one layer only")
        parser.add_argument("--since", type=dt.date.fromisoformat, help="first local day")
        parser.add_argument("--until", type=dt.date.fromisoformat, help="day after the last")
        parser.add_argument(
            "--check", action="store_true", help="only list the days whose counts differ"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        differ = 0
        for name in [options["layer"]] if options["layer"] else sorted(LAYERS):
            span_of, check, rebuild = LAYERS[name]
            span = span_of()
            since = options["since"] or (span[0] if span else None)
            until = options["until"] or (span[1] if span else None)
            if since is None or until is None:
                self.stdout.write(f"{name}: no data, nothing to count")
                continue
            if until <= since:
                raise CommandError("--until must be after --since")
            if options["check"]:
                days = check(since, until)
                for day in days:
                    self.stdout.write(f"{name}: differs on {day.isoformat()}")
                self.stdout.write(f"{name}: {len(days)} day(s) differ in {since} .. {until}")
                differ += len(days)
                continue
            total = sum(rows for _start, rows in rebuild(since, until))
            self.stdout.write(f"{name}: recounted {since} .. {until}: {total} rows")
        if differ:
            raise CommandError("counts differ; run without --check to recount")
