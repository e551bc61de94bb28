"""Build the demo bureau's jurisdiction tree from real Toronto crime records.

Pure Python (pandas, numpy, h3, shapely); no Django. The output is a GeoJSON
FeatureCollection (RFC 7946) with one Feature per jurisdiction, parents before children
(bureau, then stations, sectors, grids), each with the properties
``code, name, name_en, kind, parent, h3_cells``.

Method (deterministic for a given ``seed``; see docs/demo-bureau.md):

1. Every record gets its H3 resolution-9 cell. The input is the demo's own
   ``data/toronto_mci_points.csv.gz`` (offences per distinct point, see
   ``zhian.demo.toronto``) or the full ``toronto_mci_2014_2020.csv.gz``: both give the
   same bureau.
2. A cell belongs to the neighbourhood holding the plurality of its records; ties go to
   the neighbourhood with more records in the cell's ring of six neighbours, then to the
   alphabetically first name.
3. The covered area is the record cells closed morphologically with a one-cell disk
   (gaps and notches up to two cells wide are bridged; no record cell is ever removed),
   with every enclosed empty area filled. Parts of it holding fewer than
   ``MIN_ISLAND_RECORDS`` records (stray points in the Rouge park) are dropped.
4. Empty covered cells are given to the neighbouring sector, growing from the record
   cells one ring at a time (majority of already assigned neighbours, then name).
5. A sector part that is cut off from its neighbourhood's main part (by records) is handed
   to the sector it shares the most cell edges with, so sectors are contiguous.
6. Stations: seeds from volume-weighted k-means (scikit-learn) on sector centroids (local
   metric plane); regions grow over the sector adjacency graph (the lightest region takes
   its nearest unassigned neighbour); then single-sector moves that keep both stations
   contiguous are made while they lower ``CV(volume)^2 + COMPACTNESS_WEIGHT * normalised
   inertia``. Of ``STATION_STARTS`` k-means seedings, the lowest final value is kept.
7. Grids: each sector's cells are split by k-means on cell centres into
   ``clamp(round(cells / GRID_TARGET_CELLS), MIN_GRIDS, MAX_GRIDS)`` groups; stray parts of
   a grid join the adjacent grid of the same sector they share most edges with.

Geometry is the union of the H3 cells (``h3.cells_to_h3shape``), oriented (exterior
counter-clockwise, holes clockwise), rounded to 6 decimals and checked with shapely.
"""

from __future__ import annotations

import argparse
import heapq
import json
import math
import re
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import h3
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import MultiPolygon, Polygon, shape
from shapely.geometry.polygon import orient
from sklearn.cluster import KMeans
from threadpoolctl import threadpool_limits

from zhian.demo.toronto import POINTS_PATH

H3_RES = 9

MIN_ISLAND_RECORDS = 10
GRID_TARGET_CELLS = 12
MIN_GRIDS = 3
MAX_GRIDS = 6
COMPACTNESS_WEIGHT = 0.5
STATION_STARTS = 4
CENTRAL_RADIUS_M = 3000.0
EARTH_RADIUS_M = 6_371_008.8

BUREAU_CODE = "DEMO"
BUREAU_NAME = "多伦多演示分局"
BUREAU_NAME_EN = "Toronto Demo Bureau"

# (Chinese, English) by 45-degree sector clockwise from north.
_DIRECTIONS = [
    ("北", "North"),
    ("东北", "North-East"),
    ("东", "East"),
    ("东南", "South-East"),
    ("南", "South"),
    ("西南", "South-West"),
    ("西", "West"),
    ("西北", "North-West"),
]
_CENTRAL = ("中", "Central")
_CN_DIGITS = "零一二三四五六七八九"
_SUFFIX_RE = re.compile(r"\s*\(\d+\)\s*$")

Cell = str
Geometry = dict[str, Any]


def clean_neighbourhood(name: str) -> str:
    """Strip a trailing `` (NN)`` neighbourhood number and surrounding blanks."""
    return _SUFFIX_RE.sub("", str(name)).strip()


def chinese_number(n: int) -> str:
    """Chinese numeral for 1..99 (一, 十, 十二, 二十三)."""
    if not 0 < n < 100:
        raise ValueError(f"out of range: {n}")
    tens, ones = divmod(n, 10)
    if tens == 0:
        return _CN_DIGITS[ones]
    head = "" if tens == 1 else _CN_DIGITS[tens]
    return head + "十" + (_CN_DIGITS[ones] if ones else "")


