"""Key places (重点场所), inspection plans and the tasks they generate, inspection records,
hazards from failed items (隐患整改 to 销号) and sweeps (专项行动)."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhian.core import audit
from zhian.core.concurrency import update_if_version
from zhian.core.coords import gcj02_to_wgs84
from zhian.core.errors import Conflict, ValidationFailed
from zhian.core.geo import point_cell
from zhian.core.models import Jurisdiction
from zhian.core.parties import validate_phone
from zhian.core.scoping import check_can
from zhian.grid.choices import Frequency, HazardStatus, PlaceType, RiskTier, TaskStatus
from zhian.grid.models import (
    Campaign,
    Hazard,
    HazardFollowUp,
    InspectionPlan,
    InspectionRecord,
    InspectionTask,
    Place,
)
from zhian.grid.services import place_rules
from zhian.grid.services.reports import locate

STALE_PLACE = gettext_lazy("该场所已被他人修改，请刷新后重试")


@dataclass(frozen=True)
class PlaceInput:
    name: str
    place_type: str
    address: str
    lon: float
    lat: float
    operator_name: str
    operator_phone: str
    attributes: dict[str, Any] = field(default_factory=dict)
    crs: str = "wgs84"


def clean_place(data: PlaceInput) -> dict[str, Any]:
    """Validated, typed fields of a place (no jurisdiction yet). ``ValidationFailed``
    carries ``field`` naming the first bad field, so an importer can name the column."""

    def bad(fld: str, message: str, code: str = "invalid_place") -> ValidationFailed:
        return ValidationFailed(message, code=code, field=fld)

    if data.place_type not in PlaceType.values:
        raise bad("place_type", _("场所类型无效"))
    name, address = data.name.strip(), data.address.strip()
    if not name or len(name) > 200:
        raise bad("name", _("请填写场所名称（不超过 200 字）"))
    if not address or len(address) > 200:
        raise bad("address", _("请填写地址（不超过 200 字）"))
    if data.crs not in {"wgs84", "gcj02"}:
        raise bad("crs", _("坐标系须为 wgs84 或 gcj02"))
    if not (-180 <= data.lon <= 180):
        raise bad("lon", _("经度超出范围"))
    if not (-90 <= data.lat <= 90):
        raise bad("lat", _("纬度超出范围"))
    operator = data.operator_name.strip()
    if not operator or len(operator) > 100:
        raise bad("operator_name", _("请填写负责人"))
    try:
        phone = validate_phone(data.operator_phone)
    except ValidationFailed as error:
        raise bad("operator_phone", error.message, error.code) from error
    attributes = place_rules.clean_attributes(data.place_type, data.attributes)
    tier, reasons = place_rules.risk_tier(data.place_type, attributes)
    lon, lat = gcj02_to_wgs84(data.lon, data.lat) if data.crs == "gcj02" else (data.lon, data.lat)
    return {
        "name": name,
        "place_type": data.place_type,
        "address": address,
        "lon": lon,
        "lat": lat,
        "h3_cell": point_cell(lon, lat),
        "operator_name": operator,
        "operator_phone": phone,
        "attributes": attributes,
        "risk_tier": tier,
        "risk_reasons": reasons,
    }


def build_place(data: PlaceInput, *, acting_user: Any) -> Place:
    """A checked, unsaved place in the user's scope (shared by register and import)."""
    fields = clean_place(data)
    jurisdiction = locate(acting_user, "place.manage", fields["lon"], fields["lat"])
    check_can(acting_user, "place.manage", jurisdiction)
    return Place(jurisdiction=jurisdiction, **fields)


@transaction.atomic
def do_register_place(data: PlaceInput, *, acting_user: Any) -> Place:
    place = build_place(data, acting_user=acting_user)
    if Place.objects.filter(
        place_type=place.place_type, name=place.name, address=place.address
    ).exists():
        raise Conflict(_("同名同址的场所已登记"), code="place_exists")
    place.save(force_insert=True)
    audit.record(
        actor=acting_user,
        action="place.create",
        obj=place,
        data={"type": place.place_type, "tier": place.risk_tier},
    )
    return place


@transaction.atomic
def do_update_place(
    place: Place, data: PlaceInput, *, acting_user: Any, expected_version: int
) -> Place:
    check_can(acting_user, "place.manage", place.jurisdiction)
    fresh = build_place(data, acting_user=acting_user)
    fields = {
        f: getattr(fresh, f)
        for f in (
            "name",
            "place_type",
            "address",
            "lon",
            "lat",
            "h3_cell",
            "operator_name",
            "operator_phone",
            "attributes",
            "risk_tier",
            "risk_reasons",
            "jurisdiction",
        )
    }
    update_if_version(place, expected_version, STALE_PLACE, **fields)
    audit.record(
        actor=acting_user, action="place.update", obj=place, data={"tier": place.risk_tier}
    )
    return place


# --- Plans and tasks ---------------------------------------------------------------------


