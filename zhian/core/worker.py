"""Is the background worker (``manage.py db_worker``) alive? Read from django-tasks-db's
own results table rather than a heartbeat row: a live worker picks a ready task up within
seconds, so the age of the oldest task still waiting is the signal (escalations, SLA scans
and housekeeping all wait behind it), and the last time any task was started says when the
worker was last seen. No extra writes, nothing to keep in step."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import Max
from django.utils import timezone
from django_tasks_db.models import DBTaskResult


def worker_status(now: datetime | None = None) -> dict[str, Any]:
    """``status``: ``ok`` (nothing waits longer than ``ZHIAN_WORKER_STALE_SECONDS``) or
    ``down``; ``oldest_queued_s`` (None when nothing waits) and ``last_seen`` (ISO time
    the worker last started a task, None if never). Two queries."""
    now = now or timezone.now()
    oldest = (
        DBTaskResult.objects.ready().order_by("enqueued_at").values_list("enqueued_at", flat=True)
    ).first()
    last = DBTaskResult.objects.aggregate(m=Max("started_at"))["m"]
    age = max(0.0, (now - oldest).total_seconds()) if oldest else None
    down = age is not None and age > settings.ZHIAN_WORKER_STALE_SECONDS
    return {
        "status": "down" if down else "ok",
        "oldest_queued_s": round(age, 1) if age is not None else None,
        "last_seen": last.isoformat() if last else None,
    }
