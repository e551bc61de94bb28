"""Appointments (网上预约) at a station window: services and slots the bureau configures,
booking without double booking, cancel and reschedule with the tracking code, reminders.

A slot's ``booked`` counter moves only through one conditional UPDATE
(``booked < capacity``), and a CHECK constraint refuses ``booked > capacity``: of 50
citizens racing for the last place exactly one wins, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from zhian.core import audit
from zhian.core.concurrency import update_if_version
from zhian.core.errors import Conflict, NotFound, ValidationFailed
from zhian.core.models import Jurisdiction, JurisdictionKind
from zhian.core.scoping import check_can
from zhian.services.choices import AppointmentStatus, PublicEvent, TrackedKind
from zhian.services.models import Appointment, BookableService, Slot
from zhian.services.operations import ratelimits
from zhian.services.operations.notify import send_to_citizen
from zhian.services.operations.portal import Citizen
from zhian.services.operations.tracking import (
    add_public,
    find_tracking,
    finish_tracking,
    normalise_phone,
    open_tracking,
    phone_digest,
)

SLOT_GONE = _("该时段已约满，请选择其他时段")


def is_workday(day: date) -> bool:
    """Statutory holidays and make-up working days (调休) from chinesecalendar."""
    from zhian.core.workdays import is_workday as core_is_workday

    return core_is_workday(day)


@transaction.atomic
def do_configure_service(
    *, acting_user: Any, code: str, name: str, description: str, stations: list[Jurisdiction]
) -> BookableService:
    """Create or update a bookable service (e.g. 无犯罪记录证明) offered at ``stations``."""
    if not code.strip() or not name.strip():
        raise ValidationFailed(_("请填写编码和名称"), code="invalid_service")
    if not stations or any(s.kind != JurisdictionKind.STATION for s in stations):
        raise ValidationFailed(_("请选择办理的派出所"), code="invalid_stations")
    for station in stations:
        check_can(acting_user, "appointment.configure", station)
    service, _created = BookableService.objects.update_or_create(
        code=code.strip(), defaults={"name": name.strip(), "description": description.strip()}
    )
    service.stations.add(*stations)
    audit.record(
        actor=acting_user,
        action="appointment.configure",
        obj=service,
        data={"stations": [s.code for s in stations]},
    )
    return service


@transaction.atomic
def do_open_slots(
    *,
    acting_user: Any,
    service: BookableService,
    station: Jurisdiction,
    first_day: date,
    last_day: date,
    windows: list[tuple[time, time]],
    capacity: int,
) -> int:
    """Open the windows on every working day from ``first_day`` to ``last_day`` (holidays
    skipped, 调休 Saturdays included); existing slots are left as they are. Returns how
    many were created."""
    check_can(acting_user, "appointment.configure", station)
    if not service.stations.filter(pk=station.pk).exists():
        raise ValidationFailed(_("该派出所未开通此项服务"), code="service_not_offered")
    if not 1 <= capacity <= 500:
        raise ValidationFailed(_("名额须在 1–500 之间"), code="invalid_capacity")
    if last_day < first_day or (last_day - first_day).days > 92:
        raise ValidationFailed(_("日期范围须在 92 天以内"), code="invalid_range")
    if not windows or any(end <= start for start, end in windows):
        raise ValidationFailed(_("时段的结束须晚于开始"), code="invalid_window")
    tz = timezone.get_current_timezone()
    created = 0
    day = first_day
    while day <= last_day:
        if is_workday(day):
            for start, end in windows:
                _slot, made = Slot.objects.get_or_create(
                    service=service,
                    station=station,
                    starts_at=datetime.combine(day, start, tz),
                    defaults={
                        "day": day,
                        "ends_at": datetime.combine(day, end, tz),
                        "capacity": capacity,
                    },
                )
                created += made
        day += timedelta(days=1)
    audit.record(
        actor=acting_user,
        action="appointment.open_slots",
        obj=service,
        data={"station": station.code, "from": first_day, "to": last_day, "created": created},
    )
    return created


def bookable_slots(service: BookableService, station: Jurisdiction, day: date) -> QuerySet[Slot]:
    """The day's future slots of a service at a station (full ones included, marked)."""
    return Slot.objects.filter(
        service=service, station=station, day=day, starts_at__gt=timezone.now()
    ).order_by("starts_at")


def _take_place(slot_id: int) -> Slot:
    """Take one place in one statement, or say the slot is gone."""
    taken = Slot.objects.filter(
        pk=slot_id, booked__lt=F("capacity"), starts_at__gt=timezone.now()
    ).update(booked=F("booked") + 1)
    if not taken:
        if not Slot.objects.filter(pk=slot_id, service__active=True).exists():
            raise NotFound(_("未找到该时段"), code="slot_not_found")
        raise Conflict(SLOT_GONE, code="slot_full")
    return Slot.objects.select_related("service", "station").get(pk=slot_id)


def _release_place(slot_id: int) -> None:
    Slot.objects.filter(pk=slot_id, booked__gt=0).update(booked=F("booked") - 1)


def book_appointment(*, slot_id: int, phone: str, citizen: Citizen) -> Appointment:
    """Book one place; the tracking code is the citizen's key to cancel or reschedule."""
    phone = normalise_phone(phone)
    if citizen.ip:
        ratelimits.hit("book_ip", citizen.ip)
    ratelimits.hit("book_phone", phone_digest(phone))
    return _book(slot_id, phone, citizen)


