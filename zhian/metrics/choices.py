"""Named values of the KPI domain (考核)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Direction(models.TextChoices):
    """Which way is good: 六降 should fall, 两升 should rise."""

    FALL = "fall", _("应下降")
    RISE = "rise", _("应上升")


class IndicatorKind(models.TextChoices):
    COUNT = "count", _("数量")
    RATE = "rate", _("比率")


class PeriodKind(models.TextChoices):
    MONTH = "month", _("月")
    WEEK = "week", _("周")
    CUSTOM = "custom", _("自定义")


class ReportKind(models.TextChoices):
    WEEKLY = "week", _("周报")
    MONTHLY = "month", _("月报")
