"""What each role may do in grid governance (网格治理); registered from ``apps.py``.

A department liaison (部门联络员) acts on a referral only for a department they are a
member of (:class:`~zhian.grid.models.DepartmentMember`), and only where they hold
``Role.DEPARTMENT_LIAISON`` on the report's jurisdiction or above."""

from __future__ import annotations

from zhian.core.models.accounts import Role

_POLICE_VIEW = frozenset(
    {
        Role.GRID_WORKER,
        Role.COMMUNITY_OFFICER,
        Role.PATROL_OFFICER,
        Role.SUPERVISOR,
        Role.LEADER,
        Role.ADMINISTRATOR,
    }
)

ACTIONS: dict[str, frozenset[Role]] = {
    # Grid reports and 吹哨报到.
    "gridreport.view": _POLICE_VIEW | {Role.DEPARTMENT_LIAISON},
    "gridreport.create": frozenset({Role.GRID_WORKER, Role.COMMUNITY_OFFICER}),
    "gridreport.verify": frozenset({Role.GRID_WORKER, Role.COMMUNITY_OFFICER}),
    "gridreport.refer": frozenset({Role.COMMUNITY_OFFICER, Role.LEADER, Role.ADMINISTRATOR}),
    "referral.handle": frozenset({Role.DEPARTMENT_LIAISON}),
    "department.view": _POLICE_VIEW | {Role.DEPARTMENT_LIAISON, Role.ANALYST},
    "department.manage": frozenset({Role.ADMINISTRATOR}),
    "scorecard.view": frozenset(
        {Role.COMMUNITY_OFFICER, Role.SUPERVISOR, Role.LEADER, Role.ADMINISTRATOR, Role.ANALYST}
    ),
    # Disputes (矛盾纠纷).
    "dispute.view": frozenset(
        {
            Role.GRID_WORKER,
            Role.COMMUNITY_OFFICER,
            Role.PATROL_OFFICER,
            Role.SUPERVISOR,
            Role.LEADER,
        }
    ),
    "dispute.manage": frozenset({Role.GRID_WORKER, Role.COMMUNITY_OFFICER}),
    "dispute.party_reveal": frozenset({Role.COMMUNITY_OFFICER, Role.SUPERVISOR}),
    # Places, inspections, hazards (十本账).
    "place.view": _POLICE_VIEW | {Role.ANALYST},
    "place.manage": frozenset({Role.COMMUNITY_OFFICER, Role.ADMINISTRATOR}),
    "inspection.perform": frozenset({Role.GRID_WORKER, Role.COMMUNITY_OFFICER}),
    "inspection.plan": frozenset({Role.COMMUNITY_OFFICER, Role.LEADER, Role.ADMINISTRATOR}),
}
