"""Simplified Chinese by default; English on request."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_default_language_is_simplified_chinese(client: Client) -> None:
    page = client.get("/login/").content.decode()
    assert 'lang="zh-hans"' in page
    assert "登录" in page


def test_switching_to_english_persists(client: Client, station_users: dict[str, Any]) -> None:
    client.force_login(station_users["leader"])
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    page = client.get("/").content.decode()
    assert 'lang="en"' in page
    assert "Jurisdiction overview" in page
    assert "辖区概览" not in page
