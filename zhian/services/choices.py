"""Named states of 便民服务."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class TrackedKind(models.TextChoices):
    """What a tracking code (受理回执编号) stands for."""

    REPORT = "report", _("网上报警")
    APPOINTMENT = "appointment", _("网上预约")
    CONSULTATION = "consultation", _("在线咨询")
    COMPLAINT = "complaint", _("警务投诉")


class Channel(models.TextChoices):
    PORTAL = "portal", _("便民服务网站")
    OPEN311 = "open311", _("Open311 接口")
    STAFF = "staff", _("民警代录")


class ReportCategory(models.TextChoices):
    """Non-emergency report kinds (非紧急警情)."""

    LOST_PROPERTY = "lost_property", _("遗失物品")
    MINOR_DAMAGE = "minor_damage", _("轻微财物损坏")
    NOISE = "noise", _("噪声扰民")
    TRAFFIC_OBSTRUCTION = "traffic_obstruction", _("占道/交通阻碍")
    TIP = "tip", _("线索举报")


class ReportStatus(models.TextChoices):
    SUBMITTED = "submitted", _("已提交")
    ACCEPTED = "accepted", _("已受理")
    FORWARDED = "forwarded", _("已转交处置")  # to dispatch (警情) or to the grid (网格事件)
    FINISHED = "finished", _("已办结")
    REJECTED = "rejected", _("不予受理")


OPEN_REPORT = (ReportStatus.SUBMITTED, ReportStatus.ACCEPTED, ReportStatus.FORWARDED)


class RouteTarget(models.TextChoices):
    """Where a routing rule sends a report (分流规则)."""

    DISPATCH = "dispatch", _("转为警情（接处警）")
    GRID = "grid", _("转为网格事件")
    STATION = "station", _("派出所受理")


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", _("已预约")
    CANCELLED = "cancelled", _("已取消")
    DONE = "done", _("已办理")
    NO_SHOW = "no_show", _("未到")


class ConsultationStatus(models.TextChoices):
    OPEN = "open", _("待答复")
    ANSWERED = "answered", _("已答复")


class ComplaintStatus(models.TextChoices):
    RECEIVED = "received", _("已接收")
    ASSIGNED = "assigned", _("核查中")
    CONCLUDED = "concluded", _("已作出结论")
    REPLIED = "replied", _("已答复投诉人")


OPEN_COMPLAINT = (ComplaintStatus.RECEIVED, ComplaintStatus.ASSIGNED, ComplaintStatus.CONCLUDED)


class Finding(models.TextChoices):
    """Outcome of a complaint (查处结论)."""

    UPHELD = "upheld", _("属实")
    PARTLY_UPHELD = "partly_upheld", _("部分属实")
    NOT_UPHELD = "not_upheld", _("不属实")


class Rating(models.TextChoices):
    """回访 answers."""

    SATISFIED = "satisfied", _("满意")
    FAIRLY_SATISFIED = "fairly_satisfied", _("基本满意")
    DISSATISFIED = "dissatisfied", _("不满意")


class PublicEvent(models.TextChoices):
    """Entries of the public timeline: fixed wording, never a staff name or free note
    written for colleagues (those are :class:`~zhian.services.models.InternalNote`)."""

    SUBMITTED = "submitted", _("已提交")
    ACCEPTED = "accepted", _("已受理")
    FORWARDED = "forwarded", _("已转交处置")
    FINISHED = "finished", _("已办结")
    REJECTED = "rejected", _("不予受理")
    BOOKED = "booked", _("预约成功")
    RESCHEDULED = "rescheduled", _("已改约")
    CANCELLED = "cancelled", _("已取消")
    SERVED = "served", _("已办理")
    ANSWERED = "answered", _("已答复")
    ASSIGNED = "assigned", _("已安排核查")
    CONCLUDED = "concluded", _("核查完毕")
    REPLIED = "replied", _("已答复投诉人")
    CONTACT_ERASED = "contact_erased", _("联系电话已按保存期限删除")
