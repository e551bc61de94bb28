from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from zhian.records.choices import EventKind, PeriodUnit
from zhian.records.models import CaseCategory, DeadlineRule


@admin.register(CaseCategory)
class CaseCategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "case_type", "active")
    list_filter = ("case_type", "active")
    search_fields = ("code", "name")


def validate_rule(rule: DeadlineRule) -> None:
    """The extensions and completing events a rule row may hold."""
    errors: dict[str, Any] = {}
    bad = [e for e in rule.end_events or [] if e not in EventKind.values]
    if not isinstance(rule.end_events, list) or bad:
        errors["end_events"] = _("完成事项须为事项代码列表：%(codes)s") % {
            "codes": ", ".join(EventKind.values)
        }
    for option in rule.extensions or []:
        if (
            not isinstance(option, dict)
            or not isinstance(option.get("amount"), int)
            or option["amount"] < 1
            or option.get("approver") not in ("supervisor", "leader")
            or option.get("unit", rule.unit) != rule.unit
        ):
            errors["extensions"] = _(
                '每项延长须为 {"label": …, "amount": 正整数, '
                '"approver": "supervisor"/"leader"}，单位与期间相同'
            )
    if rule.unit not in PeriodUnit.values:
        errors["unit"] = _("单位无效")
    if errors:
        raise ValidationError(errors)


@admin.register(DeadlineRule)
class DeadlineRuleAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "name",
        "case_type",
        "amount",
        "unit",
        "custody",
        "valid_from",
        "active",
    )
    list_filter = ("case_type", "custody", "active")
    search_fields = ("code", "name", "law", "article")

    def save_model(self, request: Any, obj: DeadlineRule, form: Any, change: bool) -> None:
        validate_rule(obj)
        super().save_model(request, obj, form, change)
