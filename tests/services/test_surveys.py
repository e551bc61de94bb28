"""回访: a link works once and expires; results per station."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tests.services.conftest import S1_POINT
from zhian.core.errors import Conflict, NotFound, ValidationFailed
from zhian.services.choices import Rating
from zhian.services.models import SurveyInvitation, SurveyResponse
from zhian.services.operations.reports import (
    ReportInput,
    do_finish_report,
    submit_report,
)
from zhian.services.operations.surveys import answer_survey, invite_survey, satisfaction_by_station

pytestmark = pytest.mark.django_db


def _submitted(citizen: Any) -> Any:
    return submit_report(
        ReportInput(
            category="lost_property",
            description="在公交站遗失一部黑色手机",
            phone="13800138000",
            address="测试路公交站",
            lon=S1_POINT[0],
            lat=S1_POINT[1],
        ),
        citizen=citizen,
    )


def _token(report: Any) -> str:
    invited = invite_survey(report.tracking, station=report.jurisdiction)
    assert invited is not None
    return invited[1]


def test_finishing_a_report_invites_once(
    tree: dict[str, Any], people: dict[str, Any], citizen: Any
) -> None:
    report = _submitted(citizen)
    do_finish_report(
        report,
        acting_user=people["community"],
        expected_version=1,
        public_note="手机已找到，请来所领取",
    )
    invitation = SurveyInvitation.objects.get(tracking=report.tracking)
    assert invitation.station.code == "S1" and invitation.used_at is None
    assert invite_survey(report.tracking, station=report.jurisdiction) is None


def test_a_survey_link_works_once(tree: dict[str, Any], citizen: Any) -> None:
    token = _token(_submitted(citizen))
    client = Client()
    assert client.get(f"/s/survey/{token}/").status_code == 200
    done = client.post(f"/s/survey/{token}/", {"rating": "satisfied"})
    assert done.status_code == 200 and "感谢您的评价" in done.content.decode()
    again = client.post(f"/s/survey/{token}/", {"rating": "dissatisfied", "reason": "再来一次"})
    assert again.status_code == 409
    with pytest.raises(Conflict):
        answer_survey(token, rating="satisfied", reason="", citizen=citizen)
    assert SurveyResponse.objects.get().rating == Rating.SATISFIED
    assert SurveyResponse.objects.get().station.code == "S1"


def test_an_expired_or_unknown_link_is_refused(tree: dict[str, Any], citizen: Any) -> None:
    token = _token(_submitted(citizen))
    later = timezone.now() + timedelta(days=8)
    with pytest.raises(Conflict) as exc:
        answer_survey(token, rating="satisfied", reason="", citizen=citizen, now=later)
    assert exc.value.code == "survey_expired"
    with pytest.raises(NotFound):
        answer_survey("not-a-token", rating="satisfied", reason="", citizen=citizen)
    with pytest.raises(ValidationFailed):  # 不满意 needs a reason
        answer_survey(token, rating="dissatisfied", reason="", citizen=citizen)


def test_results_per_station(tree: dict[str, Any], people: dict[str, Any], citizen: Any) -> None:
    for rating in ("satisfied", "fairly_satisfied", "dissatisfied"):
        answer_survey(
            _token(_submitted(citizen)), rating=rating, reason="等待时间太长", citizen=citizen
        )
    today = timezone.localdate()
    (row,) = satisfaction_by_station(people["leader"], today, today)
    assert (row.station.code, row.satisfied, row.fairly_satisfied, row.dissatisfied) == (
        "S1",
        1,
        1,
        1,
    )
    assert row.rate == pytest.approx(2 / 3)
    assert satisfaction_by_station(people["dispatcher"], today, today) == []  # no survey.view
