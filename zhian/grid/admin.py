"""Admin for grid configuration: departments and their liaisons, routing rules, inspection
plans. Every change made here is written to the audit chain (the operational rows, reports,
disputes and places, change only through the pages and the API)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from zhian.core import audit
from zhian.grid.models import Department, DepartmentMember, InspectionPlan, RoutingRule


class AuditedAdmin(admin.ModelAdmin):
    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        audit.record(
            actor=request.user,
            action=f"{obj._meta.model_name}.admin_{'change' if change else 'create'}",
            obj=obj,
            data={"fields": sorted(form.changed_data)},
        )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        audit.record(actor=request.user, action=f"{obj._meta.model_name}.admin_delete", obj=obj)
        super().delete_model(request, obj)


class MemberInline(admin.TabularInline):
    model = DepartmentMember
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Department)
class DepartmentAdmin(AuditedAdmin):
    list_display = ["code", "name", "kind", "jurisdiction", "sign_hours", "resolve_days", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["jurisdiction"]
    inlines = [MemberInline]


@admin.register(RoutingRule)
class RoutingRuleAdmin(AuditedAdmin):
    list_display = [
        "report_type",
        "jurisdiction",
        "department",
        "sign_hours",
        "resolve_days",
        "active",
    ]
    list_filter = ["report_type", "department", "active"]
    autocomplete_fields = ["jurisdiction", "department"]


@admin.register(InspectionPlan)
class InspectionPlanAdmin(AuditedAdmin):
    list_display = ["place_type", "risk_tier", "frequency", "jurisdiction", "active"]
    list_filter = ["place_type", "risk_tier", "frequency", "active"]
    autocomplete_fields = ["jurisdiction"]
