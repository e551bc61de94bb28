"""An officer and a supervisor in real browsers: open a case from an incident, submit it
for 立案, return with a reason, fix and resubmit, approve; the timeline shows every step
and the PDF dossier downloads with the case number."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser import log_in
from tests.records.factories import make_incident

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _context(chromium: Any) -> Any:
    context = chromium.new_context(
        locale="zh-CN", viewport={"width": 1440, "height": 900}, accept_downloads=True
    )
    context.set_default_timeout(10_000)
    return context


def test_open_submit_return_resubmit_approve_and_dossier(
    chromium: Any, live_server: Any, people: dict[str, Any], password: str, test_output: Path
) -> None:
    incident = make_incident(people["dispatcher"])
    officer_ctx, supervisor_ctx = _context(chromium), _context(chromium)
    try:
        officer = officer_ctx.new_page()
        log_in(officer, live_server, people["officer"].username, password)
        # --- The incident page offers 受案; the form names the incident.
        officer.goto(f"{live_server.url}/dispatch/incidents/{incident.pk}/")
        officer.click("#other-actions >> text=受案（立案登记）")
        assert incident.number in officer.inner_text("main")
        officer.select_option("select[name=category]", "X01")
        officer.fill("input[name=title]", "张某殴打他人案")
        officer.click("button:has-text('受案')")
        officer.wait_for_url(re.compile(r"/cases/\d+/$"))
        number = officer.inner_text("#case-number").split()[0]
        assert re.fullmatch(r"X330203\d{4}000001", number)
        # --- Fill the legal basis and submit for 立案.
        officer.fill("#case-edit input[name=legal_basis]", "《治安管理处罚法》")
        officer.click("#case-edit button[type=submit]")
        officer.click("#submit-filed button[type=submit]")
        assert "已提交审批" in officer.inner_text(".messages")
        case_url = officer.url

        # --- The supervisor returns it with a reason.
        supervisor = supervisor_ctx.new_page()
        log_in(supervisor, live_server, people["supervisor"].username, password)
        supervisor.goto(f"{live_server.url}/cases/board/")
        supervisor.click(f"text={number}")
        supervisor.fill("#decide-form textarea[name=reason]", "案情不清，请补充时间、地点和伤情")
        supervisor.click("#decide-form button[value=return]")
        assert "审批意见已记录" in supervisor.inner_text(".messages")

        # --- The officer fixes the facts and resubmits.
        officer.goto(case_url)
        assert "退回补充" in officer.inner_text("#case-timeline")
        officer.fill(
            "#case-edit textarea[name=summary]",
            "3月2日20时许，张某在某路口殴打李某，致其面部挫伤。",
        )
        officer.click("#case-edit button[type=submit]")
        officer.click("#submit-filed button[type=submit]")

        # --- The supervisor approves.
        supervisor.goto(case_url)
        supervisor.fill("#decide-form textarea[name=reason]", "同意立案")
        supervisor.click("#decide-form button[value=approve]")
        assert supervisor.inner_text("#case-stage") == "立案"
        timeline = supervisor.inner_text("#case-timeline")
        for step in ("接警", "受案登记", "提交审批", "退回补充", "审批通过", "受案 → 立案"):
            assert step in timeline, step
        assert timeline.count("提交审批") == 2
        supervisor.screenshot(path=str(test_output / "records-case.png"), full_page=True)

        # --- The PDF dossier downloads and holds the case number.
        with supervisor.expect_download() as download_info:
            supervisor.click("#dossier-link")
        path = download_info.value.path()
        data = Path(path).read_bytes()
        assert data.startswith(b"%PDF") and number.encode() in data
    finally:
        officer_ctx.close()
        supervisor_ctx.close()
