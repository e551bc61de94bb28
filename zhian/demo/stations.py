"""Stations and grids of the demo bureau: volume-weighted k-means seeds (scikit-learn),
contiguous regions grown over the sector adjacency graph and refined, and each sector split
into grids."""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from collections.abc import Sequence

import h3
import numpy as np
from sklearn.cluster import KMeans
from threadpoolctl import threadpool_limits

from zhian.demo.cells import H3_RES, Cell, merge_cut_off_parts

GRID_TARGET_CELLS = 12
MIN_GRIDS = 3
MAX_GRIDS = 6
COMPACTNESS_WEIGHT = 0.5
STATION_STARTS = 4


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
    grid_of = merge_cut_off_parts(grid_of, max_rounds=10)
    groups: dict[int, list[Cell]] = defaultdict(list)
    for c, j in grid_of.items():
        groups[j].append(c)
    return [sorted(g) for _, g in sorted(groups.items())]
