"""Scenarios: a deterministic synthetic road network, its places, cameras and weather stations.

A scenario depends on its name only (never on the seed): roads, speed limits, cameras and
stations are the same in every run, so analytics can join on them. ``simulator.outputs.reference``
writes its roads and geofences as vts's reference tables (``vts.reference``).

The network is a jittered grid of intersections around a centre point. Every grid line is
one named road made of segments between neighbouring intersections; its class sets the
speed limit (ring 80, arterial 60, collector 50, residential 30/40 km/h, a few 20 km/h
school zones). ``road_id`` names one segment.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt

from simulator.exceptions import UnknownScenarioError
from simulator.model.hashing import salt, uniform
from simulator.model.text import ids
from vts import geo

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
Bool = npt.NDArray[np.bool_]

PLACE_KINDS = (
    "Depot",
    "Station",
    "Market",
    "Hospital",
    "School",
    "Park",
    "Mall",
    "Office Park",
    "Stadium",
    "Library",
    "Harbour",
    "University",
)


@dataclass(frozen=True)
class ScenarioSpec:
    """The parameters of a scenario (the network is derived from them deterministically)."""

    name: str
    description: str
    centre_lat: float
    centre_lon: float
    rows: int
    cols: int
    spacing_m: float
    jitter_m: float
    cameras: int
    stations: int
    elevation_m: float
    mean_temp_c: float
    epoch: datetime = datetime(2024, 1, 1, tzinfo=UTC)


SCENARIOS: dict[str, ScenarioSpec] = {
    "city": ScenarioSpec(
        name="city",
        description="a 7 km square city grid around central London",
        centre_lat=51.5072,
        centre_lon=-0.1276,
        rows=16,
        cols=16,
        spacing_m=450.0,
        jitter_m=60.0,
        cameras=48,
        stations=6,
        elevation_m=25.0,
        mean_temp_c=11.5,
    ),
    "town": ScenarioSpec(
        name="town",
        description="a small 2 km town grid around central Birmingham",
        centre_lat=52.4797,
        centre_lon=-1.9027,
        rows=6,
        cols=6,
        spacing_m=350.0,
        jitter_m=40.0,
        cameras=8,
        stations=2,
        elevation_m=140.0,
        mean_temp_c=10.0,
    ),
}


@dataclass(frozen=True, eq=False)
class Scenario:
    """A built scenario: nodes (intersections), edges (road segments), places and sensors."""

    spec: ScenarioSpec
    node_lat: F64
    node_lon: F64
    edge_from: I64
    edge_to: I64
    edge_length_m: F64
    edge_limit_kmh: F64
    edge_class: I64  # an index into vts.reference.roads.ROAD_CLASSES
    edge_name: tuple[str, ...]
    edge_id: npt.NDArray[np.bytes_]
    place_node: I64
    place_name: tuple[str, ...]
    camera_edge: I64
    camera_fraction: F64
    camera_lat: F64
    camera_lon: F64
    camera_id: npt.NDArray[np.bytes_]
    station_node: I64
    station_lat: F64
    station_lon: F64
    station_id: npt.NDArray[np.bytes_]
    edge_len_mm: I64  # segment lengths in whole millimetres (what distances are summed in)
    light_node: npt.NDArray[np.bool_]  # junctions with traffic lights
    fuel_node: I64  # fuel / charging stations (nodes)
    row_mm: I64  # (rows, cols): distance along grid row r from column 0 to column c
    col_mm: I64  # (cols, rows): distance along grid column c from row 0 to row r
    row_limit_s: F64  # (rows, cols): time along row r from column 0 to c at the speed limit
    col_limit_s: F64  # (cols, rows): likewise along column c
    node_station: I64  # the weather station nearest each node

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def rows(self) -> int:
        return self.spec.rows

    @property
    def cols(self) -> int:
        return self.spec.cols

    @property
    def horizontal_edges(self) -> int:
        """Edges ``0 .. rows*(cols-1)-1`` run east-west; the rest north-south."""
        return self.spec.rows * (self.spec.cols - 1)

    def edge_between(self, a: I64, b: I64) -> I64:
        """The edge joining neighbouring nodes ``a`` and ``b`` (either order)."""
        cols = self.spec.cols
        ra, ca, rb, cb = a // cols, a % cols, b // cols, b % cols
        horizontal = ra == rb
        h_idx = ra * (cols - 1) + np.minimum(ca, cb)
        v_idx = self.horizontal_edges + np.minimum(ra, rb) * cols + ca
        return np.where(horizontal, h_idx, v_idx).astype(np.int64)

    def elevation_m(self, lat: npt.ArrayLike, lon: npt.ArrayLike) -> F64:
        """Smooth synthetic terrain height above sea level."""
        y = (np.asarray(lat) - self.spec.centre_lat) * geo.M_PER_DEG
        x = (np.asarray(lon) - self.spec.centre_lon) * geo.M_PER_DEG * 0.62
        hills = 12.0 * np.sin(x / 1900.0 + 0.7) * np.cos(y / 2300.0 - 0.4)
        return np.asarray(self.spec.elevation_m + hills + 4.0 * np.sin((x + y) / 700.0))


def scenario_names() -> tuple[str, ...]:
    return tuple(SCENARIOS)


@functools.lru_cache(maxsize=8)
def load(name: str) -> Scenario:
    """Build (once per process) the scenario called ``name``."""
    try:
        spec = SCENARIOS[name]
    except KeyError:
        raise UnknownScenarioError(name, tuple(SCENARIOS)) from None
    return _build(spec)


def _line_class(index: int, count: int, line_salt: int) -> tuple[int, float]:
    if index in (0, count - 1):
        return 0, 80.0
    if index % 4 == 0:
        return 1, 60.0
    if index % 2 == 0:
        return 2, 50.0
    return 3, 30.0 if uniform(line_salt, index) < 0.5 else 40.0


def _build(spec: ScenarioSpec) -> Scenario:
    """The scenario ``spec`` describes, in stages: the junctions, the roads between them,
    places, cameras, stations, lights and fuel stations, then the grid's running sums."""
    rows, cols = spec.rows, spec.cols
    node = np.arange(rows * cols)
    node_lat, node_lon = _junctions(spec, node)
    roads = _roads(spec, node_lat, node_lon)
    edges = np.arange(roads.edge_from.size)
    n_places = max(4, rows * cols // 3)
    place_node = _some_nodes(spec, node, "places", n_places)
    place_name = tuple(
        f"{PLACE_KINDS[i % len(PLACE_KINDS)]} {i // len(PLACE_KINDS) + 1}" for i in range(n_places)
    )
    camera_edge, camera_fraction, camera_lat, camera_lon = _cameras(spec, roads, node_lat, node_lon)
    station_node = _some_nodes(spec, node, "stations", spec.stations)
    edge_len_mm = np.rint(roads.length_m * 1000).astype(np.int64)
    fuel_node = _some_nodes(spec, node, "fuel", max(3, rows * cols // 32)).astype(np.int64)
    d_station = geo.haversine_m(
        node_lat[:, None],
        node_lon[:, None],
        node_lat[station_node][None, :],
        node_lon[station_node][None, :],
    )
    lines = _lines(spec, edge_len_mm, roads.length_m / (roads.limit_kmh / 3.6))
    return Scenario(
        spec=spec,
        node_lat=node_lat,
        node_lon=node_lon,
        edge_from=roads.edge_from,
        edge_to=roads.edge_to,
        edge_length_m=roads.length_m,
        edge_limit_kmh=roads.limit_kmh,
        edge_class=roads.edge_class,
        edge_name=roads.name,
        edge_id=ids("R-", edges, 4),
        place_node=place_node,
        place_name=place_name,
        camera_edge=camera_edge,
        camera_fraction=camera_fraction,
        camera_lat=camera_lat,
        camera_lon=camera_lon,
        camera_id=ids("CAM-", np.arange(camera_edge.size), 4),
        station_node=station_node,
        station_lat=node_lat[station_node],
        station_lon=node_lon[station_node],
        station_id=ids("WX-", np.arange(station_node.size), 3),
        edge_len_mm=edge_len_mm,
        light_node=_lights(spec, node, roads),
        fuel_node=fuel_node,
        row_mm=lines.row_mm,
        col_mm=lines.col_mm,
        row_limit_s=lines.row_limit_s,
        col_limit_s=lines.col_limit_s,
        node_station=np.argmin(d_station, axis=1).astype(np.int64),
    )


def _junctions(spec: ScenarioSpec, node: I64) -> tuple[F64, F64]:
    """(lat, lon) of each grid node: the grid around the centre, each node jittered."""
    r, c = node // spec.cols, node % spec.cols
    north = (r - (spec.rows - 1) / 2) * spec.spacing_m
    east = (c - (spec.cols - 1) / 2) * spec.spacing_m
    north = north + (uniform(salt(spec.name, "node-north"), node) - 0.5) * 2 * spec.jitter_m
    east = east + (uniform(salt(spec.name, "node-east"), node) - 0.5) * 2 * spec.jitter_m
    return geo.offset(
        np.full(node.size, spec.centre_lat), np.full(node.size, spec.centre_lon), north, east
    )


@dataclass(frozen=True, eq=False)
class _Roads:
    """The grid's segments: east-west ones first (row-major), then north-south ones."""

    edge_from: I64
    edge_to: I64
    edge_class: I64
    limit_kmh: F64
    name: tuple[str, ...]
    length_m: F64
    school: Bool  # a school zone (class 4; the line's class otherwise)


def _roads(spec: ScenarioSpec, node_lat: F64, node_lon: F64) -> _Roads:
    rows, cols = spec.rows, spec.cols
    froms: list[int] = []
    tos: list[int] = []
    classes: list[int] = []
    limits: list[float] = []
    names: list[str] = []
    for rr in range(rows):  # east-west roads: one per grid row
        cls, limit = _line_class(rr, rows, salt(spec.name, "row-class"))
        name = "Ring Road" if cls == 0 else f"Avenue {rr}"
        for cc in range(cols - 1):
            froms.append(rr * cols + cc)
            tos.append(rr * cols + cc + 1)
            classes.append(cls)
            limits.append(limit)
            names.append(name)
    for rr in range(rows - 1):  # north-south roads: one per grid column
        for cc in range(cols):
            cls, limit = _line_class(cc, cols, salt(spec.name, "col-class"))
            froms.append(rr * cols + cc)
            tos.append((rr + 1) * cols + cc)
            classes.append(cls)
            limits.append(limit)
            names.append("Ring Road" if cls == 0 else f"Street {cc}")
    edge_from = np.array(froms, dtype=np.int64)
    edge_to = np.array(tos, dtype=np.int64)
    edge_class = np.array(classes, dtype=np.int64)
    edge_limit = np.array(limits, dtype=np.float64)
    school = (edge_class == 3) & (
        uniform(salt(spec.name, "school"), np.arange(edge_from.size)) < 0.08
    )
    edge_class[school] = 4
    edge_limit[school] = 20.0
    length = geo.haversine_m(
        node_lat[edge_from], node_lon[edge_from], node_lat[edge_to], node_lon[edge_to]
    )
    return _Roads(edge_from, edge_to, edge_class, edge_limit, tuple(names), length, school)


def _some_nodes(spec: ScenarioSpec, node: I64, what: str, count: int) -> I64:
    """``count`` distinct nodes drawn for ``what``, in node order."""
    return np.sort(np.argsort(uniform(salt(spec.name, what), node), kind="stable")[:count])


def _cameras(
    spec: ScenarioSpec, roads: _Roads, node_lat: F64, node_lon: F64
) -> tuple[I64, F64, F64, F64]:
    """(segment, fraction along it, lat, lon) of each camera: distinct segments, main roads
    more likely (weighted sampling without replacement)."""
    weight = np.array([4.0, 3.0, 2.0, 1.0, 2.0])[roads.edge_class]
    key = uniform(salt(spec.name, "camera-edge"), np.arange(roads.edge_from.size)) ** (1.0 / weight)
    camera_edge = np.sort(np.argsort(-key, kind="stable")[: spec.cameras])
    cam = np.arange(camera_edge.size)
    fraction = 0.3 + 0.4 * uniform(salt(spec.name, "camera-fraction"), cam)
    a, b = roads.edge_from[camera_edge], roads.edge_to[camera_edge]
    lat = node_lat[a] + fraction * (node_lat[b] - node_lat[a])
    lon = node_lon[a] + fraction * (node_lon[b] - node_lon[a])
    return camera_edge, fraction, lat, lon


def _lights(spec: ScenarioSpec, node: I64, roads: _Roads) -> Bool:
    """Traffic lights: interior junctions on an arterial or collector (most of them)."""
    rows, cols = spec.rows, spec.cols
    r, c = node // cols, node % cols
    line_class = roads.edge_class.copy()
    line_class[roads.school] = 3
    h_edges = rows * (cols - 1)
    row_cls = line_class[np.minimum(r * (cols - 1) + np.minimum(c, cols - 2), h_edges - 1)]
    col_cls = line_class[h_edges + np.minimum(r, rows - 2) * cols + c]
    interior = (r > 0) & (r < rows - 1) & (c > 0) & (c < cols - 1)
    main_road = ((row_cls == 1) | (row_cls == 2)) | ((col_cls == 1) | (col_cls == 2))
    return np.asarray(interior & main_road & (uniform(salt(spec.name, "lights"), node) < 0.8))


@dataclass(frozen=True, eq=False)
class _Lines:
    """Running sums along each grid row and column (from its first node): mm and seconds
    at the limit."""

    row_mm: I64
    col_mm: I64
    row_limit_s: F64
    col_limit_s: F64


def _lines(spec: ScenarioSpec, edge_len_mm: I64, limit_s: F64) -> _Lines:
    rows, cols = spec.rows, spec.cols
    h_edges = rows * (cols - 1)
    h_mm = edge_len_mm[:h_edges].reshape(rows, cols - 1)
    v_mm = edge_len_mm[h_edges:].reshape(rows - 1, cols).T
    h_s = limit_s[:h_edges].reshape(rows, cols - 1)
    v_s = limit_s[h_edges:].reshape(rows - 1, cols).T
    return _Lines(
        row_mm=np.hstack([np.zeros((rows, 1), dtype=np.int64), np.cumsum(h_mm, axis=1)]),
        col_mm=np.hstack([np.zeros((cols, 1), dtype=np.int64), np.cumsum(v_mm, axis=1)]),
        row_limit_s=np.hstack([np.zeros((rows, 1)), np.cumsum(h_s, axis=1)]),
        col_limit_s=np.hstack([np.zeros((cols, 1)), np.cumsum(v_s, axis=1)]),
    )
