"""What each role may do. Actions are named ``<object>.<verb>``; a user may act on an
object when one of their roles that grants the action sits on the object's jurisdiction or
an ancestor of it."""

from __future__ import annotations

from zhian.core.models.accounts import Role

ALL_ROLES = frozenset(Role)

ACTION_ROLES: dict[str, frozenset[Role]] = {
    "jurisdiction.view": ALL_ROLES,
    "jurisdiction.change": frozenset({Role.ADMINISTRATOR}),
    "jurisdiction.import": frozenset({Role.ADMINISTRATOR}),
    "audit.view": frozenset({Role.SUPERVISOR, Role.ADMINISTRATOR}),
    "user.manage": frozenset({Role.ADMINISTRATOR}),
    # 接处警 dispatch
    "incident.view": frozenset(
        {
            Role.DISPATCHER,
            Role.PATROL_OFFICER,
            Role.COMMUNITY_OFFICER,
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


def roles_for(action: str) -> frozenset[Role]:
    try:
        return ACTION_ROLES[action]
    except KeyError:
        raise KeyError(f"unknown action {action!r}; add it to ACTION_ROLES") from None