# --------------------------------------------------------------------------- reading


def load_cell_counts(csv_path: Path) -> tuple[pd.DataFrame, int]:
    """Records per (H3 cell, neighbourhood), and the number of usable records.

    A row is one record, or ``n`` records when the file has an ``n`` column (the demo's
    points file). Rows with missing or out-of-range coordinates (or exactly 0, 0) are skipped.
    """
    df = pd.read_csv(csv_path, usecols=lambda c: c in {"neighbourhood", "lat", "lon", "n"})
    if "n" not in df.columns:
        df = df.assign(n=1)
    df = df.dropna()
    ok = (
        df["lat"].between(-90, 90)
        & df["lon"].between(-180, 180)
        & ~((df["lat"] == 0) & (df["lon"] == 0))
    )
    df = df.loc[ok]
    df = df.assign(neighbourhood=df["neighbourhood"].map(clean_neighbourhood))
    # Points are snapped to intersections: index the distinct coordinates only.
    pts = df.groupby(["lat", "lon", "neighbourhood"], sort=False)["n"].sum().reset_index()
    coords = pts[["lat", "lon"]].drop_duplicates()
    cell_of = {
        (la, lo): h3.latlng_to_cell(la, lo, H3_RES)
        for la, lo in zip(coords["lat"].to_numpy(), coords["lon"].to_numpy(), strict=True)
    }
    pts["cell"] = [
        cell_of[(la, lo)]
        for la, lo in zip(pts["lat"].to_numpy(), pts["lon"].to_numpy(), strict=True)
    ]
    counts = (
        pts.groupby(["cell", "neighbourhood"], sort=True)["n"]
        .sum()
        .reset_index()
        .sort_values(["cell", "neighbourhood"], kind="mergesort", ignore_index=True)
    )
    return counts, int(df["n"].sum())


# --------------------------------------------------------------------------- cell sets


def _ring(cell: Cell) -> list[Cell]:
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
            for nb in _ring(c):
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
    outside = {c for c in gaps if any(nb not in frame for nb in _ring(c))}
    stack = list(outside)
    while stack:
        c = stack.pop()
        for nb in _ring(c):
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
    kept = {c for c in dilated if c in cells or all(nb in dilated for nb in _ring(c))}
    return _fill_holes(kept)


# --------------------------------------------------------------------------- sectors


def plurality_owner(counts: pd.DataFrame) -> dict[Cell, str]:
    """Cell -> neighbourhood with the most records in it (ties: ring-1 records, name)."""
    by_cell: dict[Cell, dict[str, int]] = defaultdict(dict)
    for cell, name, n in counts[["cell", "neighbourhood", "n"]].itertuples(index=False):
        by_cell[cell][name] = int(n)
    owner: dict[Cell, str] = {}
    for cell, per in by_cell.items():
        top = max(per.values())
        tied = sorted(name for name, n in per.items() if n == top)
        if len(tied) > 1:

            def around(name: str, cell: Cell = cell) -> int:
                return sum(by_cell.get(nb, {}).get(name, 0) for nb in _ring(cell))

            tied.sort(key=lambda name: (-around(name), name))
        owner[cell] = tied[0]
    return owner


def _grow(owner: dict[Cell, str], covered: set[Cell]) -> dict[Cell, str]:
    """Give each unowned covered cell to its neighbours' majority, ring by ring."""
    owner = dict(owner)
    todo = covered - owner.keys()
    while todo:
        new: dict[Cell, str] = {}
        for c in sorted(todo):
            votes = Counter(owner[nb] for nb in _ring(c) if nb in owner)
            if votes:
                top = max(votes.values())
                new[c] = min(name for name, v in votes.items() if v == top)
        if not new:  # unreachable: covered parts without any record cell
            break
        owner.update(new)
        todo -= new.keys()
    return owner


def _make_contiguous(
    owner: dict[Cell, str], records: Mapping[Cell, int], max_rounds: int = 20
) -> dict[Cell, str]:
    """Hand each cut-off part of a sector to the sector it shares most cell edges with."""
    owner = dict(owner)
    for _ in range(max_rounds):
        changed = False
        by_owner: dict[str, list[Cell]] = defaultdict(list)
        for c, name in owner.items():
            by_owner[name].append(c)
        for name in sorted(by_owner):
            parts = components(by_owner[name])
            if len(parts) < 2:
                continue
            parts.sort(key=lambda p: (-sum(records.get(c, 0) for c in p), -len(p), p[0]))
            for part in parts[1:]:
                votes: Counter[str] = Counter()
                for c in part:
                    for nb in _ring(c):
                        other = owner.get(nb)
                        if other is not None and other != name:
                            votes[other] += 1
                if not votes:
                    continue  # an island: nothing to merge it into
                top = max(votes.values())
                target = min(n for n, v in votes.items() if v == top)
                for c in part:
                    owner[c] = target
                changed = True
        if not changed:
            break
    return owner


