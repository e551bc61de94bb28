"""巡逻措施登记 on the plan page: a patrol officer ticks tactics at a stop in the 执行情况
table (a plain form, no script), is sent back with a message, and sees them listed; a
role that may not log sees no form and is refused."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.insights.factories import plan_with_stops
from zhian.dispatch.models import Unit
from zhian.insights.models import PatrolPlan, PatrolStopLog

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def plan(hki: dict[str, Any], units: dict[str, Unit]) -> PatrolPlan:
    """Yesterday's night-shift plan of the west station (open for logging today)."""
    w1 = units["W-01"]
    assert w1.lon is not None and w1.lat is not None
    return plan_with_stops(
        hki["HKI-W"],
        day=timezone.localdate() - dt.timedelta(days=1),
        shift="night",
        stops={w1: [(w1.lon, w1.lat, 0.3), (w1.lon + 0.004, w1.lat, 0.2)]},
    )


def test_a_patrol_officer_logs_tactics_from_the_plan_page(
    people: dict[str, Any], units: dict[str, Unit], plan: PatrolPlan
) -> None:
    client = client_for(people["patrol_w"])
    page_url = reverse("insights:plan", args=[plan.pk])
    log_url = reverse("insights:plan_stop_log", args=[plan.pk])
    # given the plan page: one form per stop, posting to the log view, with every tactic
    html = client.get(page_url).content.decode()
    assert html.count(f'action="{log_url}"') == 2
    assert html.count('name="tactics" value="premises_check"') == 2
    assert "<script>" not in html.split('id="execution"')[1].split("</section>")[0]
    # when the officer ticks two tactics at the first stop and saves
    first = plan.routes[0]["visits"][0]["cell"]
    response = client.post(
        log_url,
        {
            "unit": str(units["W-01"].pk),
            "cell": first,
            "tactics": ["visible_presence", "premises_check"],
            "note": "公园东门驻点，检查公厕照明",
        },
    )
    # then back to the plan's 执行情况 with a message, and the stop lists the tactics
    assert response.status_code == 302
    assert response["Location"] == page_url + "#execution"
    page = client.get(page_url).content.decode()
    assert "巡逻措施登记已保存" in page
    assert "驻点见警、场所安全检查" in page and "公园东门驻点，检查公厕照明" in page
    assert re.search(r'value="visible_presence" checked', page)
    assert PatrolStopLog.objects.filter(plan=plan, cell=first).count() == 2


def test_a_refused_note_comes_back_as_a_message_and_nothing_is_stored(
    people: dict[str, Any], units: dict[str, Unit], plan: PatrolPlan
) -> None:
    client = client_for(people["patrol_w"])
    response = client.post(
        reverse("insights:plan_stop_log", args=[plan.pk]),
        {
            "unit": str(units["W-01"].pk),
            "cell": plan.routes[0]["visits"][0]["cell"],
            "tactics": ["foot_patrol"],
            "note": "店主 139-1234-5678",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert "不能包含身份证号或电话号码" in response.content.decode()
    assert not PatrolStopLog.objects.exists()


def test_an_analyst_sees_the_plan_without_the_form_and_may_not_log(
    people: dict[str, Any], units: dict[str, Unit], plan: PatrolPlan
) -> None:
    client = client_for(people["analyst_w"])
    log_url = reverse("insights:plan_stop_log", args=[plan.pk])
    html = client.get(reverse("insights:plan", args=[plan.pk])).content.decode()
    assert 'id="execution"' in html and log_url not in html
    response = client.post(
        log_url,
        {
            "unit": str(units["W-01"].pk),
            "cell": plan.routes[0]["visits"][0]["cell"],
            "tactics": ["foot_patrol"],
        },
    )
    assert response.status_code == 403
    assert not PatrolStopLog.objects.exists()


def test_no_form_once_the_logging_window_has_closed(
    people: dict[str, Any], hki: dict[str, Any], units: dict[str, Unit]
) -> None:
    w1 = units["W-01"]
    assert w1.lon is not None and w1.lat is not None
    old = plan_with_stops(
        hki["HKI-W"],
        day=timezone.localdate() - dt.timedelta(days=3),
        shift="night",
        stops={w1: [(w1.lon, w1.lat, 0.3)]},
    )
    html = client_for(people["patrol_w"]).get(reverse("insights:plan", args=[old.pk])).content
    assert reverse("insights:plan_stop_log", args=[old.pk]).encode() not in html
