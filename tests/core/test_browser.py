"""A real browser (Debian's chromium through Playwright) logs in and sees the map."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = os.environ.get("ZHIAN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run `make system-deps` (apt-get install chromium)")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # ORM teardown beside the loop
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800})
    page = context.new_page()
    yield page
    context.close()


def log_in(page: Any, live_server: Any, username: str, password: str) -> None:
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")


def test_login_shows_jurisdictions_on_the_map(
    page: Any, live_server: Any, station_users: dict[str, Any], password: str, test_output: Path
) -> None:
    log_in(page, live_server, "leader", password)
    page.wait_for_url(f"{live_server.url}/")
    page.wait_for_selector("#map[data-features]")
    assert page.get_attribute("#map", "data-features") == "2"  # the two stations
    assert page.locator("#map .leaflet-overlay-pane canvas, #map .leaflet-overlay-pane svg").count()
    page.select_option("#map-kind", "grid")
    page.wait_for_function("document.querySelector('#map').dataset.features === '8'")
    page.screenshot(path=str(test_output / "home-map.png"), full_page=True)
    assert "测试分局" not in page.title()
    assert page.locator("text=辖区概览").is_visible()


def test_scoped_user_sees_only_their_station(
    page: Any, live_server: Any, station_users: dict[str, Any], password: str
) -> None:
    log_in(page, live_server, "disp1", password)
    page.wait_for_selector("#map[data-features]")
    assert page.get_attribute("#map", "data-features") == "1"


def test_language_switch_to_english(
    page: Any, live_server: Any, station_users: dict[str, Any], password: str
) -> None:
    log_in(page, live_server, "leader", password)
    page.wait_for_selector("#map[data-features]")
    page.select_option("select[name=language]", "en")
    page.wait_for_selector("text=Jurisdiction overview")
    assert page.locator("html").get_attribute("lang") == "en"


def test_wrong_password_keeps_the_form_with_a_message(
    page: Any, live_server: Any, station_users: dict[str, Any]
) -> None:
    log_in(page, live_server, "leader", "not-the-password")
    assert page.locator("[role=alert]").inner_text().strip() == "用户名或密码错误"
    assert page.input_value("input[name=username]") == "leader"
