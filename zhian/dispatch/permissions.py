"""What each role may do in dispatch (接处警); registered with core from ``apps.py``."""

from __future__ import annotations

from zhian.core.models.accounts import Role

ACTIONS: dict[str, frozenset[Role]] = {
    "incident.view": frozenset(
        {
            Role.DISPATCHER,
            Role.PATROL_OFFICER,
            Role.COMMUNITY_OFFICER,
            Role.CASE_OFFICER,  # opens cases from incidents (records)
            Role.SUPERVISOR,
            Role.LEADER,
            Role.ANALYST,
            Role.ADMINISTRATOR,
        }
    ),
    "incident.create": frozenset({Role.DISPATCHER, Role.PATROL_OFFICER, Role.COMMUNITY_OFFICER}),
    "incident.dispatch": frozenset({Role.DISPATCHER}),
    "incident.close": frozenset({Role.DISPATCHER, Role.SUPERVISOR}),
    "incident.feedback": frozenset(
        {Role.DISPATCHER, Role.PATROL_OFFICER, Role.COMMUNITY_OFFICER, Role.SUPERVISOR}
    ),
    "caller.reveal": frozenset({Role.DISPATCHER, Role.SUPERVISOR}),
    "unit.view": frozenset(
        {
            Role.DISPATCHER,
            Role.PATROL_OFFICER,
            Role.SUPERVISOR,
            Role.LEADER,
            Role.ADMINISTRATOR,
            Role.ANALYST,
        }
    ),
    "unit.report": frozenset({Role.DISPATCHER, Role.PATROL_OFFICER}),
    "unit.manage": frozenset({Role.ADMINISTRATOR}),
}
