"""Records fixtures: the small two-station tree, case workers on it, seeded code tables."""

from __future__ import annotations

import importlib
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps as django_apps

from tests.factories import Role, UserFactory
from zhian.dispatch.models import IncidentCategory
from zhian.records.models import CaseCategory

_records_seed = importlib.import_module("zhian.records.migrations.0002_seed_categories_and_rules")
_dispatch_seed = importlib.import_module("zhian.dispatch.migrations.0002_seed_categories_and_plans")

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    """A bureau-zone (Asia/Shanghai) aware datetime."""
    return datetime(year, month, day, hour, minute, second, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def seeded(db: Any) -> None:
    """The seeded code tables (a transactional test's flush removes migration data)."""
    if not CaseCategory.objects.exists():
        _records_seed.seed(django_apps, None)
    if not IncidentCategory.objects.exists():
        _dispatch_seed.seed(django_apps, None)


@pytest.fixture
def people(tree: dict[str, Any]) -> dict[str, Any]:
    return {
        "officer": UserFactory(username="bamj1", roles=[(Role.PATROL_OFFICER, tree["S1"])]),
        "officer_b": UserFactory(username="bamj1b", roles=[(Role.COMMUNITY_OFFICER, tree["S1"])]),
        "officer_s2": UserFactory(username="bamj2", roles=[(Role.PATROL_OFFICER, tree["S2"])]),
        "supervisor": UserFactory(username="fzjd", roles=[(Role.SUPERVISOR, tree["B"])]),
        "supervisor_s2": UserFactory(username="fzjd2", roles=[(Role.SUPERVISOR, tree["S2"])]),
        "leader": UserFactory(username="jld", roles=[(Role.LEADER, tree["B"])]),
        "dispatcher": UserFactory(username="jjy", roles=[(Role.DISPATCHER, tree["B"])]),
    }
