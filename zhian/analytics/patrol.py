"""Patrol planning (热点+节点巡防): which hotspot cells each unit patrols in a shift, in
which order and when.

Framework-free: arrays and a ``RoadGraph`` in, a ``PatrolPlan`` out.

1. **Candidates** are cells (usually a forecast's highest-risk cells) with a risk, a
   dose-cap area (片区) and an optional near-repeat factor: a cell inside a live
   near-repeat alert has its risk multiplied by the Knox observed/expected ratio of the
   alert's band, so ``priority = risk x factor``.
2. **Dose cap** (a fairness limit): no area may receive more than ``DoseCap.share`` of the
   week's patrol time. Cells are taken in priority order; a cell whose dwell would push
   its area past the cap is skipped with the reason. Cells are taken until their dwell
   time fills the units' available time (``capacity_factor`` times over); the rest are
   skipped as beyond capacity, so the solver never sees cells it could not serve.
3. **Routing**: a vehicle-routing problem solved with OR-Tools (one vehicle per unit,
   starting and ending at the unit's position; a time dimension holding road travel time
   plus the dwell at each cell; each unit's route inside its available window within the
   shift; a cell may be dropped at a penalty that grows with its priority, so the most
   important cells are kept; a global span cost balances the units' workloads). Travel
   times come from Dijkstra searches on the road graph between the nodes nearest each
   point, with the point-to-node gap covered at ``OFFROAD_SPEED_KMH``.
4. **Result**: per unit the cells in order with arrival and departure times, travel time
   and route length; the cells skipped and why; the share of candidate risk covered; and
   the patrol time per area. ``patrol_spread`` compares patrol time per neighbourhood with
   where incidents happened (``zhian.analytics.fairness``).

Nothing here concerns people: units are patrol cars or teams, cells are places.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray
from ortools.constraint_solver import pywrapcp, routing_enums_pb2
from scipy.sparse import csgraph

from zhian.analytics.fairness import FairnessReport, compare_shares
from zhian.analytics.routing.graph import FloatArray, IntArray, RoadGraph, haversine_m
from zhian.analytics.routing.snap import MAX_SNAP_M, OFFROAD_SPEED_KMH, nearest_nodes

__all__ = [
    "SKIP_BEYOND_CAPACITY",
    "SKIP_DOSE_CAP",
    "SKIP_NOT_ROUTED",
    "SKIP_OFF_NETWORK",
    "Candidates",
    "DoseCap",
    "PatrolPlan",
    "PatrolUnit",
    "Skipped",
    "UnitRoute",
    "Visit",
    "patrol_spread",
    "plan_patrols",
]

SKIP_DOSE_CAP = "dose_cap"
SKIP_BEYOND_CAPACITY = "beyond_capacity"
SKIP_NOT_ROUTED = "not_routed"
SKIP_OFF_NETWORK = "off_network"

BALANCE_COST = 4  # per second of a unit's work beyond its fair share
TRAVEL_ALLOWANCE = 0.15  # expected travel time as a share of the dwell time


@dataclass(frozen=True, eq=False)
class Candidates:
    """Candidate cells: id, centre (lon, lat), forecast risk, dose-cap area and the
    near-repeat factor (1 outside alerts)."""

    ids: NDArray[np.str_]
    lonlat: FloatArray
    risk: FloatArray
    area: NDArray[np.str_]
    alert_factor: FloatArray

    @classmethod
    def build(
        cls,
        ids: ArrayLike,
        lonlat: ArrayLike,
        risk: ArrayLike,
        area: ArrayLike,
        alert_factor: ArrayLike | None = None,
    ) -> Candidates:
        """Validate and convert; raises ``ValueError`` naming the bad input."""
        ids_a = np.asarray(ids).astype(str)
        n = ids_a.shape[0]
        ll = np.asarray(lonlat, dtype=np.float64).reshape(-1, 2)
        r = np.asarray(risk, dtype=np.float64).reshape(-1)
        ar = np.asarray(area).astype(str).reshape(-1)
        f = np.ones(n) if alert_factor is None else np.asarray(alert_factor, dtype=np.float64)
        if not (ll.shape[0] == r.shape[0] == ar.shape[0] == f.shape[0] == n):
            raise ValueError("ids, lonlat, risk, area and alert_factor need one row per cell")
        if len(set(ids_a.tolist())) != n:
            raise ValueError("cell ids must be unique")
        if not np.all(np.isfinite(ll)):
            raise ValueError("cell centres must be finite lon/lat")
        if not np.all(np.isfinite(r)) or np.any(r < 0):
            raise ValueError("risk must be finite and non-negative")
        if not np.all(np.isfinite(f)) or np.any(f < 1):
            raise ValueError("alert factors must be finite and at least 1")
        return cls(ids_a, ll, r, ar, f)

    def __len__(self) -> int:
        return int(self.ids.shape[0])

    @property
    def priority(self) -> FloatArray:
        return np.asarray(self.risk * self.alert_factor)


@dataclass(frozen=True)
class PatrolUnit:
    """A patrol unit (巡逻力量): where it starts and ends, and when it is available
    (epoch seconds; None = the whole shift)."""

    id: str
    lon: float
    lat: float
    available_from: int | None = None
    available_until: int | None = None


@dataclass(frozen=True)
class DoseCap:
    """No area receives more than ``share`` of ``week_total_s``, the week's patrol time
    (None: the time already planned this week plus this shift's available unit time).
    ``used_s`` is the patrol time each area has already been given this week."""

    share: float
    week_total_s: float | None = None
    used_s: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not 0 < self.share <= 1:
            raise ValueError("the dose cap is a share of the week's patrol time in (0, 1]")
        if self.week_total_s is not None and self.week_total_s <= 0:
            raise ValueError("the week's patrol time must be positive")
        if any(v < 0 for v in self.used_s.values()):
            raise ValueError("patrol time already used cannot be negative")


@dataclass(frozen=True)
class Visit:
    """One cell on a unit's route: order from 1, times in epoch seconds."""

    order: int
    cell: str
    area: str
    risk: float
    priority: float
    arrive: int
    depart: int
    travel_s: float
    distance_m: float


@dataclass(frozen=True)
class UnitRoute:
    """A unit's plan: leave ``start``, visit the cells, be back at ``end``."""

    unit: str
    start: int
    end: int
    visits: list[Visit]
    travel_s: float
    patrol_s: float
    route_length_m: float

    @property
    def workload_s(self) -> float:
        return self.travel_s + self.patrol_s


@dataclass(frozen=True)
class Skipped:
    """A candidate cell left out, with a stable ``reason`` code and a sentence."""

    cell: str
    area: str
    priority: float
    reason: str
    detail: str


@dataclass(frozen=True)
class PatrolPlan:
    shift_start: int
    shift_end: int
    dwell_s: int
    routes: list[UnitRoute]
    skipped: list[Skipped]
    unavailable_units: list[str]
    risk_total: float
    risk_covered: float
    area_limit_s: float
    area_used_s: dict[str, float]
    area_planned_s: dict[str, float]
    travel_method: str = "road_network"

    @property
    def risk_covered_share(self) -> float:
        return min(1.0, self.risk_covered / self.risk_total) if self.risk_total > 0 else 0.0

    @property
    def visits(self) -> list[Visit]:
        return [v for r in self.routes for v in r.visits]

    def summary(self) -> str:
        n = len(self.visits)
        return (
            f"{n} cells over {sum(1 for r in self.routes if r.visits)} units; "
            f"{100 * self.risk_covered_share:.1f}% of candidate risk covered; "
            f"{len(self.skipped)} skipped"
        )


def _check_shift(shift_start: int, shift_end: int, dwell_s: int) -> None:
    if shift_end <= shift_start:
        raise ValueError("the shift must end after it starts")
    if dwell_s <= 0:
        raise ValueError("the dwell time per cell must be positive")
    if dwell_s > shift_end - shift_start:
        raise ValueError("the dwell time per cell is longer than the shift")


def _unit_windows(
    units: Sequence[PatrolUnit], shift_start: int, shift_end: int
) -> tuple[list[int], list[tuple[int, int]], list[str]]:
    """Indices of usable units, their windows (s from shift start), unusable ids."""
    ids = [u.id for u in units]
    if len(set(ids)) != len(ids):
        raise ValueError("unit ids must be unique")
    keep, windows, out = [], [], []
    for k, u in enumerate(units):
        a = max(shift_start, u.available_from if u.available_from is not None else shift_start)
        b = min(shift_end, u.available_until if u.available_until is not None else shift_end)
        if b - a <= 0:
            out.append(u.id)
            continue
        keep.append(k)
        windows.append((a - shift_start, b - shift_start))
    return keep, windows, out


def _select(
    cand: Candidates,
    order: IntArray,
    usable: NDArray[np.bool_],
    cap: DoseCap,
    week_total_s: float,
    budget_s: float,
    dwell_s: int,
) -> tuple[list[int], list[Skipped], float]:
    """Greedy selection in priority order under the dose cap and the time budget."""
    limit = cap.share * week_total_s
    planned: dict[str, float] = {}
    chosen: list[int] = []
    skipped: list[Skipped] = []
    pr = cand.priority
    for i in order.tolist():
        a = str(cand.area[i])
        if not usable[i]:
            skipped.append(
                Skipped(
                    str(cand.ids[i]),
                    a,
                    float(pr[i]),
                    SKIP_OFF_NETWORK,
                    f"the cell centre is more than {MAX_SNAP_M:.0f} m from any road",
                )
            )
            continue
        if dwell_s * len(chosen) >= budget_s:
            skipped.append(
                Skipped(
                    str(cand.ids[i]),
                    a,
                    float(pr[i]),
                    SKIP_BEYOND_CAPACITY,
                    "the units' available time is filled by higher-priority cells",
                )
            )
            continue
        used = cap.used_s.get(a, 0.0) + planned.get(a, 0.0)
        if used + dwell_s > limit + 1e-9:
            skipped.append(
                Skipped(
                    str(cand.ids[i]),
                    a,
                    float(pr[i]),
                    SKIP_DOSE_CAP,
                    f"area {a} already has {used / 60:.0f} min of {limit / 60:.0f} min "
                    f"allowed this week ({100 * cap.share:g}% of {week_total_s / 3600:.1f} h)",
                )
            )
            continue
        planned[a] = planned.get(a, 0.0) + dwell_s
        chosen.append(i)
    return chosen, skipped, limit


class _Travel:
    """Travel between points (units first, then cells): ``time`` (s) matrix, ``gap`` (m)
    from each point to the network, and ``length(i, j)`` (m) of the leg used."""

    def __init__(
        self,
        graph: RoadGraph | None,
        lonlat: FloatArray,
        *,
        offroad_speed_kmh: float,
        detour_factor: float,
        fallback_speed_kmh: float,
    ) -> None:
        self.graph = graph
        n = lonlat.shape[0]
        if graph is None or n == 0:
            # straight line x detour factor at a fallback speed (no road network)
            self.straight = detour_factor * haversine_m(lonlat[:, None, :], lonlat[None, :, :])
            self.time = self.straight / (fallback_speed_kmh / 3.6)
            self.gap = np.zeros(n)
            return
        self.node = nearest_nodes(graph, lonlat)
        self.gap = np.hypot(
            *(graph.project(lonlat) - graph.project(graph.node_lonlat[self.node])).T
        )
        uniq, self.row = np.unique(self.node, return_inverse=True)
        dist, self.pred = csgraph.dijkstra(graph.csr, indices=uniq, return_predecessors=True)
        off = self.gap / (offroad_speed_kmh / 3.6)
        self.time = dist[self.row][:, self.node] + off[:, None] + off[None, :]
        np.fill_diagonal(self.time, 0.0)

    def length(self, i: int, j: int) -> float:
        if self.graph is None:
            return float(self.straight[i, j])
        a, b = int(self.node[i]), int(self.node[j])
        path = _path_length(self.graph, self.pred[self.row[i]], a, b)
        return path + float(self.gap[i] + self.gap[j]) if i != j else 0.0


def _path_length(graph: RoadGraph, pred_row: NDArray[np.int32], a: int, b: int) -> float:
    """Length (m) of the fastest path from node a to node b (predecessors from a)."""
    if a == b:
        return 0.0
    nodes = [b]
    while nodes[-1] != a:
        p = int(pred_row[nodes[-1]])
        if p < 0:
            return math.inf
        nodes.append(p)
    seq = np.array(nodes[::-1], dtype=np.int64)
    keys = seq[:-1] * graph.n_nodes + seq[1:]
    pos = np.searchsorted(graph.arc_key, keys)
    return float(graph.edge_length_m[graph.arc_edge[pos]].sum())


def plan_patrols(
    graph: RoadGraph | None,
    candidates: Candidates,
    units: Sequence[PatrolUnit],
    *,
    shift_start: int,
    shift_end: int,
    dose_cap: DoseCap,
    dwell_s: int = 900,
    capacity_factor: float = 1.0,
    time_limit_s: float = 2.0,
    offroad_speed_kmh: float = OFFROAD_SPEED_KMH,
    max_snap_m: float = MAX_SNAP_M,
    detour_factor: float = 1.4,
    fallback_speed_kmh: float = 30.0,
) -> PatrolPlan:
    """Plan one shift's patrols (see the module docstring).

    ``dwell_s`` is the time spent in each cell (15 min by default, within the 10–16 min
    of Koper's curve); ``time_limit_s`` bounds the OR-Tools local search after its first
    solution. Without a ``graph`` travel is the straight line x ``detour_factor`` at
    ``fallback_speed_kmh`` and ``PatrolPlan.travel_method`` says so. Raises
    ``ValueError`` for a bad shift, unit or candidate list.
    """
    _check_shift(shift_start, shift_end, dwell_s)
    if capacity_factor <= 0:
        raise ValueError("capacity_factor must be positive")
    keep, windows, unavailable = _unit_windows(units, shift_start, shift_end)
    n = len(candidates)
    pr = candidates.priority
    order = np.lexsort((candidates.ids, -pr)) if n else np.zeros(0, dtype=np.int64)
    available_s = float(sum(b - a for a, b in windows))
    week_total = dose_cap.week_total_s or (sum(dose_cap.used_s.values()) + available_s)
    usable_units = [units[k] for k in keep]
    all_ll = np.concatenate(
        [
            np.array([[u.lon, u.lat] for u in usable_units], dtype=np.float64).reshape(-1, 2),
            candidates.lonlat,
        ]
    )
    travel_model = _Travel(
        graph,
        all_ll,
        offroad_speed_kmh=offroad_speed_kmh,
        detour_factor=detour_factor,
        fallback_speed_kmh=fallback_speed_kmh,
    )
    time, gap = travel_model.time, travel_model.gap
    m = len(usable_units)
    usable = gap[m:] <= max_snap_m
    unit_ok = gap[:m] <= max_snap_m
    if not unit_ok.all():
        bad = usable_units[int(np.flatnonzero(~unit_ok)[0])].id
        raise ValueError(f"unit {bad} is more than {max_snap_m:.0f} m from any road")
    chosen, skipped, limit = _select(
        candidates, order, usable, dose_cap, week_total, capacity_factor * available_s, dwell_s
    )
    routes, dropped = _solve(
        time, windows, chosen, m, dwell_s, pr, shift_end - shift_start, time_limit_s
    )
    out_routes: list[UnitRoute] = []
    planned: dict[str, float] = {}
    covered = 0.0
    for v, (start_s, stops, end_s) in enumerate(routes):
        visits: list[Visit] = []
        prev, length, travel = v, 0.0, 0.0
        for k, (pt, arrive) in enumerate(stops, start=1):
            c = pt - m
            leg_m = travel_model.length(prev, pt)
            leg_s = float(time[prev, pt])
            visits.append(
                Visit(
                    order=k,
                    cell=str(candidates.ids[c]),
                    area=str(candidates.area[c]),
                    risk=float(candidates.risk[c]),
                    priority=float(pr[c]),
                    arrive=shift_start + arrive,
                    depart=shift_start + arrive + dwell_s,
                    travel_s=leg_s,
                    distance_m=leg_m,
                )
            )
            length += leg_m
            travel += leg_s
            covered += float(candidates.risk[c])
            planned[str(candidates.area[c])] = planned.get(str(candidates.area[c]), 0.0) + dwell_s
            prev = pt
        if stops:
            length += travel_model.length(prev, v)
            travel += float(time[prev, v])
        out_routes.append(
            UnitRoute(
                unit=usable_units[v].id,
                start=shift_start + start_s,
                end=shift_start + end_s,
                visits=visits,
                travel_s=travel,
                patrol_s=float(dwell_s * len(visits)),
                route_length_m=length,
            )
        )
    for i in dropped:
        c = i
        skipped.append(
            Skipped(
                str(candidates.ids[c]),
                str(candidates.area[c]),
                float(pr[c]),
                SKIP_NOT_ROUTED,
                "no unit could fit it into its available time",
            )
        )
    return PatrolPlan(
        shift_start=shift_start,
        shift_end=shift_end,
        dwell_s=dwell_s,
        routes=out_routes,
        skipped=skipped,
        unavailable_units=unavailable,
        risk_total=float(candidates.risk.sum()),
        risk_covered=covered,
        area_limit_s=limit,
        area_used_s={str(k): float(v) for k, v in dose_cap.used_s.items()},
        area_planned_s=planned,
        travel_method="road_network" if graph is not None else "straight_line",
    )


def _solve(
    time: FloatArray,
    windows: list[tuple[int, int]],
    chosen: list[int],
    m: int,
    dwell_s: int,
    priority: FloatArray,
    horizon: int,
    time_limit_s: float,
) -> tuple[list[tuple[int, list[tuple[int, int]], int]], list[int]]:
    """OR-Tools VRP over the units (points 0..m-1) and the chosen cells (points m + i).

    Returns per unit (start, [(point, arrival)], end) in seconds from the shift start,
    and the chosen cells (candidate indices) that no route holds.
    """
    if m == 0 or not chosen:
        return [(a, [], a) for a, _ in windows], list(chosen)
    pts = np.concatenate([np.arange(m), m + np.asarray(chosen)])
    sub = np.ceil(time[np.ix_(pts, pts)]).astype(np.int64)
    service = np.zeros(len(pts), dtype=np.int64)
    service[m:] = dwell_s
    manager = pywrapcp.RoutingIndexManager(len(pts), m, list(range(m)), list(range(m)))
    model = pywrapcp.RoutingModel(manager)
    cost_cb = model.RegisterTransitMatrix(sub.tolist())
    model.SetArcCostEvaluatorOfAllVehicles(cost_cb)
    time_cb = model.RegisterTransitMatrix((sub + service[:, None]).tolist())
    model.AddDimension(time_cb, 0, horizon, False, "time")
    dim = model.GetDimensionOrDie("time")
    # balance: each unit's fair share of the expected work (dwell plus a travel allowance,
    # in proportion to its available time); time beyond it costs BALANCE_COST per second
    total_window = sum(b - a for a, b in windows)
    work = len(chosen) * dwell_s * (1.0 + TRAVEL_ALLOWANCE)
    for v, (a, b) in enumerate(windows):
        dim.CumulVar(model.Start(v)).SetRange(a, b)
        dim.CumulVar(model.End(v)).SetRange(a, b)
        target = a + math.ceil(work * (b - a) / total_window)
        if target < b:
            dim.SetCumulVarSoftUpperBound(model.End(v), target, BALANCE_COST)
        model.AddVariableMinimizedByFinalizer(dim.CumulVar(model.Start(v)))
        model.AddVariableMinimizedByFinalizer(dim.CumulVar(model.End(v)))
    # dropping any cell costs more than all travel and balance costs together; a cell of
    # higher priority costs more to drop
    top = float(priority[chosen].max()) or 1.0
    base = (BALANCE_COST + 1) * horizon * m + 1
    for j, c in enumerate(chosen):
        penalty = base + round(base * float(priority[c]) / top)
        model.AddDisjunction([manager.NodeToIndex(m + j)], penalty)
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = (
        routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION
    )
    params.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    )
    params.time_limit.FromMilliseconds(max(1, int(time_limit_s * 1000)))
    solution = model.SolveWithParameters(params)
    if solution is None:
        return [(a, [], a) for a, _ in windows], list(chosen)
    routes = []
    served: set[int] = set()
    for v in range(m):
        idx = model.Start(v)
        start = solution.Value(dim.CumulVar(idx))
        stops = []
        idx = solution.Value(model.NextVar(idx))
        while not model.IsEnd(idx):
            p = manager.IndexToNode(idx)
            stops.append((int(pts[p]), int(solution.Value(dim.CumulVar(idx)))))
            served.add(p)
            idx = solution.Value(model.NextVar(idx))
        routes.append((int(start), stops, int(solution.Value(dim.CumulVar(idx)))))
    dropped = [c for j, c in enumerate(chosen) if m + j not in served]
    return routes, dropped


def patrol_spread(
    plan: PatrolPlan,
    cell_neighbourhood: Mapping[str, str],
    event_neighbourhoods: ArrayLike,
) -> FairnessReport:
    """Patrol time per neighbourhood against where incidents happened.

    ``cell_neighbourhood`` labels the plan's cells; ``event_neighbourhoods`` holds one
    label per reference incident. The report's "flagged share" is the share of patrol
    time (see ``zhian.analytics.fairness.compare_shares``).
    """
    seconds: dict[str, float] = {}
    for v in plan.visits:
        seconds[v.cell] = seconds.get(v.cell, 0.0) + plan.dwell_s
    cells = sorted(cell_neighbourhood)
    labels = np.array([cell_neighbourhood[c] for c in cells], dtype=str)
    weight = np.array([seconds.get(c, 0.0) for c in cells], dtype=np.float64)
    return compare_shares(labels, weight, np.asarray(event_neighbourhoods, dtype=str))
