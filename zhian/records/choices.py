"""Named states of the records domain (案件)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseType(models.TextChoices):
    """行政（治安）案件 and 刑事案件; the letter starts the case number."""

    ADMINISTRATIVE = "administrative", _("行政（治安）案件")
    CRIMINAL = "criminal", _("刑事案件")


CASE_TYPE_LETTER = {CaseType.ADMINISTRATIVE: "X", CaseType.CRIMINAL: "A"}


class Stage(models.TextChoices):
    """Stages of a case (办案流程)."""

    ACCEPTED = "accepted", _("受案")
    FILED = "filed", _("立案")
    NOT_FILED = "not_filed", _("不予立案")
    INVESTIGATING = "investigating", _("调查（侦查）")
    DECIDED = "decided", _("处理决定")
    CLOSED = "closed", _("结案")
    TRANSFERRED = "transferred", _("移送")
    REVOKED = "revoked", _("撤销")


OPEN_STAGES = (Stage.ACCEPTED, Stage.FILED, Stage.INVESTIGATING, Stage.DECIDED)
FINAL_STAGES = (Stage.NOT_FILED, Stage.CLOSED, Stage.TRANSFERRED, Stage.REVOKED)


class EventKind(models.TextChoices):
    """Facts of a case from which statutory periods start or by which they are met."""

    ACCEPTED = "accepted", _("受案")
    FILED = "filed", _("立案")
    NOT_FILED = "not_filed", _("不予立案")
    DETAINED = "detained", _("刑事拘留")
    ARREST_REQUESTED = "arrest_requested", _("提请批准逮捕")
    ARREST_DECIDED = "arrest_decided", _("检察院作出批捕决定")
    ARRESTED = "arrested", _("执行逮捕")
    RELEASED = "released", _("释放或变更强制措施")
    DECIDED = "decided", _("作出处理决定")
    TRANSFERRED = "transferred", _("移送")
    CLOSED = "closed", _("结案")
    REVOKED = "revoked", _("撤销案件")


class PeriodUnit(models.TextChoices):
    HOURS = "hours", _("小时")
    DAYS = "days", _("日")
    MONTHS = "months", _("月")


class EntryKind(models.TextChoices):
    """Kinds of case timeline entries (案件流转记录)."""

    OPENED = "opened", _("受案登记")
    STAGE = "stage", _("阶段变更")
    EVENT = "event", _("办案事实")
    SUBMITTED = "submitted", _("提交审批")
    APPROVED = "approved", _("审批通过")
    RETURNED = "returned", _("退回补充")
    ESCALATED = "escalated", _("提请上级审批")
    EXTENDED = "extended", _("延长期限")
    ASSIGNED = "assigned", _("指定办案民警")
    LINKED = "linked", _("关联警情")
    PARTY = "party", _("当事人")
    EVIDENCE = "evidence", _("证据物品")
    REVIEWED = "reviewed", _("执法质量考评")
    NOTE = "note", _("备注")


class ApprovalStatus(models.TextChoices):
    PENDING = "pending", _("待审批")
    ESCALATED = "escalated", _("已提请上级")
    APPROVED = "approved", _("已批准")
    RETURNED = "returned", _("已退回")


class DeadlineStatus(models.TextChoices):
    OPEN = "open", _("进行中")
    MET = "met", _("按期完成")
    LATE = "late", _("超期完成")
    LAPSED = "lapsed", _("已失效")


class EvidenceKind(models.TextChoices):
    """证据种类 and 涉案财物."""

    PHYSICAL = "physical", _("物证")
    DOCUMENT = "document", _("书证")
    ELECTRONIC = "electronic", _("电子数据")
    AUDIOVISUAL = "audiovisual", _("视听资料")
    PROPERTY = "property", _("涉案财物")


class CustodyAction(models.TextChoices):
    """Steps of the chain of custody (保管链)."""

    SEIZED = "seized", _("扣押/提取")
    HANDED_OVER = "handed_over", _("移交")
    STORED = "stored", _("入库保管")
    TAKEN_OUT = "taken_out", _("出库")
    EXAMINED = "examined", _("送检/鉴定")
    RETURNED = "returned", _("发还")
    DISPOSED = "disposed", _("销毁/处置")


FINAL_CUSTODY = (CustodyAction.RETURNED, CustodyAction.DISPOSED)
