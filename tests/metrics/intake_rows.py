"""Rows of records, grid and services at chosen moments, for the wired sources' tests.

Cases are opened through records' intake service (which takes the acceptance time); the
later facts (立案, 处理决定, a final stage) and the other apps' rows are written as those
apps store them, with the times the test needs: the services stamp "now", and the apps'
own tests cover the services. Metrics only reads these rows."""

from __future__ import annotations

import hashlib
import itertools
from datetime import datetime, timedelta
from typing import Any

from tests.records.factories import open_case
from zhian.grid.models import Department, Dispute, GridReport, Referral
from zhian.records.models import Case, CaseEvent
from zhian.services.models import Complaint, SurveyInvitation, SurveyResponse, Tracking

_seq = itertools.count(1)


def case(
    officer: Any,
    station: str,
    *,
    accepted: datetime,
    filed: datetime | None = None,
    decided: datetime | None = None,
    stage: str = "",
    case_type: str = "criminal",
) -> Case:
    made = open_case(officer, case_type=case_type, station=station, accepted_at=accepted)
    for kind, at in (("filed", filed), ("decided", decided)):
        if at is not None:
            CaseEvent.objects.create(case=made, kind=kind, at=at, recorded_by=officer)
    final = stage or ("decided" if decided else "investigating" if filed else "accepted")
    Case.objects.filter(pk=made.pk).update(stage=final)
    made.refresh_from_db()
    return made


def department(jurisdiction: Any) -> Department:
    return Department.objects.create(
        code=f"D{next(_seq)}",
        name="城管执法中队",
        kind="urban_management",
        jurisdiction=jurisdiction,
    )


def referral(
    reporter: Any,
    jurisdiction: Any,
    dept: Department,
    *,
    at: datetime,
    signed_after_hours: float | None = None,
    sign_hours: int = 4,
) -> Referral:
    report = GridReport.objects.create(
        jurisdiction=jurisdiction,
        report_type="safety_hazard",
        description="消防通道堵塞",
        lon=120.01,
        lat=30.01,
        h3_cell="89309a4a0cfffff",
        reporter=reporter,
        created_at=at,
    )
    signed = at + timedelta(hours=signed_after_hours) if signed_after_hours is not None else None
    return Referral.objects.create(
        report=report,
        jurisdiction=jurisdiction,
        department=dept,
        status="signed" if signed else "pending_sign",
        sign_hours=sign_hours,
        resolve_days=5,
        created_at=at,
        sign_due_at=at + timedelta(hours=sign_hours),
        resolve_due_at=at + timedelta(days=5),
        signed_at=signed,
        signed_on_time=None if signed is None else signed <= at + timedelta(hours=sign_hours),
    )


def dispute(registrar: Any, jurisdiction: Any, *, at: datetime, status: str) -> Dispute:
    made = Dispute.objects.create(
        jurisdiction=jurisdiction,
        dispute_type="neighbour",
        title="楼上漏水纠纷",
        summary="邻里因漏水发生争执",
        address="幸福里 3 号楼",
        lon=120.01,
        lat=30.01,
        h3_cell="89309a4a0cfffff",
        status=status,
        registered_by=registrar,
    )
    Dispute.objects.filter(pk=made.pk).update(created_at=at)  # auto_now_add stamps "now"
    return made


def complaint(unit: Any, *, concluded: datetime, finding: str) -> Complaint:
    n = next(_seq)
    tracking = Tracking.objects.create(
        code=f"T{n:07d}",
        kind="complaint",
        channel="portal",
        created_at=concluded - timedelta(days=3),
    )
    return Complaint.objects.create(
        tracking=tracking,
        unit=unit,
        description="出警态度差",
        status="concluded",
        due_at=concluded + timedelta(days=10),
        finding=finding,
        finding_reasons="经核查",
        concluded_at=concluded,
        created_at=concluded - timedelta(days=3),
    )


def answer(station: Any, *, at: datetime, rating: str) -> SurveyResponse:
    n = next(_seq)
    invitation = SurveyInvitation.objects.create(
        digest=hashlib.sha256(f"survey-{n}".encode()).hexdigest(),
        subject="appointment",
        station=station,
        created_at=at - timedelta(days=1),
        expires_at=at + timedelta(days=6),
        used_at=at,
    )
    return SurveyResponse.objects.create(
        invitation=invitation, station=station, subject="appointment", rating=rating, answered_at=at
    )
