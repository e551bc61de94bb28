"""Appointments: slots on working days only, no double booking under concurrency (50
citizens racing for the last place, on SQLite and PostgreSQL), cancel and reschedule with
the tracking code, reminders the day before."""

from __future__ import annotations

import threading
from datetime import date, time, timedelta
from typing import Any

import pytest
from django.db import IntegrityError, connections, transaction
from django.db.models import F

from tests.services.factories import bookable_service, slot
from zhian.core.errors import Conflict, NotFound, ValidationFailed
from zhian.services.choices import AppointmentStatus
from zhian.services.models import Appointment, Slot
from zhian.services.operations.appointments import (
    book_appointment,
    cancel_appointment,
    do_open_slots,
    do_record_visit,
    reschedule_appointment,
)
from zhian.services.operations.portal import Citizen
from zhian.services.selectors import public_view

RACERS = 50


@pytest.mark.django_db
def test_slots_open_on_working_days_and_make_up_saturdays_only(
    tree: dict[str, Any], people: dict[str, Any]
) -> None:
    service = bookable_service([tree["S1"]])
    created = do_open_slots(
        acting_user=people["admin"],
        service=service,
        station=tree["S1"],
        first_day=date(2026, 9, 28),
        last_day=date(2026, 10, 11),
        windows=[(time(9), time(9, 30)), (time(14), time(14, 30))],
        capacity=3,
    )
    days = sorted(set(Slot.objects.values_list("day", flat=True)))
    # National Day 10-01..10-07 off; Saturday 10-10 is a make-up working day (调休).
    assert days == [
        date(2026, 9, 28),
        date(2026, 9, 29),
        date(2026, 9, 30),
        date(2026, 10, 8),
        date(2026, 10, 9),
        date(2026, 10, 10),
    ]
    assert created == 12
    again = do_open_slots(
        acting_user=people["admin"],
        service=service,
        station=tree["S1"],
        first_day=date(2026, 9, 28),
        last_day=date(2026, 9, 28),
        windows=[(time(9), time(9, 30))],
        capacity=3,
    )
    assert again == 0


@pytest.mark.django_db
def test_a_station_not_offering_the_service_cannot_open_slots(
    tree: dict[str, Any], people: dict[str, Any]
) -> None:
    service = bookable_service([tree["S1"]])
    with pytest.raises(ValidationFailed):
        do_open_slots(
            acting_user=people["admin"],
            service=service,
            station=tree["S2"],
            first_day=date(2026, 9, 28),
            last_day=date(2026, 9, 28),
            windows=[(time(9), time(9, 30))],
            capacity=1,
        )


@pytest.mark.django_db
def test_the_database_refuses_an_overbooked_slot(tree: dict[str, Any]) -> None:
    place = slot(bookable_service([tree["S1"]]), tree["S1"], capacity=1)
    Slot.objects.filter(pk=place.pk).update(booked=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Slot.objects.filter(pk=place.pk).update(booked=F("booked") + 1)


@pytest.mark.django_db(transaction=True)
def test_fifty_citizens_race_for_the_last_place_and_one_wins(tree: dict[str, Any]) -> None:
    place = slot(bookable_service([tree["S1"]]), tree["S1"], capacity=3)
    Slot.objects.filter(pk=place.pk).update(booked=2)  # one place left
    outcomes: list[str] = []
    barrier = threading.Barrier(RACERS)

    def race(n: int) -> None:
        try:
            barrier.wait()
            book_appointment(
                slot_id=place.pk, phone=f"139{n:08d}", citizen=Citizen(ip=f"198.51.100.{n}")
            )
            outcomes.append("booked")
        except Conflict as exc:
            outcomes.append(exc.code)
        except Exception as exc:
            outcomes.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=race, args=(n,)) for n in range(RACERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(set(outcomes)) == ["booked", "slot_full"], outcomes
    assert outcomes.count("booked") == 1
    place.refresh_from_db()
    assert place.booked == 3
    assert Appointment.objects.filter(slot=place).count() == 1


@pytest.mark.django_db
def test_cancel_frees_the_place_and_the_next_citizen_books_it(
    tree: dict[str, Any], citizen: Any
) -> None:
    place = slot(bookable_service([tree["S1"]]), tree["S1"], capacity=1)
    first = book_appointment(slot_id=place.pk, phone="13900000001", citizen=citizen)
    with pytest.raises(Conflict) as gone:
        book_appointment(slot_id=place.pk, phone="13900000002", citizen=citizen)
    assert gone.value.code == "slot_full"
    with pytest.raises(NotFound):
        cancel_appointment(code=first.tracking.code, last4="0002", citizen=citizen)
    cancel_appointment(code=first.tracking.code, last4="0001", citizen=citizen)
    with pytest.raises(Conflict):
        cancel_appointment(code=first.tracking.code, last4="0001", citizen=citizen)
    second = book_appointment(slot_id=place.pk, phone="13900000002", citizen=citizen)
    place.refresh_from_db()
    assert place.booked == 1
    assert public_view(first.tracking.code, "0001").status == AppointmentStatus.CANCELLED
    assert public_view(second.tracking.code, "0002").status == AppointmentStatus.BOOKED


@pytest.mark.django_db
def test_reschedule_takes_the_new_place_before_freeing_the_old(
    tree: dict[str, Any], citizen: Any
) -> None:
    service = bookable_service([tree["S1"]])
    early = slot(service, tree["S1"], capacity=1)
    late = slot(service, tree["S1"], capacity=1, starts_at=early.starts_at + timedelta(hours=1))
    mine = book_appointment(slot_id=early.pk, phone="13900000001", citizen=citizen)
    book_appointment(slot_id=late.pk, phone="13900000002", citizen=citizen)
    with pytest.raises(Conflict):  # the late slot is full: nothing changes
        reschedule_appointment(
            code=mine.tracking.code, last4="0001", slot_id=late.pk, citizen=citizen
        )
    mine.refresh_from_db()
    assert mine.slot == early
    later = slot(service, tree["S1"], capacity=2, starts_at=early.starts_at + timedelta(hours=2))
    reschedule_appointment(code=mine.tracking.code, last4="0001", slot_id=later.pk, citizen=citizen)
    early.refresh_from_db()
    later.refresh_from_db()
    assert (early.booked, later.booked) == (0, 1)
    assert [e.event for e in public_view(mine.tracking.code, "0001").timeline] == [
        "booked",
        "rescheduled",
    ]


@pytest.mark.django_db
def test_the_window_records_the_visit_in_its_own_station_only(
    tree: dict[str, Any], people: dict[str, Any], citizen: Any
) -> None:
    place = slot(bookable_service([tree["S1"]]), tree["S1"], capacity=1)
    appointment = book_appointment(slot_id=place.pk, phone="13900000001", citizen=citizen)
    with pytest.raises(ValidationFailed):
        do_record_visit(
            appointment, acting_user=people["admin"], outcome="maybe", expected_version=1
        )
    with pytest.raises(NotFound):  # another station's staff
        do_record_visit(
            appointment, acting_user=people["dispatcher2"], outcome="done", expected_version=1
        )
    do_record_visit(appointment, acting_user=people["admin"], outcome="done", expected_version=1)
    assert appointment.status == AppointmentStatus.DONE
    assert appointment.tracking.finished_at is not None
