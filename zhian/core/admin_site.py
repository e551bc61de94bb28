"""The Django admin site with every change written to the audit chain.

``ZhianAdminConfig`` replaces ``django.contrib.admin`` in ``INSTALLED_APPS``; its default
site wraps every ``ModelAdmin`` any app registers (``@admin.register`` included) in
:class:`AuditedAdminMixin`, so a new app's admin is audited without doing anything. Each
add, change and delete made there becomes an ``admin.add`` / ``admin.change`` /
``admin.delete`` event with the model, the object and the changed fields, in the same
transaction as the change (the admin wraps its views in one)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.db.models import Model
from django.http import HttpRequest


def _record(request: HttpRequest, action: str, obj: Model, message: Any = None) -> None:
    from zhian.core import audit

    audit.record(
        actor=request.user,
        action=action,
        obj=obj,
        data={"via": "admin", "repr": str(obj)[:200], "changes": message or []},
    )


class AuditedAdminMixin:
    """Writes the audit event beside the admin's own ``LogEntry``."""

    def log_addition(self, request: HttpRequest, obj: Model, message: Any) -> Any:
        _record(request, "admin.add", obj, message)
        return super().log_addition(request, obj, message)  # type: ignore[misc]

    def log_change(self, request: HttpRequest, obj: Model, message: Any) -> Any:
        _record(request, "admin.change", obj, message)
        return super().log_change(request, obj, message)  # type: ignore[misc]

    def log_deletions(self, request: HttpRequest, queryset: Iterable[Model]) -> Any:
        for obj in queryset:
            _record(request, "admin.delete", obj)
        return super().log_deletions(request, queryset)  # type: ignore[misc]


class AuditedAdminSite(admin.AdminSite):
    def register(self, model_or_iterable: Any, admin_class: Any = None, **options: Any) -> None:
        base = admin_class or admin.ModelAdmin
        if not issubclass(base, AuditedAdminMixin):
            base = type(
                f"Audited{base.__name__}",
                (AuditedAdminMixin, base),
                {
                    "__module__": base.__module__,
                    "__doc__": base.__doc__,
                },
            )
        super().register(model_or_iterable, base, **options)


class ZhianAdminConfig(AdminConfig):
    default_site = "zhian.core.admin_site.AuditedAdminSite"
