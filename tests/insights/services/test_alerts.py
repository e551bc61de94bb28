"""Near-repeat alerts: made for a recorded burglary, listed while active, expired after
the band's days, scoped to the station, never duplicated."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from tests.insights.factories import record_incident
from zhian.core.errors import ValidationFailed
from zhian.insights.models import NearRepeatAlert
from zhian.insights.selectors import alerts_for
from zhian.insights.services.alerts import (
    bands_for,
    do_calibrate_near_repeat,
    prune_alerts,
    scan_near_repeat,
)
from zhian.insights.tasks import scan_near_repeat_alerts

pytestmark = pytest.mark.django_db


def test_an_alert_for_a_burglary_appears_and_expires(people: dict[str, Any]) -> None:
    # given a burglary (入室盗窃 0105) just recorded in the west station, and a theft
    now = timezone.now()
    burglary = record_incident(people["dispatcher"], code="0105", lon=24.940, lat=60.170)
    record_incident(people["dispatcher"], code="0101", lon=24.941, lat=60.171)
    # when the periodic scan runs (the task, as the worker runs it)
    assert scan_near_repeat_alerts.enqueue().return_value == 1
    # then one alert: a 200 m circle for 14 days around the burglary, none for the theft
    (alert,) = alerts_for(people["analyst"], active_at=now + dt.timedelta(minutes=1))
    assert alert.source_incident_id == burglary.pk
    assert (alert.lon, alert.lat, alert.radius_m) == (24.940, 60.170, 200.0)
    assert alert.ends_at - alert.starts_at == dt.timedelta(days=14)
    # and a second scan adds nothing
    assert scan_near_repeat() == 0
    # it is still listed on day 13 and gone from the active list on day 15
    assert alerts_for(people["analyst"], active_at=now + dt.timedelta(days=13)).count() == 1
    assert not alerts_for(people["analyst"], active_at=now + dt.timedelta(days=15)).exists()
    # and pruned once it ended longer ago than the retention
    assert prune_alerts(now + dt.timedelta(days=30)) == 0
    assert prune_alerts(now + dt.timedelta(days=14 + 91)) == 1
    assert not NearRepeatAlert.objects.exists()


def test_a_burglary_whose_window_has_passed_gets_no_alert(people: dict[str, Any]) -> None:
    record_incident(
        people["dispatcher"],
        code="0105",
        lon=24.940,
        lat=60.170,
        at=timezone.now() - dt.timedelta(days=20),
    )
    assert scan_near_repeat() == 0


def test_alerts_are_scoped_to_the_station(people: dict[str, Any]) -> None:
    # a burglary in the west station (lon < 24.945)
    record_incident(people["dispatcher"], code="0105", lon=24.940, lat=60.170)
    scan_near_repeat()
    now = timezone.now()
    assert alerts_for(people["analyst_w"], active_at=now).count() == 1
    assert alerts_for(people["analyst_e"], active_at=now).count() == 0
    assert alerts_for(people["leader"], active_at=now).count() == 1
    assert alerts_for(people["dispatcher"], active_at=now).count() == 0  # no analysis role


def test_calibration_needs_enough_incidents_and_an_analyst(
    people: dict[str, Any], hki: dict[str, Any], settings: Any
) -> None:
    settings.ZHIAN_NEAR_REPEAT_MIN_EVENTS = 5
    with pytest.raises(ValidationFailed) as err:
        do_calibrate_near_repeat(hki["HKI"], category_code="0105", acting_user=people["analyst"])
    assert err.value.code == "too_few_events"
    from zhian.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        do_calibrate_near_repeat(hki["HKI"], category_code="0105", acting_user=people["leader"])


def test_calibration_on_clustered_burglaries_stores_the_band(
    people: dict[str, Any], hki: dict[str, Any], settings: Any
) -> None:
    # given pairs of burglaries a few metres and a day apart, pairs weeks and streets apart
    settings.ZHIAN_NEAR_REPEAT_MIN_EVENTS = 20
    now = timezone.now()
    for k in range(16):
        lon = 24.937 + 0.0045 * (k % 4)  # 250 m apart east-west
        lat = 60.166 + 0.0035 * (k // 4)  # 390 m apart north-south
        t = now - dt.timedelta(days=5 + 20 * k)
        record_incident(people["dispatcher"], code="0105", lon=lon, lat=lat, at=t)
        record_incident(
            people["dispatcher"],
            code="0105",
            lon=lon + 0.0002,
            lat=lat,
            at=t + dt.timedelta(days=1),
        )
    # when an analyst runs the Knox test
    band = do_calibrate_near_repeat(
        hki["HKI"], category_code="0105", acting_user=people["analyst"], now=now
    )
    # then the bureau's own band replaces the default
    assert band is not None and (band.radius_m, band.days) == (100.0, 7.0)
    assert band.ratio > 2
    assert bands_for(hki["HKI"])["0105"][:2] == (band.radius_m, band.days)
