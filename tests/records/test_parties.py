"""Parties through the records service (core validates), masking, purpose-logged reveal,
and the evidence chain of custody."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from tests.records.factories import open_case
from zhian.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from zhian.core.models import AuditEvent
from zhian.core.parties import id_check_character
from zhian.records.models import CustodyEntry, Party
from zhian.records.services.parties import (
    do_add_party,
    do_record_custody,
    do_register_evidence,
    do_reveal_party,
)

BASE = "33020319900307123"
VALID_ID = BASE + id_check_character(BASE)


def add(case: Any, officer: Any, **overrides: str) -> Party:
    fields = {
        "role": "suspect",
        "name": "张三丰",
        "legal_basis": "public_security_administration",
        "id_number": VALID_ID,
        "phone": "13812345678",
        "address": "宁波市海曙区某路 1 号",
    }
    return do_add_party(case, acting_user=officer, **{**fields, **overrides})


def test_valid_party_is_stored_and_shown_masked(people: dict[str, Any]) -> None:
    case = open_case(people["officer"])
    party = add(case, people["officer"], id_number=VALID_ID.lower())
    assert party.id_number == VALID_ID
    assert party.masked_id_number == "**************" + VALID_ID[-4:]
    assert party.masked_phone == "*******5678"
    assert party.masked_name == "张**"
    # the timeline names the party masked only
    assert case.entries.get(kind="party").note == "嫌疑人/违法行为人 张**"


@pytest.mark.parametrize("position", range(18))
def test_each_mistyped_position_is_refused(position: int, people: dict[str, Any]) -> None:
    case = open_case(people["officer"])
    digit = VALID_ID[position]
    wrong = "0" if digit not in "0X" else "1"
    mistyped = VALID_ID[:position] + wrong + VALID_ID[position + 1 :]
    with pytest.raises(ValidationFailed) as refused:
        add(case, people["officer"], id_number=mistyped)
    assert refused.value.extra["field"] == "id_number"
    assert not Party.objects.exists()


@pytest.mark.parametrize(
    ("first17", "code"),
    [
        ("33020319900230123", "id_birth_date"),  # 30 February
        ("33020318991231123", "id_birth_date"),  # before 1900
        ("99020319900307123", "id_region"),  # no such province
        ("33029919900307123", "id_region"),  # no such county in Zhejiang
    ],
)
def test_plausibility_faults_each_have_their_code(
    first17: str, code: str, people: dict[str, Any]
) -> None:
    case = open_case(people["officer"])
    with pytest.raises(ValidationFailed) as refused:
        add(case, people["officer"], id_number=first17 + id_check_character(first17))
    assert refused.value.code == code


def test_forged_checksum_names_the_expected_character(people: dict[str, Any]) -> None:
    case = open_case(people["officer"])
    forged = VALID_ID[:17] + ("1" if VALID_ID[17] != "1" else "2")
    with pytest.raises(ValidationFailed) as refused:
        add(case, people["officer"], id_number=forged)
    assert refused.value.code == "id_checksum"
    assert VALID_ID[17] in refused.value.message


def test_reveal_needs_a_purpose_and_writes_the_audit_event(people: dict[str, Any]) -> None:
    case = open_case(people["officer"])
    party = add(case, people["officer"])
    with pytest.raises(ValidationFailed):
        do_reveal_party(party, acting_user=people["supervisor"], purpose="看看")
    assert not AuditEvent.objects.filter(action="personal_data.read").exists()
    clear = do_reveal_party(party, acting_user=people["supervisor"], purpose="核实违法行为人身份")
    assert clear["id_number"] == VALID_ID and clear["phone"] == "13812345678"
    event = AuditEvent.objects.get(action="personal_data.read")
    assert (event.purpose, event.actor_id, event.object_id) == (
        "核实违法行为人身份",
        people["supervisor"].pk,
        str(party.pk),
    )
    with pytest.raises(NotFound):  # station-2 officer: not in scope
        do_reveal_party(party, acting_user=people["officer_s2"], purpose="核实违法行为人身份")
    with pytest.raises(PermissionDenied):
        do_reveal_party(party, acting_user=people["dispatcher"], purpose="核实违法行为人身份")


def test_custody_chain_is_ordered_and_append_only(people: dict[str, Any]) -> None:
    officer = people["officer"]
    case = open_case(officer, accepted_at=timezone.now() - timedelta(days=2))
    now = timezone.now()
    evidence = do_register_evidence(
        case,
        acting_user=officer,
        kind="physical",
        name="折叠刀一把",
        holder="办案民警 王某",
        reason="现场提取",
        at=now - timedelta(hours=5),
    )
    do_record_custody(
        evidence,
        acting_user=officer,
        action="stored",
        to_holder="涉案财物管理中心",
        reason="入库",
        at=now - timedelta(hours=4),
    )
    with pytest.raises(ValidationFailed, match="早于上一条"):
        do_record_custody(
            evidence,
            acting_user=officer,
            action="examined",
            to_holder="鉴定中心",
            reason="送检",
            at=now - timedelta(hours=6),
        )
    do_record_custody(
        evidence,
        acting_user=officer,
        action="returned",
        to_holder="被害人",
        reason="发还",
        at=now - timedelta(hours=1),
    )
    with pytest.raises(Conflict):
        do_record_custody(
            evidence, acting_user=officer, action="stored", to_holder="仓库", reason="再入库"
        )
    chain = list(
        CustodyEntry.objects.filter(evidence=evidence).values_list(
            "seq", "from_holder", "to_holder"
        )
    )
    assert chain == [
        (1, "", "办案民警 王某"),
        (2, "办案民警 王某", "涉案财物管理中心"),
        (3, "涉案财物管理中心", "被害人"),
    ]
    first = CustodyEntry.objects.get(evidence=evidence, seq=1)
    first.to_holder = "改写"
    with pytest.raises(ValueError):
        first.save()
