"""Intake (接警), duplicates, merging, updates and closing of incidents (警情)."""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from zhian.analytics.routing import haversine_m
from zhian.core import audit
from zhian.core.concurrency import check_version, update_if_version
from zhian.core.coords import gcj02_to_wgs84
from zhian.core.errors import Conflict, ValidationFailed
from zhian.core.geo import point_cell
from zhian.core.models import Jurisdiction
from zhian.core.parties import check_purpose
from zhian.core.scoping import check_can, scoped
from zhian.core.selectors import jurisdiction_at
from zhian.dispatch.choices import (
    ACTIVE_INCIDENT,
    Channel,
    Disposition,
    IncidentStatus,
    TimelineKind,
)
from zhian.dispatch.hooks import CountedIncident, incidents_counted
from zhian.dispatch.models import Call, Incident, IncidentCategory, IncidentCounter
from zhian.dispatch.services.assignments import release_assignments
from zhian.dispatch.services.changes import mark_changed
from zhian.dispatch.services.timeline import STALE_INCIDENT, add_timeline


@dataclass(frozen=True)
class IncidentInput:
    """What a call-taker enters. ``crs`` is ``wgs84`` or ``gcj02`` (converted on the way in)."""

    channel: str
    category_code: str
    address: str
    lon: float
    lat: float
    crs: str = "wgs84"
    priority: int | None = None
    narrative: str = ""
    caller_name: str = ""
    caller_phone: str = ""
    received_at: datetime | None = None


def _validate(data: IncidentInput) -> tuple[IncidentCategory, float, float]:
    errors: dict[str, str] = {}
    if data.channel not in Channel.values:
        errors["channel"] = _("报警方式无效")
    category = IncidentCategory.objects.filter(code=data.category_code, active=True).first()
    if category is None:
        errors["category"] = _("警情类别 %(code)s 不存在或已停用") % {"code": data.category_code}
    if not data.address.strip():
        errors["address"] = _("请填写事发地址")
    if data.crs not in {"wgs84", "gcj02"}:
        errors["crs"] = _("坐标系须为 wgs84 或 gcj02")
    if not (-180 <= data.lon <= 180 and -90 <= data.lat <= 90):
        errors["lon"] = _("坐标超出范围")
    if data.priority is not None and data.priority not in (1, 2, 3, 4):
        errors["priority"] = _("优先级须为 1–4")
    if len(data.caller_phone) > 32 or (
        data.caller_phone and not data.caller_phone.replace("-", "").replace(" ", "").isdigit()
    ):
        errors["caller_phone"] = _("电话号码只能包含数字、空格和“-”")
    if errors:
        raise ValidationFailed(
            pgettext("sentence separator", "；").join(errors.values()),
            code="invalid_incident",
            fields=errors,
        )
    lon, lat = data.lon, data.lat
    if data.crs == "gcj02":
        lon, lat = gcj02_to_wgs84(lon, lat)
    assert category is not None
    return category, lon, lat


def locate(user: Any, lon: float, lat: float) -> Jurisdiction:
    """The deepest jurisdiction in the user's scope that contains the point."""
    found = jurisdiction_at(user, "incident.create", lon, lat)
    if found is None:
        raise ValidationFailed(
            _("事发地点不在您的辖区内，请核对坐标或转报相邻单位"),
            code="outside_jurisdiction",
            fields={"lon": _("不在辖区内")},
        )
    return found


def _next_number(bureau: Jurisdiction, at: datetime) -> str:
    """Take the next number of the bureau's local day in one statement (an upsert that
    returns the new value; SQLite ≥ 3.35 and PostgreSQL alike). The row stays locked
    until the transaction commits, which serialises concurrent intakes of one bureau."""
    day = timezone.localtime(at).date()
    table = IncidentCounter._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (bureau_id, day, last) VALUES (%s, %s, 1) "
            f"ON CONFLICT (bureau_id, day) DO UPDATE SET last = {table}.last + 1 "
            "RETURNING last",
            [bureau.pk, day],
        )
        (last,) = cursor.fetchone()
    return f"{bureau.code}-{day:%Y%m%d}-{last:04d}"


@dataclass(frozen=True)
class Intake:
    incident: Incident
    probable_duplicates: list[tuple[Incident, float]]


