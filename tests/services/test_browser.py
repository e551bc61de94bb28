"""Citizens in a real browser on a phone: the last slot of a day, a second citizen told it
is gone, a cancellation with the tracking code, and the second citizen booking it; and
axe-core finding no serious or critical violation on any portal page.

axe-core is loaded from the installed ``axe_playwright_python`` package (its bundled
``axe.min.js``; nothing is fetched)."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from typing import Any

import pytest

from tests.services.factories import bookable_service, slot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True}
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_script() -> Path:
    spec = importlib.util.find_spec("axe_playwright_python")
    if spec is None or not spec.submodule_search_locations:
        pytest.fail("axe-core is missing: install axe-playwright-python (it bundles axe.min.js)")
    path = Path(next(iter(spec.submodule_search_locations))) / "axe.min.js"
    assert path.is_file(), path
    return path


@pytest.fixture
def phone_context(chromium: Any) -> Any:
    context = chromium.new_context(locale="zh-CN", **PHONE)
    context.set_default_timeout(10_000)
    yield context
    context.close()


@pytest.fixture
def last_slot(tree: dict[str, Any]) -> Any:
    service = bookable_service([tree["S1"]])
    return slot(service, tree["S1"], capacity=1)


def _book_url(live_server: Any, place: Any) -> str:
    query = f"service={place.service.code}&station=S1&day={place.day.isoformat()}"
    return f"{live_server.url}/s/book/?{query}"


def _book(page: Any, place: Any, phone: str) -> None:
    page.check(f"#slot-{place.pk}")
    page.fill("#id_phone", phone)
    page.click("button.primary")


def test_two_citizens_and_the_last_slot_of_a_day(
    chromium: Any, live_server: Any, last_slot: Any, test_output: Path
) -> None:
    first_ctx = chromium.new_context(locale="zh-CN", **PHONE)
    second_ctx = chromium.new_context(locale="zh-CN", **PHONE)
    first, second = first_ctx.new_page(), second_ctx.new_page()
    try:
        # Both see the last place of the day.
        first.goto(_book_url(live_server, last_slot))
        second.goto(_book_url(live_server, last_slot))
        assert "剩 1 个" in second.inner_text(f"label[for=slot-{last_slot.pk}]")
        assert first.evaluate("document.documentElement.scrollWidth") <= 375  # no sideways scroll

        _book(first, last_slot, "13900000001")
        first.wait_for_selector("#code")
        code = first.inner_text("#code").strip()
        assert re.fullmatch(r"[2-9A-HJ-NP-Z]{5}-[2-9A-HJ-NP-Z]{5}", code)
        first.screenshot(path=str(test_output / "services-phone-receipt.png"), full_page=True)

        # The second citizen submits the page they loaded before: told it is gone.
        _book(second, last_slot, "13900000002")
        second.wait_for_selector("[role=alert]")
        assert "该时段已约满" in second.inner_text("[role=alert]")
        assert second.is_disabled(f"#slot-{last_slot.pk}")

        # The first cancels with the tracking code and the last four digits.
        first.goto(f"{live_server.url}/s/track/")
        first.fill("#id_code", code)
        first.fill("#id_last4", "0001")
        first.click("button.primary")
        first.click("button[value=cancel]")
        first.wait_for_selector("p.ok")
        assert "已取消" in first.inner_text(".status")

        # The second tries again and gets it.
        second.goto(_book_url(live_server, last_slot))
        _book(second, last_slot, "13900000002")
        second.wait_for_selector("#code")
        assert second.inner_text("#code").strip() != code
    finally:
        first_ctx.close()
        second_ctx.close()


def test_a_keyboard_only_booking(phone_context: Any, live_server: Any, last_slot: Any) -> None:
    page = phone_context.new_page()
    page.goto(_book_url(live_server, last_slot))
    page.focus(f"#slot-{last_slot.pk}")
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "id_phone"
    page.keyboard.type("13900000003")
    page.keyboard.press("Enter")
    page.wait_for_selector("#code")


def test_axe_finds_no_serious_or_critical_violation(
    chromium: Any, live_server: Any, last_slot: Any
) -> None:
    script = axe_script()
    # The test injects axe-core as an inline script, which the site's CSP rightly refuses:
    # this context alone bypasses the CSP (the pages are otherwise served as they are).
    context = chromium.new_context(locale="zh-CN", bypass_csp=True, **PHONE)
    context.set_default_timeout(10_000)
    page = context.new_page()
    pages = [
        "/s/",
        "/s/report/",
        "/s/consult/",
        "/s/complaint/",
        "/s/track/",
        "/s/faq/",
        "/s/privacy/",
        "/s/patrol-report/",
        _book_url(live_server, last_slot).removeprefix(live_server.url),
    ]
    failures = []
    for path in pages:
        page.goto(live_server.url + path)
        page.add_script_tag(path=str(script))
        result = page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG
        )
        assert len(result["passes"]) > 10, path  # axe really ran its rules
        for violation in result["violations"]:
            if violation["impact"] in ("serious", "critical"):
                targets = [n["target"] for n in violation["nodes"]][:3]
                failures.append(f"{path}: {violation['id']} ({violation['impact']}) {targets}")
    # The error states too: a refused form with its messages.
    page.goto(f"{live_server.url}/s/report/")
    page.click("button.primary")
    page.wait_for_selector("[role=alert]")
    page.add_script_tag(path=str(script))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG
    )
    failures += [
        f"/s/report/ (errors): {v['id']} ({v['impact']})"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert failures == []
