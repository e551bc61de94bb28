"""H3 cell sets of the demo bureau: connected parts, morphological closing, hole filling,
and their outline as RFC 7946 geometry (oriented rings, 6 decimals)."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

import h3
import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon, shape
from shapely.geometry.polygon import orient

H3_RES = 9
EARTH_RADIUS_M = 6_371_008.8
Cell = str
Geometry = dict[str, Any]
K = TypeVar("K", str, int)


# --------------------------------------------------------------------------- cell sets


def ring(cell: Cell) -> list[Cell]:
    return list(h3.grid_ring(cell, 1))


def components(cells: Iterable[Cell]) -> list[list[Cell]]:
    """Edge-connected components, each sorted, largest first (ties by first cell)."""
    todo = set(cells)
    out: list[list[Cell]] = []
    for start in sorted(todo):
        if start not in todo:
            continue
        todo.discard(start)
        stack, comp = [start], []
        while stack:
            c = stack.pop()
            comp.append(c)
            for nb in ring(c):
                if nb in todo:
                    todo.discard(nb)
                    stack.append(nb)
        out.append(sorted(comp))
    out.sort(key=lambda comp: (-len(comp), comp[0]))
    return out


def _fill_holes(cells: set[Cell]) -> set[Cell]:
    """``cells`` plus every cell not reachable from outside without crossing ``cells``."""
    frame: set[Cell] = set()
    for c in cells:
        frame.update(h3.grid_disk(c, 1))
    gaps = frame - cells
    outside = {c for c in gaps if any(nb not in frame for nb in ring(c))}
    stack = list(outside)
    while stack:
        c = stack.pop()
        for nb in ring(c):
            if nb in gaps and nb not in outside:
                outside.add(nb)
                stack.append(nb)
    return cells | (gaps - outside)


def close_cells(cells: set[Cell]) -> set[Cell]:
    """Morphological closing with a one-cell disk, holes filled; keeps every input cell."""
    dilated: set[Cell] = set()
    for c in cells:
        dilated.update(h3.grid_disk(c, 1))
    dilated = _fill_holes(dilated)
    kept = {c for c in dilated if c in cells or all(nb in dilated for nb in ring(c))}
    return _fill_holes(kept)


# --------------------------------------------------------------------------- geometry


class Plane:
    """Local equirectangular projection (metres) about a reference point; fine at city scale."""

    def __init__(self, lat0: float, lon0: float) -> None:
        self.lat0, self.lon0 = lat0, lon0
        self.kx = math.radians(1) * EARTH_RADIUS_M * math.cos(math.radians(lat0))
        self.ky = math.radians(1) * EARTH_RADIUS_M

    def xy(self, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        return np.column_stack([(lon - self.lon0) * self.kx, (lat - self.lat0) * self.ky])


def _round_ring(coords: Iterable[Sequence[float]]) -> list[list[float]]:
    ring = [[round(float(x), 6), round(float(y), 6)] for x, y, *_ in coords]
    out = [ring[0]]
    for pt in ring[1:]:
        if pt != out[-1]:
            out.append(pt)
    if out[0] != out[-1]:
        out.append(out[0])
    return out


def _polygon_coords(p: Polygon) -> list[list[list[float]]]:
    p = orient(p, sign=1.0)
    return [_round_ring(p.exterior.coords)] + [_round_ring(r.coords) for r in p.interiors]


def cells_geometry(cells: Iterable[Cell]) -> Geometry:
    """GeoJSON Polygon/MultiPolygon of the union of ``cells`` (RFC 7946, 6 decimals)."""
    cell_list = sorted(set(cells))
    geom = shape(h3.h3shape_to_geo(h3.cells_to_h3shape(cell_list, tight=True)))
    polys = list(geom.geoms) if isinstance(geom, MultiPolygon) else [geom]
    rounded = [_polygon_coords(p) for p in polys]
    out_geom = shape(_geojson(rounded))
    if not out_geom.is_valid:  # never seen at res 9 / 6 decimals; be safe anyway
        fixed = shapely.make_valid(out_geom)
        parts = [g for g in getattr(fixed, "geoms", [fixed]) if isinstance(g, Polygon)]
        rounded = [_polygon_coords(p) for p in parts]
    rounded.sort(key=lambda r: (-Polygon(r[0]).area, r[0][0]))
    return _geojson(rounded)


def _geojson(polys: list[list[list[list[float]]]]) -> Geometry:
    if len(polys) == 1:
        return {"type": "Polygon", "coordinates": polys[0]}
    return {"type": "MultiPolygon", "coordinates": polys}


def merge_cut_off_parts(
    owner: dict[Cell, K],
    *,
    main_part: Callable[[list[Cell]], Any] | None = None,
    max_rounds: int = 20,
) -> dict[Cell, K]:
    """Make every group of ``owner`` (cell → group) edge-connected: each part cut off from a
    group's main part goes to the neighbouring group it shares most cell edges with (ties:
    the smallest group key); an island with no neighbour stays. The main part is the first
    of :func:`components`, or the first when sorted by ``main_part``."""
    owner = dict(owner)
    for _ in range(max_rounds):
        changed = False
        groups: dict[K, list[Cell]] = defaultdict(list)
        for cell, key in owner.items():
            groups[key].append(cell)
        for key in sorted(groups):
            parts = components(groups[key])
            if main_part is not None:
                parts.sort(key=main_part)
            for part in parts[1:]:
                votes: Counter[K] = Counter()
                for cell in part:
                    for nb in ring(cell):
                        other = owner.get(nb)
                        if other is not None and other != key:
                            votes[other] += 1
                if not votes:
                    continue  # an island: nothing to merge it into
                top = max(votes.values())
                target = min(k for k, v in votes.items() if v == top)
                for cell in part:
                    owner[cell] = target
                changed = True
        if not changed:
            break
    return owner
