"""KPI background work (django-tasks, run by ``manage.py db_worker``)."""

from __future__ import annotations

from django_tasks import task

from zhian.metrics import summary
from zhian.metrics.services.reports import generate_due_reports


@task()
def generate_reports() -> int:
    """Last week's and last month's report for every bureau and station that has none
    yet (daily, from ``ZHIAN_DAILY_TASKS``: a missed day is caught up the next); the
    number generated."""
    return generate_due_reports()


@task()
def refresh_summaries() -> int:
    """Rebuild the incident and case summaries' closed months that are new or changed
    (frequent, from ``ZHIAN_FREQUENT_TASKS``); the number of months rebuilt. The dashboard
    stays exact without it (uncovered months are counted live), only slower."""
    return summary.refresh_summaries()
