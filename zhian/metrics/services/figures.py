"""Monthly figure entry (月度填报) for indicators whose source app does not exist yet."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhian.core import audit
from zhian.core.concurrency import update_if_version
from zhian.core.errors import Conflict, ValidationFailed
from zhian.core.models import Jurisdiction
from zhian.core.scoping import check_can
from zhian.metrics.models import IndicatorDefinition, MonthlyFigure
from zhian.metrics.sources import MANUAL

MAX_VALUE = 10_000_000


def _validate(
    indicator: IndicatorDefinition, month: date, value: int, denominator: int | None, note: str
) -> None:
    errors: dict[str, str] = {}
    if indicator.source != MANUAL:
        errors["indicator"] = _("该指标由系统自动统计，无需人工填报")
    if month.day != 1:
        errors["month"] = _("月份须为该月第一天")
    if month > timezone.localdate():
        errors["month"] = _("不能填报未来月份")
    if not 0 <= value <= MAX_VALUE:
        errors["value"] = _("数值须为 0–%(max)d 的整数") % {"max": MAX_VALUE}
    if indicator.is_rate:
        if denominator is None:
            errors["denominator"] = _("比率指标须填写分母")
        elif not 0 <= denominator <= MAX_VALUE:
            errors["denominator"] = _("分母须为 0–%(max)d 的整数") % {"max": MAX_VALUE}
        elif value > denominator:
            errors["value"] = _("分子不能大于分母")
    elif denominator is not None:
        errors["denominator"] = _("数量指标没有分母")
    if len(note) > 500:
        errors["note"] = _("备注不能超过 500 字")
    if errors:
        raise ValidationFailed("；".join(errors.values()), code="invalid_figure", fields=errors)


@transaction.atomic
def do_enter_monthly_figure(
    indicator: IndicatorDefinition,
    jurisdiction: Jurisdiction,
    month: date,
    value: int,
    *,
    denominator: int | None = None,
    note: str = "",
    expected_version: int | None = None,
    acting_user: Any,
) -> MonthlyFigure:
    """Enter a month's figure, or change it (``expected_version`` of the row read: a
    change without it is refused, so nobody overwrites a figure they have not seen).
    Every entry and change is audited with the old and new values."""
    check_can(acting_user, "metrics.enter_figures", jurisdiction)
    note = note.strip()
    _validate(indicator, month, value, denominator, note)
    existing = MonthlyFigure.objects.filter(
        indicator=indicator, jurisdiction=jurisdiction, month=month
    ).first()
    data = {
        "indicator": indicator.code,
        "jurisdiction": jurisdiction.code,
        "month": f"{month:%Y-%m}",
        "value": value,
        "denominator": denominator,
        "note": note,
    }
    if existing is None:
        if expected_version is not None:
            raise Conflict(_("该月数据不存在，无法修改"), code="figure_missing")
        try:
            with transaction.atomic():
                figure = MonthlyFigure.objects.create(
                    indicator=indicator,
                    jurisdiction=jurisdiction,
                    month=month,
                    value=value,
                    denominator=denominator,
                    note=note,
                    entered_by=acting_user,
                    entered_at=timezone.now(),
                )
        except IntegrityError:
            raise Conflict(_("该月数据已由他人填报，请刷新后修改"), code="figure_exists") from None
        audit.record(actor=acting_user, action="metrics.figure_enter", obj=figure, data=data)
        return figure
    if expected_version is None:
        raise Conflict(
            _("该月已有数据（%(value)s），如需修改请在原记录上修改") % {"value": existing.value},
            code="figure_exists",
            current_version=existing.version,
        )
    before = {"value": existing.value, "denominator": existing.denominator, "note": existing.note}
    update_if_version(
        existing,
        expected_version,
        value=value,
        denominator=denominator,
        note=note,
        entered_by=acting_user,
        entered_at=timezone.now(),
    )
    audit.record(
        actor=acting_user,
        action="metrics.figure_change",
        obj=existing,
        data=data | {"before": before},
    )
    return existing
