"""Response clocks (zhian.dispatch.services.clocks), through the service, API and page."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.dispatch.factories import new_incident
from zhian.dispatch.models import Assignment, Incident, Unit
from zhian.dispatch.services.assignments import do_cancel_assignment, do_dispatch_units
from zhian.dispatch.services.clocks import response_clock

pytestmark = pytest.mark.django_db


def sent(incident: Incident, unit: Unit, user: Any, **after_s: float) -> Assignment:
    """Dispatch ``unit`` and date its steps ``after_s`` seconds after the call."""
    (assignment,) = do_dispatch_units(incident, [unit.pk], acting_user=user)
    stamps = {f"{k}_at": incident.received_at + timedelta(seconds=v) for k, v in after_s.items()}
    Assignment.objects.filter(pk=assignment.pk).update(**stamps)
    assignment.refresh_from_db()
    return assignment


def test_no_unit_yet_means_no_clock(people: dict[str, Any]) -> None:
    clock = response_clock(new_incident(people["dispatcher"]))
    assert (clock.to_dispatch_s, clock.to_en_route_s, clock.to_on_scene_s) == (None,) * 3
    assert clock.arrival_band is None


def test_firsts_count_from_the_call_including_a_recalled_unit(
    people: dict[str, Any], units: dict[str, Unit]
) -> None:
    user = people["dispatcher"]
    incident = new_incident(user)
    recalled = sent(incident, units["W-01"], user, dispatched=20)
    do_cancel_assignment(recalled, acting_user=user)
    sent(incident, units["W-02"], user, dispatched=45, en_route=70, on_scene=150)
    clock = response_clock(incident)
    assert (clock.to_dispatch_s, clock.to_en_route_s, clock.to_on_scene_s) == (20, 70, 150)
    assert clock.arrival_band == 3


@pytest.mark.parametrize(("on_scene", "band"), [(60, 1), (61, 3), (300, 5), (301, 0)])
def test_arrival_bands_are_1_3_5_minutes(
    people: dict[str, Any], units: dict[str, Unit], on_scene: float, band: int
) -> None:
    incident = new_incident(people["dispatcher"])
    sent(incident, units["W-01"], people["dispatcher"], dispatched=10, on_scene=on_scene)
    assert response_clock(incident).arrival_band == band


def test_api_and_page_show_the_clock(people: dict[str, Any], units: dict[str, Unit]) -> None:
    user = people["dispatcher"]
    incident = new_incident(user)
    sent(incident, units["W-01"], user, dispatched=35, en_route=50, on_scene=150)
    client = Client()
    client.force_login(user)
    body = client.get(f"/api/v1/incidents/{incident.pk}/response-clock").json()
    assert body["to_dispatch_s"] == 35 and body["to_on_scene_s"] == 150
    assert body["arrival_band_min"] == 3
    page = client.get(reverse("dispatch:incident", args=[incident.pk])).content.decode()
    assert "派警 0:35" in page and "到达 2:30" in page and "3 分钟内到达" in page
    east = Client()
    east.force_login(people["east_dispatcher"])
    assert east.get(f"/api/v1/incidents/{incident.pk}/response-clock").status_code == 404


def test_the_page_rounds_up_like_the_bands(people: dict[str, Any], units: dict[str, Unit]) -> None:
    user = people["dispatcher"]
    incident = new_incident(user)
    sent(incident, units["W-01"], user, dispatched=10, on_scene=60.4)
    client = Client()
    client.force_login(user)
    page = client.get(reverse("dispatch:incident", args=[incident.pk])).content.decode()
    assert "到达 1:01" in page and "3 分钟内到达" in page
