"""Background work of grid governance (django-tasks, the database backend)."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from zhian.grid.services.sla import scan_overdue


@task()
def scan_overdue_referrals() -> dict[str, Any]:
    """Remind and escalate overdue referrals (超时督办). Safe to run any number of times:
    a referral moves to a stage once (see :mod:`zhian.grid.services.sla`)."""
    return scan_overdue().as_dict()
