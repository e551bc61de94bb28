"""The platform side of routing: the road graph, unit recommendations, 1-3-5 coverage.

The maths is in ``zhian.analytics.routing`` / ``coverage``; this module feeds it rows from
the database. The graph is loaded once per process from ``ZHIAN_ROAD_NETWORK`` (an OSM
PBF) through an ``.npz`` cache beside the database.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.core.cache import caches
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from zhian.analytics.coverage import (
    coverage_135,
    covered_segments_geojson,
    recommend_staging_points,
)
from zhian.analytics.routing import (
    RoadGraph,
    load_graph,
    load_road_graph,
    recommend_units,
    save_graph,
)
from zhian.core.models import Jurisdiction
from zhian.core.scoping import scoped
from zhian.dispatch.choices import UnitStatus
from zhian.dispatch.models import Incident, Unit

_lock = threading.Lock()
COVERAGE_CACHE_SECONDS = 600
_graphs: dict[str, RoadGraph] = {}

METHOD_NOTES = {
    "road_network": gettext_lazy("按道路网络行车时间估算"),
    "straight_line": gettext_lazy("未加载路网：按直线距离 × 绕行系数估算"),
}
OFF_ROAD_NOTE = gettext_lazy(
    "事发地点距最近道路 %(m).0f 米，超出可接入范围：按直线距离 × 绕行系数估算"
)


def _source_key() -> str | None:
    """Identity of the configured road file (path, size, modification time), or None."""
    source = settings.ZHIAN_ROAD_NETWORK
    if not source:
        return None
    path = Path(source)
    stat = path.stat()
    return f"{path.resolve()}:{stat.st_size}:{stat.st_mtime_ns}"


def road_graph() -> RoadGraph | None:
    """The configured road network, or None (then ETAs fall back to straight lines)."""
    key = _source_key()
    if key is None:
        return None
    path = Path(settings.ZHIAN_ROAD_NETWORK)
    with _lock:
        if key not in _graphs:
            cache = (
                Path(settings.VAR_DIR) / "roads" / (hashlib.sha1(key.encode()).hexdigest() + ".npz")
            )
            if cache.exists():
                graph = load_graph(cache)
            else:
                graph = load_road_graph(path) if path.suffix != ".npz" else load_graph(path)
                cache.parent.mkdir(parents=True, exist_ok=True)
                save_graph(graph, cache)
            _graphs.clear()
            _graphs[key] = graph
        return _graphs[key]


def available_units(user: Any) -> list[Unit]:
    """Available units with a known position that the user may dispatch."""
    qs = scoped(
        Unit.objects.filter(status=UnitStatus.AVAILABLE, lon__isnull=False),
        user,
        "unit.view",
        field="station",
    )
    return list(qs.select_related("station"))


@dataclass(frozen=True)
class UnitSuggestion:
    unit: Unit
    eta_s: float
    distance_m: float
    method: str


@dataclass(frozen=True)
class Suggestions:
    units: list[UnitSuggestion]
    method: str
    note: str


def recommend_for_incident(incident: Incident, *, acting_user: Any, k: int = 5) -> Suggestions:
    """The k available units with the earliest estimated arrival (可调派警力推荐)."""
    units = available_units(acting_user)
    if not units:
        return Suggestions([], "none", _("没有可派的空闲警力"))
    graph = road_graph()
    result = recommend_units(
        graph,
        (incident.lon, incident.lat),
        [(u.pk, float(u.lon or 0), float(u.lat or 0)) for u in units],
        k=k,
        detour_factor=settings.ZHIAN_DETOUR_FACTOR,
    )
    by_id: dict[Any, Unit] = {u.pk: u for u in units}
    rows = [
        UnitSuggestion(by_id[uid], float(eta), float(dist), method)
        for uid, eta, dist, method in zip(
            result.unit_ids, result.eta_s, result.distance_m, result.unit_method, strict=True
        )
    ]
    if graph is not None and result.method == "straight_line":
        # The network is loaded; the incident itself is too far from any road to route to.
        note = str(OFF_ROAD_NOTE) % {"m": result.incident_snap_m or 0.0}
    else:
        note = str(METHOD_NOTES[result.method])
    off_road = sum(r.method != "road_network" for r in rows)
    if off_road and result.method == "road_network":
        note += ngettext(
            "（其中 %(n)d 个警力离道路较远，按直线估算）",
            "（其中 %(n)d 个警力离道路较远，按直线估算）",
            off_road,
        ) % {"n": off_road}
    return Suggestions(rows, result.method, note)


def arrival_estimates(incident: Incident, units: Sequence[Unit]) -> dict[int, float]:
    """Estimated seconds to the incident for each of ``units`` that has a position, the
    same estimate the recommendation shows (road network, else straight line × detour)."""
    located = [u for u in units if u.lon is not None and u.lat is not None]
    if not located or incident.lon is None or incident.lat is None:
        return {}
    result = recommend_units(
        road_graph(),
        (incident.lon, incident.lat),
        [(u.pk, float(u.lon or 0), float(u.lat or 0)) for u in located],
        k=len(located),
        detour_factor=settings.ZHIAN_DETOUR_FACTOR,
    )
    etas = zip(result.unit_ids, result.eta_s, strict=True)
    return {int(str(uid)): float(eta) for uid, eta in etas}


def coverage_for(
    jurisdiction: Jurisdiction, *, acting_user: Any, staging_points: int = 3
) -> dict[str, Any]:
    """1-3-5 coverage (1-3-5 分钟快速反应圈) of the road network and of last year's incident
    locations from available units, with staging points for idle units that raise 3-minute
    coverage the most."""
    graph = road_graph()
    if graph is None:
        return {
            "available": False,
            "note": _("未配置路网（ZHIAN_ROAD_NETWORK），无法计算 1-3-5 覆盖"),
        }
    units = [
        u for u in available_units(acting_user) if u.station.path.startswith(jurisdiction.path)
    ]
    unit_xy = np.array([(u.lon, u.lat) for u in units], dtype=float).reshape(-1, 2)
    since = timezone.now() - timedelta(days=365)
    incidents = np.array(
        list(
            Incident.objects.filter(
                jurisdiction__path__startswith=jurisdiction.path, received_at__gte=since
            )
            .order_by("-received_at")
            .values_list("lon", "lat")[:20000]
        ),
        dtype=float,
    ).reshape(-1, 2)
    # Keyed by what the answer depends on, so a sent or returning unit, a unit that moved
    # more than ~10 m (positions rounded to 1e-4°) or a new incident is a new key: nothing
    # to invalidate, and repeated views cost one lookup.
    digest = hashlib.sha256()
    for part in (
        str(_source_key()),
        str(staging_points),
        np.round(unit_xy, 4).tobytes(),
        incidents.tobytes(),
    ):
        digest.update(part.encode() if isinstance(part, str) else part)
    key = f"zhian:coverage:{digest.hexdigest()}"
    store = caches["coverage"]
    result: dict[str, Any] | None = store.get(key)
    if result is None:
        result = {"units": len(units), **_coverage(graph, unit_xy, incidents, staging_points)}
        store.set(key, result, COVERAGE_CACHE_SECONDS)
    return result


def _coverage(
    graph: RoadGraph, unit_xy: np.ndarray, incidents: np.ndarray, staging_points: int
) -> dict[str, Any]:
    cov = coverage_135(graph, unit_xy, incidents if len(incidents) else None)
    staging = recommend_staging_points(
        graph,
        staging_points,
        threshold_s=180.0,
        demand_lonlats=incidents if len(incidents) >= 10 else None,
        existing_lonlats=unit_xy if len(unit_xy) else None,
    )
    return {
        "available": True,
        "incidents": len(incidents),
        **cov.summary(),
        "segments": covered_segments_geojson(graph, cov),
        "staging": {
            "points": [[round(float(x), 6), round(float(y), 6)] for x, y in staging.lonlat],
            "gains": [round(float(g), 4) for g in staging.gains],
            "covered_before": round(staging.covered_before, 4),
            "covered_after": round(staging.covered_after, 4),
            "demand": staging.demand,
        },
    }
