"""Background jobs: a closed incident finishes its report and sends the survey link."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from tests.services.conftest import S1_POINT
from zhian.core.models.notifications import OutboxMessage
from zhian.dispatch.services.incidents import do_close_incident
from zhian.services.choices import ReportStatus, RouteTarget
from zhian.services.models import RoutingRule, SurveyInvitation
from zhian.services.operations.reports import ReportInput, do_forward_report, submit_report

pytestmark = pytest.mark.django_db


def test_a_closed_incident_finishes_the_report_and_invites_a_survey(
    tree: dict[str, Any],
    people: dict[str, Any],
    citizen: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    RoutingRule.objects.create(
        category="noise", target=RouteTarget.DISPATCH, incident_category_code="0204"
    )
    report = submit_report(
        ReportInput(
            category="noise",
            description="KTV 深夜噪声扰民",
            phone="13800138000",
            address="测试路 7 号",
            lon=S1_POINT[0],
            lat=S1_POINT[1],
        ),
        citizen=citizen,
    )
    do_forward_report(report, acting_user=people["dispatcher"], expected_version=1)
    report.refresh_from_db()
    call_command("enqueue_housekeeping", "--frequent", stdout=StringIO())  # still open
    report.refresh_from_db()
    assert report.status == ReportStatus.FORWARDED
    incident = report.incident
    assert incident is not None
    do_close_incident(
        incident,
        acting_user=people["dispatcher"],
        disposition="resolved",
        note="已劝导",
        expected_version=incident.version,
    )
    with django_capture_on_commit_callbacks(execute=True):
        call_command("enqueue_housekeeping", "--frequent", stdout=StringIO())
    report.refresh_from_db()
    assert report.status == ReportStatus.FINISHED
    assert SurveyInvitation.objects.filter(tracking=report.tracking).exists()
    assert OutboxMessage.objects.filter(to_address="13800138000").count() == 1


def test_the_daily_jobs_run(tree: dict[str, Any]) -> None:
    out = StringIO()
    call_command("enqueue_housekeeping", stdout=out)
    assert "erase_expired_contacts" in out.getvalue()


def test_the_incident_page_links_back_to_the_report(
    tree: dict[str, Any], people: dict[str, Any], citizen: Any, password: str
) -> None:
    from django.test import Client

    report = submit_report(
        ReportInput(
            category="noise",
            description="KTV 深夜噪声扰民",
            phone="13800138000",
            address="测试路 7 号",
            lon=S1_POINT[0],
            lat=S1_POINT[1],
        ),
        citizen=citizen,
    )
    do_forward_report(
        report, acting_user=people["dispatcher"], expected_version=1, incident_category_code="0204"
    )
    report.refresh_from_db()
    client = Client()
    client.login(username=people["dispatcher"].username, password=password)
    page = client.get(f"/dispatch/incidents/{report.incident_id}/").content.decode()
    assert f"网上报警 {report.tracking.code}" in page
    assert f"/services/reports/{report.pk}/" in page
