"""Appending to a report's timeline (办理过程) and keeping its status in step."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import F
from django.utils import timezone

from zhian.grid.choices import ReferralStatus, ReportStatus
from zhian.grid.models import GridReport, Referral, ReportEvent


def add_event(
    report: GridReport,
    kind: str,
    *,
    actor: Any,
    referral: Referral | None = None,
    at: datetime | None = None,
    note: str = "",
    data: dict[str, Any] | None = None,
) -> ReportEvent:
    return ReportEvent.objects.create(
        report=report,
        referral=referral,
        kind=kind,
        actor=actor,
        at=at or timezone.now(),
        note=note[:2000],
        data=data or {},
    )


def status_from(referral_statuses: list[str]) -> str:
    """A report is in progress while any department still works on it, awaits the
    originator's check when every part is resolved, and is closed when all are verified."""
    if not referral_statuses:
        return ReportStatus.UNROUTED
    if any(s in (ReferralStatus.PENDING_SIGN, ReferralStatus.SIGNED) for s in referral_statuses):
        return ReportStatus.IN_PROGRESS
    if all(s == ReferralStatus.VERIFIED for s in referral_statuses):
        return ReportStatus.CLOSED
    return ReportStatus.AWAITING_VERIFICATION


def refresh_status(report: GridReport, *, at: datetime | None = None) -> str:
    """Recompute the report's status from its referrals and store it (moving ``version``)."""
    statuses = list(Referral.objects.filter(report=report).values_list("status", flat=True))
    status = status_from(statuses)
    closed_at = (at or timezone.now()) if status == ReportStatus.CLOSED else None
    if status != report.status:
        GridReport.objects.filter(pk=report.pk).update(
            status=status, closed_at=closed_at, version=F("version") + 1, updated_at=timezone.now()
        )
        report.status = status
        report.closed_at = closed_at
        report.refresh_from_db(fields=["version"])
    return status
