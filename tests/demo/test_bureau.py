"""The demo bureau built from the real Toronto MCI file: structure, partition, geometry."""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import h3
import pandas as pd
import pytest
from shapely.geometry import LinearRing, shape

from zhian.analytics.datasets import toronto_mci_path
from zhian.core.geo import validate_boundary
from zhian.demo import bureau as db
from zhian.demo import toronto

CSV = toronto_mci_path()
pytestmark = pytest.mark.skipif(not CSV.exists(), reason=f"shared data missing: {CSV}")

KINDS = ("bureau", "station", "sector", "grid")
PARENT_KIND = {"bureau": None, "station": "bureau", "sector": "station", "grid": "sector"}
CODE_RE = {
    "bureau": r"DEMO",
    "station": r"DEMO-\d\d",
    "sector": r"DEMO-\d\d-\d\d",
    "grid": r"DEMO-\d\d-\d\d-\d\d",
}
MAX_STATION_VOLUME_RATIO = 1.5  # max/min records per station, default seed


@pytest.fixture(scope="module")
def fc() -> dict[str, Any]:
    return db.build_demo_bureau(CSV)


@pytest.fixture(scope="module")
def records() -> pd.DataFrame:
    """The records with their H3 cell, computed independently of the module."""
    df = pd.read_csv(CSV, usecols=["neighbourhood", "lat", "lon"])
    df["cell"] = [
        h3.latlng_to_cell(la, lo, 9)
        for la, lo in zip(df["lat"].to_numpy(), df["lon"].to_numpy(), strict=True)
    ]
    return df


@pytest.fixture(scope="module")
def per_cell(records: pd.DataFrame) -> dict[str, int]:
    return records.groupby("cell").size().to_dict()


