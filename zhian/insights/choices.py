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


class PatrolTactic(models.TextChoices):
    """What was done at a planned patrol stop (巡逻措施): always about the place, never
    about a person (no stop-and-search of individuals)."""

    FOOT_PATROL = "foot_patrol", _("步巡")
    VISIBLE_PRESENCE = "visible_presence", _("驻点见警")
    PREMISES_CHECK = "premises_check", _("场所安全检查")
    PREVENTION_ADVICE = "prevention_advice", _("防范宣传")
    OTHER = "other", _("其他措施")
