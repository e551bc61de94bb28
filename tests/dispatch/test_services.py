"""Dispatch business rules, through the real services and database."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from zhian.core.coords import wgs84_to_gcj02
from zhian.core.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    PreconditionFailed,
    ValidationFailed,
)
from zhian.core.models import AuditEvent
from zhian.dispatch.choices import IncidentStatus, UnitStatus
from zhian.dispatch.models import Assignment, Call, Incident, TimelineEvent, Unit
from zhian.dispatch.services import assignments as A
from zhian.dispatch.services import incidents as I
from zhian.dispatch.services import plans as P
from zhian.dispatch.services import routing as R
from zhian.dispatch.services import units as U

pytestmark = pytest.mark.django_db


def new_incident(user: Any, **overrides: Any) -> Incident:
    data = {
        "channel": "call_110",
        "category_code": "0101",
        "address": "Mannerheimintie 1",
        "lon": 24.941,
        "lat": 60.170,
        **overrides,
    }
    return I.do_create_incident(I.IncidentInput(**data), acting_user=user).incident


def test_incident_gets_a_daily_number_default_priority_and_smallest_jurisdiction(
    people: dict[str, Any], units: Any
) -> None:
    first = new_incident(people["dispatcher"])
    second = new_incident(people["dispatcher"], category_code="0102")
    day = timezone.localtime(first.received_at).strftime("%Y%m%d")
    assert first.number == f"HKI-{day}-0001"
    assert second.number == f"HKI-{day}-0002"
    assert first.priority == 3 and second.priority == 1  # 盗窃 3, 抢劫 1
    assert first.jurisdiction.code == "HKI-W-1-1"
    assert first.calls.count() == 1
    assert TimelineEvent.objects.filter(incident=first, kind="received").exists()
    assert AuditEvent.objects.filter(action="incident.create", object_id=str(first.pk)).exists()


def test_gcj02_input_is_converted_to_wgs84(people: dict[str, Any]) -> None:
    # Helsinki is outside China, where GCJ-02 equals WGS84; check a Chinese point directly.
    lon, lat = 116.397, 39.909
    g_lon, _ = wgs84_to_gcj02(lon, lat)
    assert abs(g_lon - lon) > 1e-3  # hundreds of metres apart
    incident = new_incident(people["dispatcher"], crs="gcj02", lon=24.941, lat=60.170)
    assert (incident.lon, incident.lat, incident.source_crs) == (24.941, 60.170, "gcj02")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("category_code", "7777", "警情类别"),
        ("address", "  ", "地址"),
        ("channel", "fax", "报警方式"),
        ("caller_phone", "call me", "电话"),
        ("priority", 9, "优先级"),
    ],
)
def test_invalid_intake_names_the_field_and_stores_nothing(
    people: dict[str, Any], field: str, value: Any, message: str
) -> None:
    with pytest.raises(ValidationFailed) as exc:
        new_incident(people["dispatcher"], **{field: value})
    assert message in exc.value.message
    assert Incident.objects.count() == 0


def test_point_outside_the_users_jurisdiction_is_refused(people: dict[str, Any]) -> None:
    with pytest.raises(ValidationFailed) as exc:
        new_incident(people["east_dispatcher"], lon=24.941)  # a west-station point
    assert exc.value.code == "outside_jurisdiction"


def test_nearby_open_incident_of_a_related_category_is_a_probable_duplicate(
    people: dict[str, Any],
) -> None:
    user = people["dispatcher"]
    original = new_incident(user, category_code="0101")
    near_related = new_incident(user, category_code="0105", lon=24.9415)  # ~30 m, both 刑事
    near_unrelated = new_incident(user, category_code="0302", lon=24.9415)  # 交通
    far = new_incident(user, category_code="0101", lon=24.952)  # ~600 m
    found = I.find_probable_duplicates(near_related)
    assert [d.pk for d, _ in found] == [original.pk]
    assert found[0][1] < 50
    assert I.find_probable_duplicates(near_unrelated) == []
    assert original.pk not in [d.pk for d, _ in I.find_probable_duplicates(far)]
    # Outside the time window it is no longer a duplicate.
    Incident.objects.filter(pk=original.pk).update(received_at=timezone.now() - timedelta(hours=2))
    assert I.find_probable_duplicates(near_related) == []


def test_merge_keeps_one_incident_with_both_calls(people: dict[str, Any]) -> None:
    user = people["dispatcher"]
    original = new_incident(user, caller_name="甲")
    duplicate = new_incident(user, caller_name="乙", lon=24.9412)
    I.do_merge_incident(duplicate, into=original, acting_user=user)
    duplicate.refresh_from_db()
    assert duplicate.status == IncidentStatus.MERGED
    assert duplicate.merged_into_id == original.pk
    assert sorted(Call.objects.filter(incident=original).values_list("caller_name", flat=True)) == [
        "乙",
        "甲",
    ]
    with pytest.raises(Conflict):
        I.do_merge_incident(duplicate, into=original, acting_user=user)


def test_unit_status_machine_rejects_illegal_transitions(
    units: dict[str, Unit], people: Any
) -> None:
    unit = units["W-01"]
    with pytest.raises(Conflict) as exc:
        U.check_transition(unit, UnitStatus.ON_SCENE)  # available → on scene skips dispatch
    assert "不能从“空闲”变为“到达”" in exc.value.message
    with pytest.raises(Conflict):
        U.do_set_unit_availability(
            unit, acting_user=people["patrol_w"], status="on_scene", expected_version=unit.version
        )
    U.do_set_unit_availability(
        unit, acting_user=people["patrol_w"], status="unavailable", expected_version=unit.version
    )
    unit.refresh_from_db()
    assert unit.status == UnitStatus.UNAVAILABLE
    with pytest.raises(Conflict):
        U.check_transition(unit, UnitStatus.DISPATCHED)  # off duty cannot be dispatched


def test_dispatch_steps_drive_unit_and_incident_status_and_timeline(
    people: dict[str, Any], units: dict[str, Unit]
) -> None:
    user = people["dispatcher"]
    incident = new_incident(user)
    (assignment,) = A.do_dispatch_units(incident, [units["W-01"].pk], acting_user=user)
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.DISPATCHED
    assert Unit.objects.get(pk=units["W-01"].pk).status == UnitStatus.DISPATCHED
    with pytest.raises(Conflict):
        A.do_advance_assignment(assignment, "transporting", acting_user=user)  # not yet on scene
    for step, unit_status in (
        ("en_route", "en_route"),
        ("on_scene", "on_scene"),
        ("cleared", "available"),
    ):
        A.do_advance_assignment(assignment, step, acting_user=user)
        assert Unit.objects.get(pk=units["W-01"].pk).status == unit_status
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.ON_SCENE
    kinds = list(incident.timeline.values_list("kind", flat=True))
    assert kinds == ["received", "dispatched", "en_route", "on_scene", "cleared"]
    I.do_close_incident(
        incident,
        acting_user=user,
        disposition="resolved",
        note="已处理",
        expected_version=incident.version,
    )
    assert Incident.objects.get(pk=incident.pk).status == IncidentStatus.CLOSED


def test_a_busy_unit_cannot_be_sent_twice(people: dict[str, Any], units: dict[str, Unit]) -> None:
    user = people["dispatcher"]
    first, second = new_incident(user), new_incident(user, lon=24.950)
    A.do_dispatch_units(first, [units["E-02"].pk], acting_user=user)
    with pytest.raises(Conflict) as exc:
        A.do_dispatch_units(second, [units["E-02"].pk], acting_user=user)
    assert exc.value.code == "unit_not_available"
    # The database itself refuses a second active assignment (closes the race on SQLite).
    with pytest.raises(IntegrityError), transaction.atomic():
        Assignment.objects.create(
            incident=second, unit=units["E-02"], dispatched_at=timezone.now(), dispatched_by=user
        )


def test_multi_unit_dispatch_reassign_cancel_and_close_release_units(
    people: dict[str, Any], units: dict[str, Unit]
) -> None:
    user = people["dispatcher"]
    incident = new_incident(user)
    a1, a2 = A.do_dispatch_units(incident, [units["W-01"].pk, units["W-02"].pk], acting_user=user)
    replacement = A.do_reassign(a2, units["W-03"].pk, acting_user=user)
    assert Unit.objects.get(pk=units["W-02"].pk).status == UnitStatus.AVAILABLE
    assert replacement.unit_id == units["W-03"].pk
    A.do_cancel_assignment(a1, acting_user=user)
    assert Unit.objects.get(pk=units["W-01"].pk).status == UnitStatus.AVAILABLE
    incident.refresh_from_db()
    I.do_close_incident(
        incident,
        acting_user=user,
        disposition="no_finding",
        note="",
        expected_version=incident.version,
    )
    assert Unit.objects.get(pk=units["W-03"].pk).status == UnitStatus.AVAILABLE
    assert not Assignment.objects.filter(active=True).exists()


def test_close_with_a_stale_version_is_refused(people: dict[str, Any]) -> None:
    user = people["dispatcher"]
    incident = new_incident(user)
    I.do_update_incident(incident, acting_user=user, expected_version=1, priority=2)
    stale = Incident.objects.get(pk=incident.pk)
    stale.version = 1
    with pytest.raises(PreconditionFailed):
        I.do_close_incident(
            stale, acting_user=user, disposition="resolved", note="", expected_version=1
        )
    assert Incident.objects.get(pk=incident.pk).status == IncidentStatus.OPEN


def test_plan_checklist_records_each_step_once(people: dict[str, Any]) -> None:
    user = people["dispatcher"]
    incident = new_incident(user, category_code="0401")  # 火灾 has a plan
    (plan,) = P.checklist(incident)
    assert plan["steps"][0]["done_at"] is None
    P.do_complete_plan_step(incident, plan["plan_id"], 0, acting_user=user)
    assert P.checklist(incident)[0]["steps"][0]["done_by"] == str(user)
    with pytest.raises(Conflict):
        P.do_complete_plan_step(incident, plan["plan_id"], 0, acting_user=user)
    with pytest.raises(ValidationFailed):
        P.do_complete_plan_step(incident, plan["plan_id"], 99, acting_user=user)
    assert incident.timeline.filter(kind="plan_step").count() == 1


def test_reading_caller_details_needs_a_purpose_and_is_audited(people: dict[str, Any]) -> None:
    user = people["dispatcher"]
    incident = new_incident(user, caller_name="张三", caller_phone="138 0000 0000")
    with pytest.raises(ValidationFailed):
        I.reveal_callers(incident, acting_user=user, purpose="")
    rows = I.reveal_callers(incident, acting_user=user, purpose="回拨核实现场情况")
    assert rows[0]["caller_name"] == "张三"
    event = AuditEvent.objects.get(action="personal_data.read")
    assert event.purpose == "回拨核实现场情况"
    assert event.object_id == str(incident.pk)
    with pytest.raises(PermissionDenied):  # patrol officers may not read caller details
        I.reveal_callers(incident, acting_user=people["patrol_w"], purpose="想看看")


def test_recommendation_uses_road_travel_time(
    people: dict[str, Any], units: dict[str, Unit], road_network: Any
) -> None:
    incident = new_incident(people["dispatcher"])
    result = R.recommend_for_incident(incident, acting_user=people["dispatcher"], k=3)
    assert result.method == "road_network"
    assert len(result.units) == 3
    etas = [s.eta_s for s in result.units]
    assert etas == sorted(etas) and etas[0] > 0
    assert result.units[0].unit.call_sign.startswith("W")  # the incident is in the west


def test_recommendation_falls_back_to_straight_line_and_says_so(
    people: dict[str, Any], units: dict[str, Unit], settings: Any
) -> None:
    settings.ZHIAN_ROAD_NETWORK = ""
    incident = new_incident(people["dispatcher"])
    result = R.recommend_for_incident(incident, acting_user=people["dispatcher"], k=2)
    assert result.method == "straight_line"
    assert "直线" in result.note
    assert len(result.units) == 2


def test_recommendation_only_offers_available_units_in_scope(
    people: dict[str, Any], units: dict[str, Unit], road_network: Any
) -> None:
    user = people["east_dispatcher"]
    incident = new_incident(user, lon=24.950)
    A.do_dispatch_units(incident, [units["E-01"].pk], acting_user=user)
    offered = {s.unit.call_sign for s in R.recommend_for_incident(incident, acting_user=user).units}
    assert offered == {"E-02", "E-03"}


def test_coverage_135_from_available_units(
    people: dict[str, Any], units: dict[str, Unit], road_network: Any, hki: dict[str, Any]
) -> None:
    result = R.coverage_for(hki["HKI"], acting_user=people["dispatcher"], staging_points=2)
    assert result["available"] is True
    shares = result["road_share"]
    assert len(shares) == 3 and shares == sorted(shares)
    assert 0 < shares[0] <= shares[2] <= 1
    assert result["staging"]["covered_after"] >= result["staging"]["covered_before"]
    assert len(result["segments"]["features"]) == 3


def test_coverage_follows_units_at_once_despite_the_cache(
    people: dict[str, Any], units: dict[str, Unit], road_network: Any, hki: dict[str, Any]
) -> None:
    before = R.coverage_for(hki["HKI"], acting_user=people["dispatcher"])
    assert R.coverage_for(hki["HKI"], acting_user=people["dispatcher"]) == before
    busy = [u for u in units.values() if u.station.path.startswith(hki["HKI"].path)]
    for unit in busy[1:]:
        U.do_set_unit_availability(
            unit, acting_user=people["dispatcher"], status="unavailable", expected_version=unit.version
        )
    after = R.coverage_for(hki["HKI"], acting_user=people["dispatcher"])
    assert (before["units"], after["units"]) == (len(busy), 1)
    assert after["road_share"][0] < before["road_share"][0]


def test_dispatching_another_bureaus_unit_is_not_found(people: dict[str, Any], units: Any) -> None:
    user = people["east_dispatcher"]
    incident = new_incident(user, lon=24.950)
    with pytest.raises(NotFound):
        A.do_dispatch_units(incident, [999_999], acting_user=user)


def test_a_unit_cannot_clear_before_arriving(
    people: dict[str, Any], units: dict[str, Unit]
) -> None:
    user = people["dispatcher"]
    incident = new_incident(user)
    (assignment,) = A.do_dispatch_units(incident, [units["W-01"].pk], acting_user=user)
    A.do_advance_assignment(assignment, "en_route", acting_user=user)
    with pytest.raises(Conflict) as exc:
        A.do_advance_assignment(assignment, "cleared", acting_user=user)
    assert "尚未到达现场" in exc.value.message
    assert Unit.objects.get(pk=units["W-01"].pk).status == UnitStatus.EN_ROUTE


def test_duplicates_outside_the_users_scope_are_not_offered(people: dict[str, Any]) -> None:
    # The bureau dispatcher records one incident right on the station boundary...
    west = new_incident(people["dispatcher"], lon=24.9449)
    # ...an east-station dispatcher's report 20 m away must not reveal it.
    east = new_incident(people["east_dispatcher"], lon=24.9452)
    assert I.find_probable_duplicates(east, acting_user=people["east_dispatcher"]) == []
    offered = I.find_probable_duplicates(east, acting_user=people["dispatcher"])
    assert [d.pk for d, _ in offered] == [west.pk]


def test_a_crew_sent_across_the_boundary_can_acknowledge(
    people: dict[str, Any], units: dict[str, Unit]
) -> None:
    from zhian.dispatch.selectors import access_assignment

    incident = new_incident(people["dispatcher"], lon=24.950)  # east station
    (assignment,) = A.do_dispatch_units(
        incident, [units["W-01"].pk], acting_user=people["dispatcher"]
    )
    crew = people["patrol_w"]  # west-station patrol officer
    found = access_assignment(crew, assignment.pk)
    A.do_advance_assignment(found, "en_route", acting_user=crew)
    assert Unit.objects.get(pk=units["W-01"].pk).status == UnitStatus.EN_ROUTE


def test_feedback_goes_on_the_timeline(people: dict[str, Any]) -> None:
    incident = new_incident(people["dispatcher"])
    with pytest.raises(ValidationFailed):
        I.do_add_feedback(incident, acting_user=people["patrol_w"], note="  ")
    I.do_add_feedback(incident, acting_user=people["patrol_w"], note="已电话告知报警人处理结果")
    entry = incident.timeline.get(kind="feedback")
    assert entry.note == "已电话告知报警人处理结果"
    assert entry.actor == people["patrol_w"]
    assert AuditEvent.objects.filter(action="incident.feedback").count() == 1


def test_location_history_lists_earlier_incidents_at_the_place_in_scope(
    people: dict[str, Any], settings: Any
) -> None:
    user = people["dispatcher"]
    earlier = new_incident(user, lon=24.9410, lat=60.1700)
    Incident.objects.filter(pk=earlier.pk).update(received_at=timezone.now() - timedelta(days=30))
    too_old = new_incident(user, lon=24.9410, lat=60.1700)
    Incident.objects.filter(pk=too_old.pk).update(received_at=timezone.now() - timedelta(days=400))
    new_incident(user, lon=24.9425, lat=60.1700)  # about 77 m east: outside 50 m
    merged = new_incident(user, lon=24.9410, lat=60.1701)
    now = new_incident(user, lon=24.9411, lat=60.1700)
    I.do_merge_incident(merged, into=now, acting_user=user)
    history = I.location_history(now, acting_user=user)
    assert (history.radius_m, history.days) == (50.0, 365)
    assert [h.pk for h in history.latest] == [earlier.pk]
    assert history.count == 1
    # another station's dispatcher does not see the west bureau's incidents
    assert I.location_history(now, acting_user=people["east_dispatcher"]).count == 0
    settings.ZHIAN_HISTORY_DAYS = 500
    assert I.location_history(now, acting_user=user).count == 2
