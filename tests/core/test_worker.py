"""The background worker's state, read from the task results table: /healthz and the
board's banner."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from zhian.core.tasks import prune_failed_logins

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(settings: Any) -> Any:
    """A task enqueued on the database backend (nobody runs a worker in tests)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    return prune_failed_logins.using(backend="default").enqueue()


def test_healthz_says_ok_while_nothing_waits(client: Client) -> None:
    body = client.get("/healthz").json()
    assert body["worker"] == {"status": "ok", "oldest_queued_s": None, "last_seen": None}


def test_healthz_says_the_worker_is_down_when_a_task_waits_too_long(
    client: Client, settings: Any, queued: Any
) -> None:
    settings.ZHIAN_WORKER_STALE_SECONDS = 120
    fresh = client.get("/healthz").json()["worker"]
    assert fresh["status"] == "ok" and 0 <= fresh["oldest_queued_s"] < 120
    DBTaskResult.objects.update(enqueued_at=timezone.now() - timedelta(minutes=5))
    response = client.get("/healthz")
    assert response.status_code == 200  # the web process stays in service
    worker = response.json()["worker"]
    assert worker["status"] == "down" and worker["oldest_queued_s"] >= 300