# --------------------------------------------------------------------------- geometry


class _Plane:
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


# --------------------------------------------------------------------------- clustering


def kmeans(
    points: np.ndarray, k: int, seed: int, weights: np.ndarray | None = None, n_init: int = 4
) -> np.ndarray:
    """Labels (0..k-1) of scikit-learn's k-means (k-means++ starts, best of ``n_init``).

    One OpenMP thread: the problems are tiny (at most a few hundred points), and threads
    spinning on a busy machine made each fit 5x slower.
    """
    k = min(k, len(points))
    model = KMeans(n_clusters=k, n_init=n_init, random_state=seed)
    with threadpool_limits(limits=1, user_api="openmp"):
        return model.fit_predict(points, sample_weight=weights)


def _connected(nodes: set[int], adj: Sequence[set[int]]) -> bool:
    if not nodes:
        return True
    start = min(nodes)
    seen, stack = {start}, [start]
    while stack:
        for t in adj[stack.pop()]:
            if t in nodes and t not in seen:
                seen.add(t)
                stack.append(t)
    return len(seen) == len(nodes)


def partition_stations(
    xy: np.ndarray,
    volume: np.ndarray,
    area: np.ndarray,
    adj: Sequence[set[int]],
    k: int,
    seed: int,
) -> list[int]:
    """Group sectors into ``k`` contiguous stations of similar volume; returns labels.

    The partition is grown and refined from ``STATION_STARTS`` k-means seedings; the one
    with the lowest :func:`station_objective` is kept.
    """
    n = len(xy)
    if not 0 < k <= n:
        raise ValueError(f"n_stations must be in 1..{n}, got {k}")
    best: tuple[float, list[int]] | None = None
    for start in range(STATION_STARTS):
        label = _grow_stations(xy, volume, area, adj, k, seed * STATION_STARTS + start)
        score = station_objective(label, xy, volume, area, k)
        if best is None or score < best[0] - 1e-12:
            best = (score, label)
    assert best is not None
    return best[1]


def _disk_r2(total_area: float, k: int) -> float:
    """Squared radius (m^2) of a disk-shaped station; ``total_area`` counts cells."""
    return total_area * h3.average_hexagon_area(H3_RES, unit="m^2") / (k * math.pi)


def station_objective(
    label: Sequence[int], xy: np.ndarray, volume: np.ndarray, area: np.ndarray, k: int
) -> float:
    """``CV(volume)^2 + COMPACTNESS_WEIGHT * area-weighted inertia / (area * r^2)``."""
    lab = np.asarray(label)
    vol = np.bincount(lab, weights=volume, minlength=k)
    cv2 = float(((vol - vol.mean()) ** 2).mean() / vol.mean() ** 2)
    inertia = 0.0
    for j in range(k):
        m = lab == j
        if m.any():
            centre = np.average(xy[m], axis=0, weights=area[m])
            inertia += float((area[m] * ((xy[m] - centre) ** 2).sum(1)).sum())
    total_area = float(area.sum())
    return cv2 + COMPACTNESS_WEIGHT * inertia / (total_area * _disk_r2(total_area, k))


