"""Parties: ID-number and phone validation, masking by rule, purpose check, reveal audit."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import models
from django.utils import timezone, translation
from hypothesis import given
from hypothesis import strategies as st

from tests.factories import UserFactory
from zhian.core import parties
from zhian.core.errors import ValidationFailed
from zhian.core.models import AuditEvent
from zhian.core.parties import (
    LegalBasis,
    PartyBase,
    PartyRole,
    check_party_fields,
    check_purpose,
    id_check_character,
    mask_digits,
    mask_id_number,
    mask_name,
    mask_phone,
    reveal_party,
    validate_id_number,
    validate_phone,
    visible_count,
)

# The worked example of GB 11643-1999 (北京市朝阳区, born 1949-12-31).
STANDARD_ID = "11010519491231002X"


def make_id(region: str, born: str, seq: str = "123") -> str:
    first17 = region + born + seq
    return first17 + id_check_character(first17)


def fault(value: str) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as caught:
        validate_id_number(value)
    return caught.value


class Party(PartyBase):
    """A concrete party for these tests (apps subclass with their owner FK)."""

    class Meta:
        app_label = "test_parties"
        managed = False


# --- ID numbers ---


def test_standard_example_is_valid_and_lower_x_is_normalised() -> None:
    assert validate_id_number(STANDARD_ID) == STANDARD_ID
    assert validate_id_number(" " + STANDARD_ID.lower() + " ") == STANDARD_ID


@pytest.mark.parametrize("value", ["", "1101051949123100", "11010519491231002Y", "A" * 18])
def test_format_faults(value: str) -> None:
    assert fault(value).code == "id_format"


def test_checksum_fault_names_expected_character() -> None:
    error = fault(STANDARD_ID[:17] + "1")
    assert error.code == "id_checksum"
    assert "X" in error.message and "1" in error.message


def test_single_digit_typo_is_caught_by_checksum() -> None:
    typo = STANDARD_ID[:3] + "2" + STANDARD_ID[4:]
    assert fault(typo).code == "id_checksum"


@pytest.mark.parametrize("born", ["19490230", "18991231", "20001301"])
def test_impossible_birth_dates(born: str) -> None:
    assert fault(make_id("110105", born)).code == "id_birth_date"


def test_future_birth_date_is_refused() -> None:
    tomorrow = timezone.localdate() + timedelta(days=1)
    assert fault(make_id("110105", tomorrow.strftime("%Y%m%d"))).code == "id_birth_date"


def test_abolished_region_code_still_valid() -> None:
    # 110103 崇文区 was merged into 东城区 in 2010; IDs issued before keep the code.
    assert validate_id_number(make_id("110103", "19800101"))


@pytest.mark.parametrize("region", ["990101", "100101", "110199", "330177"])
def test_unknown_region_codes(region: str) -> None:
    error = fault(make_id(region, "19800101"))
    assert error.code == "id_region"
    assert region in error.message


def test_hong_kong_residence_permit_code_is_valid() -> None:
    assert validate_id_number(make_id("810000", "19900101"))


def test_messages_are_translated() -> None:
    with translation.override("en"):
        error = fault(STANDARD_ID[:17] + "1")
    assert "check character" in error.message


# --- Phones ---


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("+86 138-1234-5678", "13812345678"),
        ("008613812345678", "13812345678"),
        ("0571-88886666", "0571-88886666"),
        ("(0571) 8888 6666", "0571-88886666"),
        ("057188886666", "0571-88886666"),
        ("010-6552 1234", "010-65521234"),
        ("0571-88886666-123", "0571-88886666-123"),
        ("0571-88886666转123", "0571-88886666-123"),
        ("0571 88886666 ext 9", "0571-88886666-9"),
        ("+86 571 88886666", "0571-88886666"),
    ],
)
def test_valid_phones_are_normalised(raw: str, expected: str) -> None:
    assert validate_phone(raw) == expected


@pytest.mark.parametrize(
    "raw",
    ["", "12812345678", "1381234567", "138123456789", "88886666", "0571-0888666", "13812a45678"],
)
def test_invalid_phones(raw: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        validate_phone(raw)
    assert caught.value.code == "phone_format"


# --- Masking ---


@pytest.mark.parametrize(("n", "shown"), [(0, 0), (1, 0), (2, 1), (3, 1), (4, 2), (7, 3), (8, 4)])
def test_visible_count_rule(n: int, shown: int) -> None:
    assert visible_count(n) == shown


@given(st.text(alphabet="0123456789X", min_size=0, max_size=20), st.data())
def test_mask_digits_rule_for_every_length(digits: str, data: st.DataObject) -> None:
    """Given any 0..20 alphanumerics with separators inserted anywhere, the mask keeps the
    separators in place and shows exactly min(4, n // 2) trailing alphanumerics."""
    positions = data.draw(st.lists(st.integers(0, len(digits)), max_size=4))
    value = digits
    for pos in sorted(positions, reverse=True):
        value = value[:pos] + "-" + value[pos:]
    masked = mask_digits(value)
    assert len(masked) == len(value)
    assert [i for i, c in enumerate(masked) if c == "-"] == [
        i for i, c in enumerate(value) if c == "-"
    ]
    n = len(digits)
    shown = min(4, n // 2)
    kept = masked.replace("-", "")
    assert kept == "*" * (n - shown) + digits[n - shown :]
    assert shown <= n / 2


@pytest.mark.parametrize("n", range(21))
def test_mask_digits_each_length(n: int) -> None:
    value = "".join(str(i % 10) for i in range(1, n + 1))
    masked = mask_digits(value)
    shown = len(masked) - masked.count("*")
    assert shown == min(4, n // 2)


def test_mask_examples() -> None:
    assert mask_id_number(STANDARD_ID) == "*" * 14 + "002X"
    assert mask_phone("13812345678") == "*******5678"
    assert mask_phone("0571-88886666") == "****-****6666"
    assert mask_phone("8888666") == "****666"
    assert mask_phone("1234") == "**34"
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧***"
    assert mask_name("John Smith") == "J*** *****"
    assert mask_name("李") == "*"
    assert mask_name("") == ""


# --- Purpose ---


def test_purpose_with_content_is_cleaned() -> None:
    assert check_purpose("  核实\u200b报案人  身份 ") == "核实报案人 身份"
    assert check_purpose("call back") == "call back"


@pytest.mark.parametrize(
    "text",
    ["", "   ", "。。。。", "查看", "ab 1234", "\u200b\u200b\u200b\u200b", "\u202e查\u202c看!!"],
)
def test_empty_purposes_refused(text: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        check_purpose(text)
    assert caught.value.code == "purpose_required"


# --- Party fields ---


def test_check_party_fields_normalises() -> None:
    values = check_party_fields(
        role=PartyRole.VICTIM,
        name="  张  三 ",
        legal_basis=LegalBasis.CRIMINAL_PROCEDURE,
        id_number=STANDARD_ID.lower(),
        phone="138 1234 5678",
    )
    assert values["name"] == "张 三"
    assert values["id_number"] == STANDARD_ID
    assert values["phone"] == "13812345678"
    assert values["address"] == ""


@pytest.mark.parametrize(
    ("kwargs", "field", "code"),
    [
        ({"role": "boss"}, "role", "party_role"),
        ({"legal_basis": ""}, "legal_basis", "party_legal_basis"),
        ({"name": "  "}, "name", "party_name"),
        ({"address": "路" * 201}, "address", "party_too_long"),
        ({"name": "张\u200b三"}, "name", "party_invisible_characters"),
        ({"name": "\u202e三张"}, "name", "party_invisible_characters"),
        ({"address": "路\x00"}, "address", "party_invisible_characters"),
        ({"id_number": STANDARD_ID[:17] + "1"}, "id_number", "id_checksum"),
        ({"phone": "12345"}, "phone", "phone_format"),
    ],
)
def test_check_party_fields_names_the_field(kwargs: dict[str, str], field: str, code: str) -> None:
    base = {"role": "witness", "name": "王五", "legal_basis": "statutory_duty"}
    with pytest.raises(ValidationFailed) as caught:
        check_party_fields(**{**base, **kwargs})
    assert caught.value.code == code
    assert caught.value.extra["field"] == field


def test_party_base_is_abstract_with_masked_properties() -> None:
    assert PartyBase._meta.abstract
    party = Party(role=PartyRole.WITNESS, name="欧阳娜娜", id_number=STANDARD_ID, phone="")
    assert party.masked_name == "欧***"
    assert party.masked_id_number.endswith("002X")
    assert party.masked_phone == ""
    assert {f.name for f in Party._meta.fields} >= {
        "role",
        "name",
        "id_number",
        "phone",
        "address",
        "legal_basis",
        "legal_basis_note",
        "created_at",
        "created_by",
        "version",
    }
    assert isinstance(Party._meta.get_field("created_by"), models.ForeignKey)


# --- Reveal ---


@pytest.mark.django_db
def test_reveal_writes_audit_event_and_returns_clear_fields(tree: dict) -> None:
    user = UserFactory()
    party = Party(
        pk=42, role="victim", name="张三", id_number=STANDARD_ID, phone="13812345678", address="路"
    )
    clear = reveal_party(party, acting_user=user, purpose=" 回访被害人 ", jurisdiction=tree["S1"])
    assert clear == {
        "name": "张三",
        "id_number": STANDARD_ID,
        "phone": "13812345678",
        "address": "路",
    }
    event = AuditEvent.objects.get(action="personal_data.read")
    assert event.object_type == "test_parties.party"
    assert event.object_id == "42"
    assert event.purpose == "回访被害人"
    assert event.actor_id == user.pk
    assert event.data == {
        "fields": ["address", "id_number", "name", "phone"],
        "jurisdiction": "S1",
        "role": "victim",
    }


@pytest.mark.django_db
def test_reveal_without_real_purpose_writes_nothing() -> None:
    party = Party(pk=1, role="victim", name="张三")
    with pytest.raises(ValidationFailed):
        reveal_party(party, acting_user=UserFactory(), purpose="。。", jurisdiction=None)
    assert not AuditEvent.objects.filter(action="personal_data.read").exists()


def test_region_list_is_loaded_once_and_large() -> None:
    codes = parties.region_codes()
    assert "110105" in codes and "330106" in codes
    assert len(codes) > 6000
    assert parties.region_codes() is codes
    assert date(1900, 1, 1)  # birth-date floor documented in validate_id_number


@pytest.mark.parametrize(
    ("note", "found"),
    [
        ("检查 3 号楼和 12 号楼之间的停车场，张贴宣传单 20 份", None),
        ("2026年11月28日 21:30 巡查", None),
        ("门牌 1380013800", None),  # ten digits: not a mobile number
        ("13800138000", "mobile"),
        ("+86 138-0013-8000", "mobile"),
        ("110105 19491231 002x", "id_number"),
        ("11010519491231002X", "id_number"),
    ],
)
def test_personal_numbers_are_found_in_free_text(note: str, found: str | None) -> None:
    """A note about a place (巡逻措施) is refused when it holds one (insights.stop_logs)."""
    assert parties.personal_number_in(note) == found
