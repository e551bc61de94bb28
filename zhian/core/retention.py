"""Retention of personal data (个人信息保存期限): a registry of rules, each erasing or
pseudonymising one kind of personal data older than its configured period, enforced by a
daily task (``zhian.core.tasks.enforce_retention``) that writes one audit event per run.

Each app registers its rules from ``AppConfig.ready()``::

    register_retention_rule(RetentionRule("dispatch.caller", "ZHIAN_RETENTION_CALLER_DAYS",
                                          erase_callers))

A rule's function receives the cut-off time and returns how many records it erased; it
must leave the records that statistics count (incidents, cases) in place. A period of 0 or
less keeps the data (the rule is skipped and the run says so).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from zhian.core import audit


@dataclass(frozen=True)
class RetentionRule:
    kind: str  # "<app>.<what>", e.g. "dispatch.caller"
    setting: str  # the setting holding the period in days
    function: Callable[[datetime], int]  # erase what is older than the cut-off; the count


_RULES: dict[str, RetentionRule] = {}


def register_retention_rule(rule: RetentionRule) -> None:
    _RULES[rule.kind] = rule


def retention_rules() -> list[RetentionRule]:
    return [_RULES[k] for k in sorted(_RULES)]


@transaction.atomic
def enforce_retention(now: datetime | None = None) -> dict[str, Any]:
    """Run every rule in one transaction and audit the run (``retention.run``) with the
    period and count of each kind; the per-kind counts (``None``: kept, no period)."""
    now = now or timezone.now()
    counts: dict[str, int | None] = {}
    periods: dict[str, int] = {}
    for rule in retention_rules():
        days = int(getattr(settings, rule.setting, 0) or 0)
        periods[rule.kind] = days
        counts[rule.kind] = rule.function(now - timedelta(days=days)) if days > 0 else None
    audit.record(
        actor=None,
        action="retention.run",
        data={"job": "retention", "counts": counts, "periods_days": periods},
    )
    return counts
