"""Disputes (矛盾纠纷排查化解): parties, risk, mediation sessions, follow-up visits."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from zhian.core.parties import PartyBase
from zhian.grid.choices import (
    DisputeEventKind,
    DisputeStatus,
    DisputeType,
    MediationOutcome,
    RiskLevel,
)


class Dispute(models.Model):
    """A dispute found in the grid or by a 110 call. ``risk_reasons`` lists the written
    criteria that set ``risk_level`` (see :mod:`zhian.grid.services.risk`)."""

    jurisdiction = models.ForeignKey(
        "core.Jurisdiction", on_delete=models.PROTECT, related_name="grid_disputes"
    )
    dispute_type = models.CharField(_("纠纷类型"), max_length=24, choices=DisputeType.choices)
    title = models.CharField(_("事由"), max_length=100)
    summary = models.TextField(_("纠纷情况"), max_length=4000)
    address = models.CharField(_("地点"), max_length=200)
    lon = models.FloatField(_("经度"))
    lat = models.FloatField(_("纬度"))
    h3_cell = models.CharField(max_length=16, db_index=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=DisputeStatus.choices, default=DisputeStatus.REGISTERED
    )
    threat_of_violence = models.BooleanField(_("有暴力威胁"), default=False)
    weapon_mentioned = models.BooleanField(_("提及凶器"), default=False)
    risk_level = models.CharField(
        _("风险等级"), max_length=8, choices=RiskLevel.choices, default=RiskLevel.LOW
    )
    risk_reasons = models.JSONField(_("风险依据"), default=list, blank=True)
    source_incident = models.OneToOneField(
        "dispatch.Incident",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="grid_dispute_opened",
        verbose_name=_("来源警情"),
    )
    raised_incident = models.OneToOneField(
        "dispatch.Incident",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="grid_dispute_raised",
        verbose_name=_("转出警情"),
    )
    handover_report = models.OneToOneField(
        "grid.GridReport",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="dispute",
        help_text=_("移交人民调解委员会时生成的网格事件（公调对接）"),
    )
    mediation_result = models.TextField(_("人民调解结果"), blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("矛盾纠纷")
        verbose_name_plural = _("矛盾纠纷")
        indexes = [
            models.Index(fields=["jurisdiction", "status"], name="grid_dispute_jur_status"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"


class DisputeParty(PartyBase):
    """A party to one dispute (当事人), under the 人民调解法 or another legal basis."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="parties")

    class Meta:
        verbose_name = _("纠纷当事人")
        verbose_name_plural = _("纠纷当事人")


class MediationSession(models.Model):
    """One mediation (调解): who mediated, when, and how it ended."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="sessions")
    mediator = models.CharField(_("调解员"), max_length=100)
    held_on = models.DateField(_("调解日期"))
    outcome = models.CharField(_("结果"), max_length=16, choices=MediationOutcome.choices)
    notes = models.TextField(_("调解情况"), blank=True, max_length=4000)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["held_on", "pk"]
        verbose_name = _("调解记录")
        verbose_name_plural = _("调解记录")

    def __str__(self) -> str:
        return f"{self.dispute_id} {self.held_on}"


class FollowUpVisit(models.Model):
    """A scheduled follow-up visit (回访); reminded once when due and not done."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="follow_ups")
    due_on = models.DateField(_("回访日期"))
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    note = models.TextField(_("回访情况"), blank=True, max_length=2000)
    reminded_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["due_on", "pk"]
        verbose_name = _("回访")
        verbose_name_plural = _("回访")
        indexes = [
            models.Index(
                fields=["due_on"],
                name="grid_followup_due_open",
                condition=Q(done_at__isnull=True, reminded_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dispute_id} {self.due_on}"


class DisputeEvent(models.Model):
    """One step on a dispute's timeline."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=24, choices=DisputeEventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(blank=True, max_length=2000)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.dispute_id} {self.kind}"


class DisputeAgreement(models.Model):
    """A mediation agreement (调解协议书) kept as an attachment, optionally of a session."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="agreements")
    session = models.ForeignKey(
        MediationSession, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    attachment = models.OneToOneField(
        "core.Attachment", on_delete=models.PROTECT, related_name="grid_agreement"
    )

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.dispute_id} {self.attachment_id}"
