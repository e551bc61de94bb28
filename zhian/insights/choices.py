from django.db import models
from django.utils.translation import gettext_lazy as _


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("计算中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class Shift(models.TextChoices):
    DAY = "day", _("白班")
    NIGHT = "night", _("夜班")


class LinkVerdict(models.TextChoices):
    CONFIRMED = "confirmed", _("确认串并")
    REJECTED = "rejected", _("排除")
