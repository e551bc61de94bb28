"""Core's background work (django-tasks, run by ``manage.py db_worker``).

The daily housekeeping is enqueued by ``manage.py enqueue_housekeeping`` (cron, see
docs/operations.md), which enqueues every task named in ``ZHIAN_DAILY_TASKS``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django_tasks import task

from zhian.core.audit import export_head
from zhian.core.idempotency import prune_expired_keys
from zhian.core.retention import enforce_retention as run_retention
from zhian.core.services.accounts import prune_login_failures


@task()
def prune_idempotency_keys() -> int:
    """Stored API responses for ``Idempotency-Key`` retries, once a day old."""
    return prune_expired_keys()


@task()
def prune_failed_logins() -> int:
    """Failed log-ons older than the lock-out window."""
    return prune_login_failures()


@task()
def export_audit_head() -> int:
    """The audit chain head to ``ZHIAN_AUDIT_HEAD_FILE``; the head's sequence number."""
    return int(export_head(settings.ZHIAN_AUDIT_HEAD_FILE)["seq"])


@task()
def enforce_retention() -> dict[str, Any]:
    """Erase personal data past its retention period (every registered rule), audited
    once per run with the counts."""
    return run_retention()
