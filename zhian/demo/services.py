"""便民服务 demo: bookable services and slots at every station, routing rules, and some
reports, consultations, a complaint and survey answers, all through the app's operations."""

from __future__ import annotations

from datetime import time, timedelta

import h3
from django.utils import timezone

from zhian.core.errors import ValidationFailed
from zhian.core.models import Jurisdiction, User
from zhian.core.workdays import supported_years
from zhian.services.choices import RouteTarget
from zhian.services.models import RoutingRule
from zhian.services.operations.appointments import (
    book_appointment,
    do_configure_service,
    do_open_slots,
)
from zhian.services.operations.complaints import (
    ComplaintInput,
    do_assign_complaint,
    eligible_handlers,
    submit_complaint,
)
from zhian.services.operations.consultations import do_answer_consultation, submit_consultation
from zhian.services.operations.portal import Citizen
from zhian.services.operations.reports import ReportInput, do_finish_report, submit_report
from zhian.services.operations.surveys import answer_survey, invite_survey

SERVICES = [
    ("no-crime-cert", "无犯罪记录证明", "请携带本人身份证原件；当场出具。"),
    ("household-cert", "户籍证明", "请携带户口簿和身份证；代办需委托书。"),
    ("residence-permit", "居住证办理", "请携带身份证、租房合同或房产证明、近期照片。"),
]
RULES = [
    ("noise", RouteTarget.DISPATCH, "0204"),
    ("traffic_obstruction", RouteTarget.DISPATCH, "0303"),
    ("lost_property", RouteTarget.STATION, ""),
    ("minor_damage", RouteTarget.STATION, ""),
    ("tip", RouteTarget.STATION, ""),
]
REPORTS = [
    ("noise", "小区旁边的酒吧每晚十二点后音乐声很大"),
    ("lost_property", "在地铁站附近遗失一个黑色钱包，内有身份证"),
    ("minor_damage", "停在路边的自行车被人故意弄坏了车锁"),
    ("traffic_obstruction", "商铺门口长期摆放杂物占用人行道"),
    ("tip", "发现有人在公园附近兜售来历不明的手机"),
]
DEMO_CITIZEN = Citizen(ip="192.0.2.1")


def create_demo_services() -> str:
    """Build the demo rows and return a one-line summary."""
    admin = User.objects.get(username="admin")
    supervisor = User.objects.get(username="supervisor")
    leader = User.objects.get(username="leader")
    stations = list(Jurisdiction.objects.filter(kind="station").defer("boundary").order_by("code"))
    for order, (category, target, code) in enumerate(RULES):
        RoutingRule.objects.get_or_create(
            category=category,
            defaults={"target": target, "incident_category_code": code, "order": order},
        )
    services = [
        do_configure_service(
            acting_user=admin, code=code, name=name, description=text, stations=stations
        )
        for code, name, text in SERVICES
    ]
    today = timezone.localdate()
    last_day = min(
        today + timedelta(days=14), today.replace(year=supported_years()[1], month=12, day=31)
    )
    slots = 0
    for station in stations:
        for service in services:
            try:
                slots += do_open_slots(
                    acting_user=admin,
                    service=service,
                    station=station,
                    first_day=today + timedelta(days=1),
                    last_day=last_day,
                    windows=[
                        (time(9), time(9, 30)),
                        (time(9, 30), time(10)),
                        (time(14), time(14, 30)),
                    ],
                    capacity=3,
                )
            except ValidationFailed:  # past the calendar's years: no slots rather than wrong ones
                break
    booked = 0
    first_slot = services[0].slots.order_by("starts_at").first()
    if first_slot is not None:
        for n in range(2):
            book_appointment(slot_id=first_slot.pk, phone=f"1390000{n:04d}", citizen=DEMO_CITIZEN)
            booked += 1
    reports = []
    for k, (category, text) in enumerate(REPORTS):
        station = stations[k % len(stations)]
        lat, lon = h3.cell_to_latlng(sorted(station.cells.values_list("cell", flat=True))[0])
        reports.append(
            submit_report(
                ReportInput(
                    category=category,
                    description=text,
                    phone=f"1380000{k:04d}",
                    address=f"演示地址 {lat:.4f}, {lon:.4f}",
                    lon=lon,
                    lat=lat,
                ),
                citizen=DEMO_CITIZEN,
            )
        )
    answers = 0
    for report, rating in zip(reports[2:4], ("satisfied", "fairly_satisfied"), strict=True):
        invited = invite_survey(report.tracking, station=report.jurisdiction)
        do_finish_report(
            report,
            acting_user=supervisor,
            expected_version=1,
            public_note="已处理完毕，感谢您的反映",
        )
        if invited is not None:
            answer_survey(invited[1], rating=rating, reason="", citizen=DEMO_CITIZEN)
            answers += 1
    consultation = submit_consultation(
        topic="无犯罪记录证明",
        question="开具无犯罪记录证明需要本人到场吗？可以委托家人代办吗？",
        phone="13700000001",
        station=stations[0],
        citizen=DEMO_CITIZEN,
    )
    do_answer_consultation(
        consultation,
        acting_user=supervisor,
        expected_version=1,
        answer="原则上本人到场；确有困难的，可由近亲属持委托书和双方身份证代办。",
        publish=True,
    )
    submit_consultation(
        topic="居住证",
        question="居住证到期后多久内需要续签？",
        phone="13700000002",
        station=None,
        citizen=DEMO_CITIZEN,
    )
    complaint = submit_complaint(
        ComplaintInput(
            unit=stations[0],
            description="办理户籍证明时窗口民警态度生硬，没有一次性告知所需材料，导致往返三次。",
            phone="13600000001",
            officer_reference="窗口 2 号",
        ),
        citizen=DEMO_CITIZEN,
    )
    if supervisor in eligible_handlers(complaint.unit):
        do_assign_complaint(complaint, acting_user=leader, handler=supervisor, expected_version=1)
    return (
        f"services: {len(services)} bookable services, {slots} slots at {len(stations)} stations, "
        f"{booked} appointments, {len(reports)} online reports, 2 consultations (1 in the FAQ), "
        f"1 complaint, {answers} survey answers"
    )
