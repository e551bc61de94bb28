"""Cases (案件), their timeline, events, approvals, statutory deadlines and quality reviews."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from zhian.core.parties import PartyBase
from zhian.records.choices import (
    OPEN_STAGES,
    ApprovalStatus,
    CaseType,
    CustodyAction,
    DeadlineStatus,
    EntryKind,
    EventKind,
    EvidenceKind,
    PeriodUnit,
    Stage,
)


class CaseCategory(models.Model):
    """The bureau-editable code table of case categories (案由/案件类别)."""

    code = models.CharField(_("编码"), max_length=16, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    name_en = models.CharField(_("英文名称"), max_length=64, blank=True)
    case_type = models.CharField(_("案件类型"), max_length=16, choices=CaseType.choices)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["case_type", "code"]
        verbose_name = _("案件类别")
        verbose_name_plural = _("案件类别")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def display_name(self) -> str:
        english = (get_language() or "").startswith("en")
        return self.name_en if english and self.name_en else self.name


class CaseCounter(models.Model):
    """Last sequence issued per bureau, case type and year (案件编号计数器)."""

    bureau = models.ForeignKey("core.Jurisdiction", on_delete=models.CASCADE)
    case_type = models.CharField(max_length=16, choices=CaseType.choices)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["bureau", "case_type", "year"], name="records_counter_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.bureau_id} {self.case_type} {self.year} {self.last}"


OPEN_CASE = Q(stage__in=[stage.value for stage in OPEN_STAGES])


class Case(models.Model):
    number = models.CharField(_("案件编号"), max_length=24, unique=True)
    case_type = models.CharField(_("案件类型"), max_length=16, choices=CaseType.choices)
    category = models.ForeignKey(CaseCategory, on_delete=models.PROTECT, verbose_name=_("案件类别"))
    title = models.CharField(_("案件名称"), max_length=120)
    summary = models.TextField(_("简要案情"), blank=True, max_length=4000)
    legal_basis = models.CharField(_("法律依据"), max_length=200, blank=True)
    decision = models.TextField(_("处理决定"), blank=True, max_length=2000)
    transfer_to = models.CharField(_("移送单位"), max_length=120, blank=True)
    outcome_note = models.TextField(_("结案/撤销说明"), blank=True, max_length=2000)
    bureau = models.ForeignKey(
        "core.Jurisdiction", on_delete=models.PROTECT, related_name="+", verbose_name=_("分局")
    )
    jurisdiction = models.ForeignKey(
        "core.Jurisdiction",
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("主办单位"),
        help_text=_("主办派出所（或分局）"),
    )
    stage = models.CharField(
        _("阶段"), max_length=16, choices=Stage.choices, default=Stage.ACCEPTED
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("主办民警"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    incidents = models.ManyToManyField(
        "dispatch.Incident", blank=True, related_name="cases", verbose_name=_("关联警情")
    )
    accepted_at = models.DateTimeField(_("受案时间"))
    last_progress_at = models.DateTimeField(_("最近进展"))
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    # Indexed: the metrics summary asks which cases changed since its last build.
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["-accepted_at"]
        verbose_name = _("案件")
        verbose_name_plural = _("案件")
        indexes = [
            # The board: open cases by last progress (stale), and each officer's open load
            # read from the index alone (PostgreSQL INCLUDE; a plain index elsewhere).
            models.Index(
                fields=["last_progress_at"], condition=OPEN_CASE, name="records_case_open_progress"
            ),
            models.Index(
                fields=["officer"],
                include=["jurisdiction"],
                condition=OPEN_CASE,
                name="records_case_open_officer",
            ),
            models.Index(fields=["jurisdiction", "stage"], name="records_case_juris_stage"),
            models.Index(fields=["accepted_at"], name="records_case_accepted"),
        ]

    def __str__(self) -> str:
        return self.number


class _AppendOnly(models.Model):
    """Rows that are written once: saving an existing row or deleting one is refused."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise ValueError(f"{type(self).__name__} rows are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ValueError(f"{type(self).__name__} rows are append-only")


