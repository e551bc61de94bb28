"""Grid's objects for the authorisation matrix (tests/core/security/test_authz_matrix.py):
in station S1 ("in") and S2 ("out") a report with a photo and a referral to a department,
a dispute with a party and a mediation agreement, a school with a failed inspection (its
hazard) and a sweep (campaign) over it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone

from tests.factories import Role, UserFactory

POINTS = {"S1": (120.01, 30.01), "S2": (120.05, 30.01)}


def authz_objects(tree: dict[str, Any]) -> dict[str, dict[str, str]]:
    from tests.grid.factories import photo
    from zhian.grid.models import ReportPhoto
    from zhian.grid.services import disputes, places
    from zhian.grid.services.departments import (
        do_add_liaison,
        do_create_department,
        do_create_routing_rule,
    )
    from zhian.grid.services.place_rules import checklist
    from zhian.grid.services.reports import ReportInput, do_submit_report

    admin = UserFactory(username="authz_grid_admin", roles=[(Role.ADMINISTRATOR, tree["B"])])
    department = do_create_department(
        acting_user=admin,
        code="AZ",
        name="城管执法中队",
        kind="urban_management",
        jurisdiction=tree["B"],
        sign_hours=4,
        resolve_days=5,
    )
    liaison = UserFactory(
        username="authz_grid_liaison", roles=[(Role.DEPARTMENT_LIAISON, tree["B"])]
    )
    do_add_liaison(department, liaison, acting_user=admin)
    do_create_routing_rule(
        acting_user=admin,
        report_type="safety_hazard",
        jurisdiction=tree["B"],
        department=department,
    )
    out: dict[str, dict[str, str]] = {}
    for scope, station in (("in", "S1"), ("out", "S2")):
        lon, lat = POINTS[station]
        officer = UserFactory(
            username=f"authz_grid_{station}", roles=[(Role.COMMUNITY_OFFICER, tree[station])]
        )
        report = do_submit_report(
            ReportInput(
                report_type="safety_hazard",
                description="小区消防通道被杂物堵塞",
                lon=lon,
                lat=lat,
                address="幸福里 3 号楼",
            ),
            acting_user=officer,
            photos=[photo()],
        )
        report_photo = ReportPhoto.objects.get(report=report)
        referral = report.referrals.order_by("pk").first()
        assert referral is not None, "the routing rule whistles every safety hazard"
        dispute = disputes.do_register_dispute(
            disputes.DisputeInput(
                dispute_type="neighbour",
                title="楼上漏水",
                summary="邻里因漏水争执",
                address="幸福里 3 号楼",
                lon=lon,
                lat=lat,
            ),
            acting_user=officer,
        )
        party = disputes.do_add_party(
            dispute, acting_user=officer, role="other", name="李四", phone="13812345678"
        )
        agreement = disputes.do_attach_agreement(
            dispute,
            ContentFile(b"%PDF-1.4\n%\n1 0 obj\n<<>>\nendobj\n", name="协议.pdf"),
            acting_user=officer,
        )
        place = places.do_register_place(
            places.PlaceInput(
                name=f"实验小学{station}",
                place_type="school",
                address="学院路 1 号",
                lon=lon,
                lat=lat,
                operator_name="王校长",
                operator_phone="0571-87654321",
                attributes={"students": 1500},
            ),
            acting_user=admin,
        )
        places.do_record_inspection(
            place,
            acting_user=officer,
            results={code: "fail" for code, _item in checklist("school")},
        )
        hazard = place.hazards.order_by("pk").first()
        assert hazard is not None
        today = timezone.localdate()
        campaign, _tasks = places.do_launch_campaign(
            acting_user=admin,
            name=f"校园安全专项{station}",
            jurisdiction=tree[station],
            place_types=["school"],
            starts_on=today,
            ends_on=today + timedelta(days=30),
        )
        out[scope] = {
            "report_id": str(report.pk),
            "photo_id": str(report_photo.pk),
            "referral_id": str(referral.pk),
            "dispute_id": str(dispute.pk),
            "party_id": str(party.pk),
            "agreement_id": str(agreement.pk),
            "place_id": str(place.pk),
            "hazard_id": str(hazard.pk),
            "campaign_id": str(campaign.pk),
            "action": "close",
        }
    return out
