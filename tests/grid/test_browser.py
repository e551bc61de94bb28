"""A grid worker on a phone (375×812) files a report with a photo while the network is
cut and restored; the department's liaison signs and resolves it; the worker verifies it;
the timeline shows each step with its time."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser import log_in
from tests.grid.factories import photo_bytes
from zhian.grid.models import GridReport, ReportPhoto

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 812}


def test_phone_report_offline_then_signed_resolved_and_verified(
    chromium: Any,
    live_server: Any,
    people: dict[str, Any],
    rules: Any,
    password: str,
    test_output: Path,
) -> None:
    phone = chromium.new_context(
        locale="zh-CN",
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        geolocation={"longitude": 120.0105, "latitude": 30.0105},
        permissions=["geolocation"],
    )
    phone.set_default_timeout(10_000)
    page = phone.new_page()
    log_in(page, live_server, people["worker"].username, password)
    page.goto(f"{live_server.url}/grid/reports/new/")
    page.wait_for_selector("#report-form[data-ready='true']")
    # One thumb: the type is a big tap target, the position comes from the phone.
    page.click("text=群众求助")
    page.fill("#id_description", "路口井盖缺失，夜间有行人跌落危险")
    page.click("#use-position")
    expect(page.locator("#id_lon")).not_to_have_value("")
    assert page.input_value("#id_lon") == "120.010500"
    page.set_input_files(
        "#id_photos",
        files=[
            {"name": "现场.png", "mimeType": "image/png", "buffer": photo_bytes(size=(3000, 2000))}
        ],
    )
    page.wait_for_selector("#thumbs[data-count='1']")
    # The photo was resized in the browser before it was kept (longest edge 1280 px).
    width = page.evaluate(
        "() => new Promise(r => { const i = new Image(); i.onload = () => r(i.naturalWidth);"
        " i.src = document.querySelector('#thumbs img').src; })"
    )
    assert width == 1280
    # Nothing overflows the phone's width.
    wide = page.evaluate(
        "() => Array.from(document.querySelectorAll('body *'))"
        ".filter(e => e.getBoundingClientRect().right > 376"
        " && !e.closest('.leaflet-container'))"
        ".map(e => e.tagName + '#' + e.id + '.' + e.className).slice(0, 8)"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], wide

    # A reload keeps the draft, photo included.
    page.reload()
    page.wait_for_selector("#report-form[data-ready='true']")
    assert page.input_value("#id_description") == "路口井盖缺失，夜间有行人跌落危险"
    page.wait_for_selector("#thumbs[data-count='1']")
    page.screenshot(path=str(test_output / "grid-report-phone.png"), full_page=True)

    # The network drops; 提交 keeps the draft and says it will be sent later.
    phone.set_offline(True)
    page.click("#submit")
    expect(page.locator("#draft-status")).to_contain_text("联网后自动提交")
    assert GridReport.objects.count() == 0
    key = page.evaluate(
        f"JSON.parse(localStorage.getItem('zhian.grid.draft.{people['worker'].username}')).key"
    )
    assert re.fullmatch(r"[0-9a-f-]{32,36}", key)
    # The network returns: the draft goes out by itself, once, and the report opens.
    phone.set_offline(False)
    page.wait_for_url(re.compile(r"/grid/reports/\d+/$"))
    assert GridReport.objects.count() == 1
    report = GridReport.objects.get()
    assert ReportPhoto.objects.filter(report=report).count() == 1
    assert (
        page.evaluate(f"localStorage.getItem('zhian.grid.draft.{people['worker'].username}')")
        is None
    )

    # --- The 城管 liaison signs and resolves it with a photo.
    desk = chromium.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    desk.set_default_timeout(10_000)
    liaison = desk.new_page()
    log_in(liaison, live_server, people["liaison"].username, password)
    liaison.goto(f"{live_server.url}/grid/inbox/")
    liaison.click(f"a[href='/grid/reports/{report.pk}/']")
    liaison.click("button:has-text('签收')")
    liaison.wait_for_selector(".messages >> text=已签收")
    liaison.fill("textarea[name=resolution]", "已更换井盖并设置警示标志")
    liaison.set_input_files(
        "input[name=photos]",
        files=[{"name": "done.jpg", "mimeType": "image/jpeg", "buffer": photo_bytes("green")}],
    )
    liaison.click("button:has-text('办结')")
    liaison.wait_for_selector(".messages >> text=已办结")

    # --- The worker verifies it and rates it.
    page.goto(f"{live_server.url}/grid/reports/{report.pk}/")
    page.select_option("select[name=rating]", "5")
    page.click("button:has-text('核实通过')")
    page.wait_for_selector(".messages >> text=已核实")
    assert page.get_attribute("#report-status", "data-status") == "closed"
    steps = page.eval_on_selector_all(
        "#timeline li",
        "els => els.map(e => [e.dataset.kind, e.querySelector('time').textContent])",
    )
    assert [kind for kind, _t in steps] == [
        "submitted",
        "referred",
        "signed",
        "resolved",
        "verified",
    ]
    for _kind, shown in steps:
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", shown)
    assert page.locator("#photos img").count() == 2
    page.screenshot(path=str(test_output / "grid-report-verified.png"), full_page=True)
    desk.close()
    phone.close()
