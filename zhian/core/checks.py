"""System checks on existing data (run by ``manage.py check --database default`` and by
``migrate``): rules a service enforces on every change, verified on rows already stored."""

from __future__ import annotations

from typing import Any

from django.core.checks import Error


def separation_of_duties(
    app_configs: Any = None, databases: Any = None, **kwargs: Any
) -> list[Error]:
    """三员分立: no account holds two of the system, security and audit administrator roles."""
    if not databases or "default" not in databases:
        return []  # a check that reads the database runs only when asked to
    from django.db.utils import DatabaseError

    from zhian.core.services.accounts import separation_violations

    try:
        found = separation_violations()
    except DatabaseError:
        return []  # tables not created yet (before the first migrate)
    return [
        Error(
            f"account {username!r} holds {', '.join(roles)}",
            hint="三员分立: remove all but one of these roles (system, security, audit "
            "administrator) through the security administrator.",
            id="zhian.E001",
        )
        for username, roles in found
    ]
