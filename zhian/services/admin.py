"""Admin for the bureau's configuration of 便民服务: routing rules, bookable services and
slots. Citizen requests are handled on the staff pages (audited), not here."""

from __future__ import annotations

from django.contrib import admin

from zhian.services.models import BookableService, RoutingRule, Slot


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ("category", "target", "incident_category_code", "order", "active")
    list_filter = ("target", "active")


@admin.register(BookableService)
class BookableServiceAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "active")
    filter_horizontal = ("stations",)


@admin.register(Slot)
class SlotAdmin(admin.ModelAdmin):
    list_display = ("service", "station", "starts_at", "capacity", "booked")
    list_filter = ("service", "day")
    readonly_fields = ("booked",)