@transaction.atomic
def do_create_incident(data: IncidentInput, *, acting_user: Any) -> Intake:
    """Record a new incident and its first call, and find probable duplicates of it.
    Numbers are per bureau and local day.

    The day's number and the audit append serialise concurrent intakes (a counter row and
    the audit chain), so both are taken last: the transaction holds them only for the few
    statements before its commit."""
    category, lon, lat = _validate(data)
    jurisdiction = locate(acting_user, lon, lat)
    check_can(acting_user, "incident.create", jurisdiction)
    received = data.received_at or timezone.now()
    duplicates = duplicates_near(lon, lat, received, category.pk, acting_user=acting_user)
    bureau = Jurisdiction.objects.only("pk", "code").get(code=jurisdiction.ancestor_codes()[0])
    incident = Incident.objects.create(
        number=f"~{uuid.uuid4().hex}",  # provisional and unique; numbered just before commit
        jurisdiction=jurisdiction,
        channel=data.channel,
        category=category,
        priority=data.priority or category.default_priority,
        address=data.address.strip()[:200],
        lon=lon,
        lat=lat,
        source_crs=data.crs,
        h3_cell=point_cell(lon, lat),
        narrative=data.narrative.strip(),
        received_at=received,
        created_by=acting_user,
    )
    Call.objects.create(
        incident=incident,
        channel=data.channel,
        received_at=received,
        caller_name=data.caller_name.strip()[:64],
        caller_phone=data.caller_phone.strip()[:32],
        taken_by=acting_user,
    )
    add_timeline(
        incident,
        TimelineKind.RECEIVED,
        actor=acting_user,
        at=received,
        note=f"{category.name} · {incident.address}",
    )
    incidents_counted(added=[CountedIncident.of(incident)])
    incident.number = _next_number(bureau, received)
    Incident.objects.filter(pk=incident.pk).update(number=incident.number)
    audit.record(
        actor=acting_user,
        action="incident.create",
        obj=incident,
        data={"number": incident.number, "category": category.code},
    )
    mark_changed(incidents=[incident])
    return Intake(incident, duplicates)


def find_probable_duplicates(
    incident: Incident,
    *,
    acting_user: Any = None,
    radius_m: float | None = None,
    window_minutes: int | None = None,
) -> list[tuple[Incident, float]]:
    """Open incidents near this one in space and time with a related category (same top
    category or linked in the code table), nearest first, with their distance in metres."""
    return duplicates_near(
        incident.lon,
        incident.lat,
        incident.received_at,
        incident.category_id,
        exclude_pk=incident.pk,
        acting_user=acting_user,
        radius_m=radius_m,
        window_minutes=window_minutes,
    )


def duplicates_near(
    lon: float,
    lat: float,
    at: datetime,
    category_id: int,
    *,
    exclude_pk: int | None = None,
    acting_user: Any = None,
    radius_m: float | None = None,
    window_minutes: int | None = None,
) -> list[tuple[Incident, float]]:
    """Open incidents of a related category within the configured metres and minutes of
    a point and time (see :func:`find_probable_duplicates`), limited to what
    ``acting_user`` may see when given."""
    radius = radius_m if radius_m is not None else settings.ZHIAN_DUPLICATE_RADIUS_M
    window = timedelta(
        minutes=window_minutes if window_minutes is not None else settings.ZHIAN_DUPLICATE_MINUTES
    )
    related_keys = IncidentCategory.relatedness()
    keys = related_keys[category_id]
    qs = Incident.objects.filter(
        status__in=ACTIVE_INCIDENT,
        received_at__gte=at - window,
        received_at__lte=at + window,
    ).only("pk", "number", "lon", "lat", "category_id", "received_at")
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    if acting_user is not None:
        qs = scoped(qs, acting_user, "incident.view")
    return [(c, d) for c, d in _within(qs, lon, lat, radius) if keys & related_keys[c.category_id]]


def _within(
    qs: QuerySet[Incident], lon: float, lat: float, radius_m: float
) -> list[tuple[Incident, float]]:
    """Rows of ``qs`` within ``radius_m`` of a point, nearest first: a cheap box in the
    database (1° latitude ≈ 111 km), then exact distances."""
    dlat = radius_m / 111_000
    dlon = dlat / max(0.05, abs(math.cos(math.radians(lat))))
    candidates = list(
        qs.filter(lat__range=(lat - dlat, lat + dlat), lon__range=(lon - dlon, lon + dlon))
    )
    if not candidates:
        return []
    dist = haversine_m([(c.lon, c.lat) for c in candidates], (lon, lat))
    pairs = [(c, float(d)) for c, d in zip(candidates, dist, strict=True) if d <= radius_m]
    return sorted(pairs, key=lambda p: p[1])


