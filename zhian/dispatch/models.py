"""Incidents (警情), calls, units (警力), assignments, timelines and contingency plans (预案)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from zhian.dispatch.choices import (
    Channel,
    Disposition,
    IncidentStatus,
    Priority,
    TimelineKind,
    UnitKind,
    UnitStatus,
)


class IncidentCategory(models.Model):
    """The bureau-editable code table of incident categories (警情类别), two levels deep."""

    code = models.CharField(_("编码"), max_length=16, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    name_en = models.CharField(_("英文名称"), max_length=64, blank=True)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    default_priority = models.PositiveSmallIntegerField(
        _("建议优先级"), choices=Priority.choices, default=Priority.NORMAL
    )
    active = models.BooleanField(_("启用"), default=True)
    related = models.ManyToManyField(
        "self",
        blank=True,
        verbose_name=_("相关类别"),
        help_text=_("重复警情判断时视为同一类的类别（同一大类已自动相关）"),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("警情类别")
        verbose_name_plural = _("警情类别")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def display_name(self) -> str:
        """The name in the active UI language (English when set and chosen)."""
        english = (get_language() or "").startswith("en")
        return self.name_en if english and self.name_en else self.name

    @property
    def top(self) -> IncidentCategory:
        return self.parent if self.parent_id and self.parent else self

    @classmethod
    def relatedness(cls) -> dict[int, frozenset[int]]:
        """For every category, the keys it shares with categories that may describe the
        same event: its top category, and explicitly related categories and their tops.
        Two incidents are related when their key sets intersect. Two queries in all."""
        top = dict(cls.objects.values_list("pk", "parent_id"))
        top = {pk: parent or pk for pk, parent in top.items()}
        keys: dict[int, set[int]] = {pk: {pk, t} for pk, t in top.items()}
        links = cls.related.through.objects.values_list(
            "from_incidentcategory_id", "to_incidentcategory_id"
        )
        for a, b in links:
            keys[a] |= {b, top[b]}
        return {pk: frozenset(k) for pk, k in keys.items()}


class IncidentCounter(models.Model):
    """Last number issued per bureau and local day: incidents are ``CODE-YYYYMMDD-NNNN``."""

    bureau = models.ForeignKey("core.Jurisdiction", on_delete=models.CASCADE)
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["bureau", "day"], name="dispatch_counter_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.bureau_id} {self.day} {self.last}"


class Incident(models.Model):
    number = models.CharField(_("警情编号"), max_length=40, unique=True)
    jurisdiction = models.ForeignKey(
        "core.Jurisdiction",
        on_delete=models.PROTECT,
        related_name="incidents",
        help_text=_("事发地所在的最小辖区"),
    )
    channel = models.CharField(_("报警方式"), max_length=16, choices=Channel.choices)
    category = models.ForeignKey(IncidentCategory, on_delete=models.PROTECT, verbose_name=_("类别"))
    priority = models.PositiveSmallIntegerField(_("优先级"), choices=Priority.choices)
    status = models.CharField(
        _("状态"), max_length=16, choices=IncidentStatus.choices, default=IncidentStatus.OPEN
    )
    address = models.CharField(_("地址"), max_length=200)
    lon = models.FloatField(_("经度"))
    lat = models.FloatField(_("纬度"))
    source_crs = models.CharField(max_length=8, default="wgs84", help_text=_("wgs84 或 gcj02"))
    h3_cell = models.CharField(max_length=16, db_index=True)
    narrative = models.TextField(_("简要案情"), blank=True)
    received_at = models.DateTimeField(_("接警时间"), db_index=True)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    disposition = models.CharField(
        _("处理结果"), max_length=16, choices=Disposition.choices, blank=True
    )
    disposition_note = models.TextField(_("处理情况"), blank=True)
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged_from"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["priority", "received_at"]
        verbose_name = _("警情")
        verbose_name_plural = _("警情")
        indexes = [models.Index(fields=["status", "received_at"], name="dispatch_inc_status_time")]

    def __str__(self) -> str:
        return self.number


class Call(models.Model):
    """One report of an incident. Caller name and phone are personal data: the legal basis
    is recorded, and every read of them is audited with its purpose."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="calls")
    channel = models.CharField(_("报警方式"), max_length=16, choices=Channel.choices)
    received_at = models.DateTimeField(_("接警时间"))
    caller_name = models.CharField(_("报警人姓名"), max_length=64, blank=True)
    caller_phone = models.CharField(_("报警人电话"), max_length=32, blank=True)
    legal_basis = models.CharField(
        _("法律依据"), max_length=100, default="《110接处警工作规则》报警受理"
    )
    note = models.TextField(_("补充内容"), blank=True)
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["received_at"]
        verbose_name = _("报警记录")
        verbose_name_plural = _("报警记录")

    def __str__(self) -> str:
        return f"{self.incident_id}@{self.received_at:%H:%M:%S}"

    @property
    def has_caller_details(self) -> bool:
        return bool(self.caller_name or self.caller_phone)


