"""Tracking: code + last four digits show status and the public timeline, never staff
names or internal notes."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.services.conftest import S1_POINT
from zhian.core.errors import NotFound
from zhian.services.operations.reports import (
    ReportInput,
    do_accept_report,
    do_add_report_note,
    do_finish_report,
    submit_report,
)
from zhian.services.operations.tracking import format_code
from zhian.services.selectors import public_view

pytestmark = pytest.mark.django_db

SECRET_NOTE = "内部：报警人疑似与酒吧老板有债务纠纷，注意核实"


@pytest.fixture
def handled(tree: dict[str, Any], people: dict[str, Any], citizen: Any) -> Any:
    report = submit_report(
        ReportInput(
            category="noise",
            description="楼下酒吧每晚一点后仍有很大的音乐声",
            phone="13800138000",
            address="测试路 1 号",
            lon=S1_POINT[0],
            lat=S1_POINT[1],
        ),
        citizen=citizen,
    )
    officer = people["community"]
    do_accept_report(report, acting_user=officer, expected_version=1)
    do_add_report_note(report, acting_user=officer, text=SECRET_NOTE)
    do_finish_report(
        report,
        acting_user=officer,
        expected_version=2,
        public_note="已约谈商户，承诺 22 点后停止外放",
    )
    return report


def test_tracking_shows_the_public_timeline_only(handled: Any, people: dict[str, Any]) -> None:
    view = public_view(handled.tracking.code, "8000")
    assert view.status_label == "已办结"
    assert [e.event for e in view.timeline] == ["submitted", "accepted", "finished"]
    shown = repr(view)
    officer = people["community"]
    for secret in (SECRET_NOTE, officer.username, officer.display_name):
        assert secret not in shown


def test_the_tracking_page_never_leaks_notes_or_names(handled: Any, people: dict[str, Any]) -> None:
    page = Client().post(
        "/s/track/", {"code": format_code(handled.tracking.code).lower(), "last4": "8000"}
    )
    body = page.content.decode()
    assert page.status_code == 200
    assert "已约谈商户" in body and "已办结" in body
    officer = people["community"]
    for secret in (SECRET_NOTE, officer.username, officer.display_name, "13800138000"):
        assert secret not in body


@pytest.mark.parametrize("last4", ["0000", "800", "", "abcd"])
def test_wrong_digits_answer_not_found_like_an_unknown_code(handled: Any, last4: str) -> None:
    with pytest.raises(NotFound) as wrong:
        public_view(handled.tracking.code, last4)
    with pytest.raises(NotFound) as unknown:
        public_view("ZZZZZZZZZZ", "8000")
    assert wrong.value.message == unknown.value.message
