"""Key places (重点场所), inspection plans and tasks, inspection records, hazards (隐患)
and sweeps (专项行动)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from zhian.grid.choices import Frequency, HazardStatus, PlaceType, RiskTier, TaskStatus


class Place(models.Model):
    """A key place with its operator's contact, its jurisdiction (by point) and
    type-specific ``attributes`` (validated per type) from which ``risk_tier`` is derived
    (:mod:`zhian.grid.services.place_rules`)."""

    name = models.CharField(_("名称"), max_length=200)
    place_type = models.CharField(_("类型"), max_length=24, choices=PlaceType.choices)
    address = models.CharField(_("地址"), max_length=200)
    lon = models.FloatField(_("经度"))
    lat = models.FloatField(_("纬度"))
    h3_cell = models.CharField(max_length=16, db_index=True)
    jurisdiction = models.ForeignKey(
        "core.Jurisdiction", on_delete=models.PROTECT, related_name="grid_places"
    )
    operator_name = models.CharField(_("负责人/经营者"), max_length=100)
    operator_phone = models.CharField(_("联系电话"), max_length=32)
    attributes = models.JSONField(_("场所属性"), default=dict, blank=True)
    risk_tier = models.PositiveSmallIntegerField(_("风险等级"), choices=RiskTier.choices)
    risk_reasons = models.JSONField(_("定级依据"), default=list, blank=True)
    active = models.BooleanField(_("在营"), default=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["place_type", "name", "pk"]
        verbose_name = _("重点场所")
        verbose_name_plural = _("重点场所")
        indexes = [
            models.Index(fields=["place_type", "jurisdiction"], name="grid_place_type_jur"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["place_type", "name", "address"], name="grid_place_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class InspectionPlan(models.Model):
    """Places of ``place_type`` and ``risk_tier`` inside ``jurisdiction`` are inspected
    at ``frequency`` (检查计划)."""

    jurisdiction = models.ForeignKey(
        "core.Jurisdiction", on_delete=models.PROTECT, related_name="+"
    )
    place_type = models.CharField(_("场所类型"), max_length=24, choices=PlaceType.choices)
    risk_tier = models.PositiveSmallIntegerField(_("风险等级"), choices=RiskTier.choices)
    frequency = models.CharField(_("频次"), max_length=16, choices=Frequency.choices)
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("检查计划")
        verbose_name_plural = _("检查计划")
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "place_type", "risk_tier"], name="grid_plan_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_place_type_display()} {self.risk_tier} {self.frequency}"


class Campaign(models.Model):
    """A sweep (专项行动/集中会战): every place of the chosen types in an area is inspected
    between two dates."""

    name = models.CharField(_("行动名称"), max_length=100)
    jurisdiction = models.ForeignKey(
        "core.Jurisdiction", on_delete=models.PROTECT, related_name="+", verbose_name=_("范围")
    )
    place_types = models.JSONField(_("场所类型"))
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "-pk"]
        verbose_name = _("专项行动")
        verbose_name_plural = _("专项行动")

    def __str__(self) -> str:
        return self.name


class InspectionTask(models.Model):
    """One inspection to do: from a plan for a period (``period`` = ``2026-11`` or
    ``2026-W47``) or from a campaign. Unique per place, source and period, so generating
    twice makes nothing new."""

    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="tasks")
    jurisdiction = models.ForeignKey(
        "core.Jurisdiction", on_delete=models.PROTECT, related_name="+"
    )
    plan = models.ForeignKey(
        InspectionPlan, on_delete=models.SET_NULL, null=True, blank=True, related_name="tasks"
    )
    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, null=True, blank=True, related_name="tasks"
    )
    source = models.CharField(max_length=32)
    period = models.CharField(_("周期"), max_length=16)
    due_on = models.DateField(_("截止日期"))
    status = models.CharField(
        _("状态"), max_length=8, choices=TaskStatus.choices, default=TaskStatus.OPEN
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_on", "pk"]
        verbose_name = _("检查任务")
        verbose_name_plural = _("检查任务")
        constraints = [
            models.UniqueConstraint(fields=["place", "source", "period"], name="grid_task_unique"),
        ]
        indexes = [
            models.Index(fields=["jurisdiction", "status", "due_on"], name="grid_task_jur_status")
        ]

    def __str__(self) -> str:
        return f"{self.place} {self.period}"


class InspectionRecord(models.Model):
    """An inspection done (检查记录): the type's checklist answered item by item."""

    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="inspections")
    task = models.OneToOneField(
        InspectionTask, on_delete=models.SET_NULL, null=True, blank=True, related_name="record"
    )
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    inspected_at = models.DateTimeField(_("检查时间"))
    results = models.JSONField(_("检查结果"), help_text=_("检查项编码 → pass / fail / na"))
    notes = models.TextField(_("检查情况"), blank=True, max_length=4000)
    failed_items = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-inspected_at", "-pk"]
        verbose_name = _("检查记录")
        verbose_name_plural = _("检查记录")

    def __str__(self) -> str:
        return f"{self.place} {self.inspected_at:%Y-%m-%d}"


class Hazard(models.Model):
    """A failed checklist item (隐患) to rectify by ``deadline``; closed (销号) only when a
    re-inspection passes the item."""

    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="hazards")
    jurisdiction = models.ForeignKey(
        "core.Jurisdiction", on_delete=models.PROTECT, related_name="+"
    )
    found_in = models.ForeignKey(
        InspectionRecord, on_delete=models.PROTECT, related_name="hazards_found"
    )
    closed_by = models.ForeignKey(
        InspectionRecord,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="hazards_closed",
    )
    item = models.CharField(_("检查项"), max_length=32)
    description = models.CharField(_("隐患描述"), max_length=500)
    deadline = models.DateField(_("整改期限"))
    status = models.CharField(
        _("状态"), max_length=16, choices=HazardStatus.choices, default=HazardStatus.OPEN
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["deadline", "pk"]
        verbose_name = _("隐患")
        verbose_name_plural = _("隐患")
        constraints = [
            # One open hazard per place and checklist item.
            models.UniqueConstraint(
                fields=["place", "item"],
                condition=~Q(status="closed"),
                name="grid_hazard_one_open_per_item",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.place} {self.item}"


class HazardFollowUp(models.Model):
    """A follow-up on a hazard's rectification (整改跟进)."""

    hazard = models.ForeignKey(Hazard, on_delete=models.CASCADE, related_name="follow_ups")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(max_length=2000)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.hazard_id} {self.at:%Y-%m-%d}"
