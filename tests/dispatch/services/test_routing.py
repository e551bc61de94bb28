"""Dispatch routing services, through the real services and database."""

from __future__ import annotations

from typing import Any

import pytest

from tests.dispatch.factories import new_incident
from tests.factories import Role, UserFactory, feature, rect
from zhian.core.models import Jurisdiction
from zhian.core.services.jurisdictions import do_import_jurisdictions
from zhian.dispatch.models import Unit
from zhian.dispatch.services import assignments as A
from zhian.dispatch.services import routing as R
from zhian.dispatch.services import units as U

pytestmark = pytest.mark.django_db


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
            unit,
            acting_user=people["dispatcher"],
            status="unavailable",
            expected_version=unit.version,
        )
    after = R.coverage_for(hki["HKI"], acting_user=people["dispatcher"])
    assert (before["units"], after["units"]) == (len(busy), 1)
    assert after["road_share"][0] < before["road_share"][0]


def test_an_incident_far_from_any_road_says_so_when_the_network_is_loaded(
    people: dict[str, Any], units: dict[str, Unit], road_network: Any
) -> None:
    # Bug: with a road network loaded, an incident > 500 m from any road was labelled
    # "road network not loaded". A bureau over open water south of the extract's shore:
    do_import_jurisdictions(
        {
            "type": "FeatureCollection",
            "features": [
                feature("SEA", "bureau", None, rect(24.93, 60.12, 24.96, 60.135)),
                feature("SEA-1", "station", "SEA", rect(24.93, 60.12, 24.96, 60.135)),
            ],
        },
        acting_user=None,
    )
    user = UserFactory(
        username="sea",
        roles=[
            (Role.DISPATCHER, Jurisdiction.objects.get(code="SEA")),
            (Role.DISPATCHER, Jurisdiction.objects.get(code="HKI")),
        ],
    )
    incident = new_incident(user, lon=24.945, lat=60.127, address="海上")
    result = R.recommend_for_incident(incident, acting_user=user, k=2)
    assert result.method == "straight_line"
    assert "未加载路网" not in result.note
    assert "距最近道路" in result.note
    assert len(result.units) == 2