class CaseEntry(_AppendOnly):
    """One line of a case's timeline (案件流转记录), append-only."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="entries")
    at = models.DateTimeField(db_index=True)
    kind = models.CharField(max_length=16, choices=EntryKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    stage_from = models.CharField(max_length=16, choices=Stage.choices, blank=True)
    stage_to = models.CharField(max_length=16, choices=Stage.choices, blank=True)
    note = models.TextField(blank=True, max_length=2000)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("案件流转记录")
        verbose_name_plural = _("案件流转记录")

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"


class CaseEvent(models.Model):
    """A dated fact of the case (受案, 刑事拘留, 提请批准逮捕 …) that starts or meets periods."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("事项"), max_length=24, choices=EventKind.choices)
    at = models.DateTimeField(_("发生时间"))
    note = models.CharField(_("说明"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("办案事实")
        verbose_name_plural = _("办案事实")
        indexes = [models.Index(fields=["case", "kind", "at"], name="records_event_case_kind")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"


class Approval(models.Model):
    """A request for approval (审批), e.g. 立案: approved, returned with reasons or escalated."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="approvals")
    target_stage = models.CharField(_("申请事项"), max_length=16, choices=Stage.choices)
    status = models.CharField(
        _("状态"), max_length=16, choices=ApprovalStatus.choices, default=ApprovalStatus.PENDING
    )
    level = models.PositiveSmallIntegerField(
        _("审批层级"), default=1, help_text=_("1 法制监督员，2 局领导")
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField()
    note = models.TextField(_("申请说明"), blank=True, max_length=2000)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(_("审批意见"), blank=True, max_length=2000)

    class Meta:
        ordering = ["-submitted_at"]
        verbose_name = _("审批")
        verbose_name_plural = _("审批")
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(status__in=["pending", "escalated"]),
                name="records_one_open_approval",
                violation_error_message=_("该案件已有待审批事项"),
            ),
        ]
        indexes = [models.Index(fields=["status", "decided_at"], name="records_approval_status")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.target_stage} {self.status}"


class DeadlineRule(models.Model):
    """A statutory period (法定期限) as data: a revision of the law is a new row with a later
    ``valid_from``; a period uses the row in force on the day it started."""

    code = models.CharField(_("规则编码"), max_length=32)
    name = models.CharField(_("名称"), max_length=100)
    case_type = models.CharField(_("案件类型"), max_length=16, choices=CaseType.choices)
    start_event = models.CharField(_("起算事项"), max_length=24, choices=EventKind.choices)
    end_events = models.JSONField(
        _("完成事项"),
        default=list,
        help_text=_("期限内发生其中任一事项即为按期完成（事项代码列表）"),
    )
    amount = models.PositiveIntegerField(_("期间"))
    unit = models.CharField(_("单位"), max_length=8, choices=PeriodUnit.choices)
    moves_on_holiday = models.BooleanField(
        _("节假日顺延"),
        default=True,
        help_text=_("期间最后一日为法定节假日的，顺延至节假日后第一个工作日"),
    )
    custody = models.BooleanField(
        _("羁押期间"), default=False, help_text=_("在押期间至期满之日为止，不因节假日延长")
    )
    extensions = models.JSONField(
        _("延长方式"),
        default=list,
        blank=True,
        help_text=_(
            '可选的延长，每项 {"label": 说明, "amount": 最多延长数, "unit": "hours/days/months", '
            '"approver": "supervisor" 或 "leader"}'
        ),
    )
    max_extensions = models.PositiveSmallIntegerField(_("最多延长次数"), default=0)
    law = models.CharField(_("法律法规"), max_length=120)
    article = models.CharField(_("条款"), max_length=60)
    legal_text = models.TextField(_("条文"), blank=True)
    effective_date = models.DateField(_("施行日期"))
    valid_from = models.DateField(_("本规则适用起始日"))
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["case_type", "code", "-valid_from"]
        verbose_name = _("法定期限规则")
        verbose_name_plural = _("法定期限规则")
        constraints = [
            models.UniqueConstraint(fields=["code", "valid_from"], name="records_rule_version"),
            models.CheckConstraint(
                condition=~Q(custody=True, moves_on_holiday=True),
                name="records_custody_never_moves",
                violation_error_message=_("羁押期间不得因节假日顺延"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.valid_from:%Y-%m-%d})"


class Deadline(models.Model):
    """One running period of one case, computed from a start event under one rule version."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="deadlines")
    rule = models.ForeignKey(DeadlineRule, on_delete=models.PROTECT, related_name="deadlines")
    start_event = models.ForeignKey(CaseEvent, on_delete=models.CASCADE, related_name="+")
    started_at = models.DateTimeField()
    base_due_at = models.DateTimeField(help_text=_("未延长时的届满时刻（不含）"))
    due_at = models.DateTimeField(help_text=_("届满时刻（不含），含已批准的延长"))
    status = models.CharField(
        max_length=8, choices=DeadlineStatus.choices, default=DeadlineStatus.OPEN
    )
    met_at = models.DateTimeField(null=True, blank=True)
    due_soon_notified_at = models.DateTimeField(null=True, blank=True)
    overdue_notified_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["due_at"]
        verbose_name = _("案件期限")
        verbose_name_plural = _("案件期限")
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "start_event"], name="records_deadline_once_per_event"
            ),
        ]
        indexes = [
            # Overdue / due soon across the scope, and each case's next due instant.
            models.Index(
                fields=["due_at", "case"],
                condition=Q(status="open"),
                name="records_deadline_open_due",
            ),
            models.Index(
                fields=["case", "due_at"],
                condition=Q(status="open"),
                name="records_deadline_open_case",
            ),
            models.Index(fields=["case", "status"], name="records_deadline_case"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.rule.code} {self.due_at:%Y-%m-%d %H:%M}"


class DeadlineExtension(_AppendOnly):
    """An approved extension of a deadline (延长办案期限), with who approved it and why."""

    deadline = models.ForeignKey(Deadline, on_delete=models.CASCADE, related_name="extension_rows")
    label = models.CharField(max_length=120)
    amount = models.PositiveIntegerField()
    unit = models.CharField(max_length=8, choices=PeriodUnit.choices)
    reason = models.TextField(max_length=2000)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField()
    due_before = models.DateTimeField()
    due_after = models.DateTimeField()

    class Meta:
        ordering = ["approved_at"]
        verbose_name = _("期限延长")
        verbose_name_plural = _("期限延长")

    def __str__(self) -> str:
        return f"{self.deadline_id} +{self.amount} {self.unit}"


class QualityReview(models.Model):
    """执法质量考评 of a closed case: a checklist and its score (0–100)."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="review")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        help_text=_("考评时的主办民警"),
    )
    reviewed_at = models.DateTimeField(db_index=True)
    items = models.JSONField(default=dict)
    score = models.PositiveSmallIntegerField()
    note = models.TextField(blank=True, max_length=2000)

    class Meta:
        ordering = ["-reviewed_at"]
        verbose_name = _("执法质量考评")
        verbose_name_plural = _("执法质量考评")
        constraints = [
            models.CheckConstraint(condition=Q(score__lte=100), name="records_score_max_100")
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.score}"


class Party(PartyBase):
    """A person as party to one case (当事人); never stands alone, never searched across cases."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="parties")

    class Meta(PartyBase.Meta):
        ordering = ["pk"]
        verbose_name = _("当事人")
        verbose_name_plural = _("当事人")


class Evidence(models.Model):
    """An item in the case's evidence and property register (证据物品登记)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="evidence")
    kind = models.CharField(_("种类"), max_length=16, choices=EvidenceKind.choices)
    name = models.CharField(_("名称"), max_length=120)
    description = models.TextField(_("特征描述"), blank=True, max_length=2000)
    quantity = models.CharField(_("数量"), max_length=40, blank=True)
    holder = models.CharField(_("当前保管人/保管地点"), max_length=120)
    status = models.CharField(
        _("状态"), max_length=16, choices=CustodyAction.choices, default=CustodyAction.SEIZED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("证据物品")
        verbose_name_plural = _("证据物品")

    def __str__(self) -> str:
        return f"{self.case_id} {self.name}"


class CustodyEntry(_AppendOnly):
    """One link of the chain of custody: who handed what to whom, when and why; in order."""

    evidence = models.ForeignKey(Evidence, on_delete=models.CASCADE, related_name="custody")
    seq = models.PositiveIntegerField()
    action = models.CharField(_("事项"), max_length=16, choices=CustodyAction.choices)
    at = models.DateTimeField(_("时间"))
    from_holder = models.CharField(_("交出人/地点"), max_length=120, blank=True)
    to_holder = models.CharField(_("接收人/地点"), max_length=120)
    reason = models.CharField(_("事由"), max_length=200)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["evidence", "seq"]
        verbose_name = _("保管记录")
        verbose_name_plural = _("保管记录")
        constraints = [
            models.UniqueConstraint(fields=["evidence", "seq"], name="records_custody_seq"),
        ]

    def __str__(self) -> str:
        return f"{self.evidence_id}#{self.seq} {self.action}"


class EvidenceFile(models.Model):
    """A file attached to an evidence item (photo, scan, report); served only by the
    records view after the case's permission check, hash re-checked on every download."""

    evidence = models.ForeignKey(Evidence, on_delete=models.CASCADE, related_name="files")
    attachment = models.OneToOneField("core.Attachment", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["pk"]
        verbose_name = _("证据附件")
        verbose_name_plural = _("证据附件")

    def __str__(self) -> str:
        return f"{self.evidence_id} {self.attachment_id}"
