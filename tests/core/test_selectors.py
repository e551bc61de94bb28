"""Scoped read queries of the core app."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import Role, UserFactory
from zhian.core.geo import point_cell
from zhian.core.models import JurisdictionCell
from zhian.core.selectors import jurisdiction_at

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("offset", [0.0002, 0.0005, 0.001])
def test_points_near_a_boundary_land_in_the_polygon_that_contains_them(
    tree: dict[str, Any], offset: float
) -> None:
    leader = UserFactory(roles=[(Role.LEADER, tree["B"])])
    boundary = 120.04  # S1 | S2
    west = jurisdiction_at(leader, "jurisdiction.view", boundary - offset, 30.005)
    east = jurisdiction_at(leader, "jurisdiction.view", boundary + offset, 30.005)
    assert west is not None and west.code.startswith("S1-")
    assert east is not None and east.code.startswith("S2-")
    assert west.kind == east.kind == "grid"


def test_the_cell_alone_would_have_been_wrong_somewhere(tree: dict[str, Any]) -> None:
    """Guards the reason for the exact test: near the boundary, some points' H3 cells are
    owned by the other side's grid."""
    wrong = 0
    for i in range(-20, 21):
        for j in range(10):
            lon, lat = 120.04 + i * 0.0001 + 0.00005, 30.001 + j * 0.0018
            owners = set(
                JurisdictionCell.objects.filter(cell=point_cell(lon, lat), kind="grid").values_list(
                    "jurisdiction__code", flat=True
                )
            )
            truth = "S1-" if lon < 120.04 else "S2-"
            wrong += bool(owners) and not any(o.startswith(truth) for o in owners)
    assert wrong > 0


def test_a_point_outside_the_users_scope_is_none(tree: dict[str, Any]) -> None:
    user = UserFactory(roles=[(Role.DISPATCHER, tree["S1"])])
    assert jurisdiction_at(user, "jurisdiction.view", 120.06, 30.005) is None
    assert jurisdiction_at(user, "jurisdiction.view", 121.0, 31.0) is None
