"""Jurisdiction scoping: every selector narrows its queryset with these helpers.

A user who holds a role on a jurisdiction sees that jurisdiction and everything below it.
Superusers see everything (they are created only by ``createsuperuser`` for installation).
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext as _

from zhian.core.errors import NotFound, PermissionDenied
from zhian.core.models.jurisdictions import Jurisdiction
from zhian.core.permissions import roles_for

M = TypeVar("M", bound=Model)


def scope_paths(user: Any, action: str) -> list[str] | None:
    """Materialised paths under which ``user`` may do ``action``; None means everywhere."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    if user.is_superuser:
        return None
    held = user.__dict__.get("_zhian_role_paths")
    if held is None:
        # Every role the user holds, once per user object (one request); each action's
        # scope is then derived without another query.
        held = list(user.role_assignments.values_list("role", "jurisdiction__path"))
        user.__dict__["_zhian_role_paths"] = held
    cache: dict[str, list[str]] = user.__dict__.setdefault("_zhian_scope_cache", {})
    if action not in cache:
        roles = {str(r) for r in roles_for(action)}
        paths = sorted({path for role, path in held if role in roles})
        # Drop paths already covered by a shorter one.
        cache[action] = [p for p in paths if not any(p != q and p.startswith(q) for q in paths)]
    return cache[action]


def scope_q(user: Any, action: str, field: str = "jurisdiction") -> Q:
    """A filter for rows whose ``field`` (a FK to Jurisdiction, or "" for Jurisdiction
    itself) lies inside the user's scope for ``action``."""
    paths = scope_paths(user, action)
    if paths is None:
        return Q()
    lookup = f"{field}__path__startswith" if field else "path__startswith"
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(**{lookup: path})
    return q


def scoped(
    queryset: QuerySet[M], user: Any, action: str, field: str = "jurisdiction"
) -> QuerySet[M]:
    return queryset.filter(scope_q(user, action, field))


def can(user: Any, action: str, jurisdiction: Jurisdiction) -> bool:
    paths = scope_paths(user, action)
    return paths is None or any(jurisdiction.path.startswith(p) for p in paths)


def check_can(user: Any, action: str, jurisdiction: Jurisdiction) -> None:
    """Raise NotFound when the row is outside every scope the user has (so its existence
    does not leak), PermissionDenied when it is visible but the action is not allowed."""
    if can(user, action, jurisdiction):
        return
    if can(user, "jurisdiction.view", jurisdiction):
        raise PermissionDenied(_("您的角色无权执行此操作"), code="forbidden_action", action=action)
    raise NotFound(_("未找到该记录"))
