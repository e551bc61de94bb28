"""Reading OpenStreetMap data into a ``RoadGraph``: ``load_road_graph`` streams the
drivable ways of an OSM file (.pbf or .osm XML) through pyosmium, applies the
``SpeedProfile`` to their tags, splits them at junctions into street pieces and hands the
pieces to ``RoadGraph.from_edges``. pyosmium is imported only when a file is read, so the
rest of the routing code works without it.
"""

from __future__ import annotations

from os import PathLike

import numpy as np

from zhian.analytics.routing.graph import RoadGraph
from zhian.analytics.routing.profile import SpeedProfile


def load_road_graph(
    pbf_path: str | PathLike[str], profile: SpeedProfile | None = None
) -> RoadGraph:
    """Read drivable ways from an OSM file (.pbf or .osm XML) into a ``RoadGraph``.

    Ways whose nodes lack locations (cut by the extract boundary) are split at the gap.
    """
    import osmium  # imported here so the numeric code works without it

    prof = profile or SpeedProfile()
    classes = tuple(sorted(prof.speeds_kmh))
    class_code = {c: i for i, c in enumerate(classes)}
    coords: dict[int, tuple[float, float]] = {}
    runs: list[tuple[int, int, float, bool, bool, list[int]]] = []

    processor = (
        osmium.FileProcessor(str(pbf_path), osmium.osm.NODE | osmium.osm.WAY)
        .with_locations()
        .with_filter(osmium.filter.KeyFilter("highway"))
    )
    for obj in processor:
        if not isinstance(obj, osmium.osm.Way):
            continue
        tags = obj.tags
        highway = tags.get("highway")
        speed = prof.speed_kmh(tags)
        dirs = prof.directions(tags) if speed is not None else None
        if highway is None or speed is None or dirs is None:
            continue
        meta = (obj.id, class_code[highway], speed / 3.6, dirs[0], dirs[1])
        run: list[int] = []
        for ref in obj.nodes:
            loc = ref.location
            if not loc.valid():
                if len(run) > 1:
                    runs.append((*meta, run))
                run = []
                continue
            if ref.ref not in coords:
                coords[ref.ref] = (loc.lon, loc.lat)
            if not run or run[-1] != ref.ref:
                run.append(ref.ref)
        if len(run) > 1:
            runs.append((*meta, run))

    uses: dict[int, int] = {}
    for *_, run in runs:
        for nid in run:
            uses[nid] = uses.get(nid, 0) + 1
        uses[run[0]] += 1
        uses[run[-1]] += 1
    node_index: dict[int, int] = {}
    for nid, count in uses.items():
        if count >= 2:
            node_index[nid] = len(node_index)

    eu: list[int] = []
    ev: list[int] = []
    speed_l: list[float] = []
    fwd_l: list[bool] = []
    bwd_l: list[bool] = []
    cls_l: list[int] = []
    way_l: list[int] = []
    ptr = [0]
    geom: list[tuple[float, float]] = []
    for way_id, code, mps, fwd, bwd, run in runs:
        start = 0
        for i in range(1, len(run)):
            if run[i] in node_index:
                piece = run[start : i + 1]
                eu.append(node_index[piece[0]])
                ev.append(node_index[piece[-1]])
                speed_l.append(mps)
                fwd_l.append(fwd)
                bwd_l.append(bwd)
                cls_l.append(code)
                way_l.append(way_id)
                geom.extend(coords[n] for n in piece)
                ptr.append(len(geom))
                start = i
    node_ids = np.fromiter(node_index, dtype=np.int64, count=len(node_index))
    node_lonlat = np.array([coords[int(n)] for n in node_ids], dtype=np.float64).reshape(-1, 2)
    if not eu:
        raise ValueError(f"no drivable ways in {pbf_path}")
    graph = RoadGraph.from_edges(
        node_lonlat,
        eu,
        ev,
        speed_mps=speed_l,
        fwd=fwd_l,
        bwd=bwd_l,
        geom_ptr=ptr,
        geom_lonlat=geom,
        edge_class=cls_l,
        classes=classes,
        edge_way_id=way_l,
        node_osm_id=node_ids,
        profile=prof,
    )
    return graph.prepare()
