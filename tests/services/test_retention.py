"""Retention: contact data is erased after the period; the statistics stay."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from tests.services.conftest import S1_POINT
from zhian.core.errors import NotFound
from zhian.services.choices import ReportStatus
from zhian.services.models import OnlineReport, SurveyResponse, Tracking
from zhian.services.operations.reports import ReportInput, do_finish_report, submit_report
from zhian.services.operations.retention import erase_expired_contacts
from zhian.services.operations.surveys import answer_survey, invite_survey, satisfaction_by_station
from zhian.services.selectors import public_view

pytestmark = pytest.mark.django_db


def test_retention_erases_contact_data_and_keeps_the_statistics(
    tree: dict[str, Any], people: dict[str, Any], citizen: Any, settings: Any
) -> None:
    settings.ZHIAN_CONTACT_RETENTION_DAYS = 30
    finished = submit_report(
        ReportInput(
            category="minor_damage",
            description="小区停车场车辆后视镜被撞坏",
            phone="13800138000",
            address="测试小区",
            lon=S1_POINT[0],
            lat=S1_POINT[1],
        ),
        citizen=citizen,
    )
    still_open = submit_report(
        ReportInput(
            category="tip",
            description="发现有人在路边贩卖假烟",
            phone="13700137000",
            address="某路口",
        ),
        citizen=citizen,
    )
    do_finish_report(
        finished, acting_user=people["community"], expected_version=1, public_note="已登记"
    )
    from zhian.services.models import SurveyInvitation

    SurveyInvitation.objects.all().delete()
    invited = invite_survey(finished.tracking, station=finished.jurisdiction)
    assert invited is not None
    answer_survey(invited[1], rating="satisfied", reason="", citizen=citizen)

    assert erase_expired_contacts(now=timezone.now() + timedelta(days=29)) == 0
    assert erase_expired_contacts(now=timezone.now() + timedelta(days=31)) == 1

    erased = Tracking.objects.get(pk=finished.tracking.pk)
    assert (erased.phone, erased.phone_last4) == ("", "")
    assert erased.contact_erased_at is not None
    assert Tracking.objects.get(pk=still_open.tracking.pk).phone == "13700137000"
    # The report, its category and place, and the survey answer remain for statistics.
    kept = OnlineReport.objects.get(pk=finished.pk)
    assert kept.status == ReportStatus.FINISHED and kept.category == "minor_damage"
    assert SurveyResponse.objects.count() == 1
    today = timezone.localdate()
    assert satisfaction_by_station(people["leader"], today, today)[0].satisfied == 1
    # Tracking by phone digits is no longer possible.
    with pytest.raises(NotFound):
        public_view(erased.code, "8000")
    # Abandoned (never finished) requests are erased after twice the period.
    assert erase_expired_contacts(now=timezone.now() + timedelta(days=61)) == 1
