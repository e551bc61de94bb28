"""Pages: the portal (no log-in, light, accessible markup, privacy notice on every form)
and the staff queues (scoped, SLA countdowns, actions audited)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from tests.services.conftest import S1_POINT
from tests.services.factories import bookable_service, slot
from zhian.core.models import AuditEvent
from zhian.services.models import OnlineReport
from zhian.services.operations.complaints import ComplaintInput, submit_complaint
from zhian.services.operations.consultations import submit_consultation
from zhian.services.operations.reports import ReportInput, submit_report

pytestmark = pytest.mark.django_db

FORM_PAGES = ["/s/report/", "/s/consult/", "/s/complaint/"]
PAGE_BUDGET = 200 * 1024


@pytest.fixture
def content(tree: dict[str, Any], citizen: Any) -> dict[str, Any]:
    service = bookable_service([tree["S1"]])
    place = slot(service, tree["S1"], capacity=2)
    report = submit_report(
        ReportInput(
            category="traffic_obstruction",
            description="小区门口长期有车辆占用消防通道",
            phone="13800138000",
            address="测试小区北门",
            lon=S1_POINT[0],
            lat=S1_POINT[1],
        ),
        citizen=citizen,
    )
    consultation = submit_consultation(
        topic="居住证",
        question="外地户籍办理居住证需要哪些材料？",
        phone="13800138001",
        station=tree["S1"],
        citizen=citizen,
    )
    complaint = submit_complaint(
        ComplaintInput(
            unit=tree["S1"], description="窗口民警办理业务时长时间玩手机", phone="13800138002"
        ),
        citizen=citizen,
    )
    return {
        "service": service,
        "slot": place,
        "report": report,
        "consultation": consultation,
        "complaint": complaint,
    }


def _portal_pages(content: dict[str, Any]) -> list[str]:
    day = content["slot"].day.isoformat()
    return [
        "/s/",
        *FORM_PAGES,
        "/s/track/",
        "/s/faq/",
        "/s/privacy/",
        f"/s/book/?service={content['service'].code}&station=S1&day={day}",
    ]


def test_every_portal_page_is_light_labelled_and_has_no_inline_script(
    content: dict[str, Any],
) -> None:
    client = Client()
    for url in _portal_pages(content):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert len(response.content) < PAGE_BUDGET, url
        assert '<html lang="zh-hans">' in html
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), url  # no inline scripts
        assert "leaflet" not in html.lower()
        # Every visible input has a label naming it.
        for field_id in re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"', html):
            assert f'for="{field_id}"' in html, (url, field_id)
    for url in FORM_PAGES:
        html = client.get(url).content.decode()
        assert "个人信息告知" in html and "180 天" in html, url
        assert "csrfmiddlewaretoken" in html
    assert "紧急情况请立即拨打 110" in client.get("/s/report/").content.decode()


def test_the_portal_is_csrf_protected(tree: dict[str, Any]) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/s/report/",
        {
            "category": "noise",
            "description": "夜间噪声很大很大",
            "address": "某处",
            "phone": "13800138000",
        },
    )
    assert response.status_code == 403
    assert not OnlineReport.objects.exists()


def test_portal_flow_report_then_track(tree: dict[str, Any]) -> None:
    client = Client()
    response = client.post(
        "/s/report/",
        {
            "category": "noise",
            "description": "夜间噪声很大很大",
            "address": "某处",
            "phone": "13800138000",
        },
    )
    assert response.status_code == 201
    code = re.search(r'id="code">([A-Z0-9-]+)<', response.content.decode()).group(1)  # type: ignore[union-attr]
    tracked = client.post("/s/track/", {"code": code, "last4": "8000"})
    assert tracked.status_code == 200 and "已提交" in tracked.content.decode()
    assert client.post("/s/track/", {"code": code, "last4": "1111"}).status_code == 404
    event = AuditEvent.objects.get(action="report.submit")
    assert event.actor_id is None and event.data["channel"] == "portal"


def test_staff_queues_are_scoped_and_show_sla(
    content: dict[str, Any], people: dict[str, Any], password: str
) -> None:
    s1 = Client()
    s1.login(username=people["dispatcher"].username, password=password)
    page = s1.get("/services/?tab=reports").content.decode()
    assert content["report"].tracking.code in page and "剩 " in page
    s2 = Client()
    s2.login(username=people["dispatcher2"].username, password=password)
    assert content["report"].tracking.code not in s2.get("/services/?tab=reports").content.decode()
    assert s2.get(f"/services/reports/{content['report'].pk}/").status_code == 404
    detail = s1.get(f"/services/reports/{content['report'].pk}/").content.decode()
    assert "13800138000" not in detail  # masked until revealed with a purpose
    revealed = s1.post(
        f"/services/reports/{content['report'].pk}/reveal/", {"purpose": "回电核实占道位置"}
    )
    assert "13800138000" in revealed.content.decode()
    assert AuditEvent.objects.filter(action="personal_data.read").count() == 1
    assert s1.get("/services/?tab=appointments").status_code == 200


def test_officers_do_not_see_complaints(
    content: dict[str, Any], people: dict[str, Any], password: str
) -> None:
    officer = Client()
    officer.login(username=people["patrol"].username, password=password)
    assert (
        content["complaint"].tracking.code
        not in officer.get("/services/?tab=complaints").content.decode()
    )
    assert officer.get(f"/services/complaints/{content['complaint'].pk}/").status_code == 404
    leader = Client()
    leader.login(username=people["leader"].username, password=password)
    page = leader.get(f"/services/complaints/{content['complaint'].pk}/").content.decode()
    assert people["bureau_supervisor"].username in page or str(people["bureau_supervisor"]) in page
    assert str(people["station_supervisor"]) not in page  # inside the unit: not offered


def test_staff_answer_a_consultation_and_publish_it(
    content: dict[str, Any], people: dict[str, Any], password: str
) -> None:
    client = Client()
    client.login(username=people["station_supervisor"].username, password=password)
    c = content["consultation"]
    response = client.post(
        f"/services/consultations/{c.pk}/",
        {
            "version": 1,
            "answer": "请携带身份证和租房合同到派出所窗口办理，电话 13800138001 可咨询。",
            "publish": "on",
            "faq_question": "外地户籍办理居住证需要哪些材料？",
        },
    )
    assert response.status_code == 302
    faq = Client().get("/s/faq/").content.decode()
    assert "租房合同" in faq and "13800138001" not in faq


def test_the_portal_speaks_english_from_its_own_catalogue(tree: dict[str, Any]) -> None:
    page = Client(headers={"Accept-Language": "en"}).get("/s/report/").content.decode()
    assert "Police citizen services" in page and "In an emergency call 110 now" in page
    assert "Personal data notice" in page


def test_a_community_officer_hands_a_report_to_the_grid_from_its_page(
    content: dict[str, Any], people: dict[str, Any], password: str
) -> None:
    report = content["report"]
    officer = Client()
    officer.login(username=people["community"].username, password=password)
    page = officer.get(f"/services/reports/{report.pk}/").content.decode()
    assert f"/services/reports/{report.pk}/grid/" in page
    answer = officer.post(
        f"/services/reports/{report.pk}/grid/",
        {"version": report.version, "report_type": "safety_hazard"},
        follow=True,
    )
    report.refresh_from_db()
    assert report.grid_report is not None and report.grid_report.report_type == "safety_hazard"
    assert "已转为网格事件" in answer.content.decode()
    assert f"/grid/reports/{report.grid_report_id}/" in answer.content.decode()
