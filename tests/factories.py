"""Factories shared by every app's tests: users with roles, and jurisdiction trees built
through the real import service."""

from __future__ import annotations

from typing import Any

import factory

from zhian.core.models import Jurisdiction, Role, RoleAssignment, User
from zhian.core.services.jurisdictions import do_import_jurisdictions

PASSWORD = "correct-horse-battery-9"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"测试用户{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def roles(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        """``roles=[(Role.X, jurisdiction), …]``."""
        if create:
            self.save()
            for role, jurisdiction in extracted or []:
                RoleAssignment.objects.create(user=self, role=role, jurisdiction=jurisdiction)


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


def tree_features() -> list[dict[str, Any]]:
    """A bureau with two stations side by side, each with two sectors of two grids."""
    size = 0.02
    feats = [feature("B", "bureau", None, square(120.0, 30.0, 4 * size), "测试分局")]
    for s, s_lon in ((1, 120.0), (2, 120.0 + 2 * size)):
        station = f"S{s}"
        feats.append(
            feature(station, "station", "B", square(s_lon, 30.0, 2 * size), f"第{s}派出所")
        )
        for t in (1, 2):
            sector = f"{station}-{t}"
            t_lat = 30.0 + (t - 1) * size
            feats.append(feature(sector, "sector", station, square(s_lon, t_lat, size)))
            for g in (1, 2):
                g_lon = s_lon + (g - 1) * size / 2
                feats.append(
                    feature(f"{sector}-{g}", "grid", sector, square(g_lon, t_lat, size / 2))
                )
    return feats


def build_tree() -> dict[str, Jurisdiction]:
    do_import_jurisdictions(
        {"type": "FeatureCollection", "features": tree_features()}, acting_user=None
    )
    return {j.code: j for j in Jurisdiction.objects.all()}


__all__ = ["PASSWORD", "Role", "UserFactory", "build_tree", "feature", "square", "tree_features"]
