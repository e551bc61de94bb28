"""The grid app's English catalogue: pages and API errors in English for an English user."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from tests.factories import PASSWORD
from tests.grid.factories import submit

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u4e00-\u9fff]")


def english(user: Any) -> Client:
    client = Client(headers={"Accept-Language": "en"})
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert client.login(username=user.username, password=PASSWORD)
    return client


def _main(html: str) -> str:
    body = html.split("<main>", 1)[1].split("</main>", 1)[0]
    return re.sub(r"<script.*?</script>", "", body, flags=re.S)


def test_grid_pages_have_no_untranslated_chinese_in_english(
    people: dict[str, Any], rules: Any
) -> None:
    report = submit(people["worker"], description="fire lane blocked", address="Block 3")
    client = english(people["worker"])
    for path in ("/grid/reports/new/", "/grid/", "/grid/places/?type=hotel", "/grid/disputes/new/"):
        main = _main(client.get(path).content.decode())
        assert not CJK.findall(main), (path, CJK.findall(main)[:10])
    page = client.get(f"/grid/reports/{report.pk}/").content.decode()
    assert "Whistle and report" in page and "Timeline" in page


def test_api_errors_are_in_english(people: dict[str, Any], rules: Any) -> None:
    client = english(people["east_worker"])
    response = client.post(
        "/api/v1/grid/reports",
        {"report_type": "other", "description": "x", "lon": 120.01, "lat": 30.01},
        content_type="application/json",
        headers={"X-CSRFToken": "x"},
    )
    body = response.json()
    assert response.status_code in (403, 422)
    if response.status_code == 422:
        assert body["detail"] == "This location is not in your grid; check the position"