@transaction.atomic
def do_create_plan(
    *,
    acting_user: Any,
    jurisdiction: Jurisdiction,
    place_type: str,
    risk_tier: int,
    frequency: str,
) -> InspectionPlan:
    check_can(acting_user, "inspection.plan", jurisdiction)
    if place_type not in PlaceType.values or risk_tier not in RiskTier.values:
        raise ValidationFailed(_("场所类型或风险等级无效"), code="invalid_plan")
    if frequency not in Frequency.values:
        raise ValidationFailed(_("检查频次无效"), code="invalid_plan")
    if InspectionPlan.objects.filter(
        jurisdiction=jurisdiction, place_type=place_type, risk_tier=risk_tier
    ).exists():
        raise Conflict(_("该辖区已有此类场所此等级的计划"), code="plan_exists")
    plan = InspectionPlan.objects.create(
        jurisdiction=jurisdiction, place_type=place_type, risk_tier=risk_tier, frequency=frequency
    )
    audit.record(
        actor=acting_user,
        action="inspection_plan.create",
        obj=plan,
        data={"type": place_type, "tier": risk_tier, "frequency": frequency},
    )
    return plan


def periods_in_month(frequency: str, year: int, month: int) -> list[tuple[str, date]]:
    """The periods a plan of ``frequency`` has in a month, as ``(key, due date)``:
    weekly → each ISO week whose Monday falls in the month (due its Sunday); monthly →
    the month; quarterly/yearly → the quarter/year containing the month (one key, so any
    month of it generates the same task once)."""
    last = date(year, month, calendar.monthrange(year, month)[1])
    if frequency == Frequency.WEEKLY:
        day = date(year, month, 1)
        day += timedelta(days=(7 - day.weekday()) % 7)  # first Monday
        out = []
        while day <= last:
            iso = day.isocalendar()
            out.append((f"{iso.year}-W{iso.week:02d}", day + timedelta(days=6)))
            day += timedelta(days=7)
        return out
    if frequency == Frequency.MONTHLY:
        return [(f"{year}-{month:02d}", last)]
    if frequency == Frequency.QUARTERLY:
        quarter = (month - 1) // 3 + 1
        end_month = quarter * 3
        return [
            (f"{year}-Q{quarter}", date(year, end_month, calendar.monthrange(year, end_month)[1]))
        ]
    return [(f"{year}", date(year, 12, 31))]


@dataclass(frozen=True)
class Generated:
    created: int
    existing: int


@transaction.atomic
def generate_tasks(year: int, month: int, *, plans: Any = None) -> Generated:
    """Make the month's inspection tasks for every active plan (a system job, also run by
    :mod:`zhian.grid.tasks`). Tasks are unique per place, plan and period: running it
    again makes none."""
    if not 1 <= month <= 12:
        raise ValidationFailed(_("月份无效"), code="invalid_month")
    plans = plans if plans is not None else InspectionPlan.objects.filter(active=True)
    wanted: list[InspectionTask] = []
    for plan in plans.select_related("jurisdiction"):
        places = Place.objects.filter(
            active=True,
            place_type=plan.place_type,
            risk_tier=plan.risk_tier,
            jurisdiction__path__startswith=plan.jurisdiction.path,
        ).values_list("pk", "jurisdiction_id")
        periods = periods_in_month(plan.frequency, year, month)
        wanted += [
            InspectionTask(
                place_id=pk,
                jurisdiction_id=jur,
                plan=plan,
                source=f"plan:{plan.pk}",
                period=key,
                due_on=due,
            )
            for pk, jur in places
            for key, due in periods
        ]
    before = InspectionTask.objects.count()
    InspectionTask.objects.bulk_create(wanted, ignore_conflicts=True, batch_size=1000)
    created = InspectionTask.objects.count() - before
    if created:
        audit.record(
            actor=None,
            action="inspection_task.generate",
            data={"job": "grid_generate_tasks", "month": f"{year}-{month:02d}", "created": created},
        )
    return Generated(created=created, existing=len(wanted) - created)


# --- Inspections and hazards -------------------------------------------------------------


