"""Admin for insights: every row is made by an audited service or job (forecasts, bands,
alerts, plans, logged patrol tactics, linkage decisions), so the admin shows them read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from zhian.insights.models import (
    LinkDecision,
    NearRepeatAlert,
    NearRepeatBand,
    PatrolPlan,
    PatrolStopLog,
    StoredForecast,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(StoredForecast)
class StoredForecastAdmin(ReadOnlyAdmin):
    list_display = ["jurisdiction", "category_code", "method", "data_end", "status", "progress"]
    list_filter = ["status", "method"]
    exclude = ["cells"]


@admin.register(NearRepeatBand)
class NearRepeatBandAdmin(ReadOnlyAdmin):
    list_display = ["bureau", "category_code", "radius_m", "days", "ratio", "computed_at"]


@admin.register(NearRepeatAlert)
class NearRepeatAlertAdmin(ReadOnlyAdmin):
    list_display = ["jurisdiction", "category_code", "radius_m", "starts_at", "ends_at"]


@admin.register(PatrolPlan)
class PatrolPlanAdmin(ReadOnlyAdmin):
    list_display = ["jurisdiction", "shift", "shift_start", "created_by"]
    exclude = ["routes", "skipped"]


@admin.register(PatrolStopLog)
class PatrolStopLogAdmin(ReadOnlyAdmin):
    list_display = ["plan", "unit", "cell", "tactic", "recorded_by", "recorded_at"]
    list_filter = ["tactic"]


@admin.register(LinkDecision)
class LinkDecisionAdmin(ReadOnlyAdmin):
    list_display = ["incident", "candidate", "verdict", "decided_by", "decided_at"]
