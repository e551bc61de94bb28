"""Departments, routing rules, grid reports (网格事件) and their referrals (吹哨报到)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from zhian.grid.choices import (
    DepartmentKind,
    EventKind,
    ReferralStatus,
    ReportStatus,
    ReportType,
    SlaClock,
)


class Department(models.Model):
    """A department that answers the whistle (报到部门): 城管, 市场监管, 司法所 …

    ``jurisdiction`` is the area it serves (reports there may be routed to it). Its SLA
    defaults apply unless a routing rule sets its own."""

    code = models.CharField(_("编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类别"), max_length=24, choices=DepartmentKind.choices)
    jurisdiction = models.ForeignKey(
        "core.Jurisdiction",
        on_delete=models.PROTECT,
        related_name="grid_departments",
        verbose_name=_("服务辖区"),
    )
    sign_hours = models.PositiveIntegerField(
        _("签收时限（小时）"), default=4, validators=[MinValueValidator(1)]
    )
    resolve_days = models.PositiveIntegerField(
        _("办结时限（天）"), default=5, validators=[MinValueValidator(1)]
    )
    active = models.BooleanField(_("启用"), default=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="DepartmentMember",
        related_name="grid_departments",
        verbose_name=_("联络员"),
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("部门")
        verbose_name_plural = _("部门")

    def __str__(self) -> str:
        return self.name


class DepartmentMember(models.Model):
    """Ties a liaison (联络员) to a department. A user acts for the department when listed
    here *and* holding ``Role.DEPARTMENT_LIAISON`` on the report's jurisdiction (or above)."""

    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="grid_memberships"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("部门联络员")
        verbose_name_plural = _("部门联络员")
        constraints = [
            models.UniqueConstraint(fields=["department", "user"], name="grid_member_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.department}"

    def holds_liaison_role(self) -> bool:
        """The user holds ``Role.DEPARTMENT_LIAISON`` inside or above the department's area."""
        from zhian.core.models import Role

        area = self.department.jurisdiction.path
        return any(
            path.startswith(area) or area.startswith(path)
            for path in self.user.role_assignments.filter(role=Role.DEPARTMENT_LIAISON).values_list(
                "jurisdiction__path", flat=True
            )
        )

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.department_id and self.user_id and not self.holds_liaison_role():
            raise ValidationError(_("该用户在本部门服务辖区内没有“部门联络员”角色"))


class RoutingRule(models.Model):
    """Reports of ``report_type`` inside ``jurisdiction`` (and below) go to ``department``.

    Where several rules name the same department for a report, the deepest one sets the
    clocks; blank clocks fall back to the department's defaults."""

    report_type = models.CharField(_("事件类型"), max_length=24, choices=ReportType.choices)
    jurisdiction = models.ForeignKey(
        "core.Jurisdiction", on_delete=models.PROTECT, related_name="+", verbose_name=_("辖区")
    )
    department = models.ForeignKey(
        Department, on_delete=models.CASCADE, related_name="rules", verbose_name=_("部门")
    )
    sign_hours = models.PositiveIntegerField(
        _("签收时限（小时）"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    resolve_days = models.PositiveIntegerField(
        _("办结时限（天）"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("分派规则")
        verbose_name_plural = _("分派规则")
        constraints = [
            models.UniqueConstraint(
                fields=["report_type", "jurisdiction", "department"], name="grid_rule_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_report_type_display()} @ {self.jurisdiction_id} → {self.department}"


class GridReport(models.Model):
    """A grid worker's report of a place or situation (网格事件上报). No person register."""

    jurisdiction = models.ForeignKey(
        "core.Jurisdiction", on_delete=models.PROTECT, related_name="grid_reports"
    )
    report_type = models.CharField(_("事件类型"), max_length=24, choices=ReportType.choices)
    status = models.CharField(
        _("状态"), max_length=24, choices=ReportStatus.choices, default=ReportStatus.IN_PROGRESS
    )
    description = models.TextField(_("情况描述"), max_length=2000)
    address = models.CharField(_("地点"), max_length=200, blank=True)
    lon = models.FloatField(_("经度"))
    lat = models.FloatField(_("纬度"))
    source_crs = models.CharField(max_length=8, default="wgs84")
    h3_cell = models.CharField(max_length=16, db_index=True)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="grid_reports"
    )
    created_at = models.DateTimeField(_("上报时间"), db_index=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("网格事件")
        verbose_name_plural = _("网格事件")
        indexes = [
            models.Index(fields=["jurisdiction", "status"], name="grid_report_jur_status"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_report_type_display()}"


class Referral(models.Model):
    """One department's part of a report (报到单), with its two clocks: sign for it (签收)
    by ``sign_due_at`` and resolve it (办结) by ``resolve_due_at``.

    ``next_alert_at`` is when the overdue scan next has something to do for it (remind,
    escalate); ``alert_stage`` counts what it already did on the running clock, so a
    scan that runs twice acts once (a conditional UPDATE on the stage)."""

    report = models.ForeignKey(GridReport, on_delete=models.CASCADE, related_name="referrals")
    # The report's jurisdiction, copied (it never changes): scoped reads such as the
    # scorecard filter referrals without joining a million reports.
    jurisdiction = models.ForeignKey(
        "core.Jurisdiction", on_delete=models.PROTECT, related_name="grid_referrals"
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="referrals", verbose_name=_("部门")
    )
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=ReferralStatus.choices,
        default=ReferralStatus.PENDING_SIGN,
    )
    sign_hours = models.PositiveIntegerField(_("签收时限（小时）"))
    resolve_days = models.PositiveIntegerField(_("办结时限（天）"))
    created_at = models.DateTimeField(_("派单时间"))
    sign_due_at = models.DateTimeField(_("签收期限"))
    resolve_due_at = models.DateTimeField(_("办结期限"))
    signed_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signed_on_time = models.BooleanField(null=True, editable=False)
    resolved_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_on_time = models.BooleanField(null=True, editable=False)
    resolution = models.TextField(_("办结情况"), blank=True, max_length=2000)
    verified_at = models.DateTimeField(_("核实时间"), null=True, blank=True)
    rating = models.PositiveSmallIntegerField(
        _("评价"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    reopen_count = models.PositiveIntegerField(_("退回次数"), default=0)
    alert_stage = models.PositiveSmallIntegerField(default=0, editable=False)
    next_alert_at = models.DateTimeField(null=True, blank=True, editable=False)
    escalated_to = models.ForeignKey(
        "core.Jurisdiction",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("已升级至"),
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("报到单")
        verbose_name_plural = _("报到单")
        constraints = [
            models.UniqueConstraint(fields=["report", "department"], name="grid_referral_unique"),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="grid_referral_rating_range",
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_alert_at"],
                name="grid_referral_next_alert",
                condition=Q(next_alert_at__isnull=False),
            ),
            models.Index(fields=["department", "created_at"], name="grid_referral_dept_created"),
            models.Index(fields=["department", "status"], name="grid_referral_dept_status"),
            models.Index(fields=["created_at"], name="grid_referral_created"),
            models.Index(fields=["jurisdiction", "created_at"], name="grid_referral_jur_created"),
        ]

    def __str__(self) -> str:
        return f"{self.report_id} → {self.department}"

    @property
    def running_clock(self) -> str | None:
        if self.status == ReferralStatus.PENDING_SIGN:
            return SlaClock.SIGN
        if self.status == ReferralStatus.SIGNED:
            return SlaClock.RESOLVE
        return None


class SlaAlert(models.Model):
    """One reminder or escalation the overdue scan made. ``stage`` 1 is the reminder,
    2 the first escalation (one level up), 3 the next level. The unique constraint is the
    last guard against acting twice (``cycle`` counts reopenings of the resolve clock)."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="alerts")
    clock = models.CharField(max_length=8, choices=SlaClock.choices)
    cycle = models.PositiveIntegerField(default=0)
    stage = models.PositiveSmallIntegerField()
    jurisdiction = models.ForeignKey(
        "core.Jurisdiction", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["referral", "clock", "cycle", "stage"], name="grid_alert_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.referral_id} {self.clock} #{self.stage}"


class ReportEvent(models.Model):
    """One step on a report's timeline (办理过程), with its time and who took it."""

    report = models.ForeignKey(GridReport, on_delete=models.CASCADE, related_name="events")
    referral = models.ForeignKey(
        Referral, on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
    kind = models.CharField(max_length=24, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(db_index=True)
    note = models.TextField(blank=True, max_length=2000)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")

    def __str__(self) -> str:
        return f"{self.report_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"


class ReportPhoto(models.Model):
    """A photo on a report: the worker's at filing, or a department's with its 办结."""

    report = models.ForeignKey(GridReport, on_delete=models.CASCADE, related_name="photos")
    referral = models.ForeignKey(
        Referral, on_delete=models.CASCADE, null=True, blank=True, related_name="photos"
    )
    attachment = models.OneToOneField(
        "core.Attachment", on_delete=models.PROTECT, related_name="grid_report_photo"
    )

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.report_id} {self.attachment_id}"
