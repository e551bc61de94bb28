"""Parties (当事人): people as they appear in one case, incident or dispute.

There is no free-standing person registry and no cross-case person search: each app
subclasses :class:`PartyBase` with its own owner FK (records: case; grid: dispute). This
module holds what every app shares: validation of identity numbers (公民身份号码) and phone
numbers, masking by rule, the purpose (查询事由) check, and :func:`reveal_party`, which writes
the personal-data-read audit event before returning clear values.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhian.core import audit
from zhian.core.errors import ValidationFailed

# --- Identity numbers (GB 11643-1999) -------------------------------------------------------

_ID_RE = re.compile(r"^\d{17}[\dX]$")
_ID_WEIGHTS = [pow(2, 17 - i, 11) for i in range(17)]
_ID_CHECK = "10X98765432"  # index: weighted sum mod 11 (ISO 7064 MOD 11-2)
_REGION_FILE = Path(__file__).resolve().parent / "data" / "gb2260_codes.txt"
# Province-level codes (GB/T 2260 first two digits), plus 83 for Taiwan residents' permits.
PROVINCE_CODES = frozenset(
    re.findall(
        r"\d\d", "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53"
    )
    + re.findall(r"\d\d", "54 61 62 63 64 65 71 81 82 83")
)


@cache
def region_codes() -> frozenset[str]:
    """Every GB/T 2260 code in use at any time since 1980 (see the data file's header for
    source and licence: yescallop/areacodes, CC0). An ID keeps the code of the place and time
    of first registration, so abolished codes stay valid."""
    lines = _REGION_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def id_check_character(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character for the first 17 digits."""
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def validate_id_number(value: str) -> str:
    """Validate an 18-character resident identity number and return it upper-cased.

    Checks, in order, each with its own ``code``: format (17 digits then a digit or X,
    ``id_format``), the check character (``id_checksum``, the message gives the expected
    one), the birth date (a real date, not before 1900, not in the future:
    ``id_birth_date``) and the region (``id_region``): the first two digits must be a
    province-level code and the six digits a code from the bundled historical GB/T 2260
    list (every code used since 1980, so older IDs with since-abolished codes pass).
    """
    text = re.sub(r"\s+", "", value or "").upper()
    if not _ID_RE.match(text):
        raise ValidationFailed(
            _("身份证号格式不正确：应为 18 位，前 17 位为数字，最后一位为数字或 X"),
            code="id_format",
        )
    expected = id_check_character(text[:17])
    if text[17] != expected:
        raise ValidationFailed(
            _("身份证号校验位错误：第 18 位是 %(given)s，按前 17 位计算应为 %(expected)s")
            % {"given": text[17], "expected": expected},
            code="id_checksum",
        )
    try:
        born = date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        born = None
    if born is None or born < date(1900, 1, 1) or born > timezone.localdate():
        raise ValidationFailed(
            _("身份证号中的出生日期 %(date)s 不是 1900 年以来到今天之间的有效日期")
            % {"date": text[6:14]},
            code="id_birth_date",
        )
    region = text[:6]
    if region[:2] not in PROVINCE_CODES or region not in region_codes():
        raise ValidationFailed(
            _("身份证号前 6 位地区码 %(region)s 不是有效的行政区划代码") % {"region": region},
            code="id_region",
        )
    return text


# --- Phone numbers ---------------------------------------------------------------------------

_MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE_RE = re.compile(r"^(010|02\d|0[3-9]\d{2})([2-9]\d{6,7})$")
_EXTENSION_RE = re.compile(r"^(.*?)\s*(?:转|分机|ext\.?|x|#)\s*(\d{1,6})$", re.IGNORECASE)
_COUNTRY_RE = re.compile(r"^(?:\+\s*86|0086)[\s\-]*")


def validate_phone(value: str) -> str:
    """Validate a mainland phone number and return it normalised.

    Mobile: ``1[3-9]`` and 9 more digits, optionally after +86/0086; returned as 11 digits.
    Landline: area code (010, 02X or a 4-digit 0XXX code) and a 7-8 digit number not starting
    with 0 or 1, optionally with an extension (``-123``, ``转123``, ``ext 123``); returned as
    ``0571-88886666`` or ``0571-88886666-123``. Spaces, hyphens and brackets are separators.
    Raises ``ValidationFailed(code="phone_format")``.
    """
    text = (value or "").strip()
    extension = ""
    if m := _EXTENSION_RE.match(text):
        text, extension = m.group(1), m.group(2)
    international = bool(_COUNTRY_RE.match(text))
    text = _COUNTRY_RE.sub("", text)
    if not text or re.search(r"[^\d\s\-()（）]", text):
        raise ValidationFailed(
            _("电话号码格式不正确：只能包含数字和分隔符（空格、短横线、括号）"),
            code="phone_format",
        )
    groups = re.findall(r"\d+", text)
    digits = "".join(groups)
    if not extension and _MOBILE_RE.match(digits):
        return digits
    if international and not digits.startswith("0"):
        digits = "0" + digits
    landline = _LANDLINE_RE.match(digits)
    if not landline and not extension and len(groups) >= 3 and len(groups[-1]) <= 6:
        joined = "".join(groups[:-1])
        joined = "0" + joined if international and not joined.startswith("0") else joined
        landline = _LANDLINE_RE.match(joined)
        extension = groups[-1] if landline else ""
    if not landline:
        raise ValidationFailed(
            _(
                "电话号码格式不正确：手机号应为 1 开头的 11 位数字，"
                "固定电话应带区号，如 0571-88886666"
            ),
            code="phone_format",
        )
    normalised = f"{landline.group(1)}-{landline.group(2)}"
    return f"{normalised}-{extension}" if extension else normalised


