"""Services' (便民服务) objects for the authorisation matrix
(tests/core/security/test_authz_matrix.py): in station S1 ("in") and S2 ("out") an online
report with a photo and a survey invitation, a complaint about the station, a
consultation and a booked appointment, all filed as a citizen would through the portal."""

from __future__ import annotations

from typing import Any

from django.core.files.base import ContentFile

POINTS = {"S1": (120.01, 30.01), "S2": (120.05, 30.01)}


def authz_objects(tree: dict[str, Any]) -> dict[str, dict[str, str]]:
    from tests.grid.factories import photo_bytes
    from tests.services.factories import bookable_service, slot
    from zhian.services.models import ReportPhoto
    from zhian.services.operations.appointments import book_appointment
    from zhian.services.operations.complaints import ComplaintInput, submit_complaint
    from zhian.services.operations.consultations import submit_consultation
    from zhian.services.operations.portal import Citizen
    from zhian.services.operations.reports import ReportInput, submit_report
    from zhian.services.operations.surveys import invite_survey

    service = bookable_service([tree["S1"], tree["S2"]])
    out: dict[str, dict[str, str]] = {}
    for n, (scope, station) in enumerate((("in", "S1"), ("out", "S2"))):
        citizen = Citizen(ip=f"203.0.113.{10 + n}")
        lon, lat = POINTS[station]
        report = submit_report(
            ReportInput(
                category="noise",
                description="楼下酒吧每晚一点后仍有很大的音乐声",
                phone=f"1380013800{n}",
                address="测试路 1 号",
                lon=lon,
                lat=lat,
                photos=(ContentFile(photo_bytes(), name="现场.jpg"),),
            ),
            citizen=citizen,
        )
        invited = invite_survey(report.tracking, station=tree[station])
        assert invited is not None
        complaint = submit_complaint(
            ComplaintInput(
                unit=tree[f"{station}-1"],
                description="出警民警态度恶劣，拒绝出示证件",
                phone=f"1390013900{n}",
            ),
            citizen=citizen,
        )
        consultation = submit_consultation(
            topic="户口迁移",
            question="请问户口迁入需要哪些材料？",
            phone=f"1370013700{n}",
            station=tree[station],
            citizen=citizen,
        )
        appointment = book_appointment(
            slot_id=slot(service, tree[station]).pk, phone=f"1360013600{n}", citizen=citizen
        )
        out[scope] = {
            "report_id": str(report.pk),
            "photo_id": str(ReportPhoto.objects.get(report=report).pk),
            "token": invited[1],
            "complaint_id": str(complaint.pk),
            "consultation_id": str(consultation.pk),
            "appointment_id": str(appointment.pk),
            "request_id": report.tracking.code,
            "code": "noise",
            "fmt": "json",
        }
    return out
