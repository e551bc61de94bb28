"""GeoJSON (RFC 7946) geometry checks and H3 covers for jurisdiction boundaries."""

from __future__ import annotations

import functools
import json
import math
from typing import Any

import h3
import numpy as np
import shapely
from shapely.geometry import shape
from shapely.validation import explain_validity

H3_RESOLUTION = 9
MAX_VERTICES = 200_000


class GeometryError(ValueError):
    """A boundary fault, phrased for the person who supplied the file."""


def _check_position(pos: Any, where: str) -> None:
    if not isinstance(pos, list | tuple) or len(pos) < 2:
        raise GeometryError(f"{where}: 坐标必须是 [经度, 纬度] 数组")
    lon, lat = pos[0], pos[1]
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (lon, lat)):
        raise GeometryError(f"{where}: 坐标不是数字")
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise GeometryError(f"{where}: 坐标不是有限数")
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise GeometryError(
            f"{where}: 坐标超出范围 ({lon}, {lat})：经度须在 ±180、纬度须在 ±90 之内"
        )


def _check_ring(ring: Any, where: str) -> int:
    if not isinstance(ring, list) or len(ring) < 4:
        raise GeometryError(f"{where}: 环至少需要 4 个坐标（首尾相同）")
    for i, pos in enumerate(ring):
        _check_position(pos, f"{where} 第 {i + 1} 个坐标")
    if list(ring[0][:2]) != list(ring[-1][:2]):
        raise GeometryError(f"{where}: 环未闭合（首坐标 {ring[0][:2]} ≠ 末坐标 {ring[-1][:2]}）")
    return len(ring)


def validate_boundary(geometry: Any) -> shapely.Geometry:
    """Check a GeoJSON Polygon/MultiPolygon and return it as a valid shapely geometry,
    oriented per RFC 7946 (exterior rings counter-clockwise)."""
    if not isinstance(geometry, dict):
        raise GeometryError("缺少几何 geometry")
    if "crs" in geometry:
        raise GeometryError("不支持 crs 成员：RFC 7946 规定坐标一律为 WGS84")
    kind = geometry.get("type")
    coords = geometry.get("coordinates")
    polygons: Any
    if kind == "Polygon":
        polygons = [coords]
    elif kind == "MultiPolygon":
        polygons = coords if isinstance(coords, list) else None
    else:
        raise GeometryError(f"几何类型须为 Polygon 或 MultiPolygon，收到 {kind!r}")
    if not isinstance(polygons, list) or not polygons:
        raise GeometryError("几何没有坐标")
    vertices = 0
    for p, rings in enumerate(polygons):
        if not isinstance(rings, list) or not rings:
            raise GeometryError(f"第 {p + 1} 个多边形没有环")
        for r, ring in enumerate(rings):
            label = "外环" if r == 0 else f"第 {r} 个内环"
            where = f"第 {p + 1} 个多边形{label}" if len(polygons) > 1 else label
            vertices += _check_ring(ring, where)
    if vertices > MAX_VERTICES:
        raise GeometryError(f"顶点过多（{vertices} > {MAX_VERTICES}），请先简化边界")
    geom = shape(geometry)
    if not geom.is_valid:
        reason = explain_validity(geom)
        if "Self-intersection" in reason or "Ring Self-intersection" in reason:
            raise GeometryError(f"边界自相交：{reason}")
        raise GeometryError(f"边界无效：{reason}")
    if geom.is_empty or geom.area == 0:
        raise GeometryError("边界面积为零")
    return shapely.orient_polygons(geom, exterior_cw=False)


def h3_cover(geom: shapely.Geometry) -> set[str]:
    """H3 resolution-9 cells whose centres fall inside ``geom`` (at least one cell)."""
    cells = set(h3.geo_to_cells(geom, H3_RESOLUTION))
    if not cells:
        point = geom.representative_point()
        cells = {h3.latlng_to_cell(point.y, point.x, H3_RESOLUTION)}
    return cells


def check_cells(cells: Any) -> set[str]:
    if not isinstance(cells, list) or not all(isinstance(c, str) for c in cells):
        raise GeometryError("h3_cells 须为字符串数组")
    bad = [c for c in cells if not h3.is_valid_cell(c) or h3.get_resolution(c) != H3_RESOLUTION]
    if bad:
        raise GeometryError(f"h3_cells 含无效或非 9 级单元：{bad[:3]}")
    return set(cells)


def point_cell(lon: float, lat: float) -> str:
    return str(h3.latlng_to_cell(lat, lon, H3_RESOLUTION))


def to_geojson(geom: shapely.Geometry) -> dict[str, Any]:
    """RFC 7946 geometry with coordinates rounded to 6 decimals (~0.1 m)."""
    rounded = shapely.transform(geom, lambda xy: np.round(xy, 6))
    return dict(shapely.geometry.mapping(shapely.orient_polygons(rounded, exterior_cw=False)))


def nearby_cells(lon: float, lat: float) -> list[str]:
    """The point's resolution-9 cell and its six neighbours: every cell whose cover could
    belong to a polygon containing the point."""
    own = point_cell(lon, lat)
    return [own, *sorted(set(h3.grid_disk(own, 1)) - {own})]


@functools.lru_cache(maxsize=4096)
def prepared_boundary(key: tuple[int, int], geojson: str) -> shapely.Geometry:
    """A prepared shapely geometry for a boundary, cached by (row id, version)."""
    geom = shape(json.loads(geojson))
    shapely.prepare(geom)
    return geom


def contains(key: tuple[int, int], boundary: dict[str, Any], lon: float, lat: float) -> bool:
    geom = prepared_boundary(key, json.dumps(boundary, sort_keys=True))
    return bool(shapely.contains_xy(geom, lon, lat) or shapely.intersects_xy(geom, lon, lat))
