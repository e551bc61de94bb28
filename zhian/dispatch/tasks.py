"""Dispatch's background work (django-tasks, run by ``manage.py db_worker``)."""

from __future__ import annotations

from django.conf import settings
from django_tasks import task

from zhian.dispatch.services.changes import prune_changes
from zhian.dispatch.services.units import prune_positions


@task()
def prune_unit_positions() -> int:
    """AVL fixes older than ``ZHIAN_AVL_RETENTION_DAYS`` (a unit's latest position stays on
    the unit); the number deleted."""
    return prune_positions()


@task()
def prune_board_changes() -> int:
    """Board change-log rows older than ``ZHIAN_BOARD_CHANGE_HOURS`` (a board idle longer
    reloads in full); the number deleted."""
    return prune_changes(hours=settings.ZHIAN_BOARD_CHANGE_HOURS)
