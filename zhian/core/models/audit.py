"""The append-only, hash-chained audit log (全程可溯).

Each event's ``hash`` is SHA-256 over the previous event's hash and the event's canonical
JSON. ``seq`` is gap-free and ``prev_hash`` unique, so a fork in the chain is impossible at
the database (two writers cannot both extend the same head); triggers refuse UPDATE and DELETE.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

GENESIS_HASH = "0" * 64


class AuditEvent(models.Model):
    seq = models.BigIntegerField(unique=True)
    at = models.DateTimeField(_("时间"))
    actor_id = models.BigIntegerField(null=True, help_text=_("用户 ID；系统作业为空"))
    actor = models.CharField(_("操作人"), max_length=150)
    action = models.CharField(_("动作"), max_length=64)
    object_type = models.CharField(_("对象类型"), max_length=64, blank=True)
    object_id = models.CharField(_("对象 ID"), max_length=64, blank=True)
    purpose = models.CharField(_("事由"), max_length=500, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    outcome = models.CharField(_("结果"), max_length=16, default="success")
    data = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64, unique=True)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["seq"]
        verbose_name = _("审计事件")
        verbose_name_plural = _("审计事件")
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="core_audit_object"),
            models.Index(fields=["actor_id", "at"], name="core_audit_actor_at"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"
