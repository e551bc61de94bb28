"""Service messages follow the request's language: English for an English user (API
problem+json and pages), Simplified Chinese by default.

Fixtures ``hki``, ``people`` and ``units`` come from tests/dispatch/conftest.py."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from zhian.core.errors import Conflict, NotFound, ValidationFailed
from zhian.core.services.tokens import do_create_token
from zhian.dispatch.models import Unit
from zhian.dispatch.selectors import access_incident
from zhian.dispatch.services.assignments import do_dispatch_units
from zhian.dispatch.services.incidents import IncidentInput, do_create_incident
from zhian.dispatch.services.units import check_transition, do_register_unit

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u4e00-\u9fff]")
WEST = (24.9410, 60.1690)  # inside station HKI-W
EAST = (24.9500, 60.1700)  # inside station HKI-E
INCIDENT = {
    "channel": "call_110",
    "category": "0104",
    "address": "Aleksanterinkatu 52",
    "lon": WEST[0],
    "lat": WEST[1],
    "caller_name": "王五",
    "caller_phone": "13800000000",
}


def api_client(user: Any, language: str | None = None) -> Client:
    _, secret = do_create_token(acting_user=user, name="i18n")
    headers = {"Authorization": f"Bearer {secret}"}
    if language:
        headers["Accept-Language"] = language
    return Client(headers=headers)


def page_client(user: Any, language: str | None = None) -> Client:
    client = Client()
    client.force_login(user)
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def make_incident(user: Any, lonlat: tuple[float, float] = WEST) -> Any:
    return do_create_incident(
        IncidentInput(
            channel="call_110",
            category_code="0201",
            address="测试地址",
            lon=lonlat[0],
            lat=lonlat[1],
        ),
        acting_user=user,
    ).incident


def problem_text(response: Any) -> str:
    """The human-readable message of a problem+json body (``detail``, else ``title``)."""
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    return str(body.get("detail") or body["title"])


def illegal_step(client: Client, unit: Unit) -> Any:
    """Dispatch ``unit`` through the API, then ask for 押送 straight away (409)."""
    incident = client.post("/api/v1/incidents", INCIDENT, content_type="application/json")
    assert incident.status_code == 201, incident.content
    sent = client.post(
        f"/api/v1/incidents/{incident.json()['id']}/dispatch",
        {"unit_ids": [unit.pk]},
        content_type="application/json",
    )
    assert sent.status_code == 201, sent.content
    return client.post(
        f"/api/v1/assignments/{sent.json()[0]['id']}/steps",
        {"step": "transporting"},
        content_type="application/json",
    )


# --------------------------------------------------------------------------- API


def test_api_illegal_transition_is_409_in_english(
    people: dict[str, Any], units: dict[str, Unit]
) -> None:
    response = illegal_step(api_client(people["dispatcher"], "en"), units["W-01"])
    assert response.status_code == 409
    assert response.json()["code"] == "illegal_transition"
    text = problem_text(response)
    assert text == (
        "W-01 cannot change from “Dispatched” to “Transporting” "
        "(allowed: Available, En route, On scene)"
    )
    assert not CJK.search(text)


def test_api_illegal_transition_stays_chinese_by_default(
    people: dict[str, Any], units: dict[str, Unit]
) -> None:
    response = illegal_step(api_client(people["dispatcher"]), units["W-01"])
    assert response.status_code == 409
    assert response.json()["code"] == "illegal_transition"
    assert "W-01 不能从“已派”变为“押送/护送”" in problem_text(response)


def test_api_out_of_scope_404_is_english(people: dict[str, Any], units: dict[str, Unit]) -> None:
    incident = make_incident(people["dispatcher"])
    english = api_client(people["east_dispatcher"], "en").get(f"/api/v1/incidents/{incident.pk}")
    assert english.status_code == 404
    assert english.json()["code"] == "not_found"
    assert problem_text(english) == "Incident not found"
    chinese = api_client(people["east_dispatcher"]).get(f"/api/v1/incidents/{incident.pk}")
    assert chinese.status_code == 404 and problem_text(chinese) == "未找到该警情"


def test_api_field_messages_are_english_too(people: dict[str, Any]) -> None:
    outside = {**INCIDENT, "lon": 24.9700, "lat": 60.1900}  # beyond the bureau
    response = api_client(people["dispatcher"], "en").post(
        "/api/v1/incidents", outside, content_type="application/json"
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "outside_jurisdiction"
    assert problem_text(response).startswith("The location is outside your jurisdictions")
    assert body["fields"] == {"lon": "Outside your jurisdictions"}


# --------------------------------------------------------------------------- pages


def test_page_action_refusal_is_shown_in_english(
    people: dict[str, Any], units: dict[str, Unit]
) -> None:
    do_dispatch_units(
        make_incident(people["dispatcher"]), [units["W-01"].pk], acting_user=people["dispatcher"]
    )
    client = page_client(people["dispatcher"], "en")
    response = client.post(
        reverse("dispatch:unit_availability", args=[units["W-01"].pk]),
        {"status": "unavailable"},
        follow=True,
    )
    assert response.status_code == 200
    expected = "W-01 has an assignment in progress; clear or recall it first"
    page = response.content.decode()
    assert 'lang="en"' in page and expected in page
    assert "有进行中的任务" not in page


def test_page_action_refusal_stays_chinese_by_default(
    people: dict[str, Any], units: dict[str, Unit]
) -> None:
    do_dispatch_units(
        make_incident(people["dispatcher"]), [units["W-01"].pk], acting_user=people["dispatcher"]
    )
    response = page_client(people["dispatcher"]).post(
        reverse("dispatch:unit_availability", args=[units["W-01"].pk]),
        {"status": "unavailable"},
        follow=True,
    )
    page = response.content.decode()
    assert 'lang="zh-hans"' in page
    assert "W-01 有进行中的任务，请先完成或撤回" in page


def test_out_of_scope_error_page_is_english(people: dict[str, Any], units: dict[str, Unit]) -> None:
    incident = make_incident(people["dispatcher"])
    path = reverse("dispatch:assignment_step", args=[999_999])
    english = page_client(people["east_dispatcher"], "en")
    missing = english.post(path, {"step": "en_route"})
    assert missing.status_code == 404 and "Assignment not found" in missing.content.decode()
    other = english.get(reverse("dispatch:incident", args=[incident.pk]))
    assert other.status_code == 404 and "Incident not found" in other.content.decode()
    chinese = page_client(people["east_dispatcher"]).post(path, {"step": "en_route"})
    assert chinese.status_code == 404 and "未找到该任务" in chinese.content.decode()


# --------------------------------------------------------------------------- services


def test_service_messages_follow_the_active_language(
    people: dict[str, Any], units: dict[str, Unit], hki: dict[str, Any]
) -> None:
    admin, w1 = people["admin"], units["W-01"]

    def duplicate() -> str:
        with pytest.raises(ValidationFailed) as exc:
            do_register_unit(acting_user=admin, call_sign="W-01", station=hki["HKI-W"], kind="foot")
        assert exc.value.code == "duplicate_call_sign"
        return exc.value.message

    def illegal() -> str:
        with pytest.raises(Conflict) as exc:
            check_transition(w1, "on_scene")
        assert exc.value.code == "illegal_transition"
        return exc.value.message

    def hidden() -> str:
        incident = make_incident(people["east_dispatcher"], EAST)
        with pytest.raises(NotFound) as exc:
            access_incident(people["patrol_w"], incident.pk)
        return exc.value.message

    with translation.override("en"):
        assert duplicate() == "Call sign W-01 already exists"
        assert illegal() == (
            "W-01 cannot change from “Available” to “On scene” (allowed: Dispatched, Unavailable)"
        )
        assert hidden() == "Incident not found"
    with translation.override("zh-hans"):
        assert duplicate() == "呼号 W-01 已存在"
        assert illegal() == "W-01 不能从“空闲”变为“到达”（可变为：已派、不可用）"
        assert hidden() == "未找到该警情"
