"""Core's daily tasks run through django-tasks (the immediate backend in tests)."""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from tests.factories import UserFactory
from zhian.core import audit
from zhian.core.models.idempotency import IdempotencyRecord
from zhian.core.tasks import export_audit_head, prune_idempotency_keys

pytestmark = pytest.mark.django_db


def test_old_idempotency_records_are_pruned_and_fresh_ones_kept() -> None:
    user = UserFactory()
    for key, age in (("old", timedelta(days=2)), ("new", timedelta(minutes=5))):
        record = IdempotencyRecord.objects.create(
            user=user, key=key, request_hash="h", status=201, body={}
        )
        IdempotencyRecord.objects.filter(pk=record.pk).update(created_at=timezone.now() - age)
    result = prune_idempotency_keys.enqueue()
    assert result.return_value == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]


def test_the_audit_head_is_exported_for_truncation_checks(settings: Any, tmp_path: Path) -> None:
    settings.ZHIAN_AUDIT_HEAD_FILE = tmp_path / "head.json"
    audit.record(actor=None, action="test.event")
    result = export_audit_head.enqueue()
    head = json.loads(settings.ZHIAN_AUDIT_HEAD_FILE.read_text())
    assert head == audit.current_head() and result.return_value == head["seq"]


def test_housekeeping_enqueues_every_daily_task(settings: Any, tmp_path: Path) -> None:
    settings.ZHIAN_AUDIT_HEAD_FILE = tmp_path / "head.json"
    out = StringIO()
    call_command("enqueue_housekeeping", stdout=out)
    assert [
        line.split(":")[0] for line in out.getvalue().splitlines()
    ] == settings.ZHIAN_DAILY_TASKS
    assert settings.ZHIAN_AUDIT_HEAD_FILE.exists()


def test_as_a_clock_it_queues_daily_tasks_once_and_frequent_ones_every_period(
    settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from zhian.core.management.commands import enqueue_housekeeping

    settings.ZHIAN_AUDIT_HEAD_FILE = tmp_path / "head.json"
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        if len(sleeps) == 3:
            raise KeyboardInterrupt  # stop the clock after three periods

    monkeypatch.setattr(enqueue_housekeeping.time, "sleep", sleep)
    out = StringIO()
    with pytest.raises(KeyboardInterrupt):
        call_command("enqueue_housekeeping", "--every", "60", stdout=out)
    queued = [line.split(":")[0] for line in out.getvalue().splitlines()]
    assert sleeps == [60, 60, 60]
    assert queued == settings.ZHIAN_DAILY_TASKS + settings.ZHIAN_FREQUENT_TASKS * 3