# --- Masking ---------------------------------------------------------------------------------


def visible_count(n: int) -> int:
    """How many trailing characters of ``n`` maskable ones stay visible: at most 4 and never
    more than half (``min(4, n // 2)``): 0→0, 1→0, 2→1, 3→1, 4→2, 7→3, 8+→4."""
    return min(4, n // 2)


def mask_digits(value: str) -> str:
    """Mask every letter and digit except the last :func:`visible_count` of them; other
    characters (separators such as ``-`` or spaces) are kept in place.

    The rule is issue 13's security rule (last ≤ 4 visible, never more than half). It
    supersedes issue 9's examples (``3302********1234`` / ``138****5678``), which show a
    prefix too: a prefix narrows a person down by region or carrier, so it is hidden.
    """
    text = value or ""
    total = sum(1 for c in text if c.isalnum())
    keep_from = total - visible_count(total)
    out, seen = [], 0
    for c in text:
        if c.isalnum():
            out.append(c if seen >= keep_from else "*")
            seen += 1
        else:
            out.append(c)
    return "".join(out)


def mask_id_number(value: str) -> str:
    """An ID number masked by :func:`mask_digits` (18 characters: the last 4 visible)."""
    return mask_digits(value)


def mask_phone(value: str) -> str:
    """A phone number masked by :func:`mask_digits` (11-digit mobile: ``*******5678``)."""
    return mask_digits(value)


def mask_name(value: str) -> str:
    """Keep the first character, replace every other letter with ``*`` (spaces and dots
    kept): 张三 → 张*, 欧阳娜娜 → 欧***, John Smith → J*** *****. A one-character name → ``*``."""
    text = (value or "").strip()
    if len(text) <= 1:
        return "*" if text else ""
    return text[0] + "".join("*" if c.isalnum() else c for c in text[1:])


# --- Purpose of a read -----------------------------------------------------------------------

PURPOSE_MIN_LETTERS = 4


def check_purpose(text: str) -> str:
    """Check that a reason for revealing personal data has real content and return it
    cleaned (format characters such as zero-width and bidi controls removed, whitespace
    collapsed). At least 4 letters or CJK characters must remain once punctuation, symbols,
    digits and whitespace are ignored; otherwise ``ValidationFailed(code="purpose_required")``.
    """
    cleaned = "".join(c for c in (text or "") if unicodedata.category(c) != "Cf")
    cleaned = " ".join(cleaned.split())
    letters = sum(1 for c in cleaned if unicodedata.category(c).startswith("L"))
    if letters < PURPOSE_MIN_LETTERS:
        raise ValidationFailed(
            _("请写明查看个人信息的事由（至少 %(n)d 个汉字或字母），例如“核实报案人身份”")
            % {"n": PURPOSE_MIN_LETTERS},
            code="purpose_required",
        )
    return cleaned


# --- Choices and the abstract model ----------------------------------------------------------


class PartyRole(models.TextChoices):
    """The part a person plays in one case, incident or dispute."""

    VICTIM = "victim", gettext_lazy("被害人")
    SUSPECT = "suspect", gettext_lazy("嫌疑人/违法行为人")
    WITNESS = "witness", gettext_lazy("证人")
    REPORTER = "reporter", gettext_lazy("报案人")
    COMPLAINANT = "complainant", gettext_lazy("投诉人/控告人")
    OTHER = "other", gettext_lazy("其他")


class LegalBasis(models.TextChoices):
    """The law under which a person's data is held (个人信息处理的法律依据)."""

    CRIMINAL_PROCEDURE = "criminal_procedure", gettext_lazy("刑事诉讼法")
    PUBLIC_SECURITY_ADMINISTRATION = (
        "public_security_administration",
        gettext_lazy("治安管理处罚法"),
    )
    PEOPLES_MEDIATION = "peoples_mediation", gettext_lazy("人民调解法")
    STATUTORY_DUTY = "statutory_duty", gettext_lazy("履行法定职责")


# Separators people type inside a number ("138 0013 8000", "138-0013-8000").
_NUMBER_SEPARATORS = frozenset(" -\u3000\t\n\r")
_ID_LEN, _MOBILE_LEN = 18, 11


def personal_number_in(text: str) -> str | None:
    """``"id_number"`` or ``"mobile"`` when ``text`` holds a run of characters in the
    format of an 18-character resident ID number or an 11-digit mobile number (spaces and
    hyphens inside it ignored, full-width digits read as digits), else None. Deliberately
    broad: a longer number that contains such a run is refused too; a note about a place
    needs neither."""
    # NFKC: full-width digits (１３８…, typed with a Chinese input method) become 0-9
    plain = unicodedata.normalize("NFKC", text)
    compact = "".join(c for c in plain if c not in _NUMBER_SEPARATORS).upper()
    for i in range(len(compact)):
        if _ID_RE.match(compact[i : i + _ID_LEN]):
            return "id_number"
        if _MOBILE_RE.match(compact[i : i + _MOBILE_LEN]):
            return "mobile"
    return None


class PartyBase(models.Model):
    """A person as a party to one owner row. Subclasses add the owner FK, e.g.
    ``case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="parties")``.
    Validate input with :func:`check_party_fields` in the service before saving."""

    role = models.CharField(gettext_lazy("身份"), max_length=16, choices=PartyRole.choices)
    name = models.CharField(gettext_lazy("姓名"), max_length=100)
    id_number = models.CharField(gettext_lazy("身份证号"), max_length=18, blank=True)
    phone = models.CharField(gettext_lazy("联系电话"), max_length=32, blank=True)
    address = models.CharField(gettext_lazy("住址"), max_length=200, blank=True)
    legal_basis = models.CharField(
        gettext_lazy("法律依据"), max_length=40, choices=LegalBasis.choices
    )
    legal_basis_note = models.CharField(gettext_lazy("依据说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(gettext_lazy("登记时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=gettext_lazy("登记人"),
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.get_role_display()} {self.masked_name}"

    @property
    def masked_name(self) -> str:
        return mask_name(self.name)

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)


PARTY_FIELD_LIMITS = {"name": 100, "address": 200, "legal_basis_note": 200}
REVEALED_FIELDS = ("name", "id_number", "phone", "address")


def _field_error(field: str, label: str, error: ValidationFailed) -> ValidationFailed:
    return ValidationFailed(f"{label}：{error.message}", code=error.code, field=field)


def check_party_fields(
    *,
    role: str,
    name: str,
    legal_basis: str,
    id_number: str = "",
    phone: str = "",
    address: str = "",
    legal_basis_note: str = "",
) -> dict[str, str]:
    """Validate a party's fields and return them normalised (keys = model field names).

    Raises ``ValidationFailed`` with ``extra["field"]`` naming the field: codes
    ``party_role``, ``party_name``, ``party_legal_basis``, ``party_too_long``,
    ``party_invisible_characters`` (zero-width, bidi or control characters in name, address
    or note) and the ID / phone codes of :func:`validate_id_number` / :func:`validate_phone`.
    """
    if role not in PartyRole.values:
        raise ValidationFailed(_("请选择当事人身份"), code="party_role", field="role")
    if legal_basis not in LegalBasis.values:
        raise ValidationFailed(
            _("请选择登记个人信息的法律依据"), code="party_legal_basis", field="legal_basis"
        )
    values = {
        "role": role,
        "legal_basis": legal_basis,
        "name": " ".join((name or "").split()),
        "address": (address or "").strip(),
        "legal_basis_note": (legal_basis_note or "").strip(),
        "id_number": "",
        "phone": "",
    }
    if not values["name"]:
        raise ValidationFailed(_("请填写当事人姓名"), code="party_name", field="name")
    labels = {"name": _("姓名"), "address": _("住址"), "legal_basis_note": _("依据说明")}
    for field, limit in PARTY_FIELD_LIMITS.items():
        if len(values[field]) > limit:
            raise ValidationFailed(
                _("%(field)s 不能超过 %(n)d 个字符") % {"field": labels[field], "n": limit},
                code="party_too_long",
                field=field,
            )
        if any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co") for c in values[field]):
            raise ValidationFailed(
                _("%(field)s 含有不可见的控制字符（如零宽或双向控制字符），请重新输入")
                % {"field": labels[field]},
                code="party_invisible_characters",
                field=field,
            )
    try:
        if (id_number or "").strip():
            values["id_number"] = validate_id_number(id_number)
    except ValidationFailed as error:
        raise _field_error("id_number", _("身份证号"), error) from error
    try:
        if (phone or "").strip():
            values["phone"] = validate_phone(phone)
    except ValidationFailed as error:
        raise _field_error("phone", _("联系电话"), error) from error
    return values


def reveal_party(
    party: PartyBase, *, acting_user: Any, purpose: str, jurisdiction: Any
) -> dict[str, str]:
    """Return the party's clear name, ID number, phone and address after writing the
    ``personal_data.read`` audit event with the checked purpose and the jurisdiction.

    **Who may reveal is the caller's check** (e.g. ``check_can(user, "case.reveal_party",
    case.jurisdiction)``) and must come first; this function only enforces the purpose and
    the audit trail. Call it inside the caller's transaction.
    """
    cleaned = check_purpose(purpose)
    audit.record_personal_data_read(
        actor=acting_user,
        obj=party,
        purpose=cleaned,
        fields=REVEALED_FIELDS,
        data={
            "jurisdiction": getattr(jurisdiction, "code", str(jurisdiction or "")),
            "role": party.role,
        },
    )
    return {field: getattr(party, field) for field in REVEALED_FIELDS}
