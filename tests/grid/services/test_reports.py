"""Grid reports and 吹哨报到: submit by point, sign, progress, resolve, verify/reopen/rate."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from tests.grid.conftest import IN_S1_1_1, IN_S2_1_1
from tests.grid.factories import photo, submit
from zhian.core.coords import wgs84_to_gcj02
from zhian.core.errors import Conflict, PermissionDenied, PreconditionFailed, ValidationFailed
from zhian.core.models import AuditEvent
from zhian.grid.choices import EventKind, ReferralStatus, ReportStatus
from zhian.grid.models import Referral
from zhian.grid.services.reports import (
    ReportInput,
    do_add_progress,
    do_reopen_referral,
    do_resolve_referral,
    do_sign_referral,
    do_submit_report,
    do_verify_referral,
)

pytestmark = pytest.mark.django_db


def _referral(report: Any, code: str) -> Referral:
    return Referral.objects.select_related("report__jurisdiction", "department").get(
        report=report, department__code=code
    )


def test_the_report_lands_in_the_grid_that_holds_the_point_converted_from_gcj02(
    tree: dict[str, Any], people: dict[str, Any], rules: Any
) -> None:
    g_lon, g_lat = wgs84_to_gcj02(*IN_S1_1_1)
    assert abs(g_lon - IN_S1_1_1[0]) > 1e-3  # the offset is real here (Hangzhou)
    report = do_submit_report(
        ReportInput("safety_hazard", "井盖缺失", g_lon, g_lat, crs="gcj02"),
        acting_user=people["worker"],
    )
    assert report.jurisdiction.code == "S1-1-1"
    assert abs(report.lon - IN_S1_1_1[0]) < 1e-7 and abs(report.lat - IN_S1_1_1[1]) < 1e-7
    assert report.h3_cell
    kinds = list(report.events.values_list("kind", flat=True))
    assert kinds == [EventKind.SUBMITTED, EventKind.REFERRED, EventKind.REFERRED]
    assert AuditEvent.objects.filter(action="gridreport.create", object_id=str(report.pk)).exists()


def test_a_point_outside_the_workers_grid_or_bad_input_is_refused(
    people: dict[str, Any], rules: Any
) -> None:
    with pytest.raises(ValidationFailed) as err:
        submit(people["worker"], point=IN_S2_1_1)
    assert err.value.code == "outside_jurisdiction"
    with pytest.raises(ValidationFailed) as err:
        do_submit_report(ReportInput("weather", " ", 120.01, 30.01), acting_user=people["worker"])
    assert set(err.value.extra["fields"]) == {"report_type", "description"}


def test_sign_progress_resolve_verify_moves_the_report_to_closed(
    people: dict[str, Any], rules: Any
) -> None:
    report = submit(people["worker"], "assistance")  # routed to 城管 only
    referral = _referral(report, "CG")
    liaison = people["liaison"]
    do_sign_referral(referral, acting_user=liaison, expected_version=1)
    assert referral.status == ReferralStatus.SIGNED and referral.signed_on_time is True
    do_add_progress(referral, acting_user=liaison, note="已联系物业清理")
    do_resolve_referral(
        referral,
        acting_user=liaison,
        expected_version=2,
        resolution="已清理",
        photos=[photo()],
    )
    report.refresh_from_db()
    assert report.status == ReportStatus.AWAITING_VERIFICATION
    assert referral.resolved_on_time is True
    do_verify_referral(referral, acting_user=people["worker"], expected_version=3, rating=5)
    report.refresh_from_db()
    assert report.status == ReportStatus.CLOSED and report.closed_at is not None
    assert referral.rating == 5
    assert list(report.events.values_list("kind", flat=True)) == [
        EventKind.SUBMITTED,
        EventKind.REFERRED,
        EventKind.SIGNED,
        EventKind.PROGRESS,
        EventKind.RESOLVED,
        EventKind.VERIFIED,
    ]


def test_a_late_sign_for_is_recorded_as_late(people: dict[str, Any], rules: Any) -> None:
    report = submit(people["worker"], "assistance", at=timezone.now() - timedelta(hours=2))
    referral = _referral(report, "CG")  # 1 hour to sign for assistance
    do_sign_referral(referral, acting_user=people["liaison"], expected_version=1)
    assert referral.signed_on_time is False


def test_only_the_departments_own_liaison_may_act_and_only_once(
    people: dict[str, Any], rules: Any
) -> None:
    report = submit(people["worker"])
    referral = _referral(report, "SJ")
    with pytest.raises(PermissionDenied) as err:
        do_sign_referral(referral, acting_user=people["liaison"], expected_version=1)
    assert err.value.code == "not_department_member"
    with pytest.raises(PermissionDenied):
        do_sign_referral(referral, acting_user=people["community"], expected_version=1)
    do_sign_referral(referral, acting_user=people["liaison_sj"], expected_version=1)
    stale = _referral(report, "SJ")
    stale.status = ReferralStatus.PENDING_SIGN
    stale.version = 1
    with pytest.raises(PreconditionFailed):
        do_sign_referral(stale, acting_user=people["liaison_sj"], expected_version=1)
    with pytest.raises(Conflict):
        do_sign_referral(referral, acting_user=people["liaison_sj"], expected_version=2)


def test_reopen_sends_it_back_with_a_fresh_clock_and_only_the_originator_checks(
    people: dict[str, Any], rules: Any
) -> None:
    report = submit(people["worker"], "assistance")
    referral = _referral(report, "CG")
    liaison = people["liaison"]
    do_sign_referral(referral, acting_user=liaison, expected_version=1)
    do_resolve_referral(
        referral,
        acting_user=liaison,
        expected_version=2,
        resolution="已处理",
        photos=[photo()],
    )
    with pytest.raises(PermissionDenied) as err:
        do_verify_referral(referral, acting_user=people["worker2"], expected_version=3, rating=4)
    assert err.value.code == "not_originator"
    for bad in (0, 6):
        with pytest.raises(ValidationFailed):
            do_verify_referral(
                referral, acting_user=people["worker"], expected_version=3, rating=bad
            )
    with pytest.raises(ValidationFailed):
        do_reopen_referral(referral, acting_user=people["worker"], expected_version=3, reason="")
    before = timezone.now()
    do_reopen_referral(
        referral, acting_user=people["worker"], expected_version=3, reason="杂物仍在", rating=2
    )
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SIGNED and referral.reopen_count == 1
    assert referral.resolve_due_at >= before + timedelta(days=1)
    assert referral.next_alert_at == referral.resolve_due_at
    report.refresh_from_db()
    assert report.status == ReportStatus.IN_PROGRESS
    do_resolve_referral(
        referral,
        acting_user=liaison,
        expected_version=4,
        resolution="已彻底清理",
        photos=[photo()],
    )
    do_verify_referral(referral, acting_user=people["worker"], expected_version=5, rating=4)
    referral.refresh_from_db()
    assert (referral.status, referral.rating, referral.reopen_count) == ("verified", 4, 1)


def test_photos_are_stored_with_the_report_and_resolving_needs_one(
    people: dict[str, Any], rules: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        report = do_submit_report(
            ReportInput("assistance", "路灯不亮", *IN_S1_1_1),
            acting_user=people["worker"],
            photos=[photo("a.jpg"), photo("b.jpg")],
        )
    assert report.photos.count() == 2
    first = report.photos.first()
    assert first is not None
    stored = first.attachment
    assert stored.content_type == "image/jpeg" and len(stored.sha256) == 64
    from django.core.files.base import ContentFile

    with pytest.raises(ValidationFailed) as err:
        do_submit_report(
            ReportInput("assistance", "路灯不亮", *IN_S1_1_1),
            acting_user=people["worker"],
            photos=[ContentFile(b"MZ not an image", name="x.jpg")],
        )
    assert err.value.code == "attachment_type"
    referral = _referral(report, "CG")
    do_sign_referral(referral, acting_user=people["liaison"], expected_version=1)
    with pytest.raises(ValidationFailed) as err:
        do_resolve_referral(
            referral,
            acting_user=people["liaison"],
            expected_version=2,
            resolution="已修",
            photos=[],
        )
    assert err.value.code == "photo_required"
    do_resolve_referral(
        referral,
        acting_user=people["liaison"],
        expected_version=2,
        resolution="已修",
        photos=[photo("done.jpg")],
    )
    assert report.photos.filter(referral=referral).count() == 1
