"""Named states of the dispatch domain (接处警)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    CALL_110 = "call_110", _("110 报警")
    WALK_IN = "walk_in", _("来所报警")
    ONLINE = "online", _("网上报警")
    PATROL = "patrol", _("巡逻发现")


class IncidentStatus(models.TextChoices):
    OPEN = "open", _("待派警")
    DISPATCHED = "dispatched", _("已派警")
    ON_SCENE = "on_scene", _("处置中")
    CLOSED = "closed", _("已结束")
    CANCELLED = "cancelled", _("已撤销")
    MERGED = "merged", _("已合并")


ACTIVE_INCIDENT = (IncidentStatus.OPEN, IncidentStatus.DISPATCHED, IncidentStatus.ON_SCENE)


class Priority(models.IntegerChoices):
    URGENT = 1, _("紧急")
    HIGH = 2, _("较急")
    NORMAL = 3, _("一般")
    LOW = 4, _("非紧急")


class UnitKind(models.TextChoices):
    PATROL_CAR = "patrol_car", _("巡逻车")
    MOTORCYCLE = "motorcycle", _("摩托巡逻")
    FOOT = "foot", _("步巡")
    TRAFFIC = "traffic", _("交警")
    SPECIAL = "special", _("特警")


class UnitStatus(models.TextChoices):
    AVAILABLE = "available", _("空闲")
    DISPATCHED = "dispatched", _("已派")
    EN_ROUTE = "en_route", _("出发")
    ON_SCENE = "on_scene", _("到达")
    TRANSPORTING = "transporting", _("押送/护送")
    UNAVAILABLE = "unavailable", _("不可用")


# The unit status machine: from → allowed next states.
UNIT_TRANSITIONS: dict[str, frozenset[str]] = {
    UnitStatus.AVAILABLE: frozenset({UnitStatus.DISPATCHED, UnitStatus.UNAVAILABLE}),
    UnitStatus.DISPATCHED: frozenset(
        {UnitStatus.EN_ROUTE, UnitStatus.ON_SCENE, UnitStatus.AVAILABLE}
    ),
    UnitStatus.EN_ROUTE: frozenset({UnitStatus.ON_SCENE, UnitStatus.AVAILABLE}),
    UnitStatus.ON_SCENE: frozenset({UnitStatus.TRANSPORTING, UnitStatus.AVAILABLE}),
    UnitStatus.TRANSPORTING: frozenset({UnitStatus.AVAILABLE}),
    UnitStatus.UNAVAILABLE: frozenset({UnitStatus.AVAILABLE}),
}


class AssignmentStep(models.TextChoices):
    """What a unit on a task reports (处置步骤); each moves the unit's status on."""

    EN_ROUTE = "en_route", _("出发")
    ON_SCENE = "on_scene", _("到达")
    TRANSPORTING = "transporting", _("押送/护送")
    CLEARED = "cleared", _("处置完毕")


# The steps a unit in each status may report next (the status machine allows no others).
NEXT_STEPS: dict[str, tuple[AssignmentStep, ...]] = {
    UnitStatus.DISPATCHED: (AssignmentStep.EN_ROUTE, AssignmentStep.ON_SCENE),
    UnitStatus.EN_ROUTE: (AssignmentStep.ON_SCENE,),
    UnitStatus.ON_SCENE: (AssignmentStep.TRANSPORTING, AssignmentStep.CLEARED),
    UnitStatus.TRANSPORTING: (AssignmentStep.CLEARED,),
}


class TimelineKind(models.TextChoices):
    """Entries of an incident's timeline (警情处置过程)."""

    RECEIVED = "received", _("接警")
    CALL_ADDED = "call_added", _("重复报警")
    DISPATCHED = "dispatched", _("派警")
    EN_ROUTE = "en_route", _("出发")
    ON_SCENE = "on_scene", _("到达")
    TRANSPORTING = "transporting", _("押送/护送")
    CLEARED = "cleared", _("处置完毕")
    UNIT_CANCELLED = "unit_cancelled", _("撤回警力")
    FEEDBACK = "feedback", _("反馈")
    PLAN_STEP = "plan_step", _("预案步骤完成")
    UPDATED = "updated", _("信息更新")
    MERGED = "merged", _("合并")
    CLOSED = "closed", _("结束")
    CANCELLED = "cancelled", _("撤销")


class Disposition(models.TextChoices):
    """How an incident ended (cf. GA/T 2000.152 警情处理结果)."""

    RESOLVED_ON_SCENE = "resolved", _("现场处置完毕")
    CASE_OPENED = "case_opened", _("转为案件")
    REFERRED = "referred", _("移交其他部门")
    MEDIATED = "mediated", _("调解")
    NO_FINDING = "no_finding", _("未发现警情")
    FALSE_REPORT = "false_report", _("谎报/误报")
    OTHER = "other", _("其他")
