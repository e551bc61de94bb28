"""KPI definitions as data (指标定义), audited monthly figures (月度填报) for indicators whose
source app does not exist yet, ranking weights (张榜权重) and stored reports (周报/月报)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from zhian.metrics.choices import Direction, IndicatorKind, ReportKind


class IndicatorDefinition(models.Model):
    """One indicator: what it counts (a named source from :mod:`zhian.metrics.sources` with
    validated filter parameters), the date it is counted on, numerator and denominator for
    a rate, the good direction, and the written definition shown on hover."""

    code = models.SlugField(_("编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=60)
    name_en = models.CharField(_("英文名称"), max_length=80, blank=True)
    definition = models.TextField(_("口径说明"), max_length=2000)
    kind = models.CharField(_("类型"), max_length=8, choices=IndicatorKind.choices)
    source = models.CharField(
        _("数据来源"), max_length=60, help_text=_("数量指标的来源，或比率指标的分子来源")
    )
    params = models.JSONField(_("筛选条件"), default=dict, blank=True)
    denominator_source = models.CharField(_("分母来源"), max_length=60, blank=True)
    denominator_params = models.JSONField(_("分母筛选条件"), default=dict, blank=True)
    date_basis = models.CharField(_("计数日期"), max_length=40)
    direction = models.CharField(_("方向"), max_length=8, choices=Direction.choices)
    active = models.BooleanField(_("启用"), default=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=100)
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("考核指标")
        verbose_name_plural = _("考核指标")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="count", denominator_source="")
                | (Q(kind="rate") & ~Q(denominator_source="")),
                name="metrics_rate_has_denominator",
                violation_error_message=_("比率指标必须有分母来源，数量指标不能有"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def is_rate(self) -> bool:
        return self.kind == IndicatorKind.RATE


class MonthlyFigure(models.Model):
    """A month's figure for one indicator and jurisdiction, entered by a person (audited):
    the source for indicators whose app does not exist yet. ``denominator`` is required for
    rate indicators (``value`` is then the numerator)."""

    indicator = models.ForeignKey(
        IndicatorDefinition, on_delete=models.PROTECT, related_name="figures"
    )
    jurisdiction = models.ForeignKey(
        "core.Jurisdiction", on_delete=models.PROTECT, related_name="+", verbose_name=_("辖区")
    )
    month = models.DateField(_("月份"), help_text=_("该月第一天"))
    value = models.PositiveIntegerField(_("数值"))
    denominator = models.PositiveIntegerField(_("分母"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=500, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    entered_at = models.DateTimeField(_("填报时间"))
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-month", "jurisdiction__path"]
        verbose_name = _("月度填报")
        verbose_name_plural = _("月度填报")
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "jurisdiction", "month"], name="metrics_figure_once"
            ),
            models.CheckConstraint(
                condition=Q(denominator__isnull=True) | Q(value__lte=F("denominator")),
                name="metrics_figure_numerator_le_denominator",
                violation_error_message=_("分子不能大于分母"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.jurisdiction_id} {self.month:%Y-%m}"


class RankingWeight(models.Model):
    """The weight of one indicator in the station ranking (张榜); configured by the bureau."""

    indicator = models.OneToOneField(
        IndicatorDefinition, on_delete=models.CASCADE, related_name="ranking_weight"
    )
    weight = models.DecimalField(_("权重"), max_digits=5, decimal_places=2)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["indicator__order"]
        verbose_name = _("张榜权重")
        verbose_name_plural = _("张榜权重")
        constraints = [
            models.CheckConstraint(
                condition=Q(weight__gt=0),
                name="metrics_weight_positive",
                violation_error_message=_("权重须大于 0"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id}×{self.weight}"


class StoredReport(models.Model):
    """A generated weekly or monthly report (xlsx and PDF), with its data cut-off time."""

    kind = models.CharField(_("类型"), max_length=8, choices=ReportKind.choices)
    jurisdiction = models.ForeignKey(
        "core.Jurisdiction", on_delete=models.PROTECT, related_name="+", verbose_name=_("辖区")
    )
    start = models.DateField(_("起始日期"))
    end = models.DateField(_("截止日期"))
    cut_off = models.DateTimeField(_("数据截止时间"))
    xlsx = models.BinaryField()
    pdf = models.BinaryField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-start", "jurisdiction__path"]
        verbose_name = _("考核报告")
        verbose_name_plural = _("考核报告")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "jurisdiction", "start"], name="metrics_report_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.jurisdiction_id} {self.start}"


class IncidentMonthCount(models.Model):
    """Summary (汇总) of counted incidents (not merged or cancelled) per local month,
    jurisdiction and category, for the months the dashboard reads most. Derived data:
    rebuilt by :func:`zhian.metrics.summary.refresh_summaries`, read together with a
    live count of the months it does not cover or that changed since it was built, so a
    number from it always equals the raw count (see docs/metrics.md)."""

    month = models.DateField()
    jurisdiction = models.ForeignKey(
        "core.Jurisdiction", on_delete=models.CASCADE, related_name="+"
    )
    category = models.ForeignKey(
        "dispatch.IncidentCategory", on_delete=models.CASCADE, related_name="+"
    )
    n = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "jurisdiction", "category"], name="metrics_incident_month_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.jurisdiction_id} {self.category_id} {self.n}"


class CaseMonthCount(models.Model):
    """Summary (汇总) of cases per local month, handling unit and case type: ``accepted``
    (受案 that count as cases: not 不予立案 or 撤销), ``filed`` (立案 events, case not
    annulled) and ``solved_in_month`` (of those, decided (处理决定) before the month ended).
    Derived data, kept and read like :class:`IncidentMonthCount`."""

    month = models.DateField()
    jurisdiction = models.ForeignKey(
        "core.Jurisdiction", on_delete=models.CASCADE, related_name="+"
    )
    case_type = models.CharField(max_length=16)
    accepted = models.PositiveIntegerField(default=0)
    filed = models.PositiveIntegerField(default=0)
    solved_in_month = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "jurisdiction", "case_type"], name="metrics_case_month_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.jurisdiction_id} {self.case_type}"


class SummaryState(models.Model):
    """What one summary (``incidents``, ``cases``) covers: every local month before
    ``through``, as the rows were at ``built_at`` (rows created or changed since are read
    live)."""

    name = models.CharField(max_length=16, primary_key=True)
    built_at = models.DateTimeField()
    through = models.DateField()

    def __str__(self) -> str:
        return f"{self.name} through {self.through} at {self.built_at:%Y-%m-%d %H:%M}"