def _grow_stations(
    xy: np.ndarray,
    volume: np.ndarray,
    area: np.ndarray,
    adj: Sequence[set[int]],
    k: int,
    random_state: int,
) -> list[int]:
    """Seeds from weighted k-means, growth over the adjacency graph, then refinement."""
    n = len(xy)
    centers_lab = kmeans(xy, k, random_state, weights=volume, n_init=8)
    seeds: list[int] = []
    for j in sorted(set(centers_lab.tolist())):
        m = centers_lab == j
        centre = np.average(xy[m], axis=0, weights=volume[m])
        order = np.argsort(((xy - centre) ** 2).sum(1), kind="stable")
        seeds.append(next(int(i) for i in order if int(i) not in seeds))
    while len(seeds) < k:  # k-means lost a cluster: add the farthest sector
        d2 = np.min(((xy[:, None, :] - xy[seeds][None]) ** 2).sum(-1), axis=1)
        seeds.append(int(np.argmax(d2)))

    label = [-1] * n
    members: list[set[int]] = []
    vol = [0.0] * k
    for j, s in enumerate(seeds):
        label[s] = j
        members.append({s})
        vol[j] = float(volume[s])
    heap = [(vol[j], j) for j in range(k)]
    heapq.heapify(heap)
    while heap:
        _, j = heapq.heappop(heap)
        cand = {t for s in members[j] for t in adj[s] if label[t] == -1}
        if not cand:
            continue
        seed_xy = xy[seeds[j]]
        t = min(cand, key=lambda t: (float(((xy[t] - seed_xy) ** 2).sum()), t))
        label[t] = j
        members[j].add(t)
        vol[j] += float(volume[t])
        heapq.heappush(heap, (vol[j], j))
    for t in range(n):  # only if the adjacency graph is disconnected
        if label[t] == -1:
            j = int(np.argmin(((xy[seeds] - xy[t]) ** 2).sum(1)))
            label[t] = j
            members[j].add(t)
            vol[j] += float(volume[t])

    _refine(label, members, xy, volume, area, adj, k)
    return label


def _refine(
    label: list[int],
    members: list[set[int]],
    xy: np.ndarray,
    volume: np.ndarray,
    area: np.ndarray,
    adj: Sequence[set[int]],
    k: int,
    max_moves: int = 2000,
) -> None:
    """Greedy single-sector moves lowering CV(volume)^2 + w * normalised inertia."""
    mean_vol = float(volume.sum()) / k
    total_area = float(area.sum())
    inertia_norm = total_area * _disk_r2(total_area, k)
    sq = (xy**2).sum(1)
    s_a = [float(area[list(m)].sum()) for m in members]
    s_ax = [area[list(m)] @ xy[list(m)] for m in members]
    s_ax2 = [float(area[list(m)] @ sq[list(m)]) for m in members]
    vol = [float(volume[list(m)].sum()) for m in members]

    def inertia(a: float, ax: np.ndarray, ax2: float) -> float:
        return ax2 - float(ax @ ax) / a if a > 0 else 0.0

    for _ in range(max_moves):
        best: tuple[float, int, int] | None = None
        for s in range(len(label)):
            a_ = label[s]
            if len(members[a_]) == 1:
                continue
            for b in sorted({label[t] for t in adj[s]} - {a_}):
                v, ar = float(volume[s]), float(area[s])
                d_bal = (
                    (vol[a_] - v - mean_vol) ** 2
                    + (vol[b] + v - mean_vol) ** 2
                    - (vol[a_] - mean_vol) ** 2
                    - (vol[b] - mean_vol) ** 2
                ) / (k * mean_vol**2)
                before = inertia(s_a[a_], s_ax[a_], s_ax2[a_]) + inertia(s_a[b], s_ax[b], s_ax2[b])
                after = inertia(s_a[a_] - ar, s_ax[a_] - ar * xy[s], s_ax2[a_] - ar * sq[s])
                after += inertia(s_a[b] + ar, s_ax[b] + ar * xy[s], s_ax2[b] + ar * sq[s])
                delta = d_bal + COMPACTNESS_WEIGHT * (after - before) / inertia_norm
                if delta < -1e-12 and (best is None or (delta, s, b) < best):
                    if not _connected(members[a_] - {s}, adj):
                        continue
                    best = (delta, s, b)
        if best is None:
            return
        _, s, b = best
        a_ = label[s]
        v, ar = float(volume[s]), float(area[s])
        members[a_].discard(s)
        members[b].add(s)
        label[s] = b
        vol[a_] -= v
        vol[b] += v
        s_a[a_] -= ar
        s_a[b] += ar
        s_ax[a_] = s_ax[a_] - ar * xy[s]
        s_ax[b] = s_ax[b] + ar * xy[s]
        s_ax2[a_] -= ar * sq[s]
        s_ax2[b] += ar * sq[s]


def grid_count(n_cells: int) -> int:
    """Grids for a sector of ``n_cells``: round(n / GRID_TARGET_CELLS) within 3..6, <= n."""
    return min(n_cells, max(MIN_GRIDS, min(MAX_GRIDS, round(n_cells / GRID_TARGET_CELLS))))


