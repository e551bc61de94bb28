from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from zhian.records.models import CaseCategory, DeadlineRule
from zhian.records.services.rules import rule_errors


@admin.register(CaseCategory)
class CaseCategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "case_type", "active")
    list_filter = ("case_type", "active")
    search_fields = ("code", "name")


class DeadlineRuleForm(forms.ModelForm):
    class Meta:
        model = DeadlineRule
        fields = [
            "code",
            "name",
            "case_type",
            "start_event",
            "end_events",
            "amount",
            "unit",
            "moves_on_holiday",
            "custody",
            "extensions",
            "max_extensions",
            "law",
            "article",
            "legal_text",
            "effective_date",
            "valid_from",
            "active",
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        names = {f.name for f in DeadlineRule._meta.concrete_fields}
        candidate = DeadlineRule(**{k: v for k, v in cleaned.items() if k in names})
        errors = rule_errors(candidate) if not self.errors else {}
        if errors:
            raise ValidationError(errors)
        return cleaned


@admin.register(DeadlineRule)
class DeadlineRuleAdmin(admin.ModelAdmin):
    """Edit a row only to correct it; a revision of the law is a new row (or the rules
    page's 新增修订), so periods computed under the old row keep it."""

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
    form = DeadlineRuleForm
