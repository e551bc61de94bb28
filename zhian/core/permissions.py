"""What each role may do. Actions are named ``<object>.<verb>``; a user may act on an
object when one of their roles that grants the action sits on the object's jurisdiction or
an ancestor of it."""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ImproperlyConfigured

from zhian.core.models.accounts import Role

ALL_ROLES = frozenset(Role)

# Core's own actions; each app registers its own with register_actions().
ACTION_ROLES: dict[str, frozenset[Role]] = {
    "jurisdiction.view": ALL_ROLES,
    "jurisdiction.change": frozenset({Role.ADMINISTRATOR}),
    "jurisdiction.import": frozenset({Role.ADMINISTRATOR}),
    # 三员分立: the audit administrator reads and exports the trail (and nothing else);
    # the system administrator (ADMINISTRATOR) no longer reads the record of their own
    # acts. The legal supervisor (法制监督员) keeps reading it within their jurisdiction:
    # checking how police powers were used there is that role's statutory job.
    "audit.view": frozenset({Role.AUDIT_ADMINISTRATOR, Role.SUPERVISOR}),
    "audit.export": frozenset({Role.AUDIT_ADMINISTRATOR}),
    "user.manage": frozenset({Role.ADMINISTRATOR}),
    # The security administrator assigns roles (permissions); nobody else does.
    "role.assign": frozenset({Role.SECURITY_ADMINISTRATOR}),
    # A lost authenticator: the system or the security administrator removes the devices.
    "mfa.reset": frozenset({Role.ADMINISTRATOR, Role.SECURITY_ADMINISTRATOR}),
}


def roles_for(action: str) -> frozenset[Role]:
    try:
        return ACTION_ROLES[action]
    except KeyError:
        raise KeyError(f"unknown action {action!r}; add it to ACTION_ROLES") from None


def register_actions(actions: Mapping[str, frozenset[Role]]) -> None:
    """An app adds its own actions (call from its ``AppConfig.ready()``), so core names no
    app's verbs. Registering an action again with other roles is a configuration error."""
    for name, roles in actions.items():
        if ACTION_ROLES.get(name, roles) != roles:
            raise ImproperlyConfigured(f"action {name!r} registered twice with different roles")
        ACTION_ROLES[name] = frozenset(roles)