def split_grids(cells: Sequence[Cell], xy: np.ndarray, n: int, seed: int) -> list[list[Cell]]:
    """Split a sector's cells into at most ``n`` edge-connected groups by k-means."""
    if n <= 1 or len(cells) <= 1:
        return [sorted(cells)]
    labels = kmeans(xy, n, seed, n_init=4)
    grid_of = {c: int(j) for c, j in zip(cells, labels, strict=True)}
    for _ in range(10):
        changed = False
        groups: dict[int, list[Cell]] = defaultdict(list)
        for c, j in grid_of.items():
            groups[j].append(c)
        for j in sorted(groups):
            for part in components(groups[j])[1:]:
                votes: Counter[int] = Counter()
                for c in part:
                    for nb in _ring(c):
                        other = grid_of.get(nb)
                        if other is not None and other != j:
                            votes[other] += 1
                if votes:
                    top = max(votes.values())
                    target = min(g for g, v in votes.items() if v == top)
                    for c in part:
                        grid_of[c] = target
                    changed = True
        if not changed:
            break
    groups = defaultdict(list)
    for c, j in grid_of.items():
        groups[j].append(c)
    return [sorted(g) for _, g in sorted(groups.items())]


# --------------------------------------------------------------------------- naming


def _direction(dx: float, dy: float) -> tuple[str, str]:
    if math.hypot(dx, dy) < CENTRAL_RADIUS_M:
        return _CENTRAL
    bearing = math.degrees(math.atan2(dx, dy)) % 360.0
    return _DIRECTIONS[int(((bearing + 22.5) % 360.0) // 45.0)]


def _reading_order(centres: Mapping[Any, tuple[float, float]]) -> list[Any]:
    """Keys sorted north to south, then west to east (centres are (lat, lon))."""
    return sorted(centres, key=lambda key: (-round(centres[key][0], 6), round(centres[key][1], 6)))


def _feature(
    code: str, name: str, name_en: str, kind: str, parent: str | None, cells: Iterable[Cell]
) -> dict[str, Any]:
    cell_list = sorted(set(cells))
    return {
        "type": "Feature",
        "properties": {
            "code": code,
            "name": name,
            "name_en": name_en,
            "kind": kind,
            "parent": parent,
            "h3_cells": cell_list,
        },
        "geometry": cells_geometry(cell_list),
    }


# --------------------------------------------------------------------------- build


def build_demo_bureau(
    csv_path: Path | None = None, n_stations: int = 12, seed: int = 0
) -> dict[str, Any]:
    """Build the demo bureau FeatureCollection from Toronto MCI records (default: the demo's
    own points file)."""
    counts, _ = load_cell_counts(csv_path or POINTS_PATH)
    records: dict[Cell, int] = counts.groupby("cell")["n"].sum().astype(int).to_dict()

    # Sectors: plurality cells, closed and hole-filled, tiny islands dropped, grown, repaired.
    owner = plurality_owner(counts)
    covered = close_cells(set(owner))
    for part in components(covered):
        if sum(records.get(c, 0) for c in part) < MIN_ISLAND_RECORDS:
            covered -= set(part)
    owner = {c: name for c, name in owner.items() if c in covered}
    owner = _make_contiguous(_grow(owner, covered), records)
    sector_cells: dict[str, list[Cell]] = defaultdict(list)
    for c in sorted(owner):
        sector_cells[owner[c]].append(c)
    missing = set(counts["neighbourhood"]) - sector_cells.keys()
    if missing:
        raise RuntimeError(f"neighbourhoods without any cell: {sorted(missing)}")
    names = sorted(sector_cells)

    # Geometry helpers: cell centres in a local metric plane.
    all_cells = sorted(owner)
    latlon = np.array([h3.cell_to_latlng(c) for c in all_cells])
    plane = _Plane(float(latlon[:, 0].mean()), float(latlon[:, 1].mean()))
    cell_xy = dict(zip(all_cells, plane.xy(latlon[:, 0], latlon[:, 1]), strict=True))
    cell_ll = {c: (float(la), float(lo)) for c, (la, lo) in zip(all_cells, latlon, strict=True)}

    def centre_xy(cells: Iterable[Cell]) -> np.ndarray:
        return np.mean([cell_xy[c] for c in cells], axis=0)

    def centre_ll(cells: Iterable[Cell]) -> tuple[float, float]:
        pts = np.array([cell_ll[c] for c in cells])
        return float(pts[:, 0].mean()), float(pts[:, 1].mean())

    # Stations.
    idx = {name: i for i, name in enumerate(names)}
    adj: list[set[int]] = [set() for _ in names]
    for c, name in owner.items():
        for nb in _ring(c):
            other = owner.get(nb)
            if other is not None and other != name:
                adj[idx[name]].add(idx[other])
    xy = np.array([centre_xy(sector_cells[nm]) for nm in names])
    volume = np.array([sum(records.get(c, 0) for c in sector_cells[nm]) for nm in names], float)
    area = np.array([len(sector_cells[nm]) for nm in names], float)
    labels = partition_stations(xy, volume, area, adj, n_stations, seed)
    station_sectors: dict[int, list[str]] = defaultdict(list)
    for nm, j in zip(names, labels, strict=True):
        station_sectors[j].append(nm)

    # Station codes and names: ordered by direction from the city centre, then bearing.
    city = centre_xy(all_cells)
    info = []
    for j, secs in station_sectors.items():
        dx, dy = centre_xy([c for nm in secs for c in sector_cells[nm]]) - city
        direction = _direction(float(dx), float(dy))
        rank = [_CENTRAL, *_DIRECTIONS].index(direction)
        info.append((rank, round(math.degrees(math.atan2(dx, dy)) % 360.0, 6), j, direction))
    info.sort()
    per_dir = Counter(d for *_, d in info)
    seen_dir: Counter[tuple[str, str]] = Counter()

    features = [_feature(BUREAU_CODE, BUREAU_NAME, BUREAU_NAME_EN, "bureau", None, all_cells)]
    sectors_out: list[dict[str, Any]] = []
    grids_out: list[dict[str, Any]] = []
    for si, (*_, j, (cn, en)) in enumerate(info, start=1):
        seen_dir[(cn, en)] += 1
        if per_dir[(cn, en)] > 1:
            num = seen_dir[(cn, en)]
            st_name, st_en = f"{cn}区{chinese_number(num)}派出所", f"{en} Station {num}"
        else:
            st_name, st_en = f"{cn}区派出所", f"{en} Station"
        st_code = f"{BUREAU_CODE}-{si:02d}"
        secs = station_sectors[j]
        features.append(
            _feature(
                st_code,
                st_name,
                st_en,
                "station",
                BUREAU_CODE,
                [c for nm in secs for c in sector_cells[nm]],
            )
        )
        order = _reading_order({nm: centre_ll(sector_cells[nm]) for nm in secs})
        for ki, nm in enumerate(order, start=1):
            sec_code = f"{st_code}-{ki:02d}"
            cells = sector_cells[nm]
            sectors_out.append(_feature(sec_code, f"{nm}警务区", nm, "sector", st_code, cells))
            grids = split_grids(
                cells,
                np.array([cell_xy[c] for c in cells]),
                grid_count(len(cells)),
                seed * 1000 + idx[nm],
            )
            grid_order = _reading_order({gi: centre_ll(g) for gi, g in enumerate(grids)})
            for gn, gi in enumerate(grid_order, start=1):
                grids_out.append(
                    _feature(
                        f"{sec_code}-{gn:02d}",
                        f"{nm}警务区第{chinese_number(gn)}网格",
                        f"{nm} Grid {gn}",
                        "grid",
                        sec_code,
                        grids[gi],
                    )
                )
    features.extend(sectors_out)
    features.extend(grids_out)
    return {"type": "FeatureCollection", "features": features}


def write_demo_bureau(
    path_out: Path | str,
    csv_path: Path | None = None,
    n_stations: int = 12,
    seed: int = 0,
) -> dict[str, Any]:
    """Build the demo bureau and write it as compact UTF-8 GeoJSON; returns the collection."""
    fc = build_demo_bureau(csv_path, n_stations=n_stations, seed=seed)
    out = Path(path_out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(fc, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    return fc


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m zhian.demo.bureau OUT.geojson [--csv PATH] [--stations N] [--seed S]``."""
    parser = argparse.ArgumentParser(
        prog="python -m zhian.demo.bureau", description="Write the demo bureau GeoJSON."
    )
    parser.add_argument("out", type=Path, help="GeoJSON file to write")
    parser.add_argument("--csv", type=Path, default=None, help=f"default: {POINTS_PATH}")
    parser.add_argument("--stations", type=int, default=12)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    fc = write_demo_bureau(args.out, args.csv, n_stations=args.stations, seed=args.seed)
    kinds = Counter(f["properties"]["kind"] for f in fc["features"])
    print(
        f"wrote {args.out}: "
        + ", ".join(f"{kinds[k]} {k}" for k in ("bureau", "station", "sector", "grid"))
        + f" in {time.perf_counter() - t0:.1f} s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