class Unit(models.Model):
    call_sign = models.CharField(_("呼号"), max_length=32, unique=True)
    station = models.ForeignKey(
        "core.Jurisdiction",
        on_delete=models.PROTECT,
        related_name="units",
        verbose_name=_("所属单位"),
    )
    kind = models.CharField(_("类型"), max_length=16, choices=UnitKind.choices)
    capabilities = models.JSONField(_("能力"), default=list, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=UnitStatus.choices, default=UnitStatus.AVAILABLE
    )
    lon = models.FloatField(null=True, blank=True)
    lat = models.FloatField(null=True, blank=True)
    position_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["call_sign"]
        verbose_name = _("警力")
        verbose_name_plural = _("警力")

    def __str__(self) -> str:
        return self.call_sign


class UnitPosition(models.Model):
    """AVL history of one unit (a vehicle's positions, not a person's)."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="positions")
    at = models.DateTimeField()
    lon = models.FloatField()
    lat = models.FloatField()

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["unit", "at"], name="dispatch_unitpos_unit_at")]

    def __str__(self) -> str:
        return f"{self.unit_id}@{self.at:%H:%M:%S}"


class Assignment(models.Model):
    """A unit sent to an incident. A unit has at most one active assignment (constraint)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="assignments")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="assignments")
    active = models.BooleanField(default=True)
    dispatched_at = models.DateTimeField()
    en_route_at = models.DateTimeField(null=True, blank=True)
    on_scene_at = models.DateTimeField(null=True, blank=True)
    cleared_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    eta_seconds = models.FloatField(null=True, blank=True, help_text=_("派警时的预计到达时间"))
    dispatched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["dispatched_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit"],
                condition=Q(active=True),
                name="dispatch_one_active_assignment",
                violation_error_message=_("该警力已有进行中的任务"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id}→{self.incident_id}"


class TimelineEvent(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="timeline")
    at = models.DateTimeField(db_index=True)
    kind = models.CharField(max_length=16, choices=TimelineKind.choices)
    unit = models.ForeignKey(Unit, on_delete=models.SET_NULL, null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.kind}"


class ContingencyPlan(models.Model):
    """A 预案: the checklist shown when an incident of its category is dispatched."""

    category = models.ForeignKey(IncidentCategory, on_delete=models.PROTECT, related_name="plans")
    name = models.CharField(_("名称"), max_length=100)
    steps = models.JSONField(_("步骤"), help_text=_("字符串列表，按顺序执行"))
    active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("预案")
        verbose_name_plural = _("预案")

    def __str__(self) -> str:
        return self.name


class PlanStepDone(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="plan_steps")
    plan = models.ForeignKey(ContingencyPlan, on_delete=models.PROTECT)
    step = models.PositiveSmallIntegerField()
    done_at = models.DateTimeField()
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "plan", "step"], name="dispatch_plan_step_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.plan_id}#{self.step}"


class BoardSequence(models.Model):
    """One row: the number of the last committed change to any board row (see
    :mod:`zhian.dispatch.services.changes`). ``pruned_through`` is the last sequence number
    whose :class:`BoardChange` rows were deleted: a client older than that reloads in full."""

    seq = models.BigIntegerField(default=0)
    pruned_through = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"board seq {self.seq}"


class BoardChange(models.Model):
    """Which incident or unit a committed change touched, under which sequence number and
    in which jurisdiction (the incident's, or the unit's station), so a live board learns
    which of the rows in its scope changed since the number it last saw."""

    class Kind(models.TextChoices):
        INCIDENT = "incident", _("警情")
        UNIT = "unit", _("警力")

    seq = models.BigIntegerField(db_index=True)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    object_id = models.BigIntegerField()
    jurisdiction = models.ForeignKey(
        "core.Jurisdiction", on_delete=models.CASCADE, related_name="+"
    )
    at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["kind", "object_id", "seq"], name="dispatch_change_obj")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.kind} {self.object_id}"
