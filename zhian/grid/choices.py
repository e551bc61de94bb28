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


class DisputeType(models.TextChoices):
    """矛盾纠纷类型."""

    NEIGHBOUR = "neighbour", _("邻里纠纷")
    FAMILY = "family", _("婚姻家庭纠纷")
    LABOUR = "labour", _("劳动纠纷")
    PROPERTY_MANAGEMENT = "property_management", _("物业纠纷")
    LAND = "land", _("土地纠纷")
    ECONOMIC = "economic", _("经济纠纷")
    OTHER = "other", _("其他纠纷")


class DisputeStatus(models.TextChoices):
    REGISTERED = "registered", _("已登记")
    MEDIATING = "mediating", _("调解中")
    HANDED_OVER = "handed_over", _("已移交人民调解")
    SETTLED = "settled", _("已化解")
    UNSETTLED = "unsettled", _("调解未果")


OPEN_DISPUTE = (DisputeStatus.REGISTERED, DisputeStatus.MEDIATING, DisputeStatus.HANDED_OVER)


class RiskLevel(models.TextChoices):
    LOW = "low", _("低")
    MEDIUM = "medium", _("中")
    HIGH = "high", _("高")


class MediationOutcome(models.TextChoices):
    AGREEMENT = "agreement", _("达成协议")
    PARTIAL = "partial", _("部分达成")
    NO_AGREEMENT = "no_agreement", _("未达成")
    ADJOURNED = "adjourned", _("择期再调")


class DisputeEventKind(models.TextChoices):
    REGISTERED = "registered", _("登记")
    RISK = "risk", _("风险评估")
    PARTY_ADDED = "party_added", _("登记当事人")
    SESSION = "session", _("调解")
    FOLLOW_UP_PLANNED = "follow_up_planned", _("安排回访")
    FOLLOW_UP_DONE = "follow_up_done", _("回访")
    FOLLOW_UP_REMINDED = "follow_up_reminded", _("回访提醒")
    INCIDENT_RAISED = "incident_raised", _("转警情")
    INCIDENT_PENDING = "incident_pending", _("待民警转警情")
    HANDED_OVER = "handed_over", _("移交人民调解")
    RESULT_RECEIVED = "result_received", _("调解结果回传")
    CLOSED = "closed", _("结案")


class PlaceType(models.TextChoices):
    """Key places (重点场所), one ledger (台账) each."""

    SCHOOL = "school", _("学校")
    HOSPITAL = "hospital", _("医院")
    HOTEL = "hotel", _("旅馆")
    RENTAL_HOUSING = "rental_housing", _("出租房屋")
    ENTERTAINMENT = "entertainment", _("娱乐场所")
    INTERNET_CAFE = "internet_cafe", _("网吧")
    HAZMAT_SITE = "hazmat_site", _("危险物品场所")
    SHOP = "shop", _("商铺")
    OTHER = "other", _("其他场所")


class RiskTier(models.IntegerChoices):
    HIGH = 1, _("一级（高）")
    MEDIUM = 2, _("二级（中）")
    LOW = 3, _("三级（低）")


class Frequency(models.TextChoices):
    WEEKLY = "weekly", _("每周")
    MONTHLY = "monthly", _("每月")
    QUARTERLY = "quarterly", _("每季度")
    YEARLY = "yearly", _("每年")


class TaskStatus(models.TextChoices):
    OPEN = "open", _("待检查")
    DONE = "done", _("已检查")


class HazardStatus(models.TextChoices):
    OPEN = "open", _("整改中")
    RECTIFIED = "rectified", _("已整改待复查")
    CLOSED = "closed", _("已销号")
