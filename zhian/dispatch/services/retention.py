"""Retention of callers' details (报警人信息): erased from calls of incidents closed longer
ago than ``ZHIAN_RETENTION_CALLER_DAYS``; the incident, its calls (channel, time, legal
basis) and every count stay."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q

from zhian.dispatch.choices import ACTIVE_INCIDENT
from zhian.dispatch.models import Call

ERASED_NAME = ""
ERASED_PHONE = ""


def erase_callers(cutoff: datetime) -> int:
    """Blank the caller's name and phone on calls of incidents closed before ``cutoff``;
    the number of calls erased."""
    return (
        Call.objects.filter(incident__closed_at__lt=cutoff)
        .exclude(incident__status__in=ACTIVE_INCIDENT)
        .filter(~Q(caller_name="") | ~Q(caller_phone=""))
        .update(caller_name=ERASED_NAME, caller_phone=ERASED_PHONE)
    )
