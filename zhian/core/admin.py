"""Admin pages for configuration. Every change made here is audited by the site itself
(``core.admin_site``); superuser status and raw permissions cannot be granted here
(``manage.py createsuperuser`` at installation is the one way), and role assignments obey
三员分立 exactly as the role service does."""

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest

from zhian.core.errors import ValidationFailed
from zhian.core.models import ApiToken, AuditEvent, Jurisdiction, RoleAssignment, User
from zhian.core.services.accounts import check_separation_of_duties


class RoleAssignmentFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        roles = [
            f.cleaned_data["role"]
            for f in self.forms
            if f.cleaned_data and f.cleaned_data.get("role") and not f.cleaned_data.get("DELETE")
        ]
        try:
            check_separation_of_duties(roles)
        except ValidationFailed as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from exc


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    formset = RoleAssignmentFormSet
    extra = 0
    autocomplete_fields = ["jurisdiction"]


@admin.register(User)
class ZhianUserAdmin(UserAdmin):
    inlines = [RoleAssignmentInline]
    readonly_fields = ["is_superuser", "groups", "user_permissions", "last_login", "date_joined"]
    list_display = ["username", "display_name", "badge_number", "is_active", "last_login"]
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        ("Zhian", {"fields": ["display_name", "badge_number"]}),
    )


@admin.register(Jurisdiction)
class JurisdictionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "parent"]
    list_filter = ["kind"]
    search_fields = ["code", "name", "name_en"]
    readonly_fields = ["path", "boundary", "version"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "created_at", "expires_at", "revoked_at"]
    readonly_fields = ["digest", "prefix"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the database refuses changes anyway."""

    list_display = ["seq", "at", "actor", "action", "object_type", "object_id", "outcome"]
    list_filter = ["action", "outcome"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
