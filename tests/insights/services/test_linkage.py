"""串并 for incidents: similar earlier incidents ranked with reasons; analysts' decisions
recorded and shown next time; scope and roles respected."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from zhian.core.errors import NotFound, PermissionDenied, ValidationFailed
from zhian.core.models import AuditEvent
from zhian.dispatch.services import incidents as I
from zhian.insights.models import LinkDecision
from zhian.insights.services import linkage
from zhian.insights.services.linkage import do_decide_link, link_candidates, suggest_links

pytestmark = pytest.mark.django_db


def incident(user: Any, code: str, lon: float, lat: float, days_ago: float, text: str) -> Any:
    data = I.IncidentInput(
        channel="call_110",
        category_code=code,
        address="Mannerheimintie 1",
        lon=lon,
        lat=lat,
        narrative=text,
        received_at=timezone.now() - dt.timedelta(days=days_ago),
    )
    return I.do_create_incident(data, acting_user=user).incident


@pytest.fixture
def series(people: dict[str, Any]) -> dict[str, Any]:
    d = people["dispatcher"]
    return {
        "first": incident(
            d, "0105", 24.9400, 60.1700, 20, "凌晨嫌疑人撬窗进入住宅，翻动抽屉，盗走现金"
        ),
        "second": incident(d, "0105", 24.9405, 60.1702, 9, "凌晨有人撬窗入室，翻动抽屉后盗走首饰"),
        "fight": incident(d, "0201", 24.9402, 60.1701, 10, "酒吧门口两人打架，已劝离"),
        "far": incident(d, "0105", 24.9380, 60.1760, 200, "上午商铺被技术开锁，丢失香烟"),
        "east": incident(d, "0105", 24.9500, 60.1700, 5, "凌晨嫌疑人撬窗进入住宅，翻动抽屉"),
        "new": incident(
            d, "0105", 24.9403, 60.1701, 1, "凌晨嫌疑人撬窗进入居民楼，翻动抽屉，盗走现金"
        ),
    }


def test_the_series_ranks_first_with_its_reasons(
    people: dict[str, Any], series: dict[str, Any]
) -> None:
    rows = suggest_links(series["new"], acting_user=people["analyst"])
    numbers = [r["incident"].pk for r in rows]
    # the look-alike burglaries nearby come before the fight next door and the old one
    assert numbers[0] == series["first"].pk
    pos = {pk: k for k, pk in enumerate(numbers)}
    assert pos[series["second"].pk] < min(pos[series["fight"].pk], pos[series["far"].pk])
    assert series["new"].pk not in numbers  # never itself, never a later one
    top = rows[0]
    assert {r.name for r in top["reasons"]} >= {"category", "narrative", "space", "time"}
    assert top["score"] == pytest.approx(sum(r.contribution for r in top["reasons"]))
    # a west-station analyst does not get the east station's burglary compared
    west = [r["incident"].pk for r in suggest_links(series["new"], acting_user=people["analyst_w"])]
    assert series["east"].pk not in west and series["east"].pk in numbers


def test_a_decision_is_recorded_and_shown_next_time(
    people: dict[str, Any], series: dict[str, Any]
) -> None:
    analyst = people["analyst"]
    do_decide_link(
        series["new"], series["first"], verdict="rejected", score=0.5, acting_user=analyst
    )
    do_decide_link(
        series["new"], series["first"], verdict="confirmed", score=0.5, acting_user=analyst
    )
    rows = {r["incident"].pk: r for r in suggest_links(series["new"], acting_user=analyst)}
    assert rows[series["first"].pk]["decision"].verdict == "confirmed"
    assert rows[series["second"].pk]["decision"] is None
    assert LinkDecision.objects.count() == 2  # the earlier decision stays on record
    assert AuditEvent.objects.filter(action="insights.link").count() == 2


def test_roles_and_scope(people: dict[str, Any], series: dict[str, Any]) -> None:
    with pytest.raises(PermissionDenied):
        suggest_links(series["new"], acting_user=people["leader"])
    with pytest.raises(NotFound):
        do_decide_link(
            series["new"],
            series["east"],
            verdict="confirmed",
            score=0.1,
            acting_user=people["analyst_w"],
        )


def test_the_incident_page_offers_linkage_and_the_page_records_a_decision(
    people: dict[str, Any], series: dict[str, Any]
) -> None:
    client = Client()
    client.force_login(people["analyst"])
    page = client.get(reverse("dispatch:incident", args=[series["new"].pk])).content.decode()
    url = reverse("insights:incident_links", args=[series["new"].pk])
    assert url in page and "串并分析" in page
    html = client.get(url).content.decode()
    assert 'id="link-list"' in html and series["first"].number in html
    assert "5 公里以内" in html and "最近的 5000 起" in html  # what was compared, said
    r = client.post(
        reverse("insights:link_decide", args=[series["new"].pk, series["first"].pk]),
        {"verdict": "confirmed", "score": "0.7"},
    )
    assert r.status_code == 302
    assert 'class="decision">确认串并 · ' in client.get(url).content.decode()
    # a dispatcher sees no such link on the incident page
    d = Client()
    d.force_login(people["dispatcher"])
    assert url not in d.get(reverse("dispatch:incident", args=[series["new"].pk])).content.decode()


def test_the_candidate_read_is_bounded_and_keeps_the_true_link(
    people: dict[str, Any], series: dict[str, Any]
) -> None:
    # given more same-category incidents than the cap, older than the series, and recent
    # incidents of another category far away (1.2 km from the new burglary)
    d = people["dispatcher"]
    for k in range(12):
        incident(d, "0105", 24.9530, 60.1780, 30 + 10 * k, "商铺卷帘门被撬，丢失香烟")
    for k in range(12):
        incident(d, "0201", 24.9530, 60.1780, 0.5 + k / 10, "两人因停车发生口角，已调解")
    # when the candidates are read with a cap of 10 and a 300 m window for other categories
    with CaptureQueriesContext(connection) as queries:
        arr = link_candidates(series["new"], acting_user=people["analyst"], limit=10, radius_m=300)
    # then a fixed number of queries (the category, scope and one bounded read each for the
    # same category and the nearby ones) and no more than 10 rows
    assert len(arr["id"]) == 10 and len(queries) <= 5
    got = set(arr["id"].tolist())
    # the true links (same category, latest) are in, the fight next door is in (nearby),
    # the far quarrels are not, the oldest same-category incidents fell off the cap
    assert {series["first"].pk, series["second"].pk, series["fight"].pk} <= got
    assert set(arr["category"].tolist()) == {"0105", "0201"}
    assert series["new"].pk not in got and series["far"].pk not in got
    assert (np.diff(arr["t"]) >= 0).all()  # in time order, as the library expects


def test_suggestions_over_a_capped_candidate_set_still_find_the_series(
    people: dict[str, Any], series: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    d = people["dispatcher"]
    for k in range(12):
        incident(d, "0105", 24.9530, 60.1780, 30 + 10 * k, "商铺卷帘门被撬，丢失香烟")
    monkeypatch.setattr(linkage, "MAX_CANDIDATES", 8)
    rows = suggest_links(series["new"], acting_user=people["analyst"])
    assert len(rows) == 8 and rows[0]["incident"].pk == series["first"].pk


@pytest.mark.parametrize("score", [float("nan"), float("inf"), -1.0, 1.5])
def test_a_score_outside_0_1_is_refused_and_nothing_is_stored(
    people: dict[str, Any], series: dict[str, Any], score: float
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        do_decide_link(
            series["new"],
            series["first"],
            verdict="confirmed",
            score=score,
            acting_user=people["analyst"],
        )
    assert refused.value.code == "invalid_score" and "score" in refused.value.extra["fields"]
    assert not LinkDecision.objects.exists()
    assert not AuditEvent.objects.filter(action="insights.link").exists()


@pytest.mark.parametrize("score", ["nan", "inf", "-1"])
def test_the_page_refuses_a_bad_posted_score_with_a_message(
    people: dict[str, Any], series: dict[str, Any], score: str
) -> None:
    client = Client(raise_request_exception=True)
    client.force_login(people["analyst"])
    url = reverse("insights:link_decide", args=[series["new"].pk, series["first"].pk])
    r = client.post(url, {"verdict": "confirmed", "score": score}, follow=True)
    assert r.status_code == 200
    assert "相似度须为 0 到 1 之间的数" in r.content.decode()
    assert not LinkDecision.objects.exists()
