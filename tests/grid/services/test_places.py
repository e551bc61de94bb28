"""Places (risk tier by rule), plan → tasks per month, inspection → hazard → follow-up →
re-inspection → closed, sweeps with a progress board per station."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from django.utils import timezone

from zhian.core.errors import Conflict, ValidationFailed
from zhian.grid import selectors
from zhian.grid.choices import HazardStatus, RiskTier, TaskStatus
from zhian.grid.models import Hazard, InspectionTask
from zhian.grid.services import place_rules
from zhian.grid.services import places as svc

pytestmark = pytest.mark.django_db


def _all(kind: str, value: str = "pass", **over: str) -> dict[str, str]:
    return {code: over.get(code, value) for code, _label in place_rules.checklist(kind)}


def test_risk_tier_follows_the_written_rule(places: dict[str, Any]) -> None:
    assert places["big_school"].risk_tier == RiskTier.HIGH
    assert places["big_school"].risk_reasons == ["学生 ≥ 1000 或寄宿制"]
    assert places["small_school"].risk_tier == RiskTier.MEDIUM
    assert places["hotel"].risk_tier == RiskTier.MEDIUM
    assert places["cafe"].risk_tier == RiskTier.LOW
    assert places["big_school"].jurisdiction.code == "S1-1-1"
    assert places["small_school"].jurisdiction.code == "S1-1-2"


def test_attributes_are_validated_per_type_and_name_the_field(people: dict[str, Any]) -> None:
    base: dict[str, Any] = {
        "name": "加油站",
        "place_type": "hazmat_site",
        "address": "某路 9 号",
        "lon": 120.01,
        "lat": 30.01,
        "operator_name": "李",
        "operator_phone": "13800138000",
    }
    for attrs, field in (
        ({"hazard_class": "flammable"}, "stored_tonnes"),
        ({"hazard_class": "spicy", "stored_tonnes": 3}, "hazard_class"),
        ({"hazard_class": "flammable", "stored_tonnes": "many"}, "stored_tonnes"),
        ({"hazard_class": "flammable", "stored_tonnes": 3, "colour": "red"}, "colour"),
    ):
        with pytest.raises(ValidationFailed) as err:
            svc.do_register_place(
                svc.PlaceInput(**base, attributes=attrs), acting_user=people["admin"]
            )
        assert err.value.extra["field"] == field
    with pytest.raises(ValidationFailed) as err:
        svc.do_register_place(
            svc.PlaceInput(
                **{**base, "operator_phone": "12"},
                attributes={"hazard_class": "toxic", "stored_tonnes": 1},
            ),
            acting_user=people["admin"],
        )
    assert err.value.extra["field"] == "operator_phone"


def test_a_plan_generates_the_right_tasks_for_a_month_once(
    tree: dict[str, Any], people: dict[str, Any], places: dict[str, Any]
) -> None:
    leader = people["station_leader"]
    svc.do_create_plan(
        acting_user=leader,
        jurisdiction=tree["S1"],
        place_type="school",
        risk_tier=RiskTier.HIGH,
        frequency="weekly",
    )
    svc.do_create_plan(
        acting_user=leader,
        jurisdiction=tree["S1"],
        place_type="school",
        risk_tier=RiskTier.MEDIUM,
        frequency="monthly",
    )
    svc.do_create_plan(
        acting_user=leader,
        jurisdiction=tree["S1"],
        place_type="hotel",
        risk_tier=RiskTier.MEDIUM,
        frequency="quarterly",
    )
    # September 2026: Mondays on the 7th, 14th, 21st and 28th.
    made = svc.generate_tasks(2026, 9)
    tasks = {(t.place.name, t.period, t.due_on) for t in InspectionTask.objects.all()}
    assert tasks == {
        ("实验小学", "2026-W37", date(2026, 9, 13)),
        ("实验小学", "2026-W38", date(2026, 9, 20)),
        ("实验小学", "2026-W39", date(2026, 9, 27)),
        ("实验小学", "2026-W40", date(2026, 10, 4)),
        ("希望小学", "2026-09", date(2026, 9, 30)),
        ("如家酒店", "2026-Q3", date(2026, 9, 30)),
    }
    # The S2 school (tier 1, but outside the plans' station) and the café get none.
    assert made.created == 6
    again = svc.generate_tasks(2026, 9)
    assert (again.created, again.existing) == (0, 6)
    # August is the same quarter: the hotel's quarterly task is not made again.
    august = svc.generate_tasks(2026, 8)
    assert InspectionTask.objects.filter(place=places["hotel"]).count() == 1
    assert august.created == 6  # five weeks (Mondays 3, 10, 17, 24, 31) and one month


def test_a_failed_item_becomes_a_hazard_followed_up_until_a_reinspection_closes_it(
    people: dict[str, Any], places: dict[str, Any]
) -> None:
    worker, hotel = people["worker"], places["hotel"]
    first = svc.do_record_inspection(
        hotel,
        acting_user=worker,
        results=_all("hotel", fire_exits="fail", cctv="fail"),
        notes="二楼通道堆放杂物；监控损坏",
    )
    assert first.failed_items == 2
    hazards = {h.item: h for h in Hazard.objects.filter(place=hotel)}
    assert set(hazards) == {"fire_exits", "cctv"}
    exits = hazards["fire_exits"]
    inspected_on = timezone.localdate(first.inspected_at)  # the bureau's day, not UTC's
    assert (exits.deadline - inspected_on).days == 3  # 3 days for exits
    assert (hazards["cctv"].deadline - inspected_on).days == 15
    # Follow-up, then the operator reports it rectified: still open until re-inspected.
    svc.do_follow_up_hazard(exits, acting_user=worker, note="已督促经营者清理")
    svc.do_follow_up_hazard(
        exits,
        acting_user=worker,
        note="经营者称已清理",
        rectified=True,
        expected_version=exits.version,
    )
    exits.refresh_from_db()
    assert exits.status == HazardStatus.RECTIFIED and exits.follow_ups.count() == 2
    # A second failing inspection does not open a duplicate hazard for the same item.
    svc.do_record_inspection(
        hotel, acting_user=worker, results=_all("hotel", cctv="fail", fire_exits="fail")
    )
    assert Hazard.objects.filter(place=hotel).count() == 2
    # The re-inspection passes the exits: closed (销号) by that record; cctv stays open.
    again = svc.do_record_inspection(hotel, acting_user=worker, results=_all("hotel", cctv="fail"))
    exits.refresh_from_db()
    assert exits.status == HazardStatus.CLOSED and exits.closed_by == again
    assert Hazard.objects.get(item="cctv").status == HazardStatus.OPEN
    with pytest.raises(Conflict):
        svc.do_follow_up_hazard(exits, acting_user=worker, note="再跟进")
    # A failure after closing opens a new hazard (the old one stays closed in the ledger).
    svc.do_record_inspection(hotel, acting_user=worker, results=_all("hotel", fire_exits="fail"))
    assert Hazard.objects.filter(place=hotel, item="fire_exits").count() == 2


def test_a_checklist_must_be_answered_item_by_item(
    people: dict[str, Any], places: dict[str, Any]
) -> None:
    results = _all("hotel")
    del results["cctv"]
    with pytest.raises(ValidationFailed) as err:
        svc.do_record_inspection(
            places["hotel"], acting_user=people["worker"], results={**results, "minors": "pass"}
        )
    assert err.value.extra["missing"] == ["cctv"] and err.value.extra["unknown"] == ["minors"]


def test_a_sweep_makes_tasks_for_the_chosen_types_and_reports_progress_per_station(
    tree: dict[str, Any], people: dict[str, Any], places: dict[str, Any]
) -> None:
    campaign, n = svc.do_launch_campaign(
        acting_user=people["leader"],
        name="秋季校园安全专项行动",
        jurisdiction=tree["B"],
        place_types=["school", "internet_cafe"],
        starts_on=date(2026, 9, 1),
        ends_on=date(2026, 9, 30),
    )
    assert n == 4  # three schools and the café; the hotel is not in the sweep
    task = InspectionTask.objects.get(campaign=campaign, place=places["big_school"])
    svc.do_record_inspection(
        places["big_school"],
        acting_user=people["worker"],
        task=task,
        results=_all("school", anti_ram="fail"),
    )
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE
    with pytest.raises(Conflict):
        svc.do_record_inspection(
            places["big_school"], acting_user=people["worker"], task=task, results=_all("school")
        )
    board = selectors.campaign_board(people["leader"], campaign)
    assert [(r.station, r.tasks, r.done, r.findings, r.hazards_open) for r in board] == [
        ("第1派出所", 3, 1, 1, 1),
        ("第2派出所", 1, 0, 0, 0),
    ]


def test_a_deadline_counts_from_the_bureaus_day_after_local_midnight(
    people: dict[str, Any], places: dict[str, Any]
) -> None:
    # 16:30 UTC is 00:30 the next day in Beijing: the hazard's 3 days start on that day.
    at = datetime(2026, 11, 28, 16, 30, tzinfo=UTC)
    svc.do_record_inspection(
        places["hotel"],
        acting_user=people["worker"],
        results=_all("hotel", fire_exits="fail"),
        at=at,
    )
    exits = Hazard.objects.get(place=places["hotel"], item="fire_exits")
    assert exits.deadline == date(2026, 12, 2)
