"""A real browser (Debian's chromium through Playwright) logs in and sees the map."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(browser_context: Any) -> Any:
    return browser_context.new_page()


def test_login_shows_jurisdictions_on_the_map(
    page: Any, live_server: Any, station_users: dict[str, Any], password: str, test_output: Path
) -> None:
    log_in(page, live_server, "leader", password)
    page.wait_for_selector("#map[data-features]")
    assert page.get_attribute("#map", "data-features") == "2"  # the two stations
    assert page.locator("#map .leaflet-overlay-pane canvas, #map .leaflet-overlay-pane svg").count()
    page.select_option("#map-kind", "grid")
    page.wait_for_selector("#map[data-features='8']", state="attached")  # no eval: CSP
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
    log_in(page, live_server, "leader", "not-the-password", succeed=False)
    assert page.locator("[role=alert]").inner_text().strip() == "用户名或密码错误"
    assert page.input_value("input[name=username]") == "leader"
