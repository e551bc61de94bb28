"""Users, their roles on jurisdictions, and failed log-ons (for throttling)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """What a user may do where they hold the role."""

    DISPATCHER = "dispatcher", _("接警调度员")
    PATROL_OFFICER = "patrol_officer", _("巡逻民警")
    COMMUNITY_OFFICER = "community_officer", _("社区民警")
    GRID_WORKER = "grid_worker", _("网格员")
    ANALYST = "analyst", _("研判分析员")
    SUPERVISOR = "supervisor", _("法制监督员")
    LEADER = "leader", _("局领导")
    ADMINISTRATOR = "administrator", _("系统管理员")
    DEPARTMENT_LIAISON = "department_liaison", _("部门联络员")
    CASE_OFFICER = "case_officer", _("办案民警")
    # 三员分立 (MLPS): ADMINISTRATOR is the system administrator (系统管理员: users,
    # jurisdictions, configuration); these two hold the other powers, never with it.
    SECURITY_ADMINISTRATOR = "security_administrator", _("安全管理员")
    AUDIT_ADMINISTRATOR = "audit_administrator", _("安全审计员")


class User(AbstractUser):
    """A staff account. Citizens never get one: the portal uses tracking tokens."""

    display_name = models.CharField(_("显示名"), max_length=100, blank=True)
    badge_number = models.CharField(_("警号"), max_length=32, blank=True)

    class Meta(AbstractUser.Meta):
        verbose_name = _("用户")  # type: ignore[assignment]
        verbose_name_plural = _("用户")  # type: ignore[assignment]

    def __str__(self) -> str:
        return self.display_name or self.username


class RoleAssignment(models.Model):
    """``user`` holds ``role`` on ``jurisdiction`` and everything below it."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices)
    jurisdiction = models.ForeignKey(
        "core.Jurisdiction", on_delete=models.PROTECT, related_name="role_assignments"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("角色分配")
        verbose_name_plural = _("角色分配")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "jurisdiction"], name="core_roleassignment_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} @ {self.jurisdiction.code}"


class LoginFailure(models.Model):
    """A failed log-on. Rows older than the lock-out window are irrelevant and pruned."""

    username = models.CharField(max_length=150, db_index=True)
    ip = models.GenericIPAddressField(null=True)
    at = models.DateTimeField(db_index=True)

    class Meta:
        indexes = [models.Index(fields=["ip", "at"], name="core_loginfailure_ip_at")]

    def __str__(self) -> str:
        return f"{self.username}@{self.ip} {self.at:%Y-%m-%d %H:%M}"
