"""SLA clocks (签收/办结时限): remind at the deadline, escalate one level up the tree a
day later, and one more level up the day after; running the scan twice acts once."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from tests.grid.factories import photo, submit
from zhian.core.notifications import inbox_for
from zhian.grid.choices import EventKind, SlaClock
from zhian.grid.models import Referral, SlaAlert
from zhian.grid.services import sla
from zhian.grid.services.reports import (
    do_reopen_referral,
    do_resolve_referral,
    do_sign_referral,
)
from zhian.grid.tasks import scan_overdue_referrals

pytestmark = pytest.mark.django_db

H = timedelta(hours=1)


@pytest.fixture
def filed(people: dict[str, Any], rules: Any) -> tuple[Referral, datetime]:
    """A 群众求助 report filed at t0, routed to 城管 with 1 h to sign, 1 day to resolve."""
    t0 = timezone.now() - timedelta(days=10)
    report = submit(people["worker"], "assistance", at=t0)
    return Referral.objects.get(report=report), t0


def _timeline(referral: Referral) -> list[tuple[str, str | None]]:
    return [
        (e.kind, e.data.get("escalated_to"))
        for e in referral.report.events.filter(kind__in=[EventKind.REMINDED, EventKind.ESCALATED])
    ]


def test_sign_for_clock_reminds_then_escalates_to_sector_then_station(
    filed: tuple[Referral, datetime], settings: Any
) -> None:
    settings.ZHIAN_GRID_ESCALATE_AFTER_HOURS = 24
    referral, t0 = filed
    due = t0 + 1 * H
    assert referral.sign_due_at == due and referral.next_alert_at == due

    assert sla.scan_overdue(now=due - timedelta(minutes=1)).examined == 0
    first = sla.scan_overdue(now=due + timedelta(minutes=1))
    assert (first.reminded, first.escalated) == (1, 0)
    assert _timeline(referral) == [(EventKind.REMINDED, None)]

    # Still within a day of the deadline: nothing more.
    assert sla.scan_overdue(now=due + 23 * H).examined == 0
    second = sla.scan_overdue(now=due + 25 * H)
    assert (second.reminded, second.escalated) == (0, 1)
    referral.refresh_from_db()
    assert referral.escalated_to is not None
    assert referral.escalated_to.code == "S1-1"  # the grid's sector, one level up

    third = sla.scan_overdue(now=due + 49 * H)
    assert third.escalated == 1
    referral.refresh_from_db()
    assert referral.escalated_to is not None
    assert referral.escalated_to.code == "S1"  # and the station, one more level up
    assert referral.next_alert_at is None  # two levels is as far as it goes
    assert sla.scan_overdue(now=due + 500 * H).examined == 0
    assert _timeline(referral) == [
        (EventKind.REMINDED, None),
        (EventKind.ESCALATED, "S1-1"),
        (EventKind.ESCALATED, "S1"),
    ]
    notes = list(
        referral.report.events.filter(kind=EventKind.ESCALATED).values_list("note", flat=True)
    )
    assert "超过签收时限" in notes[0] and "S1-1" in notes[0]


def test_running_the_scan_twice_escalates_once(filed: tuple[Referral, datetime]) -> None:
    referral, _t0 = filed
    at = referral.sign_due_at + 25 * H
    first = sla.scan_overdue(now=at)
    again = sla.scan_overdue(now=at)
    # A scan that was down catches up: reminder and first escalation, each once.
    assert (first.reminded, first.escalated) == (1, 1)
    assert (again.reminded, again.escalated, again.examined) == (0, 0, 0)
    # Even a stale copy of the referral (read before the first scan) does nothing.
    stale = Referral.objects.select_related("report__jurisdiction", "department").get(
        pk=referral.pk
    )
    stale.alert_stage = 0
    result = sla.ScanResult()
    plan = sla._plan(stale, at)
    assert plan is not None
    sla._apply([plan], at, result)
    assert result.alerts == []
    # And if the stage itself were lost (a racing scan read it before the first one
    # committed), the unique constraint on the alerts refuses the copy: nothing doubles.
    Referral.objects.filter(pk=referral.pk).update(alert_stage=0, next_alert_at=at)
    raced = sla.scan_overdue(now=at)
    assert (raced.examined, raced.reminded, raced.escalated) == (1, 0, 0)
    assert SlaAlert.objects.filter(referral=referral).count() == 2
    assert len(_timeline(referral)) == 2


def test_signing_in_time_stops_the_sign_clock_and_starts_the_resolve_clock(
    people: dict[str, Any], rules: Any
) -> None:
    report = submit(people["worker"], "assistance")
    referral = Referral.objects.select_related("report__jurisdiction", "department").get(
        report=report
    )
    do_sign_referral(referral, acting_user=people["liaison"], expected_version=1)
    assert sla.scan_overdue(now=referral.sign_due_at + 20 * H).examined == 0
    # The resolve clock (1 day) runs out: reminded, then escalated on the resolve clock.
    result = sla.scan_overdue(now=referral.resolve_due_at + 25 * H)
    assert (result.reminded, result.escalated) == (1, 1)
    clocks = set(SlaAlert.objects.filter(referral=referral).values_list("clock", flat=True))
    assert clocks == {SlaClock.RESOLVE}


def test_a_reopened_referral_gets_a_new_resolve_cycle(people: dict[str, Any], rules: Any) -> None:
    report = submit(people["worker"], "assistance")
    referral = Referral.objects.select_related("report__jurisdiction", "department").get(
        report=report
    )
    liaison = people["liaison"]
    do_sign_referral(referral, acting_user=liaison, expected_version=1)
    sla.scan_overdue(now=referral.resolve_due_at + H)  # reminded on cycle 0
    referral.refresh_from_db()
    do_resolve_referral(
        referral,
        acting_user=liaison,
        expected_version=referral.version,
        resolution="已处理",
        photos=[photo()],
    )
    assert sla.scan_overdue(now=referral.resolve_due_at + 100 * H).examined == 0
    do_reopen_referral(
        referral,
        acting_user=people["worker"],
        expected_version=referral.version,
        reason="未处理到位",
    )
    referral.refresh_from_db()
    sla.scan_overdue(now=referral.resolve_due_at + H)
    cycles = sorted(SlaAlert.objects.filter(referral=referral).values_list("cycle", "stage"))
    assert cycles == [(0, 1), (1, 1)]


def test_a_report_on_the_station_escalates_only_to_the_bureau(
    tree: dict[str, Any], people: dict[str, Any], rules: Any, settings: Any
) -> None:
    settings.ZHIAN_GRID_ESCALATION_LEVELS = 5
    referral, _t0 = (lambda r: (Referral.objects.get(report=r), None))(
        submit(people["worker"], "assistance", at=timezone.now() - timedelta(days=30))
    )
    sla.scan_overdue(now=referral.sign_due_at + 500 * H)
    # grid → sector → station → bureau, then nothing is above.
    stages = list(
        SlaAlert.objects.filter(referral=referral)
        .order_by("stage")
        .values_list("stage", "jurisdiction__code")
    )
    assert stages == [(1, None), (2, "S1-1"), (3, "S1"), (4, "B")]


def test_the_background_task_runs_the_scan(filed: tuple[Referral, datetime]) -> None:
    _referral, _t0 = filed
    result = scan_overdue_referrals.enqueue()  # the immediate backend in tests
    assert result.return_value == {"reminded": 1, "escalated": 2, "examined": 1}  # 10 days late
    again = scan_overdue_referrals.enqueue().return_value
    assert again is not None
    assert again["examined"] == 0


def test_reminders_go_to_the_liaisons_and_escalations_to_the_level_above(
    filed: tuple[Referral, datetime], people: dict[str, Any]
) -> None:
    referral, _t0 = filed
    sla.scan_overdue(now=referral.sign_due_at + H)
    liaison_titles = list(
        inbox_for(people["liaison"]).filter(kind="grid.overdue").values_list("title", flat=True)
    )
    assert liaison_titles == ["超时提醒：派单已超过签收时限"]
    assert not inbox_for(people["sector_leader"]).exists()
    sla.scan_overdue(now=referral.sign_due_at + 25 * H)
    # The sector's leader hears of the escalation to the sector; the station's does not yet.
    assert list(inbox_for(people["sector_leader"]).values_list("title", flat=True)) == [
        "超时升级：城管执法中队未按时签收"
    ]
    assert not inbox_for(people["station_leader"]).exists()
    sla.scan_overdue(now=referral.sign_due_at + 49 * H)
    assert inbox_for(people["station_leader"]).count() == 1
    assert inbox_for(people["liaison"]).filter(kind="grid.overdue").count() == 3
    link = inbox_for(people["station_leader"]).get().link
    assert link == f"/grid/reports/{referral.report_id}/"
