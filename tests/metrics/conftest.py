"""Metrics fixtures: the shared two-station tree, people with KPI roles, the seeded
incident categories and indicators, and helpers that make incidents through dispatch's
intake service at chosen times."""

from __future__ import annotations

import importlib
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps as django_apps

from tests.factories import Role, UserFactory
from zhian.dispatch.models import Assignment, Incident, IncidentCategory
from zhian.dispatch.services.incidents import IncidentInput, do_create_incident
from zhian.dispatch.services.units import do_register_unit
from zhian.metrics.models import IndicatorDefinition
from zhian.records.models import CaseCategory

_categories = importlib.import_module("zhian.dispatch.migrations.0002_seed_categories_and_plans")
_indicators = importlib.import_module("zhian.metrics.migrations.0002_seed_six_down_two_up")
_wired = importlib.import_module("zhian.metrics.migrations.0003_wire_records_grid_services")
_case_categories = importlib.import_module(
    "zhian.records.migrations.0002_seed_categories_and_rules"
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A point inside each station of tests.factories.build_tree (S1 west, S2 east).
POINTS = {"S1": (120.01, 30.01), "S2": (120.05, 30.01)}


def local(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    """An aware datetime in the bureau's zone (Asia/Shanghai in the test settings)."""
    return datetime(year, month, day, hour, minute, second, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def seeded(db: Any) -> None:
    """The seeded code table and indicators (a transactional test's flush removes them)."""
    if not IncidentCategory.objects.exists():
        _categories.seed(django_apps, None)
    if not CaseCategory.objects.exists():
        _case_categories.seed(django_apps, None)
    if not IndicatorDefinition.objects.exists():
        _indicators.seed(django_apps, None)
        _wired.wire(django_apps, None)


@pytest.fixture
def people(tree: dict[str, Any]) -> dict[str, Any]:
    return {
        "leader": UserFactory(username="ld", roles=[(Role.LEADER, tree["B"])]),
        "s1_leader": UserFactory(username="ld_s1", roles=[(Role.LEADER, tree["S1"])]),
        "analyst": UserFactory(username="fx", roles=[(Role.ANALYST, tree["B"])]),
        "s1_analyst": UserFactory(username="fx_s1", roles=[(Role.ANALYST, tree["S1"])]),
        "dispatcher": UserFactory(username="jj", roles=[(Role.DISPATCHER, tree["B"])]),
        "admin": UserFactory(username="gl", roles=[(Role.ADMINISTRATOR, tree["B"])]),
        "patrol": UserFactory(username="xl", roles=[(Role.PATROL_OFFICER, tree["S1"])]),
    }


@pytest.fixture
def make_incident(people: dict[str, Any]) -> Any:
    def make(at: datetime, station: str = "S1", category: str = "0101") -> Incident:
        lon, lat = POINTS[station]
        return do_create_incident(
            IncidentInput(
                channel="call_110",
                category_code=category,
                address="测试地址",
                lon=lon,
                lat=lat,
                received_at=at,
            ),
            acting_user=people["dispatcher"],
        ).incident

    return make


@pytest.fixture
def arrive(people: dict[str, Any], tree: dict[str, Any]) -> Any:
    """Record that a unit reached ``incident`` ``seconds`` after receipt (the assignment
    row as dispatch stores it; the unit's own status machine is not under test here)."""
    counter = iter(range(1, 10_000))

    def record(incident: Incident, seconds: float) -> Assignment:
        unit = do_register_unit(
            acting_user=people["admin"],
            call_sign=f"T-{next(counter):03d}",
            station=tree["S1"],
            kind="patrol_car",
        )
        at = incident.received_at
        return Assignment.objects.create(
            incident=incident,
            unit=unit,
            active=False,
            dispatched_at=at + timedelta(seconds=min(seconds, 30)),
            on_scene_at=at + timedelta(seconds=seconds),
            cleared_at=at + timedelta(seconds=seconds + 600),
            dispatched_by=people["dispatcher"],
        )

    return record


def indicator(code: str) -> IndicatorDefinition:
    return IndicatorDefinition.objects.get(code=code)


def manual_rate(code: str = "manual_rate") -> IndicatorDefinition:
    """A rate entered by hand (numerator and denominator): since 现行案件破案率 and
    公安队伍满意度 are counted from records and services, no seeded rate is manual."""
    found, _ = IndicatorDefinition.objects.get_or_create(
        code=code,
        defaults={
            "name": "人工填报比率",
            "definition": "测试用：按月人工填报的分子与分母。",
            "kind": "rate",
            "source": "manual",
            "denominator_source": "manual",
            "date_basis": "month",
            "direction": "rise",
            "order": 95,
        },
    )
    return found
