"""Background work of grid governance (django-tasks, the database backend). Each task is
safe to run any number of times; ``manage.py enqueue_housekeeping`` queues them (the scan
in ``ZHIAN_FREQUENT_TASKS``, the others in ``ZHIAN_DAILY_TASKS``)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django_tasks import task

from zhian.grid.services.disputes import remind_due_follow_ups
from zhian.grid.services.places import generate_tasks
from zhian.grid.services.sla import scan_overdue


@task()
def scan_overdue_referrals() -> dict[str, Any]:
    """Remind and escalate overdue referrals (超时督办): a referral moves to a stage once
    (see :mod:`zhian.grid.services.sla`)."""
    return scan_overdue().as_dict()


@task()
def remind_follow_up_visits() -> int:
    """Remind assignees of dispute follow-up visits due today (once per visit)."""
    return len(remind_due_follow_ups())


@task()
def generate_inspection_tasks() -> dict[str, int]:
    """This month's inspection tasks from the plans (unique per place, plan and period)."""
    today = timezone.localdate()
    made = generate_tasks(today.year, today.month)
    return {"created": made.created, "existing": made.existing}
