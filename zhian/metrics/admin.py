"""Admin for KPI configuration: indicator definitions and ranking weights (every change
audited); monthly figures and reports are read-only here (entered through the audited
service on the figures page)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms import ModelForm
from django.http import HttpRequest

from zhian.core import audit
from zhian.core.errors import ValidationFailed
from zhian.metrics.models import IndicatorDefinition, MonthlyFigure, RankingWeight, StoredReport
from zhian.metrics.services.indicators import IndicatorInput, validate_indicator


class IndicatorForm(ModelForm):
    class Meta:
        model = IndicatorDefinition
        fields = [
            "code",
            "name",
            "name_en",
            "definition",
            "kind",
            "source",
            "params",
            "denominator_source",
            "denominator_params",
            "date_basis",
            "direction",
            "active",
            "order",
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            validate_indicator(
                IndicatorInput(
                    code=data.get("code") or "",
                    name=data.get("name") or "",
                    definition=data.get("definition") or "",
                    kind=data.get("kind") or "",
                    source=data.get("source") or "",
                    direction=data.get("direction") or "",
                    date_basis=data.get("date_basis") or "",
                    params=data.get("params") or {},
                    denominator_source=data.get("denominator_source") or "",
                    denominator_params=data.get("denominator_params") or {},
                )
            )
        except ValidationFailed as exc:
            raise ValidationError(exc.message) from None
        return data


class AuditedAdmin(admin.ModelAdmin):
    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        audit.record(
            actor=request.user,
            action=f"metrics.{obj._meta.model_name}_{'change' if change else 'create'}",
            obj=obj,
            data={"changed": form.changed_data},
        )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        audit.record(actor=request.user, action=f"metrics.{obj._meta.model_name}_delete", obj=obj)
        super().delete_model(request, obj)


@admin.register(IndicatorDefinition)
class IndicatorDefinitionAdmin(AuditedAdmin):
    form = IndicatorForm
    list_display = ["code", "name", "kind", "source", "direction", "active", "order"]
    list_filter = ["active", "kind", "direction"]
    search_fields = ["code", "name", "name_en"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # deactivate instead: figures and reports refer to it


@admin.register(RankingWeight)
class RankingWeightAdmin(AuditedAdmin):
    list_display = ["indicator", "weight"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(MonthlyFigure)
class MonthlyFigureAdmin(ReadOnlyAdmin):
    list_display = ["indicator", "jurisdiction", "month", "value", "denominator", "entered_by"]
    list_filter = ["indicator", "month"]
    list_select_related = ["indicator", "jurisdiction", "entered_by"]


@admin.register(StoredReport)
class StoredReportAdmin(ReadOnlyAdmin):
    list_display = ["kind", "jurisdiction", "start", "end", "cut_off"]
    exclude = ["xlsx", "pdf"]
