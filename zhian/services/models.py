"""Data of 便民服务: tracked requests and their contact data, online reports, appointments,
consultations, satisfaction surveys, complaints about policing, Open311 clients.

Every citizen request holds one :class:`Tracking` row: the tracking code (受理回执编号),
the phone for the citizen's own follow-up (erased after the retention period) and the two
timelines. The public one (:class:`PublicUpdate`) has no author column and only fixed
event kinds plus text written *for the citizen*; notes for colleagues are
:class:`InternalNote` rows. Tracking reads only the first, so it cannot leak the second.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from zhian.services.choices import (
    AppointmentStatus,
    Channel,
    ComplaintStatus,
    ConsultationStatus,
    Finding,
    PublicEvent,
    Rating,
    ReportCategory,
    ReportStatus,
    RouteTarget,
    TrackedKind,
)

_USER = settings.AUTH_USER_MODEL
_JURISDICTION = "core.Jurisdiction"


class Tracking(models.Model):
    """A citizen's request as they follow it: code + last four digits of their phone."""

    code = models.CharField(_("受理编号"), max_length=10, unique=True)
    kind = models.CharField(_("类型"), max_length=16, choices=TrackedKind.choices)
    channel = models.CharField(_("来源"), max_length=16, choices=Channel.choices)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    phone_last4 = models.CharField(max_length=4, blank=True)
    created_at = models.DateTimeField(_("提交时间"), db_index=True)
    finished_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    contact_erased_at = models.DateTimeField(_("联系方式删除时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("受理回执")
        verbose_name_plural = _("受理回执")
        indexes = [
            models.Index(fields=["contact_erased_at", "finished_at"], name="services_trk_retention")
        ]

    def __str__(self) -> str:
        return self.code


class PublicUpdate(models.Model):
    """One entry of the public timeline. No author: staff names cannot appear."""

    tracking = models.ForeignKey(Tracking, on_delete=models.CASCADE, related_name="public_updates")
    at = models.DateTimeField()
    event = models.CharField(max_length=20, choices=PublicEvent.choices)
    message = models.CharField(_("对公众的说明"), max_length=1000, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.tracking_id} {self.event}"


class InternalNote(models.Model):
    """A note for colleagues (内部备注); never shown on the portal."""

    tracking = models.ForeignKey(Tracking, on_delete=models.CASCADE, related_name="internal_notes")
    at = models.DateTimeField()
    author = models.ForeignKey(_USER, on_delete=models.PROTECT, related_name="+")
    text = models.CharField(_("内部备注"), max_length=2000)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.tracking_id} note"


class RoutingRule(models.Model):
    """Where reports of a category go (分流规则). The first active rule of the category by
    ``order`` applies; without one the station's own queue receives the report."""

    category = models.CharField(_("报警类别"), max_length=32, choices=ReportCategory.choices)
    target = models.CharField(_("去向"), max_length=16, choices=RouteTarget.choices)
    incident_category_code = models.CharField(
        _("警情类别编码"), max_length=16, blank=True, help_text=_("去向为“转为警情”时使用")
    )
    order = models.PositiveSmallIntegerField(_("顺序"), default=10)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["category", "order", "pk"]
        verbose_name = _("分流规则")
        verbose_name_plural = _("分流规则")

    def __str__(self) -> str:
        return f"{self.category} → {self.target}"


class OnlineReport(models.Model):
    """A non-emergency report (网上报警) from the portal or an Open311 client."""

    tracking = models.OneToOneField(Tracking, on_delete=models.PROTECT, related_name="report")
    token = models.CharField(max_length=32, unique=True, help_text=_("Open311 token"))
    category = models.CharField(_("类别"), max_length=32, choices=ReportCategory.choices)
    description = models.TextField(_("情况描述"), max_length=4000)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    lon = models.FloatField(_("经度"), null=True, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    h3_cell = models.CharField(max_length=16, blank=True, db_index=True)
    occurred_at = models.DateTimeField(_("发生时间"), null=True, blank=True)
    jurisdiction = models.ForeignKey(
        _JURISDICTION,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("受理单位：地点所在的最小辖区，无坐标时为分局"),
    )
    route = models.CharField(_("分流去向"), max_length=16, choices=RouteTarget.choices)
    incident_category_code = models.CharField(max_length=16, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=ReportStatus.choices, default=ReportStatus.SUBMITTED
    )
    incident = models.ForeignKey(
        "dispatch.Incident", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    grid_report = models.ForeignKey(
        "grid.GridReport",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("转网格后生成的网格事件"),
    )
    open311_client = models.ForeignKey(
        "services.Open311Client", on_delete=models.PROTECT, null=True, blank=True
    )
    media_url = models.URLField(
        _("图片链接"), max_length=500, blank=True, help_text=_("Open311 客户端提供")
    )
    due_at = models.DateTimeField(_("受理时限"))
    status_notes = models.CharField(_("对公众的说明"), max_length=1000, blank=True)
    created_at = models.DateTimeField(_("提交时间"), db_index=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("网上报警")
        verbose_name_plural = _("网上报警")
        indexes = [models.Index(fields=["status", "due_at"], name="services_report_queue")]

    def __str__(self) -> str:
        return self.tracking.code


class ReportPhoto(models.Model):
    """A photo of a report, stored as a core attachment (type by content, size limit)."""

    report = models.ForeignKey(OnlineReport, on_delete=models.CASCADE, related_name="photos")
    attachment = models.ForeignKey("core.Attachment", on_delete=models.PROTECT, related_name="+")

    def __str__(self) -> str:
        return f"{self.report_id} photo"


class BookableService(models.Model):
    """A service citizens book at a station window (e.g. 户籍证明, 无犯罪记录证明)."""

    code = models.SlugField(_("编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    description = models.TextField(_("说明"), blank=True, help_text=_("办理须知：需带材料等"))
    stations: models.ManyToManyField[Any, Any] = models.ManyToManyField(
        _JURISDICTION, related_name="+", verbose_name=_("办理单位")
    )
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("预约服务")
        verbose_name_plural = _("预约服务")

    def __str__(self) -> str:
        return self.name


class Slot(models.Model):
    """A time window at one station for one service. ``booked`` never exceeds
    ``capacity``: bookings move it with one conditional UPDATE, and a CHECK backs that."""

    service = models.ForeignKey(BookableService, on_delete=models.PROTECT, related_name="slots")
    station = models.ForeignKey(_JURISDICTION, on_delete=models.PROTECT, related_name="+")
    day = models.DateField(_("日期"))
    starts_at = models.DateTimeField(_("起始"))
    ends_at = models.DateTimeField(_("截止"))
    capacity = models.PositiveSmallIntegerField(_("名额"))
    booked = models.PositiveSmallIntegerField(_("已约"), default=0)

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("预约时段")
        verbose_name_plural = _("预约时段")
        constraints = [
            models.UniqueConstraint(
                fields=["service", "station", "starts_at"], name="services_slot_unique"
            ),
            models.CheckConstraint(
                condition=Q(booked__gte=0) & Q(booked__lte=F("capacity")),
                name="services_slot_not_overbooked",
                violation_error_message=_("该时段已约满"),
            ),
        ]
        indexes = [models.Index(fields=["station", "day"], name="services_slot_station_day")]

    def __str__(self) -> str:
        return f"{self.service_id}@{self.station_id} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def remaining(self) -> int:
        return max(0, self.capacity - self.booked)


class Appointment(models.Model):
    tracking = models.OneToOneField(Tracking, on_delete=models.PROTECT, related_name="appointment")
    slot = models.ForeignKey(Slot, on_delete=models.PROTECT, related_name="appointments")
    station = models.ForeignKey(_JURISDICTION, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=AppointmentStatus.choices,
        default=AppointmentStatus.BOOKED,
    )
    reminded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(db_index=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["slot__starts_at"]
        verbose_name = _("预约")
        verbose_name_plural = _("预约")

    def __str__(self) -> str:
        return self.tracking.code


class Consultation(models.Model):
    """A question (在线咨询) answered by staff within the SLA."""

    tracking = models.OneToOneField(Tracking, on_delete=models.PROTECT, related_name="consultation")
    jurisdiction = models.ForeignKey(_JURISDICTION, on_delete=models.PROTECT, related_name="+")
    topic = models.CharField(_("主题"), max_length=100)
    question = models.TextField(_("问题"), max_length=4000)
    status = models.CharField(
        max_length=16, choices=ConsultationStatus.choices, default=ConsultationStatus.OPEN
    )
    answer = models.TextField(_("答复"), blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        _USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    due_at = models.DateTimeField(_("答复时限"))
    created_at = models.DateTimeField(db_index=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["due_at"]
        verbose_name = _("在线咨询")
        verbose_name_plural = _("在线咨询")

    def __str__(self) -> str:
        return self.tracking.code


class FaqEntry(models.Model):
    """A published, anonymised question and answer (常见问题)."""

    consultation = models.OneToOneField(
        Consultation, on_delete=models.SET_NULL, null=True, blank=True, related_name="faq"
    )
    topic = models.CharField(_("主题"), max_length=100)
    question = models.TextField(_("问题"))
    answer = models.TextField(_("答复"))
    published_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-published_at"]
        verbose_name = _("常见问题")
        verbose_name_plural = _("常见问题")

    def __str__(self) -> str:
        return self.topic


class Complaint(models.Model):
    """A complaint about policing (警务投诉). The complainant's contact data is on the
    tracking row; it is shown only to the assigned handler, with an audited purpose."""

    tracking = models.OneToOneField(Tracking, on_delete=models.PROTECT, related_name="complaint")
    unit = models.ForeignKey(
        _JURISDICTION,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("被投诉单位"),
    )
    officer_reference = models.CharField(_("涉及民警（警号或描述）"), max_length=100, blank=True)
    occurred_at = models.DateTimeField(_("发生时间"), null=True, blank=True)
    description = models.TextField(_("投诉内容"), max_length=4000)
    complainant_name = models.CharField(_("投诉人姓名"), max_length=64, blank=True)
    status = models.CharField(
        max_length=16, choices=ComplaintStatus.choices, default=ComplaintStatus.RECEIVED
    )
    due_at = models.DateTimeField(_("办理时限"))
    handler = models.ForeignKey(
        _USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    finding = models.CharField(_("结论"), max_length=16, choices=Finding.choices, blank=True)
    finding_reasons = models.TextField(_("理由"), blank=True)
    concluded_at = models.DateTimeField(null=True, blank=True)
    reply = models.TextField(_("答复投诉人"), blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)
    received_by = models.ForeignKey(
        _USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(db_index=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["due_at"]
        verbose_name = _("警务投诉")
        verbose_name_plural = _("警务投诉")
        indexes = [
            models.Index(fields=["unit", "finding", "concluded_at"], name="services_cmp_kpi")
        ]

    def __str__(self) -> str:
        return self.tracking.code


class SurveyInvitation(models.Model):
    """A single-use, expiring 回访 link. Only the token's SHA-256 digest is stored."""

    digest = models.CharField(max_length=64, unique=True)
    tracking = models.ForeignKey(
        Tracking, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    subject = models.CharField(max_length=16, choices=TrackedKind.choices)
    station = models.ForeignKey(_JURISDICTION, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tracking"], name="services_one_survey_per_request"),
        ]

    def __str__(self) -> str:
        return f"survey {self.pk}"


class SurveyResponse(models.Model):
    """An answer: no contact data, so it stays when the contact data is erased."""

    invitation = models.OneToOneField(
        SurveyInvitation, on_delete=models.PROTECT, related_name="response"
    )
    station = models.ForeignKey(_JURISDICTION, on_delete=models.PROTECT, related_name="+")
    subject = models.CharField(max_length=16, choices=TrackedKind.choices)
    rating = models.CharField(_("评价"), max_length=20, choices=Rating.choices)
    reason = models.CharField(_("原因"), max_length=500, blank=True)
    answered_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-answered_at"]
        verbose_name = _("回访结果")
        verbose_name_plural = _("回访结果")

    def __str__(self) -> str:
        return self.rating


class RateCounter(models.Model):
    """Requests per key (``report:ip:…``, ``report:phone:<digest>``) in a fixed window,
    incremented by one upsert so concurrent workers count together."""

    bucket = models.CharField(max_length=100)
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["bucket", "window_start"], name="services_rate_unique")
        ]

    def __str__(self) -> str:
        return f"{self.bucket} {self.count}"


class Open311Client(models.Model):
    """An Open311 client (e.g. the 12345 hotline). Only the key's SHA-256 is stored."""

    name = models.CharField(_("名称"), max_length=100)
    prefix = models.CharField(max_length=12)
    digest = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(_USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("Open311 客户端")
        verbose_name_plural = _("Open311 客户端")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
