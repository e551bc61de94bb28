"""Dispatch incidents services, through the real services and database."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from tests.dispatch.factories import new_incident
from zhian.core.coords import wgs84_to_gcj02
from zhian.core.errors import (
    Conflict,
    PermissionDenied,
    PreconditionFailed,
    ValidationFailed,
)
from zhian.core.models import AuditEvent
from zhian.dispatch.choices import IncidentStatus
from zhian.dispatch.models import Call, Incident, TimelineEvent
from zhian.dispatch.services import incidents as I

pytestmark = pytest.mark.django_db


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


def test_duplicates_outside_the_users_scope_are_not_offered(people: dict[str, Any]) -> None:
    # The bureau dispatcher records one incident right on the station boundary...
    west = new_incident(people["dispatcher"], lon=24.9449)
    # ...an east-station dispatcher's report 20 m away must not reveal it.
    east = new_incident(people["east_dispatcher"], lon=24.9452)
    assert I.find_probable_duplicates(east, acting_user=people["east_dispatcher"]) == []
    offered = I.find_probable_duplicates(east, acting_user=people["dispatcher"])
    assert [d.pk for d, _ in offered] == [west.pk]


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


def test_an_edit_names_only_the_fields_that_changed(people: dict[str, Any]) -> None:
    # Bug: editing only the priority wrote a timeline note naming "category、priority".
    user = people["dispatcher"]
    incident = new_incident(user)
    I.do_update_incident(incident, acting_user=user, expected_version=incident.version, priority=1)
    note = TimelineEvent.objects.filter(incident=incident, kind="updated").get().note
    assert note == "priority"
    # The same values again change nothing: no version bump, no timeline entry.
    version = incident.version
    I.do_update_incident(
        incident,
        acting_user=user,
        expected_version=version,
        priority=1,
        category_code=incident.category.code,
    )
    assert incident.version == version
    assert TimelineEvent.objects.filter(incident=incident, kind="updated").count() == 1


def test_a_refused_edit_leaves_the_incident_as_it_was_read(people: dict[str, Any]) -> None:
    # Bug: a valid category with an invalid priority changed the in-memory category first.
    user = people["dispatcher"]
    incident = new_incident(user, category_code="0101")
    with pytest.raises(ValidationFailed):
        I.do_update_incident(
            incident,
            acting_user=user,
            expected_version=incident.version,
            category_code="0104",
            priority=9,
        )
    assert incident.category.code == "0101"
    assert incident.priority == Incident.objects.get(pk=incident.pk).priority
    with pytest.raises(PreconditionFailed):
        I.do_update_incident(
            incident, acting_user=user, expected_version=incident.version + 5, address="别处"
        )
    assert incident.address == "Mannerheimintie 1"
