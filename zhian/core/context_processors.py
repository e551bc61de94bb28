from typing import Any

from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, Any]:
    return {
        "map_tile_url": settings.ZHIAN_MAP_TILE_URL,
        "map_tile_attribution": settings.ZHIAN_MAP_TILE_ATTRIBUTION,
    }


def inbox(request: HttpRequest) -> dict[str, Any]:
    """``inbox_unread``: the signed-in user's unread notifications (one COUNT query), for the
    top-bar badge. Nothing for anonymous pages. Lazy, so pages that do not render the top
    bar pay nothing."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from django.utils.functional import SimpleLazyObject

    from zhian.core.notifications import unread_count

    return {"inbox_unread": SimpleLazyObject(lambda: unread_count(user))}


def roles(request: HttpRequest) -> dict[str, Any]:
    """``may_assign_roles``: show the 账号与角色 link to security administrators (lazy; the
    user's roles are read once per request and shared with scoping)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from django.utils.functional import SimpleLazyObject

    from zhian.core.scoping import scope_paths

    return {"may_assign_roles": SimpleLazyObject(lambda: scope_paths(user, "role.assign") != [])}
