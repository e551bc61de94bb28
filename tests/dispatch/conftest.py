"""Dispatch fixtures: a small bureau over central Helsinki (where the shared road network
is), units on its streets, and users with dispatch roles."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.conf import settings

from tests.factories import Role, UserFactory, feature
from zhian.core.services.jurisdictions import do_import_jurisdictions
from zhian.dispatch.models import IncidentCategory, Unit
from zhian.dispatch.services.units import do_register_unit

_seed = importlib.import_module("zhian.dispatch.migrations.0002_seed_categories_and_plans")

HELSINKI_PBF = "helsinki.osm.pbf"
# Units placed on streets of the two stations (west / east of lon 24.945).
UNIT_POINTS = {
    "W-01": (24.9400, 60.1670),
    "W-02": (24.9380, 60.1720),
    "W-03": (24.9420, 60.1760),
    "E-01": (24.9480, 60.1660),
    "E-02": (24.9510, 60.1700),
    "E-03": (24.9490, 60.1750),
}


def rect(lon0: float, lat0: float, lon1: float, lat1: float) -> dict[str, Any]:
    ring = [[lon0, lat0], [lon1, lat0], [lon1, lat1], [lon0, lat1], [lon0, lat0]]
    return {"type": "Polygon", "coordinates": [ring]}


def helsinki_features() -> list[dict[str, Any]]:
    feats = [
        feature("HKI", "bureau", None, rect(24.935, 60.164, 24.955, 60.180), "赫尔辛基演示分局")
    ]
    for code, lon0, lon1, name in (
        ("W", 24.935, 24.945, "西区派出所"),
        ("E", 24.945, 24.955, "东区派出所"),
    ):
        feats.append(
            feature(f"HKI-{code}", "station", "HKI", rect(lon0, 60.164, lon1, 60.180), name)
        )
        feats.append(
            feature(f"HKI-{code}-1", "sector", f"HKI-{code}", rect(lon0, 60.164, lon1, 60.180))
        )
        feats.append(
            feature(f"HKI-{code}-1-1", "grid", f"HKI-{code}-1", rect(lon0, 60.164, lon1, 60.180))
        )
    return feats


@pytest.fixture(autouse=True)
def categories(db: Any) -> None:
    """The seeded code table (a transactional test's flush removes migration data)."""
    if not IncidentCategory.objects.exists():
        _seed.seed(django_apps, None)


@pytest.fixture
def road_network(settings: Any) -> Path:
    path = Path(settings.ZHIAN_SHARED_DATA) / HELSINKI_PBF
    if not path.exists():
        pytest.fail(f"{path} is missing: the shared data sets must sit beside the repo")
    settings.ZHIAN_ROAD_NETWORK = str(path)
    return path


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
        "east_dispatcher": UserFactory(username="jjy_e", roles=[(Role.DISPATCHER, hki["HKI-E"])]),
        "patrol_w": UserFactory(username="xl_w", roles=[(Role.PATROL_OFFICER, hki["HKI-W"])]),
        "admin": UserFactory(username="gly", roles=[(Role.ADMINISTRATOR, hki["HKI"])]),
        "supervisor": UserFactory(username="jd", roles=[(Role.SUPERVISOR, hki["HKI"])]),
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


__all__ = ["UNIT_POINTS", "helsinki_features", "rect", "settings"]
