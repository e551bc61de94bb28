"""The scheduled reports: last week's and last month's, once per place."""

from __future__ import annotations

from datetime import date
from typing import Any

from tests.metrics.conftest import local
from zhian.metrics.models import IncidentMonthCount, StoredReport, SummaryState
from zhian.metrics.services.reports import generate_due_reports, last_complete
from zhian.metrics.tasks import generate_reports, refresh_summaries


def test_last_complete_periods() -> None:
    week = last_complete("week", date(2026, 3, 4))
    month = last_complete("month", date(2026, 3, 4))
    assert (week.start, week.end) == (date(2026, 2, 23), date(2026, 3, 1))
    assert (month.start, month.end) == (date(2026, 2, 1), date(2026, 2, 28))


def test_due_reports_are_made_once_with_both_files(tree: dict[str, Any]) -> None:
    # One bureau and two stations, a weekly and a monthly report each
    assert generate_due_reports(date(2026, 3, 4)) == 6
    assert generate_due_reports(date(2026, 3, 4)) == 0
    report = StoredReport.objects.get(kind="month", jurisdiction__code="B")
    assert bytes(report.pdf).startswith(b"%PDF") and bytes(report.xlsx).startswith(b"PK")
    assert report.created_by is None


def test_the_task_runs_the_job(tree: dict[str, Any]) -> None:
    result = generate_reports.enqueue()
    assert result.return_value == 6


def test_the_summary_task_builds_both_summaries_then_has_nothing_to_do(
    tree: dict[str, Any], make_incident: Any
) -> None:
    make_incident(local(2026, 3, 2, 9))
    assert refresh_summaries.enqueue().return_value == 1  # March 2026: the one month with rows
    assert set(SummaryState.objects.values_list("name", flat=True)) == {"incidents", "cases"}
    # A second run keeps the numbers (within the 10-minute margin the fresh incident still
    # counts as changed, so March is rebuilt, not added twice)
    refresh_summaries.enqueue()
    assert IncidentMonthCount.objects.get().n == 1