@dataclass(frozen=True)
class LocationHistory:
    """Earlier incidents at a place (地点历史警情): how many, and the latest few."""

    radius_m: float
    days: int
    count: int
    latest: list[Incident]


def location_history(incident: Incident, *, acting_user: Any, limit: int = 10) -> LocationHistory:
    """Incidents the user may see within ``ZHIAN_HISTORY_RADIUS_M`` of this one in the
    ``ZHIAN_HISTORY_DAYS`` before it (itself and merged duplicates left out), so the
    call-taker and the officers know what has happened at the place before."""
    radius = float(settings.ZHIAN_HISTORY_RADIUS_M)
    days = int(settings.ZHIAN_HISTORY_DAYS)
    qs = (
        Incident.objects.filter(
            received_at__gte=incident.received_at - timedelta(days=days),
            received_at__lt=incident.received_at,
        )
        .exclude(pk=incident.pk)
        .exclude(status=IncidentStatus.MERGED)
        .select_related("category")
    )
    visible = scoped(qs, acting_user, "incident.view")
    found = [c for c, _d in _within(visible, incident.lon, incident.lat, radius)]
    found.sort(key=lambda c: c.received_at, reverse=True)
    return LocationHistory(radius, days, len(found), found[:limit])


@transaction.atomic
def do_merge_incident(duplicate: Incident, *, into: Incident, acting_user: Any) -> Incident:
    """Fold a duplicate into the surviving incident: its calls move over, it is closed as
    merged, and both timelines say so. Units already sent to the duplicate must be
    reassigned first."""
    check_can(acting_user, "incident.dispatch", duplicate.jurisdiction)
    check_can(acting_user, "incident.dispatch", into.jurisdiction)
    if duplicate.pk == into.pk:
        raise ValidationFailed(_("不能与自身合并"), code="merge_self")
    if duplicate.status not in ACTIVE_INCIDENT or into.status not in ACTIVE_INCIDENT:
        raise Conflict(_("只能合并未结束的警情"), code="merge_closed")
    if duplicate.assignments.filter(active=True).exists():
        raise Conflict(_("该警情已有出警警力，请先撤回或改派"), code="merge_has_units")
    moved = Call.objects.filter(incident=duplicate).update(incident=into)
    counted = CountedIncident.of(duplicate)
    update_if_version(
        duplicate,
        duplicate.version,
        STALE_INCIDENT,
        status=IncidentStatus.MERGED,
        merged_into=into,
        closed_at=timezone.now(),
    )
    incidents_counted(removed=[counted])
    add_timeline(duplicate, TimelineKind.MERGED, actor=acting_user, note=f"并入 {into.number}")
    add_timeline(
        into,
        TimelineKind.CALL_ADDED,
        actor=acting_user,
        note=f"合并 {duplicate.number}（{moved} 次报警）",
    )
    # Moves the survivor's version on: its calls changed under anyone holding it.
    update_if_version(into, into.version, STALE_INCIDENT)
    audit.record(
        actor=acting_user,
        action="incident.merge",
        obj=duplicate,
        data={"into": into.number, "calls": moved},
    )
    mark_changed(incidents=[duplicate, into])
    return into


