"""Disputes: risk by written criteria, exactly one linked incident when it turns high,
incident → dispute, parties masked with a purpose-logged reveal, mediation, follow-ups,
and 公调对接 with the committee's result coming back."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tests.factories import Role, UserFactory
from tests.grid.conftest import IN_S1_1_1
from tests.grid.factories import photo
from zhian.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from zhian.core.models import AuditEvent
from zhian.dispatch.models import Incident
from zhian.dispatch.services.incidents import IncidentInput, do_create_incident
from zhian.grid.choices import DisputeEventKind, DisputeStatus, RiskLevel
from zhian.grid.models import Dispute, Referral
from zhian.grid.services import disputes as svc
from zhian.grid.services.reports import do_resolve_referral, do_sign_referral

pytestmark = pytest.mark.django_db


def _input(**over: Any) -> svc.DisputeInput:
    base = {
        "dispute_type": "neighbour",
        "title": "楼上漏水纠纷",
        "summary": "楼上卫生间漏水，双方多次争吵",
        "address": "幸福里 3 号楼 502",
        "lon": IN_S1_1_1[0],
        "lat": IN_S1_1_1[1],
    }
    return svc.DisputeInput(**{**base, **over})


@pytest.fixture
def dispatcher(tree: dict[str, Any]) -> Any:
    return UserFactory(username="jjy", roles=[(Role.DISPATCHER, tree["B"])])


def _call(dispatcher: Any, code: str = "0502", at: Any = None) -> Incident:
    return do_create_incident(
        IncidentInput(
            channel="call_110",
            category_code=code,
            address="幸福里 3 号楼",
            lon=IN_S1_1_1[0] + 0.0003,
            lat=IN_S1_1_1[1],
            narrative="邻居吵架",
            received_at=at,
        ),
        acting_user=dispatcher,
    ).incident


def test_a_quiet_dispute_is_low_risk_with_no_reasons(people: dict[str, Any]) -> None:
    dispute = svc.do_register_dispute(_input(), acting_user=people["worker"])
    assert (dispute.risk_level, dispute.risk_reasons) == (RiskLevel.LOW, [])
    assert dispute.jurisdiction.code == "S1-1-1"
    assert Incident.objects.count() == 0


def test_repeated_calls_about_the_place_raise_the_risk_and_say_so(
    people: dict[str, Any], dispatcher: Any
) -> None:
    for days in (3, 20, 40):
        _call(dispatcher, at=timezone.now() - timedelta(days=days))
    _call(dispatcher, "0101", at=timezone.now() - timedelta(days=5))  # theft: not counted
    dispute = svc.do_register_dispute(_input(), acting_user=people["worker"])
    assert dispute.risk_level == RiskLevel.MEDIUM
    assert dispute.risk_reasons == ["同一地点 90 天内 200 米范围有 3 起治安/纠纷警情"]


def test_a_dispute_turning_high_raises_exactly_one_linked_incident(
    people: dict[str, Any],
) -> None:
    officer = people["community"]
    dispute = svc.do_register_dispute(_input(), acting_user=officer)
    assert dispute.risk_level == RiskLevel.LOW
    # New facts: a weapon was mentioned. The risk turns high and one incident is raised.
    svc.do_update_risk_factors(
        dispute,
        acting_user=officer,
        expected_version=dispute.version,
        threat_of_violence=False,
        weapon_mentioned=True,
        summary="对方扬言拿刀上门",
    )
    dispute.refresh_from_db()
    assert dispute.risk_level == RiskLevel.HIGH
    assert dispute.risk_reasons == ["提及凶器（刀）"]
    incident = dispute.raised_incident
    assert incident is not None and incident.category.code == "0502" and incident.priority == 2
    assert incident.jurisdiction.code == "S1-1-1"
    # Still high after more facts: no second incident.
    svc.do_update_risk_factors(
        dispute,
        acting_user=officer,
        expected_version=dispute.version,
        threat_of_violence=True,
        weapon_mentioned=True,
    )
    with pytest.raises(Conflict):
        svc.do_raise_incident(dispute, acting_user=officer)
    assert Incident.objects.count() == 1
    kinds = list(dispute.events.values_list("kind", flat=True))
    assert kinds.count(DisputeEventKind.INCIDENT_RAISED) == 1


def test_a_grid_worker_cannot_raise_incidents_so_the_officer_does_it_once(
    people: dict[str, Any],
) -> None:
    dispute = svc.do_register_dispute(
        _input(summary="一方威胁要同归于尽"), acting_user=people["worker"]
    )
    assert dispute.risk_level == RiskLevel.HIGH and dispute.raised_incident is None
    assert dispute.events.filter(kind=DisputeEventKind.INCIDENT_PENDING).count() == 1
    incident = svc.do_raise_incident(dispute, acting_user=people["community"])
    assert Dispute.objects.get(pk=dispute.pk).raised_incident == incident
    with pytest.raises(Conflict):
        svc.do_raise_incident(Dispute.objects.get(pk=dispute.pk), acting_user=people["community"])
    assert Incident.objects.count() == 1


def test_a_110_dispute_incident_opens_a_dispute_once(
    people: dict[str, Any], dispatcher: Any
) -> None:
    incident = _call(dispatcher, "0501")
    dispute = svc.do_open_dispute_from_incident(incident.pk, acting_user=people["community"])
    assert dispute.source_incident == incident
    assert dispute.dispute_type == "family" and dispute.address == incident.address
    with pytest.raises(Conflict):
        svc.do_open_dispute_from_incident(incident.pk, acting_user=people["community"])
    theft = _call(dispatcher, "0101")
    with pytest.raises(ValidationFailed) as err:
        svc.do_open_dispute_from_incident(theft.pk, acting_user=people["community"])
    assert err.value.code == "not_a_dispute"


def test_opening_a_dispute_from_an_incident_checks_permission_before_the_incident(
    tree: dict[str, Any], people: dict[str, Any], dispatcher: Any
) -> None:
    """Given a theft call (not a dispute) and a dispute call in S1, when a patrol officer
    (who sees incidents but manages no disputes) or an S2 grid worker asks, then they are
    refused (403 / 404) before anything about the incident (its category) is said, on
    the confirm page as in the service."""
    theft, dispute_call = _call(dispatcher, "0101"), _call(dispatcher, "0501")
    patrol = UserFactory(username="xj_s1", roles=[(Role.PATROL_OFFICER, tree["S1"])])
    for incident in (theft, dispute_call):
        with pytest.raises(PermissionDenied):
            svc.do_open_dispute_from_incident(incident.pk, acting_user=patrol)
        with pytest.raises(NotFound):
            svc.do_open_dispute_from_incident(incident.pk, acting_user=people["east_worker"])
        page = f"/grid/disputes/from-incident/{incident.pk}/"
        for user, status in (
            (patrol, 403),
            (people["east_worker"], 404),
            (people["community"], 200),
        ):
            client = Client()
            client.force_login(user)
            assert client.get(page).status_code == status, (user.username, page)
    assert not Dispute.objects.exists()


def test_parties_are_masked_and_revealed_only_with_a_logged_purpose(
    people: dict[str, Any],
) -> None:
    dispute = svc.do_register_dispute(_input(), acting_user=people["worker"])
    with pytest.raises(ValidationFailed) as err:
        svc.do_add_party(
            dispute,
            acting_user=people["worker"],
            role="complainant",
            name="张三",
            id_number="110101199003070000",
        )
    assert err.value.extra["field"] == "id_number"
    party = svc.do_add_party(
        dispute,
        acting_user=people["worker"],
        role="complainant",
        name="张三丰",
        phone="13800138000",
    )
    assert party.legal_basis == "peoples_mediation"
    assert (party.masked_name, party.masked_phone) == ("张**", "*******8000")
    with pytest.raises(PermissionDenied):
        svc.do_reveal_party(party, acting_user=people["worker"], purpose="调解需要联系当事人")
    with pytest.raises(ValidationFailed):
        svc.do_reveal_party(party, acting_user=people["community"], purpose="看")
    clear = svc.do_reveal_party(
        party, acting_user=people["community"], purpose="调解需要联系当事人"
    )
    assert clear["name"] == "张三丰"
    read = AuditEvent.objects.get(action="personal_data.read")
    assert read.purpose == "调解需要联系当事人" and read.actor == "sqmj"


def test_mediation_agreement_settles_and_follow_ups_are_reminded_once(
    people: dict[str, Any],
) -> None:
    worker = people["worker"]
    dispute = svc.do_register_dispute(_input(), acting_user=worker)
    svc.do_record_session(
        dispute,
        acting_user=worker,
        mediator="李调解员",
        held_on=timezone.localdate(),
        outcome="no_agreement",
    )
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.MEDIATING
    assert "调解未达成协议" in dispute.risk_reasons and dispute.risk_level == RiskLevel.MEDIUM
    svc.do_record_session(
        dispute,
        acting_user=worker,
        mediator="李调解员",
        held_on=timezone.localdate(),
        outcome="agreement",
    )
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.SETTLED
    today = timezone.localdate()
    visit = svc.do_schedule_follow_up(dispute, acting_user=worker, due_on=today + timedelta(days=7))
    assert svc.remind_due_follow_ups(today=today) == []
    assert [v.pk for v in svc.remind_due_follow_ups(today=today + timedelta(days=7))] == [visit.pk]
    assert svc.remind_due_follow_ups(today=today + timedelta(days=8)) == []
    svc.do_complete_follow_up(visit, acting_user=worker, note="双方已和好")
    with pytest.raises(Conflict):
        svc.do_complete_follow_up(visit, acting_user=worker, note="再来")


def test_hand_over_to_the_mediation_committee_and_the_result_comes_back(
    people: dict[str, Any], departments: dict[str, Any]
) -> None:
    dispute = svc.do_register_dispute(_input(), acting_user=people["worker"])
    with pytest.raises(ValidationFailed):
        svc.do_hand_over_to_mediation(dispute, departments["CG"], acting_user=people["worker"])
    referral = svc.do_hand_over_to_mediation(
        dispute, departments["TW"], acting_user=people["worker"]
    )
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.HANDED_OVER
    referral = Referral.objects.select_related("report__jurisdiction", "department").get(
        pk=referral.pk
    )
    assert referral.sign_hours == 24 and referral.department.code == "TW"
    do_sign_referral(referral, acting_user=people["liaison"], expected_version=1)
    do_resolve_referral(
        referral,
        acting_user=people["liaison"],
        expected_version=2,
        resolution="经人民调解，双方达成书面协议，楼上负责维修",
        photos=[photo()],
    )
    dispute.refresh_from_db()
    assert dispute.mediation_result.startswith("经人民调解")
    assert dispute.events.filter(kind=DisputeEventKind.RESULT_RECEIVED).exists()
