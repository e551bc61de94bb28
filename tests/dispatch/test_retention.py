"""Callers' details are erased after the retention period; incidents and counts stay."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from tests.dispatch.factories import new_incident
from zhian.core.models import AuditEvent
from zhian.core.retention import retention_rules
from zhian.core.tasks import enforce_retention
from zhian.dispatch.models import Call, Incident, Unit
from zhian.dispatch.services.incidents import do_close_incident

pytestmark = pytest.mark.django_db


def closed(user: Any, days_ago: int, **kw: Any) -> Incident:
    incident = new_incident(user, caller_name="赵六", caller_phone="13700001234", **kw)
    do_close_incident(
        incident,
        acting_user=user,
        disposition="resolved",
        note="",
        expected_version=incident.version,
    )
    Incident.objects.filter(pk=incident.pk).update(
        closed_at=timezone.now() - timedelta(days=days_ago)
    )
    return incident


def test_a_caller_is_erased_after_the_period_and_the_incident_kept(
    settings: Any, people: dict[str, Any], units: dict[str, Unit]
) -> None:
    settings.ZHIAN_RETENTION_CALLER_DAYS = 180
    dispatcher = people["dispatcher"]
    old = closed(dispatcher, days_ago=200)
    recent = closed(dispatcher, days_ago=10, lat=60.172)
    still_open = new_incident(
        dispatcher, caller_name="钱七", caller_phone="13600001111", lat=60.175
    )

    result = enforce_retention.enqueue().return_value

    assert result == {"dispatch.caller": 1}
    call = Call.objects.get(incident=old)
    assert (call.caller_name, call.caller_phone) == ("", "")
    assert call.channel == "call_110" and call.legal_basis  # the call itself stays
    kept = {c.incident_id: (c.caller_name, c.caller_phone) for c in Call.objects.all()}
    assert kept[recent.pk] == ("赵六", "13700001234")
    assert kept[still_open.pk] == ("钱七", "13600001111")
    assert Incident.objects.filter(created_by=dispatcher).count() == 3  # statistics survive
    run = AuditEvent.objects.filter(action="retention.run").get()
    assert run.data["counts"] == {"dispatch.caller": 1}
    assert run.data["periods_days"] == {"dispatch.caller": 180}
    # A second run finds nothing more and is audited too.
    assert enforce_retention.enqueue().return_value == {"dispatch.caller": 0}
    assert AuditEvent.objects.filter(action="retention.run").count() == 2


def test_a_period_of_zero_keeps_the_data(
    settings: Any, people: dict[str, Any], units: dict[str, Unit]
) -> None:
    settings.ZHIAN_RETENTION_CALLER_DAYS = 0
    old = closed(people["dispatcher"], days_ago=2000)
    assert enforce_retention.enqueue().return_value == {"dispatch.caller": None}
    assert Call.objects.get(incident=old).caller_name == "赵六"


def test_dispatch_registers_its_rule() -> None:
    assert "dispatch.caller" in [r.kind for r in retention_rules()]
