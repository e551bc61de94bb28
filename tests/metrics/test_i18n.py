"""The KPI pages in English come from the app's own catalogue."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.utils import translation

from tests.factories import PASSWORD
from zhian.metrics.engine import rate_figure


def test_the_dashboard_in_english(tree: dict[str, Any], people: dict[str, Any]) -> None:
    c = Client()
    c.login(username=people["leader"].username, password=PASSWORD)
    c.cookies["django_language"] = "en"
    html = c.get("/metrics/?j=B&kind=month&m=2026-03", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Same period last year" in html and "No figures entered yet for: 2026-03" in html


def test_reasons_are_translated() -> None:
    with translation.override("en"):
        assert rate_figure(0, 0).reason == "The denominator is 0: no rate can be computed"