@transaction.atomic
def _book(slot_id: int, phone: str, citizen: Citizen) -> Appointment:
    slot = _take_place(slot_id)
    tracking = open_tracking(kind=TrackedKind.APPOINTMENT, channel=citizen.channel, phone=phone)
    appointment = Appointment.objects.create(
        tracking=tracking, slot=slot, station=slot.station, created_at=tracking.created_at
    )
    add_public(tracking, PublicEvent.BOOKED, _describe(slot))
    audit.record(
        actor=None,
        action="appointment.book",
        obj=appointment,
        data=citizen.audit_data(slot=slot.pk, code=tracking.code),
    )
    return appointment


def _describe(slot: Slot) -> str:
    start = timezone.localtime(slot.starts_at)
    end = timezone.localtime(slot.ends_at)
    return f"{slot.service.name} · {slot.station.name} · {start:%Y-%m-%d %H:%M}–{end:%H:%M}"


def _own_appointment(code: str, last4: str) -> Appointment:
    tracking = find_tracking(code, last4)
    appointment = (
        Appointment.objects.filter(tracking=tracking)
        .select_related("tracking", "slot__service", "slot__station")
        .first()
    )
    if appointment is None:
        raise NotFound(_("未找到该受理编号，或电话号码后四位不符"), code="tracking_not_found")
    if appointment.status != AppointmentStatus.BOOKED:
        raise Conflict(_("该预约已取消或已办理"), code="appointment_closed")
    return appointment


@transaction.atomic
def cancel_appointment(*, code: str, last4: str, citizen: Citizen) -> Appointment:
    """The citizen cancels; the place is free again at once."""
    appointment = _own_appointment(code, last4)
    moved = Appointment.objects.filter(
        pk=appointment.pk, status=AppointmentStatus.BOOKED, slot_id=appointment.slot_id
    ).update(status=AppointmentStatus.CANCELLED, version=F("version") + 1)
    if not moved:
        raise Conflict(_("该预约已取消或已办理"), code="appointment_closed")
    _release_place(appointment.slot_id)
    appointment.status = AppointmentStatus.CANCELLED
    add_public(appointment.tracking, PublicEvent.CANCELLED)
    finish_tracking(appointment.tracking)
    audit.record(
        actor=None, action="appointment.cancel", obj=appointment, data=citizen.audit_data()
    )
    return appointment


@transaction.atomic
def reschedule_appointment(*, code: str, last4: str, slot_id: int, citizen: Citizen) -> Appointment:
    """Move to another slot of the same service: the new place is taken first, so a
    citizen never ends up with neither."""
    appointment = _own_appointment(code, last4)
    if slot_id == appointment.slot_id:
        raise ValidationFailed(_("请选择另一个时段"), code="same_slot")
    new = _take_place(slot_id)
    if new.service_id != appointment.slot.service_id:
        raise ValidationFailed(_("只能改约同一项服务"), code="other_service")
    moved = Appointment.objects.filter(
        pk=appointment.pk, status=AppointmentStatus.BOOKED, slot_id=appointment.slot_id
    ).update(slot=new, station=new.station, reminded_at=None, version=F("version") + 1)
    if not moved:
        raise Conflict(_("该预约已取消或已办理"), code="appointment_closed")
    _release_place(appointment.slot_id)
    appointment.slot = new
    add_public(appointment.tracking, PublicEvent.RESCHEDULED, _describe(new))
    audit.record(
        actor=None,
        action="appointment.reschedule",
        obj=appointment,
        data=citizen.audit_data(slot=new.pk),
    )
    return appointment


@dataclass(frozen=True)
class Outcome:
    status: str
    event: str


_OUTCOMES: dict[str, Outcome] = {
    AppointmentStatus.DONE: Outcome(AppointmentStatus.DONE, PublicEvent.SERVED),
    AppointmentStatus.NO_SHOW: Outcome(AppointmentStatus.NO_SHOW, PublicEvent.FINISHED),
}


@transaction.atomic
def do_record_visit(
    appointment: Appointment, *, acting_user: Any, outcome: str, expected_version: int
) -> Appointment:
    """The window records 已办理 or 未到; a served citizen gets a 回访 link."""
    from zhian.services.operations.surveys import invite_survey

    check_can(acting_user, "appointment.handle", appointment.station)
    if outcome not in _OUTCOMES:
        raise ValidationFailed(_("请选择办理结果"), code="invalid_outcome")
    if appointment.status != AppointmentStatus.BOOKED:
        raise Conflict(_("该预约已取消或已办理"), code="appointment_closed")
    chosen = _OUTCOMES[outcome]
    update_if_version(appointment, expected_version, status=chosen.status)
    add_public(appointment.tracking, chosen.event)
    finish_tracking(appointment.tracking)
    if chosen.status == AppointmentStatus.DONE:
        invite_survey(appointment.tracking, station=appointment.station)
    audit.record(
        actor=acting_user, action="appointment.visit", obj=appointment, data={"outcome": outcome}
    )
    return appointment


def send_reminders(*, now: datetime | None = None) -> int:
    """Remind everyone booked for tomorrow (local day), once: each appointment is claimed
    by a conditional UPDATE, so two workers never send the same reminder."""
    now = now or timezone.now()
    tomorrow = timezone.localtime(now).date() + timedelta(days=1)
    due = Appointment.objects.filter(
        status=AppointmentStatus.BOOKED, reminded_at__isnull=True, slot__day=tomorrow
    ).select_related("tracking", "slot__service", "slot__station")
    sent = 0
    for appointment in due:
        with transaction.atomic():
            if not Appointment.objects.filter(pk=appointment.pk, reminded_at__isnull=True).update(
                reminded_at=now
            ):
                continue
            send_to_citizen(
                appointment.tracking,
                _("预约提醒"),
                _(
                    "提醒：您预约了明天 %(what)s，受理编号 %(code)s。"
                    "如需取消或改约，请在便民服务网站操作。"
                )
                % {"what": _describe(appointment.slot), "code": appointment.tracking.code},
            )
            sent += 1
    return sent