@transaction.atomic
def do_record_inspection(
    place: Place,
    *,
    acting_user: Any,
    results: dict[str, str],
    notes: str = "",
    task: InspectionTask | None = None,
    at: datetime | None = None,
) -> InspectionRecord:
    """检查: every item of the place type's checklist answered pass / fail / na. A failed
    item opens a hazard (one per item while open) with its rectification deadline; an
    item that passes closes (销号) the open hazard of that item: the re-inspection."""
    check_can(acting_user, "inspection.perform", place.jurisdiction)
    items = dict(place_rules.checklist(place.place_type))
    missing = [code for code in items if code not in results]
    unknown = [code for code in results if code not in items]
    wrong = [code for code, v in results.items() if v not in ("pass", "fail", "na")]
    if missing or unknown or wrong:
        raise ValidationFailed(
            _("检查表须逐项填写 pass / fail / na"),
            code="invalid_checklist",
            missing=missing,
            unknown=unknown,
            invalid=wrong,
        )
    if task is not None and (task.place_id != place.pk or task.status != TaskStatus.OPEN):
        raise Conflict(_("该检查任务不属于此场所或已完成"), code="task_closed")
    at = at or timezone.now()
    failed = [code for code, v in results.items() if v == "fail"]
    record = InspectionRecord.objects.create(
        place=place,
        task=task,
        inspector=acting_user,
        inspected_at=at,
        results=results,
        notes=notes.strip()[:4000],
        failed_items=len(failed),
    )
    if task is not None and not InspectionTask.objects.filter(
        pk=task.pk, status=TaskStatus.OPEN
    ).update(status=TaskStatus.DONE):
        raise Conflict(_("该检查任务已完成"), code="task_closed")
    open_hazards = {
        h.item: h for h in Hazard.objects.filter(place=place).exclude(status=HazardStatus.CLOSED)
    }
    today = timezone.localdate(at)
    for code in failed:
        if code not in open_hazards:
            days = place_rules.RECTIFY_DAYS.get(code, place_rules.RECTIFY_DAYS_DEFAULT)
            Hazard.objects.create(
                place=place,
                jurisdiction=place.jurisdiction,
                found_in=record,
                item=code,
                description=str(items[code]),
                deadline=today + timedelta(days=days),
            )
    closed = [h for code, h in open_hazards.items() if results.get(code) == "pass"]
    for hazard in closed:
        Hazard.objects.filter(pk=hazard.pk).update(
            status=HazardStatus.CLOSED,
            closed_by=record,
            closed_at=at,
            version=F("version") + 1,
        )
    audit.record(
        actor=acting_user,
        action="inspection.record",
        obj=record,
        data={"place": place.pk, "failed": failed, "hazards_closed": [h.pk for h in closed]},
    )
    return record


@transaction.atomic
def do_follow_up_hazard(
    hazard: Hazard,
    *,
    acting_user: Any,
    note: str,
    rectified: bool = False,
    expected_version: int | None = None,
) -> Hazard:
    """整改跟进: a note on the rectification; ``rectified`` says the operator reports it
    done (it still needs a re-inspection to close)."""
    check_can(acting_user, "inspection.perform", hazard.jurisdiction)
    if hazard.status == HazardStatus.CLOSED:
        raise Conflict(_("隐患已销号"), code="hazard_closed")
    note = note.strip()
    if not note or len(note) > 2000:
        raise ValidationFailed(_("请填写跟进情况"), code="invalid_note")
    HazardFollowUp.objects.create(hazard=hazard, by=acting_user, note=note)
    if rectified:
        if expected_version is None:
            raise ValidationFailed(_("缺少版本号"), code="version_required")
        update_if_version(hazard, expected_version, status=HazardStatus.RECTIFIED)
    audit.record(
        actor=acting_user, action="hazard.follow_up", obj=hazard, data={"rectified": rectified}
    )
    return hazard


# --- Sweeps ------------------------------------------------------------------------------


@transaction.atomic
def do_launch_campaign(
    *,
    acting_user: Any,
    name: str,
    jurisdiction: Jurisdiction,
    place_types: list[str],
    starts_on: date,
    ends_on: date,
) -> tuple[Campaign, int]:
    """专项行动: one inspection task, due at the end, for every active place of the chosen
    types in the area."""
    check_can(acting_user, "inspection.plan", jurisdiction)
    errors: dict[str, str] = {}
    if not name.strip() or len(name) > 100:
        errors["name"] = _("请填写行动名称")
    if not place_types or any(t not in PlaceType.values for t in place_types):
        errors["place_types"] = _("请选择场所类型")
    if ends_on < starts_on or (ends_on - starts_on).days > 366:
        errors["ends_on"] = _("结束日期须不早于开始日期，且不超过一年")
    if errors:
        raise ValidationFailed("；".join(errors.values()), code="invalid_campaign", fields=errors)
    campaign = Campaign.objects.create(
        name=name.strip(),
        jurisdiction=jurisdiction,
        place_types=sorted(set(place_types)),
        starts_on=starts_on,
        ends_on=ends_on,
        created_by=acting_user,
    )
    places = Place.objects.filter(
        active=True,
        place_type__in=place_types,
        jurisdiction__path__startswith=jurisdiction.path,
    ).values_list("pk", "jurisdiction_id")
    tasks = [
        InspectionTask(
            place_id=pk,
            jurisdiction_id=jur,
            campaign=campaign,
            source=f"campaign:{campaign.pk}",
            period=f"{starts_on:%Y%m%d}",
            due_on=ends_on,
        )
        for pk, jur in places
    ]
    InspectionTask.objects.bulk_create(tasks, batch_size=1000)
    audit.record(
        actor=acting_user,
        action="campaign.launch",
        obj=campaign,
        data={"tasks": len(tasks), "types": campaign.place_types},
    )
    return campaign, len(tasks)
