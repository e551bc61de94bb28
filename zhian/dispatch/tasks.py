"""Dispatch's background work (django-tasks, run by ``manage.py db_worker``)."""

from __future__ import annotations

from django_tasks import task

from zhian.dispatch.services.units import prune_positions


@task()
def prune_unit_positions() -> int:
    """AVL fixes older than ``ZHIAN_AVL_RETENTION_DAYS`` (a unit's latest position stays on
    the unit); the number deleted."""
    return prune_positions()
