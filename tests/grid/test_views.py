"""Grid pages: each renders for the roles that use it, actions post through the services,
and the incident page offers "登记为矛盾纠纷" for dispute incidents."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.factories import PASSWORD, Role, UserFactory
from tests.grid.factories import photo, submit
from zhian.dispatch.services.incidents import IncidentInput, do_create_incident
from zhian.grid.models import Dispute, Referral
from zhian.grid.services import disputes

pytestmark = pytest.mark.django_db


def login(user: Any) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_every_grid_page_renders_for_the_roles_that_use_it(
    people: dict[str, Any], rules: Any, places: dict[str, Any]
) -> None:
    report = submit(people["worker"])
    dispute = disputes.do_register_dispute(
        disputes.DisputeInput("neighbour", "噪声", "楼上噪声", "幸福里", 120.01, 30.01),
        acting_user=people["worker"],
    )
    for who, paths in {
        "worker": [
            "/grid/",
            "/grid/reports/new/",
            "/grid/reports/",
            f"/grid/reports/{report.pk}/",
            "/grid/disputes/",
            "/grid/disputes/new/",
            f"/grid/disputes/{dispute.pk}/",
            "/grid/places/",
            f"/grid/places/{places['hotel'].pk}/",
            "/grid/tasks/",
            "/grid/hazards/",
            "/grid/departments/",
        ],
        "liaison": ["/grid/inbox/", f"/grid/reports/{report.pk}/"],
        "leader": [
            "/grid/departments/",
            "/grid/campaigns/",
            "/grid/places/?type=hotel",
            "/grid/places/import/?type=hotel",
            "/grid/places/new/?type=hazmat_site",
        ],
    }.items():
        client = login(people[who])
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200, (who, path, response.status_code)
    # The liaison sees the sign button; the east worker does not see the report at all.
    page = login(people["liaison"]).get(f"/grid/reports/{report.pk}/").content.decode()
    assert "签收" in page and "城管执法中队" in page
    assert login(people["east_worker"]).get(f"/grid/reports/{report.pk}/").status_code == 404


def test_liaison_signs_and_resolves_and_the_worker_verifies_through_the_pages(
    people: dict[str, Any], rules: Any
) -> None:
    report = submit(people["worker"], "assistance")
    referral = Referral.objects.get(report=report)
    liaison, worker = login(people["liaison"]), login(people["worker"])
    base = f"/grid/referrals/{referral.pk}"
    assert liaison.post(f"{base}/sign/", {"version": 1}).status_code == 302
    refused = liaison.post(f"{base}/resolve/", {"version": 2, "resolution": "已处理"}, follow=True)
    assert "办结须附现场照片" in refused.content.decode()
    liaison.post(f"{base}/resolve/", {"version": 2, "resolution": "已处理", "photos": photo()})
    worker.post(f"{base}/verify/", {"version": 3, "rating": 5})
    referral.refresh_from_db()
    assert referral.status == "verified" and referral.rating == 5
    page = worker.get(f"/grid/reports/{report.pk}/").content.decode()
    for step in ("上报", "吹哨派单", "签收", "办结", "核实通过"):
        assert step in page


def test_the_ledger_exports_xlsx_and_an_import_error_names_row_and_column(
    people: dict[str, Any], places: dict[str, Any]
) -> None:
    client = login(people["admin"])
    response = client.get("/grid/places/export.xlsx?type=school")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    from zhian.core.exports import Sheet, write_xlsx

    bad = write_xlsx(
        [
            Sheet(
                "旅馆",
                ["名称", "地址", "经度", "纬度", "负责人", "联系电话", "客房数"],
                [["某旅馆", "某路", 120.01, 30.01, "张", "138", 10]],
            )
        ]
    )
    from django.core.files.base import ContentFile

    page = client.post(
        "/grid/places/import/", {"place_type": "hotel", "file": ContentFile(bad, name="l.xlsx")}
    )
    assert page.status_code == 422
    assert "第 2 行 F 列（联系电话）" in page.content.decode()


def test_the_incident_page_offers_to_open_a_dispute_and_it_opens_once(
    tree: dict[str, Any], people: dict[str, Any]
) -> None:
    dispatcher = UserFactory(username="jjy", roles=[(Role.DISPATCHER, tree["B"])])
    incident = do_create_incident(
        IncidentInput(
            channel="call_110", category_code="0502", address="幸福里", lon=120.01, lat=30.01
        ),
        acting_user=dispatcher,
    ).incident
    officer = login(people["community"])
    page = officer.get(f"/dispatch/incidents/{incident.pk}/").content.decode()
    assert "登记为矛盾纠纷" in page
    response = officer.post(f"/grid/disputes/from-incident/{incident.pk}/")
    dispute = Dispute.objects.get(source_incident=incident)
    assert response.status_code == 302 and response["Location"] == f"/grid/disputes/{dispute.pk}/"
    page = officer.get(f"/dispatch/incidents/{incident.pk}/").content.decode()
    assert f"查看矛盾纠纷 #{dispute.pk}" in page and "登记为矛盾纠纷" not in page
    assert officer.post(f"/grid/disputes/from-incident/{incident.pk}/").status_code == 409
