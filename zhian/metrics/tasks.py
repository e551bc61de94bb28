"""KPI background work (django-tasks, run by ``manage.py db_worker``)."""

from __future__ import annotations

from django_tasks import task

from zhian.metrics.services.reports import generate_due_reports


@task()
def generate_reports() -> int:
    """Last week's and last month's report for every bureau and station that has none
    yet (daily, from ``ZHIAN_DAILY_TASKS``: a missed day is caught up the next); the
    number generated."""
    return generate_due_reports()
