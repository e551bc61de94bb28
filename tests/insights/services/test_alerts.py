"""Near-repeat alerts: made for a recorded burglary, listed while active, expired after
the band's days, scoped to the station, never duplicated."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pytest
from django.utils import timezone

from tests.insights.factories import record_incident
from zhian.core.errors import ValidationFailed
from zhian.core.models import AuditEvent
from zhian.dispatch.models import Incident, IncidentCategory
from zhian.dispatch.services.incidents import do_merge_incident, do_update_incident
from zhian.insights.models import NearRepeatAlert
from zhian.insights.selectors import alerts_for
from zhian.insights.services import alerts
from zhian.insights.services.alerts import (
    bands_for,
    do_calibrate_near_repeat,
    prune_alerts,
    scan_near_repeat,
)
from zhian.insights.services.plans import _alert_factors
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


def _alert_factor_at(lon: float, lat: float, hki: dict[str, Any]) -> float:
    """The patrol plan's risk factor at a point for the next 12 hours, as the plan reads
    the stored alerts (``plans._alert_factors``)."""
    now = timezone.now()
    factors = _alert_factors(
        np.array([[lon, lat]]), hki["HKI"].path, now, now + dt.timedelta(hours=12), 75.0
    )
    return float(factors[0])


def test_a_recategorised_burglary_loses_its_alert(
    people: dict[str, Any], hki: dict[str, Any]
) -> None:
    # given a burglary with its alert, raising the patrol plan's risk around it
    burglary = record_incident(people["dispatcher"], code="0105", lon=24.940, lat=60.170)
    assert scan_near_repeat() == 1
    assert _alert_factor_at(24.940, 60.170, hki) > 1
    # when the dispatcher corrects its category to theft
    do_update_incident(
        burglary,
        acting_user=people["dispatcher"],
        expected_version=burglary.version,
        category_code="0101",
    )
    # then the alert is gone at once (the write's transaction), for lists and for plans
    assert not NearRepeatAlert.objects.exists()
    assert not alerts_for(people["analyst"]).exists()
    assert _alert_factor_at(24.940, 60.170, hki) == 1.0
    assert AuditEvent.objects.filter(data__job="withdraw_alerts").count() == 1
    # and the next scan does not bring it back
    assert scan_near_repeat() == 0


def test_only_the_recategorised_incidents_alert_goes_when_another_shares_its_second(
    people: dict[str, Any], hki: dict[str, Any]
) -> None:
    # given two burglaries in the same grid received in the same second, each with its alert
    d = people["dispatcher"]
    at = timezone.now().replace(microsecond=0) - dt.timedelta(hours=1)
    corrected = record_incident(d, code="0105", lon=24.940, lat=60.170, at=at)
    other = record_incident(d, code="0105", lon=24.942, lat=60.172, at=at)
    assert corrected.jurisdiction_id == other.jurisdiction_id
    assert scan_near_repeat() == 2
    # when the dispatcher corrects one of them to theft
    do_update_incident(
        corrected, acting_user=d, expected_version=corrected.version, category_code="0101"
    )
    # then only its alert is withdrawn, and the audit row names only it
    assert list(NearRepeatAlert.objects.values_list("source_incident_id", flat=True)) == [other.pk]
    (event,) = AuditEvent.objects.filter(data__job="withdraw_alerts")
    assert event.data["incidents"] == [corrected.pk] and event.data["withdrawn"] == 1


def test_a_burglary_merged_as_a_duplicate_loses_its_alert(
    people: dict[str, Any], hki: dict[str, Any]
) -> None:
    d = people["dispatcher"]
    duplicate = record_incident(d, code="0105", lon=24.940, lat=60.170)
    kept = record_incident(d, code="0105", lon=24.9401, lat=60.1701)
    assert scan_near_repeat() == 2
    do_merge_incident(duplicate, into=kept, acting_user=d)
    assert list(NearRepeatAlert.objects.values_list("source_incident_id", flat=True)) == [kept.pk]
    assert scan_near_repeat() == 0


def test_an_alert_left_by_a_write_past_dispatch_is_hidden_then_withdrawn_by_the_scan(
    people: dict[str, Any], hki: dict[str, Any]
) -> None:
    burglary = record_incident(people["dispatcher"], code="0105", lon=24.940, lat=60.170)
    assert scan_near_repeat() == 1
    # a manual fix in the database (no hook runs)
    Incident.objects.filter(pk=burglary.pk).update(
        category=IncidentCategory.objects.get(code="0101")
    )
    assert NearRepeatAlert.objects.count() == 1
    assert not alerts_for(people["analyst"]).exists()  # never listed
    scan_near_repeat()
    assert not NearRepeatAlert.objects.exists()  # and gone after the next scan


def test_a_scan_counts_only_the_alerts_it_inserted(
    people: dict[str, Any], hki: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # given two burglaries, and another scan storing the first one's alert just before
    # this scan inserts (between its read of existing alerts and its insert)
    d = people["dispatcher"]
    first = record_incident(d, code="0105", lon=24.940, lat=60.170)
    second = record_incident(d, code="0105", lon=24.945, lat=60.172)
    real_insert = alerts._insert_new

    def another_scan_first(rows: list[NearRepeatAlert], batch: int = 500) -> int:
        mine = next(r for r in rows if r.source_incident_id == first.pk)
        NearRepeatAlert.objects.create(
            **{f: getattr(mine, f) for f in ("jurisdiction_id", "source_incident_id")},
            **{f: getattr(mine, f) for f in ("category_code", "lon", "lat", "radius_m")},
            **{f: getattr(mine, f) for f in ("starts_at", "ends_at", "ratio")},
        )
        return real_insert(rows, batch)

    monkeypatch.setattr(alerts, "_insert_new", another_scan_first)
    # when this scan runs
    made = scan_near_repeat()
    # then it reports, and audits, the one alert it inserted; both incidents have one
    assert made == 1
    event = AuditEvent.objects.get(data__job="scan_near_repeat")
    assert event.data["alerts"] == 1
    assert set(NearRepeatAlert.objects.values_list("source_incident_id", flat=True)) == {
        first.pk,
        second.pk,
    }


def test_the_insert_skips_existing_alerts_in_batches(
    people: dict[str, Any], hki: dict[str, Any]
) -> None:
    d = people["dispatcher"]
    incidents = [
        record_incident(d, code="0105", lon=24.940 + k / 1000, lat=60.170) for k in range(5)
    ]
    assert scan_near_repeat() == 5
    stored = list(NearRepeatAlert.objects.order_by("pk"))
    gone = next(a for a in stored if a.source_incident_id == incidents[0].pk)
    NearRepeatAlert.objects.filter(pk=gone.pk).delete()
    # re-inserting all five, two to a statement: only the deleted one is new
    assert alerts._insert_new(stored, batch=2) == 1
    again = NearRepeatAlert.objects.get(source_incident=incidents[0])
    assert (again.starts_at, again.ends_at) == (gone.starts_at, gone.ends_at)
    assert alerts_for(people["analyst"], active_at=timezone.now()).count() == 5