def props(fc: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [f["properties"] for f in fc["features"] if f["properties"]["kind"] == kind]


def children(fc: dict[str, Any], kind: str) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for p in props(fc, kind):
        out[p["parent"]].append(p)
    return out


def edge_connected(cells: set[str]) -> bool:
    return len(db.components(cells)) == 1


def polygons(geometry: dict[str, Any]) -> list[list[list[list[float]]]]:
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    assert geometry["type"] == "MultiPolygon"
    return geometry["coordinates"]


# --------------------------------------------------------------------------- structure


def test_collection_and_properties(fc: dict[str, Any]) -> None:
    assert set(fc) == {"type", "features"}
    assert fc["type"] == "FeatureCollection"
    seen: dict[str, str] = {}
    for f in fc["features"]:
        assert set(f) == {"type", "properties", "geometry"}
        p = f["properties"]
        assert set(p) == {"code", "name", "name_en", "kind", "parent", "h3_cells"}
        assert p["kind"] in KINDS
        assert re.fullmatch(CODE_RE[p["kind"]], p["code"]), p["code"]
        assert p["code"] not in seen, "codes are unique"
        if p["parent"] is None:
            assert p["kind"] == "bureau"
        else:
            assert seen.get(p["parent"]) == PARENT_KIND[p["kind"]], "parents come first"
            assert p["code"].startswith(p["parent"] + "-")
        assert p["h3_cells"] == sorted(set(p["h3_cells"]))
        assert all(h3.is_valid_cell(c) and h3.get_resolution(c) == 9 for c in p["h3_cells"])
        seen[p["code"]] = p["kind"]


def test_counts(fc: dict[str, Any], records: pd.DataFrame) -> None:
    kinds = Counter(f["properties"]["kind"] for f in fc["features"])
    assert kinds["bureau"] == 1
    assert kinds["station"] == 12
    assert kinds["sector"] == 140
    neighbourhoods = {db.clean_neighbourhood(n) for n in records["neighbourhood"].unique()}
    assert {p["name_en"] for p in props(fc, "sector")} == neighbourhoods
    assert all(p["parent"] is not None for p in props(fc, "sector"))
    for code, sectors in children(fc, "sector").items():
        assert re.fullmatch(CODE_RE["station"], code)
        assert [int(s["code"][-2:]) for s in sectors] == list(range(1, len(sectors) + 1))
    grids = children(fc, "grid")
    for sector in props(fc, "sector"):
        n = len(grids[sector["code"]])
        assert n == db.grid_count(len(sector["h3_cells"]))
        assert 3 <= n <= 6


def test_names(fc: dict[str, Any]) -> None:
    (bureau,) = props(fc, "bureau")
    assert bureau["name"] == "多伦多演示分局"
    stations = props(fc, "station")
    directions = "中|北|东北|东|东南|南|西南|西|西北"
    for s in stations:
        assert re.fullmatch(rf"({directions})区([一二三四五六七八九十]+)?派出所", s["name"]), s
        assert re.fullmatch(
            r"(Central|North|South|East|West|[A-Za-z]+-[A-Za-z]+) Station( \d+)?", s["name_en"]
        ), s
    assert len({s["name"] for s in stations}) == len(stations)
    for s in props(fc, "sector"):
        assert s["name"] == f"{s['name_en']}警务区"
        assert not re.search(r"\(\d+\)$", s["name_en"])
    by_code = {p["code"]: p for f in fc["features"] for p in [f["properties"]]}
    for g in props(fc, "grid"):
        sector = by_code[g["parent"]]
        n = int(g["code"][-2:])
        assert g["name"] == f"{sector['name']}第{db.chinese_number(n)}网格"
        assert g["name_en"] == f"{sector['name_en']} Grid {n}"


# --------------------------------------------------------------------------- partition


def test_sectors_partition_the_bureau(fc: dict[str, Any], per_cell: dict[str, int]) -> None:
    (bureau,) = props(fc, "bureau")
    owner: dict[str, str] = {}
    for s in props(fc, "sector"):
        for c in s["h3_cells"]:
            assert c not in owner, f"{c} in {owner.get(c)} and {s['code']}"
            owner[c] = s["code"]
    assert set(owner) == set(bureau["h3_cells"])
    covered = sum(n for c, n in per_cell.items() if c in owner)
    assert covered / sum(per_cell.values()) >= 0.999


def test_cells_nest(fc: dict[str, Any]) -> None:
    cells = {p["code"]: set(p["h3_cells"]) for p in (f["properties"] for f in fc["features"])}
    for kind in ("station", "sector", "grid"):
        for parent, kids in children(fc, kind).items():
            union: set[str] = set()
            for k in kids:
                assert not union & cells[k["code"]], "siblings are disjoint"
                assert cells[k["code"]] <= cells[parent]
                union |= cells[k["code"]]
            assert union == cells[parent]


def test_sectors_follow_the_records(fc: dict[str, Any], records: pd.DataFrame) -> None:
    """Most records fall in the sector named after their neighbourhood."""
    sector_of = {c: p["name_en"] for p in props(fc, "sector") for c in p["h3_cells"]}
    label = records["cell"].map(sector_of)
    agree = label == records["neighbourhood"].map(db.clean_neighbourhood)
    assert agree.mean() > 0.85
    # ... and each sector's records are mostly its own neighbourhood's.
    share = agree.groupby(label).mean()
    assert share.min() > 0.4


def test_every_unit_is_contiguous(fc: dict[str, Any]) -> None:
    for kind in ("station", "sector", "grid"):
        for p in props(fc, kind):
            assert edge_connected(set(p["h3_cells"])), p["code"]


def test_station_sector_graph_connected(fc: dict[str, Any]) -> None:
    sector_of = {c: p["code"] for p in props(fc, "sector") for c in p["h3_cells"]}
    for station, sectors in children(fc, "sector").items():
        codes = {s["code"] for s in sectors}
        adj: dict[str, set[str]] = defaultdict(set)
        for s in sectors:
            for c in s["h3_cells"]:
                for nb in h3.grid_ring(c, 1):
                    other = sector_of.get(nb, "")
                    if other in codes and other != s["code"]:
                        adj[s["code"]].add(other)
        start = min(codes)
        seen, stack = {start}, [start]
        while stack:
            for t in adj[stack.pop()] - seen:
                seen.add(t)
                stack.append(t)
        assert seen == codes, station


def test_station_volumes_are_balanced(fc: dict[str, Any], per_cell: dict[str, int]) -> None:
    volumes = [sum(per_cell.get(c, 0) for c in p["h3_cells"]) for p in props(fc, "station")]
    assert max(volumes) / min(volumes) < MAX_STATION_VOLUME_RATIO, volumes


# --------------------------------------------------------------------------- geometry


def test_geometry_rfc7946(fc: dict[str, Any]) -> None:
    for f in fc["features"]:
        geometry = f["geometry"]
        assert "crs" not in geometry
        for poly in polygons(geometry):
            for i, ring in enumerate(poly):
                assert len(ring) >= 4
                assert ring[0] == ring[-1], "closed"
                for lon, lat in ring:
                    assert -79.7 < lon < -79.0 and 43.5 < lat < 43.9
                    assert round(lon, 6) == lon and round(lat, 6) == lat
                assert LinearRing(ring).is_ccw == (i == 0), "exterior CCW, holes CW"
        geom = shape(geometry)
        assert geom.is_valid, f["properties"]["code"]
        validate_boundary(geometry)  # the importer's own check


def test_geometry_matches_cells(fc: dict[str, Any]) -> None:
    """The cells whose centres fall inside each boundary are exactly its h3_cells."""
    for f in fc["features"]:
        geom = shape(f["geometry"])
        assert set(h3.geo_to_cells(geom, 9)) == set(f["properties"]["h3_cells"])
    area = {p["properties"]["kind"]: 0.0 for p in fc["features"]}
    for f in fc["features"]:
        area[f["properties"]["kind"]] += shape(f["geometry"]).area
    for kind in ("station", "sector", "grid"):
        assert area[kind] == pytest.approx(area["bureau"], rel=1e-6)


# --------------------------------------------------------------------------- output


def test_json_round_trip(fc: dict[str, Any]) -> None:
    text = json.dumps(fc, ensure_ascii=False)
    assert json.loads(text) == fc


def test_deterministic_and_cli(fc: dict[str, Any], tmp_path: Path) -> None:
    out = tmp_path / "demo.geojson"
    assert db.main([str(out), "--csv", str(CSV)]) == 0
    assert json.loads(out.read_text(encoding="utf-8")) == fc


def test_other_station_count() -> None:
    fc = db.build_demo_bureau(CSV, n_stations=8, seed=3)
    stations = props(fc, "station")
    assert len(stations) == 8
    for p in stations:
        assert edge_connected(set(p["h3_cells"]))
    assert len(props(fc, "sector")) == 140
    with pytest.raises(ValueError):
        db.build_demo_bureau(CSV, n_stations=141)


# --------------------------------------------------------------------------- helpers


def test_the_demos_own_data_give_the_same_bureau(fc: dict[str, Any]) -> None:
    """Given the points file in the repository, the bureau equals the one from the full file."""
    assert db.build_demo_bureau() == fc


def test_the_demos_own_data_are_regenerated_byte_for_byte(tmp_path: Path) -> None:
    """Given the shared file, the script rewrites exactly the files the repository carries."""
    points, latest = toronto.write_data(CSV, tmp_path)
    assert points.read_bytes() == toronto.POINTS_PATH.read_bytes()
    assert latest.read_bytes() == toronto.LATEST_PATH.read_bytes()
    assert len(toronto.read_latest_offences()) == toronto.LATEST_OFFENCES


def test_points_file_keeps_every_record(records: pd.DataFrame) -> None:
    counts, usable = db.load_cell_counts(toronto.POINTS_PATH)
    assert usable == len(records)
    full, _ = db.load_cell_counts(CSV)
    pd.testing.assert_frame_equal(counts, full)


def test_small_helpers() -> None:
    numerals = " ".join(db.chinese_number(n) for n in (1, 9, 10, 12, 20, 23))
    assert numerals == "一 九 十 十二 二十 二十三"
    assert db.clean_neighbourhood("Bay Street Corridor (76)") == "Bay Street Corridor"
    assert db.clean_neighbourhood(" Rouge ") == "Rouge"
    assert [db.grid_count(n) for n in (1, 2, 5, 30, 60, 200)] == [1, 2, 3, 3, 5, 6]


def test_close_cells_fills_holes_and_keeps_input() -> None:
    centre = h3.latlng_to_cell(43.7, -79.4, 9)
    ring = set(h3.grid_ring(centre, 2))  # an annulus with a 7-cell hole
    closed = db.close_cells(ring)
    assert ring <= closed
    assert set(h3.grid_disk(centre, 1)) <= closed
    far = h3.grid_ring(centre, 10)[0]
    assert db.components(ring | {far})[-1] == [far]
