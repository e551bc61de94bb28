"""Grid fixtures: the shared two-station tree, departments with liaisons, routing rules,
and a user per grid role.

Tree (tests/factories.py): bureau B → stations S1 (west), S2 (east) → sectors S1-1, S1-2 …
→ grids S1-1-1, S1-1-2 …  A point at (120.01, 30.01) lies in grid S1-1-1."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import Role, UserFactory
from zhian.grid.services.departments import (
    do_add_liaison,
    do_create_department,
    do_create_routing_rule,
)

IN_S1_1_1 = (120.01, 30.01)
IN_S2_1_1 = (120.05, 30.01)


@pytest.fixture
def people(tree: dict[str, Any]) -> dict[str, Any]:
    return {
        "worker": UserFactory(username="wgy", roles=[(Role.GRID_WORKER, tree["S1-1-1"])]),
        "worker2": UserFactory(username="wgy2", roles=[(Role.GRID_WORKER, tree["S1-1-1"])]),
        "east_worker": UserFactory(username="wgy_e", roles=[(Role.GRID_WORKER, tree["S2-1-1"])]),
        "community": UserFactory(username="sqmj", roles=[(Role.COMMUNITY_OFFICER, tree["S1-1"])]),
        "liaison": UserFactory(username="cg", roles=[(Role.DEPARTMENT_LIAISON, tree["B"])]),
        "liaison_sj": UserFactory(username="sj", roles=[(Role.DEPARTMENT_LIAISON, tree["B"])]),
        "sector_leader": UserFactory(username="jwq", roles=[(Role.LEADER, tree["S1-1"])]),
        "station_leader": UserFactory(username="pcs", roles=[(Role.LEADER, tree["S1"])]),
        "leader": UserFactory(username="jld", roles=[(Role.LEADER, tree["B"])]),
        "admin": UserFactory(username="gly", roles=[(Role.ADMINISTRATOR, tree["B"])]),
    }


@pytest.fixture
def departments(tree: dict[str, Any], people: dict[str, Any]) -> dict[str, Any]:
    """城管 (bureau-wide, 4 h / 5 d), 市场监管 (bureau-wide, 8 h / 10 d) and the people's
    mediation committee (人民调解委员会), each with a liaison."""
    admin = people["admin"]
    urban = do_create_department(
        acting_user=admin,
        code="CG",
        name="城管执法中队",
        kind="urban_management",
        jurisdiction=tree["B"],
        sign_hours=4,
        resolve_days=5,
    )
    market = do_create_department(
        acting_user=admin,
        code="SJ",
        name="市场监管所",
        kind="market_regulation",
        jurisdiction=tree["B"],
        sign_hours=8,
        resolve_days=10,
    )
    mediation = do_create_department(
        acting_user=admin,
        code="TW",
        name="人民调解委员会",
        kind="mediation_committee",
        jurisdiction=tree["B"],
        sign_hours=24,
        resolve_days=15,
    )
    do_add_liaison(urban, people["liaison"], acting_user=admin)
    do_add_liaison(market, people["liaison_sj"], acting_user=admin)
    do_add_liaison(mediation, people["liaison"], acting_user=admin)
    return {"CG": urban, "SJ": market, "TW": mediation}


@pytest.fixture
def rules(tree: dict[str, Any], people: dict[str, Any], departments: dict[str, Any]) -> Any:
    """Safety hazards anywhere go to 城管; in station S1 also to 市场监管, with a tighter
    2-hour sign-for clock; nothing routes 其他."""
    admin = people["admin"]
    return [
        do_create_routing_rule(
            acting_user=admin,
            report_type="safety_hazard",
            jurisdiction=tree["B"],
            department=departments["CG"],
        ),
        do_create_routing_rule(
            acting_user=admin,
            report_type="safety_hazard",
            jurisdiction=tree["S1"],
            department=departments["SJ"],
            sign_hours=2,
        ),
        do_create_routing_rule(
            acting_user=admin,
            report_type="assistance",
            jurisdiction=tree["B"],
            department=departments["CG"],
            sign_hours=1,
            resolve_days=1,
        ),
    ]


@pytest.fixture
def places(people: dict[str, Any]) -> dict[str, Any]:
    """Two schools, a hotel and an internet café in station S1, a school in S2."""
    from zhian.grid.services.places import PlaceInput, do_register_place

    admin = people["admin"]

    def place(name: str, kind: str, lon: float, lat: float, **attrs: Any) -> Any:
        return do_register_place(
            PlaceInput(
                name=name,
                place_type=kind,
                address=f"{name}路 1 号",
                lon=lon,
                lat=lat,
                operator_name="王经理",
                operator_phone="0571-87654321",
                attributes=attrs,
            ),
            acting_user=admin,
        )

    return {
        "big_school": place("实验小学", "school", 120.01, 30.01, students=1500),
        "small_school": place("希望小学", "school", 120.03, 30.01, students=300),
        "hotel": place("如家酒店", "hotel", 120.012, 30.012, rooms=80),
        "cafe": place("星际网吧", "internet_cafe", 120.011, 30.03, seats=60),
        "east_school": place("东区中学", "school", 120.05, 30.01, students=2000, boarding=True),
    }
