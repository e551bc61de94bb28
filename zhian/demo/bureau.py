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

from zhian.demo.cells import (
    H3_RES,
    Cell,
    Plane,
    cells_geometry,
    close_cells,
    components,
    merge_cut_off_parts,
    ring,
)
from zhian.demo.stations import grid_count, partition_stations, split_grids
from zhian.demo.toronto import POINTS_PATH

MIN_ISLAND_RECORDS = 10
CENTRAL_RADIUS_M = 3000.0

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
                return sum(by_cell.get(nb, {}).get(name, 0) for nb in ring(cell))

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
            votes = Counter(owner[nb] for nb in ring(c) if nb in owner)
            if votes:
                top = max(votes.values())
                new[c] = min(name for name, v in votes.items() if v == top)
        if not new:  # unreachable: covered parts without any record cell
            break
        owner.update(new)
        todo -= new.keys()
    return owner


def _make_contiguous(owner: dict[Cell, str], records: Mapping[Cell, int]) -> dict[Cell, str]:
    """Hand each cut-off part of a sector to the sector it shares most cell edges with; a
    sector keeps the part holding most records."""
    return merge_cut_off_parts(
        owner, main_part=lambda p: (-sum(records.get(c, 0) for c in p), -len(p), p[0])
    )


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
    plane = Plane(float(latlon[:, 0].mean()), float(latlon[:, 1].mean()))
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
        for nb in ring(c):
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
