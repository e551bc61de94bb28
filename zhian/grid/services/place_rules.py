"""Written rules for key places: the attributes each type records, how they set the risk
tier, and each type's inspection checklist.

Risk tier (场所风险定级), the first rule that matches:

=================  =================================================  ====
Type               Condition                                          Tier
=================  =================================================  ====
危险物品场所        always                                             1
学校               ≥ 1000 students, or boarding                       1
医院               ≥ 100 beds, or an emergency department              1
娱乐场所            capacity ≥ 200, or open after midnight              1
any of the above   otherwise                                          2
旅馆               ≥ 50 rooms                                          2
网吧               ≥ 100 seats                                         2
出租房屋            ≥ 30 tenants                                        2
everything else                                                       3
=================  =================================================  ====
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhian.core.errors import ValidationFailed
from zhian.grid.choices import PlaceType, RiskTier


@dataclass(frozen=True)
class Attr:
    """One attribute of a place type: its key, label, kind (int, float, bool) and whether
    it must be given."""

    key: str
    label: Any
    kind: type
    required: bool = True


ATTRIBUTES: dict[str, list[Attr]] = {
    PlaceType.SCHOOL: [
        Attr("students", gettext_lazy("在校学生数"), int),
        Attr("boarding", gettext_lazy("寄宿制"), bool, False),
    ],
    PlaceType.HOSPITAL: [
        Attr("beds", gettext_lazy("床位数"), int),
        Attr("emergency", gettext_lazy("设急诊"), bool, False),
    ],
    PlaceType.HOTEL: [Attr("rooms", gettext_lazy("客房数"), int)],
    PlaceType.RENTAL_HOUSING: [
        Attr("units", gettext_lazy("出租间数"), int),
        Attr("tenants", gettext_lazy("租住人数"), int),
    ],
    PlaceType.ENTERTAINMENT: [
        Attr("capacity", gettext_lazy("核定容纳人数"), int),
        Attr("late_night", gettext_lazy("午夜后营业"), bool, False),
    ],
    PlaceType.INTERNET_CAFE: [Attr("seats", gettext_lazy("机位数"), int)],
    PlaceType.HAZMAT_SITE: [
        Attr("hazard_class", gettext_lazy("危险物品类别"), str),
        Attr("stored_tonnes", gettext_lazy("最大储量（吨）"), float),
    ],
    PlaceType.SHOP: [Attr("floor_area_m2", gettext_lazy("营业面积（平方米）"), float, False)],
    PlaceType.OTHER: [],
}
HAZARD_CLASSES = ("explosive", "flammable", "toxic", "corrosive", "oxidising")

_COMMON = [
    ("fire_exits", gettext_lazy("安全出口、疏散通道畅通")),
    ("extinguishers", gettext_lazy("灭火器材完好有效")),
    ("wiring", gettext_lazy("电气线路无私拉乱接")),
]
CHECKLISTS: dict[str, list[tuple[str, Any]]] = {
    PlaceType.SCHOOL: [
        *_COMMON,
        ("gate_guard", gettext_lazy("校门安保人员在岗")),
        ("anti_ram", gettext_lazy("校门防冲撞设施")),
        ("cctv", gettext_lazy("视频监控正常")),
    ],
    PlaceType.HOSPITAL: [
        *_COMMON,
        ("security_post", gettext_lazy("警务室/保安在岗")),
        ("drug_storage", gettext_lazy("麻精药品专柜管理")),
    ],
    PlaceType.HOTEL: [
        *_COMMON,
        ("guest_register", gettext_lazy("旅客住宿实名登记")),
        ("cctv", gettext_lazy("视频监控正常")),
    ],
    PlaceType.RENTAL_HOUSING: [
        *_COMMON,
        ("tenant_register", gettext_lazy("租住人员登记")),
        ("ebike_charging", gettext_lazy("电动车未入户充电")),
    ],
    PlaceType.ENTERTAINMENT: [
        *_COMMON,
        ("occupancy", gettext_lazy("未超核定人数")),
        ("minors", gettext_lazy("未接纳未成年人")),
    ],
    PlaceType.INTERNET_CAFE: [
        *_COMMON,
        ("id_check", gettext_lazy("上网实名核验")),
        ("minors", gettext_lazy("未接纳未成年人")),
    ],
    PlaceType.HAZMAT_SITE: [
        *_COMMON,
        ("storage_limit", gettext_lazy("储量不超许可")),
        ("ledger", gettext_lazy("出入库台账完整")),
        ("two_person", gettext_lazy("双人双锁管理")),
    ],
    PlaceType.SHOP: list(_COMMON),
    PlaceType.OTHER: list(_COMMON),
}
#: Days to rectify a failed item (整改期限); items not listed get the default.
RECTIFY_DAYS = {"fire_exits": 3, "extinguishers": 7, "storage_limit": 1, "two_person": 3}
RECTIFY_DAYS_DEFAULT = 15


def checklist(place_type: str) -> list[tuple[str, Any]]:
    return CHECKLISTS.get(place_type, CHECKLISTS[PlaceType.OTHER])


def clean_attributes(place_type: str, raw: dict[str, Any]) -> dict[str, Any]:
    """Check ``raw`` against the type's attributes and return it typed; unknown keys are
    refused so typing mistakes do not silently drop facts. Errors name the attribute."""
    if place_type not in PlaceType.values:
        raise ValidationFailed(_("场所类型无效"), code="invalid_place_type", field="place_type")
    spec = {a.key: a for a in ATTRIBUTES[place_type]}
    unknown = sorted(set(raw) - set(spec))
    if unknown:
        raise ValidationFailed(
            _("未知的场所属性：%(keys)s") % {"keys": "、".join(unknown)},
            code="unknown_attribute",
            field=unknown[0],
        )
    out: dict[str, Any] = {}
    for key, attr in spec.items():
        value = raw.get(key)
        if value is None or value == "":
            if attr.required:
                raise ValidationFailed(
                    _("请填写%(label)s") % {"label": attr.label},
                    code="attribute_required",
                    field=key,
                )
            continue
        out[key] = _typed(attr, value)
    if place_type == PlaceType.HAZMAT_SITE and out["hazard_class"] not in HAZARD_CLASSES:
        raise ValidationFailed(
            _("危险物品类别须为 %(values)s 之一") % {"values": ", ".join(HAZARD_CLASSES)},
            code="invalid_attribute",
            field="hazard_class",
        )
    return out


def _typed(attr: Attr, value: Any) -> Any:
    bad = ValidationFailed(
        _("%(label)s的值无效") % {"label": attr.label}, code="invalid_attribute", field=attr.key
    )
    if attr.kind is bool:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in {"1", "true", "yes", "是", "y"}:
            return True
        if text in {"0", "false", "no", "否", "n"}:
            return False
        raise bad
    if attr.kind is int:
        try:
            number = int(str(value).strip()) if not isinstance(value, int) else value
        except ValueError:
            raise bad from None
        if isinstance(number, bool) or number < 0:
            raise bad
        return number
    if attr.kind is float:
        try:
            real = float(value)
        except (TypeError, ValueError):
            raise bad from None
        if real < 0 or real != real:
            raise bad
        return real
    text = str(value).strip()
    if not text or len(text) > 100:
        raise bad
    return text


def risk_tier(place_type: str, attrs: dict[str, Any]) -> tuple[int, list[str]]:
    """The tier and the reason, by the table in this module's docstring."""
    t = PlaceType
    if place_type == t.HAZMAT_SITE:
        return RiskTier.HIGH, [_("危险物品场所一律一级")]
    high: dict[str, tuple[Any, str]] = {
        t.SCHOOL: (
            attrs.get("students", 0) >= 1000 or attrs.get("boarding", False),
            _("学生 ≥ 1000 或寄宿制"),
        ),
        t.HOSPITAL: (
            attrs.get("beds", 0) >= 100 or attrs.get("emergency", False),
            _("床位 ≥ 100 或设急诊"),
        ),
        t.ENTERTAINMENT: (
            attrs.get("capacity", 0) >= 200 or attrs.get("late_night", False),
            _("容纳 ≥ 200 人或午夜后营业"),
        ),
    }
    if place_type in high:
        hit, reason = high[place_type]
        return (RiskTier.HIGH, [reason]) if hit else (RiskTier.MEDIUM, [_("人员密集场所")])
    medium: dict[str, tuple[Any, str]] = {
        t.HOTEL: (attrs.get("rooms", 0) >= 50, _("客房 ≥ 50 间")),
        t.INTERNET_CAFE: (attrs.get("seats", 0) >= 100, _("机位 ≥ 100 个")),
        t.RENTAL_HOUSING: (attrs.get("tenants", 0) >= 30, _("租住 ≥ 30 人")),
    }
    if place_type in medium and medium[place_type][0]:
        return RiskTier.MEDIUM, [medium[place_type][1]]
    return RiskTier.LOW, []
