"""Road-network routing for 接处警/指挥调度 (dispatch): drive times and unit recommendation.

Framework-free: OSM PBF / numpy in, numpy out; no Django, no database.

Model (see ``load_road_graph``):

* **Nodes** are OSM nodes that end a drivable way or are shared by two or more drivable
  ways (junctions). Nodes in between only shape geometry, so the graph stays compact.
* **Edges** are street pieces between two nodes: polyline, haversine length, road class,
  and the directions they may be driven (``fwd`` along the polyline, ``bwd`` against it).
  Travel time is length / class speed (``SpeedProfile``).
* Only the largest strongly connected component is kept, so every snapped point can
  reach every other one; nothing is ``inf`` unless a search ``limit`` cuts it off.
* **Snapping** projects a point onto the nearest road *segment* (exact, KD-tree assisted)
  and yields an edge and a fraction along it. The gap between the point and the road
  is covered "off-road" at ``offroad_speed_kmh`` (default 10 km/h: yards, car parks, a
  short walk); points farther than ``max_snap_m`` from any road are off-network.
* Coordinates are WGS84 lon/lat; snapping works in a local equirectangular projection
  around the network's centroid (metres; < 1 % scale error within ~50 km).

Modules, in dependency order: ``profile`` (``SpeedProfile``), ``graph`` (``RoadGraph``,
``.npz`` cache), ``osm`` (``load_road_graph``), ``snap`` (snapping and on-edge costs),
``units`` (``prepare_units``), ``search`` (Dijkstra searches, travel times) and
``recommend`` (``recommend_units``). The public names are re-exported here.
"""

from zhian.analytics.routing.graph import (
    CACHE_FORMAT,
    EARTH_RADIUS_M,
    BoolArray,
    FloatArray,
    IntArray,
    RoadGraph,
    haversine_m,
    load_graph,
    save_graph,
)
from zhian.analytics.routing.osm import load_road_graph
from zhian.analytics.routing.profile import DEFAULT_SPEEDS_KMH, SpeedProfile
from zhian.analytics.routing.recommend import Recommendation, recommend_units
from zhian.analytics.routing.search import times_from_points, travel_time, travel_times_to
from zhian.analytics.routing.snap import (
    MAX_SNAP_M,
    OFFROAD_SPEED_KMH,
    Snap,
    entry_costs,
    exit_costs,
    nearest_nodes,
    offroad_seconds,
    same_edge_time,
    sample_road_points,
    snap_points,
)
from zhian.analytics.routing.units import UnitIndex, prepare_units

__all__ = [
    "CACHE_FORMAT",
    "DEFAULT_SPEEDS_KMH",
    "EARTH_RADIUS_M",
    "MAX_SNAP_M",
    "OFFROAD_SPEED_KMH",
    "BoolArray",
    "FloatArray",
    "IntArray",
    "Recommendation",
    "RoadGraph",
    "Snap",
    "SpeedProfile",
    "UnitIndex",
    "entry_costs",
    "exit_costs",
    "haversine_m",
    "load_graph",
    "load_road_graph",
    "nearest_nodes",
    "offroad_seconds",
    "prepare_units",
    "recommend_units",
    "same_edge_time",
    "sample_road_points",
    "save_graph",
    "snap_points",
    "times_from_points",
    "travel_time",
    "travel_times_to",
]
