"""Named states of grid governance (网格治理)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DepartmentKind(models.TextChoices):
    """The kinds of departments a grid report can be whistled to (吹哨报到)."""

    POLICE = "police", _("公安")
    URBAN_MANAGEMENT = "urban_management", _("城管")
    MARKET_REGULATION = "market_regulation", _("市场监管")
    HOUSING = "housing", _("住建")
    FIRE = "fire", _("消防")
    JUDICIAL_OFFICE = "judicial_office", _("司法所")
    SUBDISTRICT = "subdistrict", _("街道")
    MEDIATION_COMMITTEE = "mediation_committee", _("人民调解委员会")
    OTHER = "other", _("其他")


class ReportType(models.TextChoices):
    """What a grid worker reports (网格事件类型): places and situations, never persons."""

    SAFETY_HAZARD = "safety_hazard", _("安全隐患")
    DISPUTE = "dispute", _("矛盾纠纷")
    SECURITY_LEAD = "security_lead", _("治安线索")
    ASSISTANCE = "assistance", _("群众求助")
    OTHER = "other", _("其他")


class ReportStatus(models.TextChoices):
    UNROUTED = "unrouted", _("待分派")
    IN_PROGRESS = "in_progress", _("办理中")
    AWAITING_VERIFICATION = "awaiting_verification", _("待核实")
    CLOSED = "closed", _("已办结")


class ReferralStatus(models.TextChoices):
    """One department's part of a report (报到单)."""

    PENDING_SIGN = "pending_sign", _("待签收")
    SIGNED = "signed", _("办理中")
    RESOLVED = "resolved", _("已办结待核实")
    VERIFIED = "verified", _("已核实")


OPEN_REFERRAL = (ReferralStatus.PENDING_SIGN, ReferralStatus.SIGNED)


class SlaClock(models.TextChoices):
    SIGN = "sign", _("签收时限")
    RESOLVE = "resolve", _("办结时限")


class EventKind(models.TextChoices):
    """Entries of a report's timeline (办理过程)."""

    SUBMITTED = "submitted", _("上报")
    REFERRED = "referred", _("吹哨派单")
    SIGNED = "signed", _("签收")
    PROGRESS = "progress", _("办理进展")
    RESOLVED = "resolved", _("办结")
    VERIFIED = "verified", _("核实通过")
    REOPENED = "reopened", _("退回重办")
    REMINDED = "reminded", _("超时提醒")
    ESCALATED = "escalated", _("超时升级")
    RESULT_RECEIVED = "result_received", _("调解结果回传")
