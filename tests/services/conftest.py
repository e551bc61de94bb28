"""Services fixtures: the two-station tree of tests/factories.py, staff with the roles
that handle citizen requests, and a portal citizen."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import Role, UserFactory
from zhian.services.operations.portal import Citizen

# A point inside station S1, sector S1-1, grid S1-1-1 (see tests/factories.py).
S1_POINT = (120.01, 30.01)
S2_POINT = (120.05, 30.01)


@pytest.fixture
def people(tree: dict[str, Any]) -> dict[str, Any]:
    return {
        "dispatcher": UserFactory(username="disp_s1", roles=[(Role.DISPATCHER, tree["S1"])]),
        "dispatcher2": UserFactory(username="disp_s2", roles=[(Role.DISPATCHER, tree["S2"])]),
        "community": UserFactory(
            username="community_s1", roles=[(Role.COMMUNITY_OFFICER, tree["S1-1"])]
        ),
        "patrol": UserFactory(username="patrol_s1", roles=[(Role.PATROL_OFFICER, tree["S1"])]),
        "bureau_supervisor": UserFactory(
            username="sup_bureau", display_name="督察王警官", roles=[(Role.SUPERVISOR, tree["B"])]
        ),
        "station_supervisor": UserFactory(username="sup_s1", roles=[(Role.SUPERVISOR, tree["S1"])]),
        # A bureau supervisor who also holds a role inside station S1.
        "mixed_supervisor": UserFactory(
            username="sup_mixed",
            roles=[(Role.SUPERVISOR, tree["B"]), (Role.COMMUNITY_OFFICER, tree["S1-2"])],
        ),
        "leader": UserFactory(username="leader_b", roles=[(Role.LEADER, tree["B"])]),
        "admin": UserFactory(username="admin_b", roles=[(Role.ADMINISTRATOR, tree["B"])]),
    }


@pytest.fixture
def citizen() -> Citizen:
    return Citizen(ip="203.0.113.7")


@pytest.fixture(autouse=True)
def _generous_rate_limits(settings: Any) -> None:
    """Tests file many requests from one address; test_ratelimits sets its own limits."""
    settings.ZHIAN_PORTAL_RATE_LIMITS = {
        scope: (10_000, seconds)
        for scope, (_n, seconds) in settings.ZHIAN_PORTAL_RATE_LIMITS.items()
    }
