"""Insights fixtures: the dispatch tests' small Helsinki bureau (two stations, where the
shared road network is), its units, and users with analysis roles."""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps as django_apps

from tests.dispatch.conftest import UNIT_POINTS, _seed, helsinki_features
from tests.factories import Role, UserFactory
from zhian.core.services.jurisdictions import do_import_jurisdictions
from zhian.dispatch.models import IncidentCategory, Unit
from zhian.dispatch.services.units import do_register_unit


@pytest.fixture(autouse=True)
def categories(db: Any) -> None:
    if not IncidentCategory.objects.exists():
        _seed.seed(django_apps, None)


@pytest.fixture
def hki(db: Any) -> dict[str, Any]:
    do_import_jurisdictions(
        {"type": "FeatureCollection", "features": helsinki_features()}, acting_user=None
    )
    from zhian.core.models import Jurisdiction

    return {j.code: j for j in Jurisdiction.objects.filter(code__startswith="HKI")}


@pytest.fixture
def people(hki: dict[str, Any]) -> dict[str, Any]:
    return {
        "dispatcher": UserFactory(username="jjy", roles=[(Role.DISPATCHER, hki["HKI"])]),
        "analyst": UserFactory(username="yp", roles=[(Role.ANALYST, hki["HKI"])]),
        "analyst_w": UserFactory(username="yp_w", roles=[(Role.ANALYST, hki["HKI-W"])]),
        "analyst_e": UserFactory(username="yp_e", roles=[(Role.ANALYST, hki["HKI-E"])]),
        "leader": UserFactory(username="ld", roles=[(Role.LEADER, hki["HKI"])]),
        "patrol_w": UserFactory(username="xl_w", roles=[(Role.PATROL_OFFICER, hki["HKI-W"])]),
        "admin": UserFactory(username="gly", roles=[(Role.ADMINISTRATOR, hki["HKI"])]),
    }


@pytest.fixture
def units(people: dict[str, Any], hki: dict[str, Any]) -> dict[str, Unit]:
    out = {}
    for call_sign, (lon, lat) in UNIT_POINTS.items():
        station = hki["HKI-W"] if call_sign.startswith("W") else hki["HKI-E"]
        out[call_sign] = do_register_unit(
            acting_user=people["admin"],
            call_sign=call_sign,
            station=station,
            kind="patrol_car",
            lon=lon,
            lat=lat,
        )
    return out
