"""Insights (研判) data: stored risk surfaces, near-repeat bands and alerts, patrol plans.

Everything here is about places and times: cells, circles, units' routes. No person is
stored, scored or tracked.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from zhian.insights.choices import LinkVerdict, PatrolTactic, RunStatus, Shift


class StoredForecast(models.Model):
    """A risk surface (风险预测): one score per square cell for a jurisdiction, a category
    (empty: all) and a window, with the method, data window and code version that made it.

    ``cells`` holds ``[[x_min, y_min, risk], …]`` in ``epsg`` metres (lower-left corners of
    ``cell_size_m`` squares), highest risk first.
    """

    jurisdiction = models.ForeignKey(
        "core.Jurisdiction", on_delete=models.PROTECT, related_name="+"
    )
    category_code = models.CharField(_("类别编码"), max_length=16, blank=True)
    requested_method = models.CharField(_("请求的方法"), max_length=16, default="best")
    method = models.CharField(_("实际方法"), max_length=16, blank=True)
    data_start = models.DateTimeField(_("数据起"), null=True, blank=True)
    data_end = models.DateTimeField(_("数据止"), help_text=_("只使用此时刻之前的警情"))
    horizon_days = models.PositiveSmallIntegerField(_("预测天数"), default=7)
    cell_size_m = models.PositiveIntegerField(_("网格边长（米）"), default=150)
    epsg = models.PositiveIntegerField(null=True, blank=True)
    n_events = models.PositiveIntegerField(_("训练警情数"), default=0)
    code_version = models.CharField(_("代码版本"), max_length=64, blank=True)
    cells = models.JSONField(_("网格与分值"), default=list, blank=True)
    accuracy = models.JSONField(
        _("近 8 周准确度"),
        default=dict,
        blank=True,
        help_text=_("同一方法在本辖区最近 8 周的逐周回测：命中率与 PAI（1% 和 5% 面积）"),
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=RunStatus.choices, default=RunStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("进度（%）"), default=0)
    error = models.CharField(_("错误"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("风险预测")
        verbose_name_plural = _("风险预测")
        indexes = [
            models.Index(
                fields=["jurisdiction", "category_code", "status", "-created_at"],
                name="insights_fc_scope_latest",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="insights_fc_progress_le_100"
            ),
        ]

    def __str__(self) -> str:
        scope = f"{self.jurisdiction_id}/{self.category_code or '*'}"
        return f"{scope}/{self.method}@{self.data_end:%Y-%m-%d}"


class NearRepeatBand(models.Model):
    """The raised band (近重复风险区) of a category on the bureau's own incidents, from a
    Knox test: alerts for that category cover ``radius_m`` and ``days``."""

    bureau = models.ForeignKey("core.Jurisdiction", on_delete=models.CASCADE, related_name="+")
    category_code = models.CharField(_("类别编码"), max_length=16)
    radius_m = models.FloatField(_("半径（米）"))
    days = models.FloatField(_("天数"))
    ratio = models.FloatField(_("风险倍数"), help_text=_("Knox 观测/期望比"))
    events = models.PositiveIntegerField(_("检验警情数"), default=0)
    source = models.CharField(_("来源"), max_length=200, blank=True)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("近重复风险区")
        verbose_name_plural = _("近重复风险区")
        constraints = [
            models.UniqueConstraint(
                fields=["bureau", "category_code"], name="insights_band_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category_code}: {self.radius_m:g} m / {self.days:g} d"


class NearRepeatAlert(models.Model):
    """A place-based alert: a circle around a recorded offence and the days in which a
    repeat nearby is more likely than chance. Never about a person."""

    jurisdiction = models.ForeignKey(
        "core.Jurisdiction", on_delete=models.PROTECT, related_name="+"
    )
    source_incident = models.OneToOneField(
        "dispatch.Incident", on_delete=models.CASCADE, related_name="+"
    )
    category_code = models.CharField(_("类别编码"), max_length=16)
    lon = models.FloatField()
    lat = models.FloatField()
    radius_m = models.FloatField(_("半径（米）"))
    starts_at = models.DateTimeField(_("起始"))
    ends_at = models.DateTimeField(_("结束"), db_index=True)
    ratio = models.FloatField(_("风险倍数"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_at", "-pk"]
        verbose_name = _("近重复预警")
        verbose_name_plural = _("近重复预警")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="insights_alert_window"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category_code} {self.radius_m:g} m until {self.ends_at:%Y-%m-%d}"


class PatrolPlan(models.Model):
    """A shift's patrol plan (布防): per unit the cells, order and times, from
    ``zhian.analytics.patrol``. ``routes`` and ``skipped`` are the plan as computed."""

    jurisdiction = models.ForeignKey(
        "core.Jurisdiction", on_delete=models.PROTECT, related_name="+"
    )
    forecast = models.ForeignKey(
        StoredForecast, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    shift = models.CharField(_("班次"), max_length=8, choices=Shift.choices)
    shift_start = models.DateTimeField(_("班次开始"))
    shift_end = models.DateTimeField(_("班次结束"))
    dwell_minutes = models.PositiveSmallIntegerField(_("每格停留（分钟）"), default=15)
    cap_share = models.FloatField(_("每片区每周上限"))
    routes = models.JSONField(default=list)
    skipped = models.JSONField(default=list)
    summary = models.JSONField(default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-shift_start", "-pk"]
        verbose_name = _("巡防计划")
        verbose_name_plural = _("巡防计划")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(shift_end__gt=models.F("shift_start")),
                name="insights_plan_shift",
            ),
            models.CheckConstraint(
                condition=models.Q(cap_share__gt=0, cap_share__lte=1),
                name="insights_plan_cap_share",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.jurisdiction_id} {self.shift} {self.shift_start:%Y-%m-%d}"


class LinkDecision(models.Model):
    """An analyst's decision on a 串并 suggestion: whether ``candidate`` (an earlier
    incident) belongs to the same series as ``incident``. Append-only: the latest
    decision on a pair is the one shown; earlier ones stay as the record."""

    incident = models.ForeignKey("dispatch.Incident", on_delete=models.CASCADE, related_name="+")
    candidate = models.ForeignKey("dispatch.Incident", on_delete=models.CASCADE, related_name="+")
    verdict = models.CharField(_("结论"), max_length=16, choices=LinkVerdict.choices)
    score = models.FloatField(_("相似度"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-decided_at", "-pk"]
        verbose_name = _("串并结论")
        verbose_name_plural = _("串并结论")
        indexes = [
            models.Index(
                fields=["incident", "candidate", "-decided_at"], name="insights_link_pair_latest"
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(incident=models.F("candidate")), name="insights_link_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.incident_id}~{self.candidate_id}: {self.verdict}"


class IncidentCellDay(models.Model):
    """Incidents per local day, jurisdiction, category and H3 cell (resolution 9, about
    0.1 km², ``zhian.core.geo.point_cell``): what the 警情发案图 reads instead of a month of
    incident rows. Kept exact by ``zhian.insights.services.incident_cells``: dispatch
    calls its hook in the transaction of every write that changes what an incident counts
    towards; ``manage.py rebuild_map_cells`` recounts days from the incidents."""

    day = models.DateField(_("日期"), help_text=_("接警时间的本地日期"))
    # no index of its own: the unique key below leads with it
    jurisdiction = models.ForeignKey(
        "core.Jurisdiction", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    category = models.ForeignKey(
        "dispatch.IncidentCategory", on_delete=models.CASCADE, related_name="+"
    )
    h3_cell = models.CharField(max_length=16)
    n = models.IntegerField(_("警情数"), default=0)

    class Meta:
        verbose_name = _("网格日警情数")
        verbose_name_plural = _("网格日警情数")
        constraints = [
            # The upsert's conflict target; it leads with (jurisdiction, day), the map's
            # filter.
            models.UniqueConstraint(
                fields=["jurisdiction", "day", "category", "h3_cell"],
                name="insights_cellday_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.jurisdiction_id} {self.category_id} {self.h3_cell}: {self.n}"


class PatrolCellDay(models.Model):
    """Seconds a patrol unit (a vehicle) was credited per local day and H3 cell, from its
    AVL fixes (each fix: the time to the unit's next fix, at most 5 minutes), and how many
    fixes: what the 巡防图 reads instead of a month of fixes. Kept exact by
    ``zhian.insights.services.patrol_cells`` (dispatch's position hook, in the transaction
    that stores the fixes); ``manage.py rebuild_map_cells`` recounts days."""

    # no index of its own: the unique key below leads with it
    unit = models.ForeignKey(
        "dispatch.Unit", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    day = models.DateField(_("日期"), help_text=_("定位时间的本地日期"))
    h3_cell = models.CharField(max_length=16)
    seconds = models.IntegerField(_("停留秒数"), default=0)
    fixes = models.IntegerField(_("定位点数"), default=0)

    class Meta:
        verbose_name = _("网格日巡防时长")
        verbose_name_plural = _("网格日巡防时长")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "day", "h3_cell"], name="insights_patrolday_key"
            )
        ]
        indexes = [
            # The layer's read (units' days, summed per cell) from the index alone on
            # PostgreSQL; a plain index elsewhere.
            models.Index(
                fields=["unit", "day"],
                include=["h3_cell", "seconds", "fixes"],
                name="insights_patrolday_read",
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.unit_id} {self.h3_cell}: {self.seconds} s"


class PatrolStopLog(models.Model):
    """A tactic logged at a planned patrol stop (巡逻措施登记): what a unit's officers did in
    one of its planned cells, one row per tactic. A place-based record: ``note`` says what
    was done at the place, never who was met. Logging the same tactic again updates the
    note (the unique key makes a repeated submission an update, not a duplicate)."""

    # no index of its own: the unique key below leads with it
    plan = models.ForeignKey(
        PatrolPlan, on_delete=models.CASCADE, related_name="stop_logs", db_index=False
    )
    unit = models.ForeignKey("dispatch.Unit", on_delete=models.PROTECT, related_name="+")
    cell = models.CharField(_("计划网格"), max_length=32)
    tactic = models.CharField(_("巡逻措施"), max_length=24, choices=PatrolTactic.choices)
    note = models.CharField(
        _("措施说明"),
        max_length=200,
        blank=True,
        help_text=_("记录在该地点做了什么；不写遇到的人，不写姓名、身份证号或电话号码"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("措施登记时间"))

    class Meta:
        ordering = ["plan", "unit", "cell", "tactic"]
        verbose_name = _("巡逻措施登记")
        verbose_name_plural = _("巡逻措施登记")
        constraints = [
            # a repeated submission updates the row instead of adding one; it leads with
            # plan, the execution report's read
            models.UniqueConstraint(
                fields=["plan", "unit", "cell", "tactic"], name="insights_stoplog_key"
            ),
            models.CheckConstraint(
                condition=models.Q(tactic__in=PatrolTactic.values),
                name="insights_stoplog_tactic",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan_id} {self.unit_id} {self.cell}: {self.tactic}"
