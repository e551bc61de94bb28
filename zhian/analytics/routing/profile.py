"""Speed profile for the road graph: which OSM ``highway`` classes motor vehicles may
drive, in which directions (``oneway``, roundabouts, access tags) and how fast (km/h). The
rules read a way's tags only; ``zhian.analytics.routing.osm`` applies them while reading an
OSM file, and a ``RoadGraph`` keeps the profile it was built with (saved in its cache).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Protocol

#: Typical urban driving speeds (km/h) by OSM ``highway`` class, junction delays included.
DEFAULT_SPEEDS_KMH: dict[str, float] = {
    "motorway": 90.0,
    "motorway_link": 50.0,
    "trunk": 70.0,
    "trunk_link": 40.0,
    "primary": 50.0,
    "primary_link": 40.0,
    "secondary": 45.0,
    "secondary_link": 35.0,
    "tertiary": 40.0,
    "tertiary_link": 30.0,
    "unclassified": 30.0,
    "residential": 30.0,
    "road": 25.0,
    "living_street": 10.0,
    "service": 15.0,
}

_YES = frozenset({"yes", "true", "1"})
_NO = frozenset({"no", "false", "0"})
_MAXSPEED = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(mph|km/h|kmh)?\s*$")


class _Tags(Protocol):
    def get(self, key: str, default: str | None = None, /) -> str | None: ...


@dataclass(frozen=True)
class SpeedProfile:
    """Which OSM ``highway`` classes are drivable and how fast (km/h).

    A class is drivable iff it has a speed; ``area=yes`` and ways closed to motor
    vehicles (``blocked_access`` on motorcar > motor_vehicle > vehicle > access, unless
    ``emergency=yes``) are not. ``oneway=yes/true/1`` and ``-1`` are honoured;
    ``implied_oneway`` classes and roundabouts are one-way unless tagged ``oneway=no``;
    ``reversible``/``alternating`` ways are skipped. With ``use_maxspeed`` a numeric
    ``maxspeed`` replaces the class speed (off by default: class speeds are average urban
    driving speeds, posted limits are not).
    """

    speeds_kmh: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_SPEEDS_KMH))
    implied_oneway: frozenset[str] = frozenset({"motorway"})
    respect_oneway: bool = True
    use_maxspeed: bool = False
    blocked_access: frozenset[str] = frozenset({"no"})

    def __post_init__(self) -> None:
        bad = {k: v for k, v in self.speeds_kmh.items() if not v > 0}
        if bad:
            raise ValueError(f"speeds must be positive km/h: {bad}")

    def with_speeds(self, **speeds_kmh: float) -> SpeedProfile:
        """A copy with some class speeds changed or added."""
        return replace(self, speeds_kmh={**self.speeds_kmh, **speeds_kmh})

    def speed_kmh(self, tags: _Tags) -> float | None:
        """Speed for a way, or None if motor vehicles may not use it."""
        highway = tags.get("highway")
        if highway is None or highway not in self.speeds_kmh or tags.get("area") == "yes":
            return None
        if tags.get("emergency") not in ("yes", "designated"):
            for key in ("motorcar", "motor_vehicle", "vehicle", "access"):
                value = tags.get(key)
                if value is not None:
                    if value in self.blocked_access:
                        return None
                    break
        if self.use_maxspeed:
            match = _MAXSPEED.match(tags.get("maxspeed") or "")
            if match and float(match.group(1)) > 0:
                return float(match.group(1)) * (1.609344 if match.group(2) == "mph" else 1.0)
        return float(self.speeds_kmh[highway])

    def directions(self, tags: _Tags) -> tuple[bool, bool] | None:
        """(forward, backward) permission along the way's node order; None = skip way."""
        if not self.respect_oneway:
            return True, True
        oneway = tags.get("oneway")
        if oneway in _YES:
            return True, False
        if oneway in ("-1", "reverse"):
            return False, True
        if oneway in _NO:
            return True, True
        if oneway in ("reversible", "alternating"):
            return None  # direction changes over time: not routable
        if tags.get("junction") in ("roundabout", "circular"):
            return True, False
        if tags.get("highway") in self.implied_oneway:
            return True, False
        return True, True

    def to_json(self) -> str:
        data = asdict(self)
        data["speeds_kmh"] = dict(self.speeds_kmh)
        data["implied_oneway"] = sorted(self.implied_oneway)
        data["blocked_access"] = sorted(self.blocked_access)
        return json.dumps(data, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> SpeedProfile:
        data = json.loads(text)
        data["implied_oneway"] = frozenset(data["implied_oneway"])
        data["blocked_access"] = frozenset(data["blocked_access"])
        return cls(**data)
