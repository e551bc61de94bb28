"""Portal rate limits per address and per phone: they trigger, and reset with the window."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tests.services.conftest import S1_POINT
from zhian.services.models import OnlineReport
from zhian.services.operations import ratelimits
from zhian.services.operations.portal import Citizen
from zhian.services.operations.reports import ReportInput, submit_report

pytestmark = pytest.mark.django_db


def _report(phone: str) -> ReportInput:
    return ReportInput(
        category="noise",
        description="工地夜间施工噪声很大",
        phone=phone,
        address="测试路 9 号",
        lon=S1_POINT[0],
        lat=S1_POINT[1],
    )


def test_the_limit_triggers_at_the_count_and_resets_with_the_window(settings: Any) -> None:
    settings.ZHIAN_PORTAL_RATE_LIMITS = {"report_ip": (3, 3600)}
    start = timezone.now().replace(minute=0, second=0, microsecond=0)
    for n in range(1, 4):
        assert ratelimits.hit("report_ip", "203.0.113.9", now=start + timedelta(minutes=n)) == n
    with pytest.raises(ratelimits.RateLimited) as exc:
        ratelimits.hit("report_ip", "203.0.113.9", now=start + timedelta(minutes=10))
    assert exc.value.status == 429 and 0 < exc.value.extra["retry_after"] <= 3600
    # Another address is counted on its own; the next window starts from zero.
    assert ratelimits.hit("report_ip", "203.0.113.10", now=start + timedelta(minutes=11)) == 1
    assert ratelimits.hit("report_ip", "203.0.113.9", now=start + timedelta(hours=1)) == 1
    assert ratelimits.prune_counters(now=start + timedelta(hours=3)) == 3


def test_one_phone_is_limited_across_addresses(tree: dict[str, Any], settings: Any) -> None:
    settings.ZHIAN_PORTAL_RATE_LIMITS = {"report_ip": (100, 3600), "report_phone": (2, 86400)}
    for n in range(2):
        submit_report(_report("13800138000"), citizen=Citizen(ip=f"198.51.100.{n}"))
    with pytest.raises(ratelimits.RateLimited):
        submit_report(_report("138 0013 8000"), citizen=Citizen(ip="198.51.100.77"))
    submit_report(_report("13800138001"), citizen=Citizen(ip="198.51.100.77"))
    assert OnlineReport.objects.count() == 3


def test_the_portal_answers_429_past_the_limit(tree: dict[str, Any], settings: Any) -> None:
    settings.ZHIAN_PORTAL_RATE_LIMITS = {"report_ip": (1, 3600), "report_phone": (100, 86400)}
    form = {
        "category": "noise",
        "description": "工地夜间施工噪声很大",
        "address": "测试路 9 号",
        "phone": "13800138000",
    }
    client = Client()
    assert client.post("/s/report/", form).status_code == 201
    refused = client.post("/s/report/", form)
    assert refused.status_code == 429
    assert "提交过于频繁" in refused.content.decode()
    assert OnlineReport.objects.count() == 1


def test_the_honeypot_refuses_without_storing(tree: dict[str, Any]) -> None:
    response = Client().post(
        "/s/report/",
        {
            "category": "noise",
            "description": "工地夜间施工噪声很大",
            "address": "测试路 9 号",
            "phone": "13800138000",
            "website": "http://spam.example",
        },
    )
    assert response.status_code == 400
    assert not OnlineReport.objects.exists()