@transaction.atomic
def do_update_incident(
    incident: Incident, *, acting_user: Any, expected_version: int, **changes: Any
) -> Incident:
    """Change category, priority, address or narrative of an open incident."""
    check_can(acting_user, "incident.dispatch", incident.jurisdiction)
    if incident.status not in ACTIVE_INCIDENT:
        raise Conflict(_("已结束的警情不能修改"), code="incident_closed")
    allowed = {"priority", "address", "narrative", "category_code"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationFailed(
            _("不能修改字段：%(fields)s") % {"fields": ", ".join(sorted(unknown))},
            code="invalid_field",
        )
    # Validate everything before touching the incident: a refused update leaves it as read.
    values: dict[str, Any] = {
        k: v.strip() if isinstance(v, str) else v
        for k, v in changes.items()
        if k != "category_code"
    }
    if "category_code" in changes:
        category = IncidentCategory.objects.filter(
            code=changes["category_code"], active=True
        ).first()
        if category is None:
            raise ValidationFailed(_("警情类别不存在或已停用"), code="invalid_category")
        values["category"] = category
    if "priority" in values and values["priority"] not in (1, 2, 3, 4):
        raise ValidationFailed(_("优先级须为 1–4"), code="invalid_priority")
    if "address" in values and not values["address"]:
        raise ValidationFailed(_("请填写事发地址"), code="invalid_address")
    changed = {k: v for k, v in values.items() if getattr(incident, k) != v}
    if not changed:
        check_version(incident.version, expected_version, STALE_INCIDENT)
        return incident
    before = {k: getattr(incident, k) for k in changed}
    if "category" in before:
        before["category"] = incident.category.code
    counted = CountedIncident.of(incident)
    update_if_version(incident, expected_version, STALE_INCIDENT, **changed)
    if "category" in changed:
        incidents_counted(removed=[counted], added=[CountedIncident.of(incident)])
    add_timeline(incident, TimelineKind.UPDATED, actor=acting_user, note="、".join(sorted(changed)))
    audit.record(actor=acting_user, action="incident.update", obj=incident, data={"before": before})
    mark_changed(incidents=[incident])
    return incident


@transaction.atomic
def do_close_incident(
    incident: Incident, *, acting_user: Any, disposition: str, note: str, expected_version: int
) -> Incident:
    """Close with a disposition (处理结果). Units still out are released."""
    check_can(acting_user, "incident.close", incident.jurisdiction)
    if disposition not in Disposition.values:
        raise ValidationFailed(
            _("请选择处理结果"), code="invalid_disposition", fields={"disposition": _("必填")}
        )
    if incident.status not in ACTIVE_INCIDENT:
        raise Conflict(_("该警情已结束"), code="incident_closed")
    update_if_version(
        incident,
        expected_version,
        STALE_INCIDENT,
        status=IncidentStatus.CLOSED,
        disposition=disposition,
        disposition_note=note.strip(),
        closed_at=timezone.now(),
    )
    freed = release_assignments(incident, acting_user=acting_user, note="警情结束")
    add_timeline(
        incident,
        TimelineKind.CLOSED,
        actor=acting_user,
        note=f"{Disposition(disposition).label} {incident.disposition_note}".strip(),
    )
    audit.record(
        actor=acting_user, action="incident.close", obj=incident, data={"disposition": disposition}
    )
    mark_changed(incidents=[incident], units=freed)
    return incident


@transaction.atomic
def do_add_feedback(incident: Incident, *, acting_user: Any, note: str) -> None:
    """Record a 反馈: what the attending officers report back, or what the caller was told."""
    check_can(acting_user, "incident.feedback", incident.jurisdiction)
    note = note.strip()
    if not note:
        raise ValidationFailed(
            _("请填写反馈内容"), code="empty_feedback", fields={"note": _("必填")}
        )
    if len(note) > 500:
        raise ValidationFailed(
            _("反馈内容最多 500 字"), code="feedback_too_long", fields={"note": _("过长")}
        )
    add_timeline(incident, TimelineKind.FEEDBACK, actor=acting_user, note=note)
    Incident.objects.filter(pk=incident.pk).update(updated_at=timezone.now())
    audit.record(actor=acting_user, action="incident.feedback", obj=incident)
    mark_changed(incidents=[incident])


def reveal_callers(incident: Incident, *, acting_user: Any, purpose: str) -> list[dict[str, Any]]:
    """Caller names and phones of an incident, logged with the purpose (查询事由)."""
    check_can(acting_user, "caller.reveal", incident.jurisdiction)
    purpose = check_purpose(purpose)
    calls = list(incident.calls.all())
    with transaction.atomic():
        audit.record_personal_data_read(
            actor=acting_user,
            obj=incident,
            purpose=purpose,
            fields=["caller_name", "caller_phone"],
        )
    return [
        {
            "call_id": c.pk,
            "received_at": c.received_at,
            "caller_name": c.caller_name,
            "caller_phone": c.caller_phone,
            "legal_basis": c.legal_basis,
        }
        for c in calls
    ]
