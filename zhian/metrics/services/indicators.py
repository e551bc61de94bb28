"""Indicator definitions and ranking weights, configured by the bureau (audited)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from zhian.core import audit
from zhian.core.errors import Conflict, ValidationFailed
from zhian.core.models import Jurisdiction
from zhian.core.scoping import check_can
from zhian.metrics.choices import Direction, IndicatorKind
from zhian.metrics.models import IndicatorDefinition, RankingWeight
from zhian.metrics.sources import MANUAL, SOURCES, get_source


@dataclass(frozen=True)
class IndicatorInput:
    code: str
    name: str
    definition: str
    kind: str
    source: str
    direction: str
    date_basis: str = ""
    name_en: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    denominator_source: str = ""
    denominator_params: dict[str, Any] = field(default_factory=dict)
    order: int = 100


def validate_indicator(data: IndicatorInput) -> dict[str, Any]:
    """The model fields for ``data``, or ValidationFailed naming every bad field."""
    errors: dict[str, str] = {}
    code = data.code.strip()
    if not code or len(code) > 40 or not all(c.isalnum() or c in "_-" for c in code):
        errors["code"] = _("编码须为 1–40 个字母、数字、下划线或连字符")
    if not data.name.strip() or len(data.name) > 60:
        errors["name"] = _("名称须为 1–60 字")
    if not data.definition.strip() or len(data.definition) > 2000:
        errors["definition"] = _("请写明口径（不超过 2000 字）：统计什么、按哪个日期、如何筛选")
    if data.kind not in IndicatorKind.values:
        errors["kind"] = _("类型须为数量或比率")
    if data.direction not in Direction.values:
        errors["direction"] = _("方向须为应下降或应上升")
    clean: dict[str, Any] = {}
    try:
        source = get_source(data.source)
        clean["params"] = source.validate(data.params)
        basis = data.date_basis or source.date_bases[0]
        if basis not in source.date_bases:
            errors["date_basis"] = _("该来源的计数日期只能是：%(b)s") % {
                "b": "、".join(source.date_bases)
            }
        clean["date_basis"] = basis
    except ValidationFailed as exc:
        errors["source" if exc.code == "unknown_source" else "params"] = exc.message
    if data.kind == IndicatorKind.RATE:
        if not data.denominator_source:
            errors["denominator_source"] = _("比率指标须指定分母来源")
        elif (data.source == MANUAL) != (data.denominator_source == MANUAL):
            errors["denominator_source"] = _("人工填报的比率，分子分母须同为人工填报")
        else:
            try:
                den = get_source(data.denominator_source)
                clean["denominator_params"] = den.validate(data.denominator_params)
            except ValidationFailed as exc:
                errors["denominator_params"] = exc.message
    elif data.denominator_source or data.denominator_params:
        errors["denominator_source"] = _("数量指标没有分母")
    if errors:
        raise ValidationFailed("；".join(errors.values()), code="invalid_indicator", fields=errors)
    return {
        "code": code,
        "name": data.name.strip(),
        "name_en": data.name_en.strip()[:80],
        "definition": data.definition.strip(),
        "kind": data.kind,
        "source": data.source,
        "params": clean["params"],
        "denominator_source": data.denominator_source if data.kind == IndicatorKind.RATE else "",
        "denominator_params": clean.get("denominator_params", {}),
        "date_basis": clean["date_basis"],
        "direction": data.direction,
        "order": max(0, min(int(data.order), 32767)),
    }


@transaction.atomic
def do_create_indicator(
    data: IndicatorInput, *, bureau: Jurisdiction, acting_user: Any
) -> IndicatorDefinition:
    """Add a bureau's own indicator (e.g. 1-3-5 arrival rate from dispatch's clocks)."""
    check_can(acting_user, "metrics.configure", bureau)
    fields = validate_indicator(data)
    try:
        with transaction.atomic():
            indicator = IndicatorDefinition.objects.create(**fields)
    except IntegrityError:
        raise Conflict(
            _("编码 %(code)s 已被使用") % {"code": fields["code"]}, code="indicator_exists"
        ) from None
    audit.record(actor=acting_user, action="metrics.indicator_create", obj=indicator, data=fields)
    return indicator


@transaction.atomic
def do_set_ranking_weight(
    indicator: IndicatorDefinition,
    weight: str | Decimal | None,
    *,
    bureau: Jurisdiction,
    acting_user: Any,
) -> RankingWeight | None:
    """Set the indicator's weight in the station ranking; ``None`` or 0 removes it."""
    check_can(acting_user, "metrics.configure", bureau)
    try:
        value = Decimal(str(weight)) if weight not in (None, "") else Decimal(0)
    except InvalidOperation:
        raise ValidationFailed(_("权重须为数字"), code="invalid_weight") from None
    if not Decimal(0) <= value <= Decimal(100) or value != value.quantize(Decimal("0.01")):
        raise ValidationFailed(_("权重须为 0–100，最多两位小数"), code="invalid_weight")
    before = (
        RankingWeight.objects.filter(indicator=indicator).values_list("weight", flat=True).first()
    )
    if value == 0:
        RankingWeight.objects.filter(indicator=indicator).delete()
        result = None
    else:
        result, _created = RankingWeight.objects.update_or_create(
            indicator=indicator, defaults={"weight": value}
        )
    audit.record(
        actor=acting_user,
        action="metrics.weight_set",
        obj=indicator,
        data={"indicator": indicator.code, "before": before, "weight": value},
    )
    return result


__all__ = ["SOURCES", "IndicatorInput", "do_create_indicator", "do_set_ranking_weight"]
