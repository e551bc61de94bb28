"""Units (警力): registry, the status machine, and AVL positions."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from zhian.core import audit
from zhian.core.concurrency import update_if_version
from zhian.core.errors import Conflict, ValidationFailed
from zhian.core.models import Jurisdiction, JurisdictionKind
from zhian.core.scoping import check_can
from zhian.dispatch.choices import UNIT_TRANSITIONS, UnitKind, UnitStatus
from zhian.dispatch.hooks import positions_pruned, positions_recorded
from zhian.dispatch.models import Unit, UnitPosition
from zhian.dispatch.services.changes import mark_changed

MAX_POSITIONS_PER_REQUEST = 1000
STALE_UNIT = gettext_lazy("该警力状态已变化，请刷新后重试")


@transaction.atomic
def do_register_unit(
    *,
    acting_user: Any,
    call_sign: str,
    station: Jurisdiction,
    kind: str,
    capabilities: Iterable[str] = (),
    lon: float | None = None,
    lat: float | None = None,
) -> Unit:
    check_can(acting_user, "unit.manage", station)
    call_sign = call_sign.strip()
    if not call_sign or len(call_sign) > 32:
        raise ValidationFailed(_("呼号须为 1–32 个字符"), code="invalid_call_sign")
    if station.kind != JurisdictionKind.STATION:
        raise ValidationFailed(_("警力须隶属于派出所"), code="invalid_station")
    if kind not in UnitKind.values:
        raise ValidationFailed(_("警力类型无效"), code="invalid_kind")
    if Unit.objects.filter(call_sign=call_sign).exists():
        raise ValidationFailed(
            _("呼号 %(call_sign)s 已存在") % {"call_sign": call_sign}, code="duplicate_call_sign"
        )
    unit = Unit.objects.create(
        call_sign=call_sign,
        station=station,
        kind=kind,
        capabilities=sorted({c.strip() for c in capabilities if c.strip()}),
        lon=lon,
        lat=lat,
        position_at=timezone.now() if lon is not None else None,
    )
    audit.record(actor=acting_user, action="unit.register", obj=unit, data={"call_sign": call_sign})
    mark_changed(units=[unit])
    return unit


def check_transition(unit: Unit, new_status: str) -> None:
    """Raise with a readable message when the status machine forbids the change."""
    if new_status not in UnitStatus.values:
        raise ValidationFailed(
            _("未知状态 %(status)s") % {"status": new_status}, code="invalid_status"
        )
    if new_status not in UNIT_TRANSITIONS[unit.status]:
        allowed = pgettext("list separator", "、").join(
            str(UnitStatus(s).label) for s in sorted(UNIT_TRANSITIONS[unit.status])
        )
        current, wanted = UnitStatus(unit.status).label, UnitStatus(new_status).label
        raise Conflict(
            _("%(unit)s 不能从“%(current)s”变为“%(wanted)s”（可变为：%(allowed)s）")
            % {
                "unit": unit.call_sign,
                "current": current,
                "wanted": wanted,
                "allowed": allowed,
            },
            code="illegal_transition",
            current=unit.status,
            requested=new_status,
        )


def set_status(unit: Unit, new_status: str, *, expected_version: int | None = None) -> None:
    """Apply a checked transition in one conditional UPDATE: it fails (412) when the unit
    changed since ``expected_version`` (default: the version the caller read)."""
    check_transition(unit, new_status)
    version = unit.version if expected_version is None else expected_version
    update_if_version(unit, version, STALE_UNIT, status=new_status)


@transaction.atomic
def do_set_unit_availability(
    unit: Unit, *, acting_user: Any, status: str, expected_version: int
) -> Unit:
    """Put a unit in or out of service (空闲 ⇄ 不可用). Task states move through assignments."""
    check_can(acting_user, "unit.report", unit.station)
    if status not in (UnitStatus.AVAILABLE, UnitStatus.UNAVAILABLE) and status in UnitStatus.values:
        raise Conflict(_("出发、到达等状态请在警情任务中上报"), code="use_assignment")
    if unit.assignments.filter(active=True).exists():
        raise Conflict(
            _("%(unit)s 有进行中的任务，请先完成或撤回") % {"unit": unit.call_sign},
            code="unit_busy",
        )
    before = unit.status
    set_status(unit, status, expected_version=expected_version)
    audit.record(
        actor=acting_user, action="unit.status", obj=unit, data={"from": before, "to": status}
    )
    mark_changed(units=[unit])
    return unit


@dataclass(frozen=True)
class PositionFix:
    lon: float
    lat: float
    at: datetime


@transaction.atomic
def do_record_positions(unit: Unit, fixes: list[PositionFix], *, acting_user: Any) -> int:
    """Store AVL fixes (车载定位); the latest one becomes the unit's position."""
    check_can(acting_user, "unit.report", unit.station)
    if not fixes:
        raise ValidationFailed(_("没有定位数据"), code="no_positions")
    if len(fixes) > MAX_POSITIONS_PER_REQUEST:
        raise ValidationFailed(
            _("一次最多 %(max)d 个定位点") % {"max": MAX_POSITIONS_PER_REQUEST}, code="too_many"
        )
    horizon = timezone.now() + timedelta(minutes=5)
    for i, fix in enumerate(fixes):
        if not (-180 <= fix.lon <= 180 and -90 <= fix.lat <= 90):
            raise ValidationFailed(
                _("第 %(n)d 个定位点坐标超出范围") % {"n": i + 1}, code="invalid_position"
            )
        if fix.at > horizon:
            raise ValidationFailed(
                _("第 %(n)d 个定位点时间在未来") % {"n": i + 1}, code="invalid_position"
            )
    # One unit's batches are stored one after another (the row lock is held until the
    # commit), so what a write hook reads of the unit's earlier fixes is complete.
    Unit.objects.select_for_update().filter(pk=unit.pk).values_list("pk").first()
    stored = UnitPosition.objects.bulk_create(
        [UnitPosition(unit=unit, at=f.at, lon=f.lon, lat=f.lat) for f in fixes]
    )
    positions_recorded(
        unit.pk, [p.pk for p in stored], min(f.at for f in fixes), max(f.at for f in fixes)
    )
    audit.record(actor=acting_user, action="unit.positions", obj=unit, data={"count": len(fixes)})
    latest = max(fixes, key=lambda f: f.at)
    if unit.position_at is None or latest.at >= unit.position_at:
        Unit.objects.filter(pk=unit.pk).update(
            lon=latest.lon, lat=latest.lat, position_at=latest.at, updated_at=timezone.now()
        )
        mark_changed(units=[unit])
    return len(fixes)


def prune_positions() -> int:
    """Delete AVL fixes older than ``ZHIAN_AVL_RETENTION_DAYS`` (where crews were is kept
    only as long as patrol analysis needs it); the number deleted."""
    cutoff = timezone.now() - timedelta(days=settings.ZHIAN_AVL_RETENTION_DAYS)
    with transaction.atomic():
        deleted, _by_model = UnitPosition.objects.filter(at__lt=cutoff).delete()
        positions_pruned(cutoff)
    return deleted
