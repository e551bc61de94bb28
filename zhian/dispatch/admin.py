"""Admin for dispatch's configuration: the incident category code table and 预案.

Operational rows (incidents, units, assignments) change only through the audited services
and pages, so the admin shows them read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from zhian.dispatch.models import ContingencyPlan, Incident, IncidentCategory, Unit


@admin.register(IncidentCategory)
class IncidentCategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en", "parent", "default_priority", "active"]
    list_filter = ["active", "parent"]
    search_fields = ["code", "name", "name_en"]
    filter_horizontal = ["related"]


@admin.register(ContingencyPlan)
class ContingencyPlanAdmin(admin.ModelAdmin):
    list_display = ["name", "category"]
    search_fields = ["name"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Incident)
class IncidentAdmin(ReadOnlyAdmin):
    list_display = ["number", "category", "priority", "status", "received_at", "jurisdiction"]
    list_filter = ["status", "priority"]
    search_fields = ["number"]
    list_select_related = ["category", "jurisdiction"]


@admin.register(Unit)
class UnitAdmin(ReadOnlyAdmin):
    list_display = ["call_sign", "station", "kind", "status"]
    list_filter = ["status", "kind"]
    search_fields = ["call_sign"]
    list_select_related = ["station"]
