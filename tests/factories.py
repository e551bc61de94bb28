"""Factories shared by every app's tests: users with roles, and jurisdiction trees built
through the real import service."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import factory

from zhian.core.models import Jurisdiction, Role, RoleAssignment, User
from zhian.core.services.jurisdictions import do_import_jurisdictions

PASSWORD = "correct-horse-battery-9"


def _add_roles(user: User, create: bool, extracted: Any, **kwargs: Any) -> None:
    """``roles=[(Role.X, jurisdiction), …]``: saved, then given these roles."""
    if create:
        user.save()
        for role, jurisdiction in extracted or []:
            RoleAssignment.objects.create(user=user, role=role, jurisdiction=jurisdiction)


class UserFactory(factory.django.DjangoModelFactory[User]):
    """``UserFactory(...)`` returns a saved ``User`` (factory-boy's default create strategy)."""

    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"测试用户{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    roles = factory.PostGeneration(_add_roles)

    if TYPE_CHECKING:
        # factory-boy's metaclass ``__call__`` returns the model instance, but it is untyped and
        # mypy does not read a metaclass ``__call__``; this declaration (never run) tells mypy
        # that ``UserFactory(...)`` is a ``User``, as ``UserFactory.create(...)`` already is.
        def __new__(cls, **kwargs: Any) -> User: ...  # type: ignore[misc]  # see above


def square(lon: float, lat: float, size: float) -> dict[str, Any]:
    """A counter-clockwise square polygon with its lower-left corner at (lon, lat)."""
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def feature(
    code: str, kind: str, parent: str | None, geometry: dict[str, Any], name: str | None = None
) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": geometry,
        "properties": {"code": code, "name": name or f"{code}名称", "kind": kind, "parent": parent},
    }


def rect(lon0: float, lat0: float, lon1: float, lat1: float) -> dict[str, Any]:
    """A counter-clockwise rectangle."""
    ring = [[lon0, lat0], [lon1, lat0], [lon1, lat1], [lon0, lat1], [lon0, lat0]]
    return {"type": "Polygon", "coordinates": [ring]}


def tree_features() -> list[dict[str, Any]]:
    """A bureau tiled by two stations side by side (S1 west of lon 120.04, S2 east), each
    tiled by two sectors (south, north), each tiled by two grids (west, east)."""
    feats = [feature("B", "bureau", None, rect(120.0, 30.0, 120.08, 30.04), "测试分局")]
    for s, s_lon in ((1, 120.0), (2, 120.04)):
        station = f"S{s}"
        feats.append(
            feature(station, "station", "B", rect(s_lon, 30.0, s_lon + 0.04, 30.04), f"第{s}派出所")
        )
        for t, t_lat in ((1, 30.0), (2, 30.02)):
            sector = f"{station}-{t}"
            feats.append(
                feature(sector, "sector", station, rect(s_lon, t_lat, s_lon + 0.04, t_lat + 0.02))
            )
            for g, g_lon in ((1, s_lon), (2, s_lon + 0.02)):
                feats.append(
                    feature(
                        f"{sector}-{g}",
                        "grid",
                        sector,
                        rect(g_lon, t_lat, g_lon + 0.02, t_lat + 0.02),
                    )
                )
    return feats


def build_tree() -> dict[str, Jurisdiction]:
    do_import_jurisdictions(
        {"type": "FeatureCollection", "features": tree_features()}, acting_user=None
    )
    return {j.code: j for j in Jurisdiction.objects.all()}


__all__ = [
    "PASSWORD",
    "Role",
    "UserFactory",
    "build_tree",
    "feature",
    "rect",
    "square",
    "tree_features",
]
