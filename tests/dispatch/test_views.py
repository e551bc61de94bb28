"""The dispatcher's pages (接处警): intake, incident actions, live board, units, coverage.

Fixtures ``hki``, ``people``, ``units`` and ``road_network`` come from tests/dispatch/conftest.py
(a bureau over central Helsinki with two stations and six units)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from zhian.core.models import AuditEvent
from zhian.dispatch.choices import IncidentStatus, TimelineKind, UnitStatus
from zhian.dispatch.models import Assignment, Incident, Unit
from zhian.dispatch.services.assignments import do_dispatch_units
from zhian.dispatch.services.incidents import IncidentInput, do_create_incident

pytestmark = pytest.mark.django_db

WEST = (24.9410, 60.1690)  # inside station HKI-W


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def intake_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "channel": "call_110",
        "caller_name": "张三丰",
        "caller_phone": "138 1234 5678",
        "address": "Mannerheimintie 1",
        "lon": str(WEST[0]),
        "lat": str(WEST[1]),
        "crs": "wgs84",
        "category": "0201",
        "priority": "",
        "narrative": "两人在路边打架，一人受伤",
    }
    data.update(overrides)
    return data


def make_incident(user: Any, lonlat: tuple[float, float] = WEST, code: str = "0201") -> Incident:
    return do_create_incident(
        IncidentInput(
            channel="call_110",
            category_code=code,
            address="测试地址",
            lon=lonlat[0],
            lat=lonlat[1],
            caller_name="李四",
            caller_phone="13900001111",
        ),
        acting_user=user,
    ).incident


def flash(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def url(name: str, *args: Any) -> str:
    return reverse(f"dispatch:{name}", args=args)


# --------------------------------------------------------------------------- intake


def test_pages_require_login(hki: dict[str, Any]) -> None:
    response = Client().get(url("board"))
    assert response.status_code == 302 and "/login/" in response["Location"]
    poll = Client().get(url("board_live"))
    assert poll.status_code == 204 and "/login/" in poll["HX-Redirect"]


def test_nav_links_to_the_board(people: dict[str, Any]) -> None:
    html = client_for(people["dispatcher"]).get("/").content.decode()
    assert f'href="{url("board")}"' in html


def test_intake_form_is_keyboard_first(people: dict[str, Any]) -> None:
    response = client_for(people["dispatcher"]).get(url("intake"))
    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(r'<select name="channel"[^>]*accesskey="c" autofocus', html)
    assert 'accesskey="s"' in html and "Ctrl+Enter" in html
    assert '<optgroup label="治安">' in html
    assert 'value="0201" data-priority="1"' in html  # 打架斗殴 suggests 紧急
    assert "个人信息" in html  # the personal-data rule beside the caller fields


def test_intake_success_redirects_to_the_numbered_incident(
    people: dict[str, Any], units: dict[str, Unit]
) -> None:
    client = client_for(people["dispatcher"])
    response = client.post(url("intake"), intake_data(priority="2"))
    incident = Incident.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("incident", incident.pk)
    assert re.fullmatch(r"HKI-\d{8}-0001", incident.number)
    assert incident.priority == 2  # the call-taker's override wins over the suggestion
    assert incident.jurisdiction.code.startswith("HKI-W")
    second = client.post(url("intake"), intake_data(lon="24.9500", lat="60.1700"))
    assert second.status_code == 302
    numbers = sorted(Incident.objects.values_list("number", flat=True))
    assert numbers[1].endswith("-0002")
    page = client.get(response["Location"]).content.decode()
    assert incident.number in page and "已登记警情" in page


def test_intake_validation_error_keeps_what_was_typed(people: dict[str, Any]) -> None:
    client = client_for(people["dispatcher"])
    response = client.post(url("intake"), intake_data(address="", lon="abc"))
    html = response.content.decode()
    assert response.status_code == 422
    assert "请填写事发地址" in html and "经度须为数字" in html
    assert 'value="abc"' in html and 'value="138 1234 5678"' in html
    assert "两人在路边打架，一人受伤</textarea>" in html
    assert re.search(r'<option value="0201" data-priority="1" selected>', html)
    assert not Incident.objects.exists()


def test_intake_service_errors_land_on_their_fields(people: dict[str, Any]) -> None:
    client = client_for(people["dispatcher"])
    phone = client.post(url("intake"), intake_data(caller_phone="call me"))
    html = phone.content.decode()
    assert phone.status_code == 422
    assert 'id="err-caller_phone"' in html and "电话号码只能包含数字" in html
    assert 'value="call me"' in html
    outside = client.post(url("intake"), intake_data(lon="24.9000", lat="60.1500"))
    html = outside.content.decode()
    assert outside.status_code == 422
    assert 'id="err-lon"' in html and "不在辖区内" in html
    assert 'value="24.9000"' in html and "Mannerheimintie 1" in html
    assert not Incident.objects.exists()


def test_intake_refused_without_a_call_taking_role(people: dict[str, Any]) -> None:
    response = client_for(people["supervisor"]).get(url("intake"))
    assert response.status_code == 403


# --------------------------------------------------------------------------- duplicates


def test_duplicate_is_offered_and_merged_through_the_page(people: dict[str, Any]) -> None:
    first = make_incident(people["dispatcher"])
    client = client_for(people["dispatcher"])
    response = client.post(
        url("intake"), intake_data(lon=str(WEST[0] + 0.0005), category="0202"), follow=True
    )
    second = Incident.objects.exclude(pk=first.pk).get()
    html = response.content.decode()
    assert 'id="duplicates"' in html and f'data-duplicate="{first.number}"' in html
    assert "并入该警情" in html and "合并到此警情" in html

    merged = client.post(
        url("incident_merge", second.pk), {"other": first.pk, "direction": "into_other"}
    )
    assert merged.status_code == 302 and merged["Location"] == url("incident", first.pk)
    second.refresh_from_db()
    first.refresh_from_db()
    assert second.status == IncidentStatus.MERGED and second.merged_into_id == first.pk
    assert first.calls.count() == 2
    page = client.get(url("incident", first.pk)).content.decode()
    assert second.number in page and 'id="duplicates"' not in page
    assert "<td>张**</td>" in page and "<td>李*</td>" in page  # both calls, masked


def test_unrelated_category_is_not_offered(people: dict[str, Any]) -> None:
    make_incident(people["dispatcher"], code="0302")  # 交通
    client = client_for(people["dispatcher"])
    response = client.post(url("intake"), intake_data(category="0201"), follow=True)
    assert 'id="duplicates"' not in response.content.decode()


# --------------------------------------------------------------------------- dispatch


def test_incident_page_shows_road_network_recommendations(
    people: dict[str, Any], units: dict[str, Unit], road_network: Any
) -> None:
    incident = make_incident(people["dispatcher"])
    html = client_for(people["dispatcher"]).get(url("incident", incident.pk)).content.decode()
    assert 'data-method="road_network"' in html and "按道路网络行车时间估算" in html
    assert html.count('name="unit" value=') >= 5
    assert 'id="dispatch-first"' in html
    assert "处置预案" in html and 'id="timeline"' in html


def test_straight_line_fallback_is_said_on_the_page(
    people: dict[str, Any], units: dict[str, Unit], settings: Any
) -> None:
    settings.ZHIAN_ROAD_NETWORK = ""
    incident = make_incident(people["dispatcher"])
    html = client_for(people["dispatcher"]).get(url("incident", incident.pk)).content.decode()
    assert 'data-method="straight_line"' in html and "按直线距离" in html


def test_dispatch_steps_and_close_through_the_page(
    people: dict[str, Any], units: dict[str, Unit], road_network: Any
) -> None:
    incident = make_incident(people["dispatcher"])
    client = client_for(people["dispatcher"])
    w1, e1 = units["W-01"], units["E-01"]
    response = client.post(url("incident_dispatch", incident.pk), {"unit": [w1.pk, e1.pk]})
    assert response.status_code == 302
    assert "已派出 W-01、E-01" in flash(response)
    w1.refresh_from_db()
    assert w1.status == UnitStatus.DISPATCHED
    dispatched = incident.timeline.filter(kind=TimelineKind.DISPATCHED)
    assert dispatched.count() == 2 and "预计" in dispatched.first().note  # type: ignore[union-attr]

    assignment = Assignment.objects.get(unit=w1, active=True)
    for step, status in (("en_route", UnitStatus.EN_ROUTE), ("on_scene", UnitStatus.ON_SCENE)):
        r = client.post(url("assignment_step", assignment.pk), {"step": step})
        assert r.status_code == 302
        w1.refresh_from_db()
        assert w1.status == status
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.ON_SCENE
    page = client.get(url("incident", incident.pk)).content.decode()
    assert (
        'data-step="cleared"' in page
        and 'data-step="en_route"' not in page.split('data-assignment="W-01"')[1].split("</tr>")[0]
    )

    # An illegal step is refused with the status machine's message.
    illegal = client.post(url("assignment_step", assignment.pk), {"step": "en_route"})
    assert illegal.status_code == 302
    assert any("不能从“到达”变为“出发”" in m for m in flash(illegal))

    r = client.post(url("assignment_step", assignment.pk), {"step": "cleared"})
    w1.refresh_from_db()
    assert w1.status == UnitStatus.AVAILABLE
    kinds = list(incident.timeline.values_list("kind", flat=True))
    assert kinds[:1] == [TimelineKind.RECEIVED]
    for kind in (TimelineKind.EN_ROUTE, TimelineKind.ON_SCENE, TimelineKind.CLEARED):
        assert kind in kinds

    # Closing: the disposition is required, a stale version is refused, then it closes.
    incident.refresh_from_db()
    missing = client.post(
        url("incident_close", incident.pk),
        {"disposition": "", "note": "现场调解", "version": incident.version},
    )
    assert missing.status_code == 422 and "请选择处理结果" in missing.content.decode()
    assert "现场调解</textarea>" in missing.content.decode()
    stale = client.post(
        url("incident_close", incident.pk),
        {"disposition": "mediated", "note": "", "version": incident.version - 1},
    )
    assert stale.status_code == 412 and "已被他人修改" in stale.content.decode()
    closed = client.post(
        url("incident_close", incident.pk),
        {"disposition": "mediated", "note": "双方和解", "version": incident.version},
    )
    assert closed.status_code == 302
    incident.refresh_from_db()
    e1.refresh_from_db()
    assert incident.status == IncidentStatus.CLOSED and incident.disposition == "mediated"
    assert e1.status == UnitStatus.AVAILABLE  # still out when closed: released
    page = client.get(url("incident", incident.pk)).content.decode()
    assert "调解" in page and 'id="dispatch-form"' not in page and 'id="close"' not in page


def test_cancel_and_reassign(people: dict[str, Any], units: dict[str, Unit]) -> None:
    incident = make_incident(people["dispatcher"])
    client = client_for(people["dispatcher"])
    dispatcher = people["dispatcher"]
    (assignment,) = do_dispatch_units(incident, [units["W-01"].pk], acting_user=dispatcher)
    r = client.post(url("assignment_reassign", assignment.pk), {"unit": units["W-02"].pk})
    assert "已将 W-01 改派为 W-02" in flash(r)
    new = Assignment.objects.get(active=True)
    assert new.unit_id == units["W-02"].pk
    busy = client.post(url("incident_dispatch", incident.pk), {"unit": [units["W-02"].pk]})
    assert any("不能派出" in m for m in flash(busy))
    r = client.post(url("assignment_cancel", new.pk))
    assert "已撤回 W-02" in flash(r)
    assert not Assignment.objects.filter(active=True).exists()
    none = client.post(url("incident_dispatch", incident.pk), {})
    assert "请选择要派出的警力" in flash(none)


def test_plan_steps_are_recorded_with_who_and_when(
    people: dict[str, Any], units: dict[str, Unit]
) -> None:
    incident = make_incident(people["dispatcher"], code="0401")  # 火灾: has a plan
    client = client_for(people["dispatcher"])
    page = client.get(url("incident", incident.pk)).content.decode()
    assert "火灾处置预案" in page and "通知 119 并确认消防出动" in page
    plan_id = int(re.search(r'name="plan" value="(\d+)"', page).group(1))  # type: ignore[union-attr]
    r = client.post(url("plan_step", incident.pk), {"plan": plan_id, "step": 0})
    assert "预案步骤已记录完成" in flash(r)
    again = client.post(url("plan_step", incident.pk), {"plan": plan_id, "step": 0})
    assert "该步骤已完成" in flash(again)
    page = client.get(url("incident", incident.pk)).content.decode()
    assert re.search(r'<li class="done" data-step="0">', page)
    assert str(people["dispatcher"]) in page


def test_edit_with_a_stale_version_says_someone_else_changed_it(
    people: dict[str, Any], units: dict[str, Unit]
) -> None:
    incident = make_incident(people["dispatcher"])
    client = client_for(people["dispatcher"])
    data = {
        "category": "0201",
        "priority": "3",
        "address": "新地址",
        "narrative": "补充",
        "version": incident.version,
    }
    assert client.post(url("incident_edit", incident.pk), data).status_code == 302
    stale = client.post(url("incident_edit", incident.pk), {**data, "address": "再改"})
    assert stale.status_code == 412
    assert "已被他人修改" in stale.content.decode() and 'value="再改"' in stale.content.decode()


# --------------------------------------------------------------------------- callers


def test_caller_reveal_requires_a_purpose_and_is_audited(
    people: dict[str, Any], units: dict[str, Unit]
) -> None:
    incident = make_incident(people["dispatcher"])
    client = client_for(people["dispatcher"])
    page = client.get(url("incident", incident.pk)).content.decode()
    assert "13900001111" not in page and "*******1111" in page and "李四" not in page
    before = AuditEvent.objects.filter(action="personal_data.read").count()
    refused = client.post(url("incident_callers", incident.pk), {"purpose": ""})
    assert refused.status_code == 422 and "必须填写事由" in refused.content.decode()
    assert "13900001111" not in refused.content.decode()
    assert AuditEvent.objects.filter(action="personal_data.read").count() == before
    shown = client.post(url("incident_callers", incident.pk), {"purpose": "回拨核实现场情况"})
    html = shown.content.decode()
    assert shown.status_code == 200 and "13900001111" in html and "李四" in html
    event = AuditEvent.objects.filter(action="personal_data.read").latest("seq")
    assert event.purpose == "回拨核实现场情况" and event.object_id == str(incident.pk)
    # Shown once: the next view is masked again.
    assert "13900001111" not in client.get(url("incident", incident.pk)).content.decode()


# --------------------------------------------------------------------------- board


def test_board_lists_incidents_by_priority_and_units_by_status(
    people: dict[str, Any], units: dict[str, Unit]
) -> None:
    low = make_incident(people["dispatcher"], code="0204")  # 噪声扰民, 4
    high = make_incident(people["dispatcher"], lonlat=(24.9500, 60.1700), code="0104")  # 1
    do_dispatch_units(high, [units["E-01"].pk], acting_user=people["dispatcher"])
    html = client_for(people["dispatcher"]).get(url("board")).content.decode()
    assert html.index(high.number) < html.index(low.number)
    assert 'hx-trigger="every 1s"' in html and 'id="board-data"' in html
    dispatched = html.split('data-status="dispatched"')[1].split("</div>")[0]
    assert 'data-unit="E-01"' in dispatched and '<span class="count">1</span>' in dispatched
    assert '<span class="count">5</span>' in html.split('data-status="available"')[1]


def test_board_partial_is_204_until_something_changes(
    people: dict[str, Any], units: dict[str, Unit]
) -> None:
    incident = make_incident(people["dispatcher"])
    client = client_for(people["dispatcher"])
    html = client.get(url("board")).content.decode()
    token = re.search(r'data-token="([^"]+)"', html).group(1)  # type: ignore[union-attr]
    assert client.get(url("board_live"), {"token": token}).status_code == 204
    assert client.get(url("board_live"), HTTP_X_BOARD_TOKEN=token).status_code == 204
    do_dispatch_units(incident, [units["W-01"].pk], acting_user=people["dispatcher"])
    changed = client.get(url("board_live"), {"token": token})
    body = changed.content.decode()
    assert changed.status_code == 200
    assert 'data-unit="W-01"' in body and 'id="board-delta-data"' in body
    new_token = re.search(r'data-token="([^"]+)"', body).group(1)  # type: ignore[union-attr]
    assert new_token != token
    assert client.get(url("board_live"), {"token": new_token}).status_code == 204


def test_board_is_scoped(people: dict[str, Any], units: dict[str, Unit]) -> None:
    west = make_incident(people["dispatcher"])
    html = client_for(people["east_dispatcher"]).get(url("board")).content.decode()
    assert west.number not in html
    assert 'data-unit="E-01"' in html and 'data-unit="W-01"' not in html


# --------------------------------------------------------------------------- scope


def test_another_stations_incident_is_404(people: dict[str, Any], units: dict[str, Unit]) -> None:
    incident = make_incident(people["dispatcher"])  # in the west station
    east = client_for(people["east_dispatcher"])
    assert east.get(url("incident", incident.pk)).status_code == 404
    r = east.post(url("incident_dispatch", incident.pk), {"unit": [units["E-01"].pk]})
    assert r.status_code == 404
    assert not Assignment.objects.exists()
    (a,) = do_dispatch_units(incident, [units["W-01"].pk], acting_user=people["dispatcher"])
    assert east.post(url("assignment_step", a.pk), {"step": "en_route"}).status_code == 404
    reveal = east.post(url("incident_callers", incident.pk), {"purpose": "好奇看看"})
    assert reveal.status_code == 404


def test_view_only_role_gets_403_on_actions(people: dict[str, Any], units: dict[str, Unit]) -> None:
    incident = make_incident(people["dispatcher"])
    supervisor = client_for(people["supervisor"])
    page = supervisor.get(url("incident", incident.pk))
    assert page.status_code == 200 and 'id="dispatch-form"' not in page.content.decode()
    r = supervisor.post(url("incident_dispatch", incident.pk), {"unit": [units["W-01"].pk]})
    assert r.status_code == 403 and "无权" in r.content.decode()


# --------------------------------------------------------------------------- units


def test_unit_availability_toggle_and_refusal(
    people: dict[str, Any], units: dict[str, Unit]
) -> None:
    client = client_for(people["dispatcher"])
    w2 = units["W-02"]
    html = client.get(url("units")).content.decode()
    assert 'data-unit="W-02"' in html and "设为不可用" in html
    r = client.post(
        url("unit_availability", w2.pk), {"status": "unavailable", "version": w2.version}
    )
    assert "W-02 已设为“不可用”" in flash(r)
    w2.refresh_from_db()
    assert w2.status == UnitStatus.UNAVAILABLE
    r = client.post(url("unit_availability", w2.pk), {"status": "unavailable"})
    assert any("不能从“不可用”变为“不可用”" in m for m in flash(r))

    incident = make_incident(people["dispatcher"])
    do_dispatch_units(incident, [units["W-01"].pk], acting_user=people["dispatcher"])
    busy = client.post(url("unit_availability", units["W-01"].pk), {"status": "unavailable"})
    assert any("有进行中的任务" in m for m in flash(busy))
    listing = client.get(url("units"), {"status": "dispatched"}).content.decode()
    assert incident.number in listing and 'data-unit="E-01"' not in listing


# --------------------------------------------------------------------------- coverage


def test_coverage_page_empty_state_without_road_network(
    people: dict[str, Any], units: dict[str, Unit], settings: Any
) -> None:
    settings.ZHIAN_ROAD_NETWORK = ""
    response = client_for(people["dispatcher"]).get(url("coverage"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="coverage-empty"' in html and "未配置路网" in html


def test_coverage_page_with_road_network(
    people: dict[str, Any], units: dict[str, Unit], road_network: Any
) -> None:
    client = client_for(people["dispatcher"])
    html = client.get(url("coverage"), {"j": "HKI"}).content.decode()
    assert 'data-minutes="1"' in html and 'data-minutes="5"' in html
    assert "建议屯警点" in html and '"segments": {"type": "FeatureCollection"' in html
    assert client.get(url("coverage"), {"j": "NOPE"}).status_code == 404
    east = client_for(people["east_dispatcher"])
    assert east.get(url("coverage"), {"j": "HKI-W"}).status_code == 404


def test_feedback_form_records_a_timeline_entry(people: dict[str, Any]) -> None:
    incident = make_incident(people["dispatcher"])
    client = client_for(people["dispatcher"])
    page = client.get(url("incident", incident.pk)).content.decode()
    assert url("incident_feedback", incident.pk) in page
    response = client.post(
        url("incident_feedback", incident.pk), {"note": "已回访报警人"}, follow=True
    )
    assert "反馈已记录" in flash(response)
    assert incident.timeline.filter(kind="feedback", note="已回访报警人").exists()
    empty = client.post(url("incident_feedback", incident.pk), {"note": ""}, follow=True)
    assert "请填写反馈内容" in " ".join(flash(empty))


def test_category_names_follow_the_ui_language(people: dict[str, Any], settings: Any) -> None:
    incident = make_incident(people["dispatcher"], code="0104")
    client = client_for(people["dispatcher"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "Assault" in client.get(url("incident", incident.pk)).content.decode()
    assert ">Assault</option>" in client.get(url("intake")).content.decode()
    assert "Assault" in client.get(url("incidents")).content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    page = client.get(url("incident", incident.pk)).content.decode()
    assert "故意伤害" in page and "Assault" not in page


def test_incident_page_shows_the_place_history(people: dict[str, Any]) -> None:
    first = make_incident(people["dispatcher"])
    client = client_for(people["dispatcher"])
    page = client.get(url("incident", first.pk)).content.decode()
    assert 'id="history"' in page and "此前没有记录。" in page
    second = make_incident(people["dispatcher"])
    page = client.get(url("incident", second.pk)).content.decode()
    assert f'href="{url("incident", first.pk)}">{first.number}</a>' in page
    assert "共 1 起" in page


def test_page_and_api_store_the_same_assignment_for_the_same_dispatch(
    people: dict[str, Any], units: dict[str, Unit], road_network: Any
) -> None:
    # Bug: the page stored each unit's ETA, the API stored eta_seconds=None.
    from zhian.core.services.tokens import do_create_token

    dispatcher = people["dispatcher"]
    incident = make_incident(dispatcher)
    w1 = units["W-01"]
    client_for(dispatcher).post(url("incident_dispatch", incident.pk), {"unit": [w1.pk]})
    by_page = Assignment.objects.get(unit=w1, active=True)
    by_page.active = False  # free the unit again without touching its position
    by_page.save(update_fields=["active"])
    Unit.objects.filter(pk=w1.pk).update(status=UnitStatus.AVAILABLE)

    _, secret = do_create_token(acting_user=dispatcher, name="t")
    response = Client(headers={"Authorization": f"Bearer {secret}"}).post(
        f"/api/v1/incidents/{incident.pk}/dispatch",
        {"unit_ids": [w1.pk]},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    by_api = Assignment.objects.get(unit=w1, active=True)
    assert by_page.eta_seconds is not None and by_page.eta_seconds > 0
    assert by_api.eta_seconds == pytest.approx(by_page.eta_seconds)
    assert by_api.dispatched_by == by_page.dispatched_by
    notes = list(
        incident.timeline.filter(kind=TimelineKind.DISPATCHED).values_list("note", flat=True)
    )
    assert len(notes) == 2 and notes[0] == notes[1]
