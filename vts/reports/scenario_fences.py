"""The geofences a simulator scenario ships, as GeoJSON: derived from its roads and places.

- ``depot``: a square of ``DEPOT_HALF_M`` around each place named "Depot ...";
- ``place``: a circle of ``PLACE_RADIUS_M`` around every other place (where stops are);
- ``low_emission_zone``: one rectangle over the middle third of the grid, grown by a
  quarter of the grid spacing;
- ``school_zone``: a band of ``SCHOOL_HALF_WIDTH_M`` either side of each 20 km/h
  school-zone segment, stopping short of its junctions by the same.

The scenario depends on its name only, so these are the same in every run.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from simulator import geo
from simulator.scenario import ROAD_CLASSES, load

DEPOT_HALF_M = 80.0
PLACE_RADIUS_M = 60.0
SCHOOL_HALF_WIDTH_M = 25.0


def _feature(fid: str, name: str, kind: str, ring: list[list[float]]) -> dict[str, Any]:
    closed = ring + [ring[0]]
    return {
        "type": "Feature",
        "id": fid,
        "properties": {"id": fid, "name": name, "kind": kind},
        "geometry": {
            "type": "Polygon",
            "coordinates": [[[round(x, 7), round(y, 7)] for x, y in closed]],
        },
    }


def _box(lat: float, lon: float, north: list[float], east: list[float]) -> list[list[float]]:
    la, lo = geo.offset(np.full(len(north), lat), np.full(len(north), lon), north, east)
    return [[float(x), float(y)] for x, y in zip(lo, la, strict=True)]


def scenario_geofences(name: str) -> dict[str, Any]:
    """The scenario's geofences as a GeoJSON ``FeatureCollection``."""
    sc = load(name)
    features: list[dict[str, Any]] = []
    for node, place in zip(sc.place_node.tolist(), sc.place_name, strict=True):
        lat, lon = float(sc.node_lat[node]), float(sc.node_lon[node])
        fid = place.lower().replace(" ", "-")
        if place.startswith("Depot"):
            h = DEPOT_HALF_M
            features.append(
                _feature(fid, place, "depot", _box(lat, lon, [-h, -h, h, h], [-h, h, h, -h]))
            )
        else:
            ang = np.linspace(0, 2 * np.pi, 16, endpoint=False)
            r = PLACE_RADIUS_M
            features.append(
                _feature(
                    fid,
                    place,
                    "place",
                    _box(lat, lon, list(r * np.cos(ang)), list(r * np.sin(ang))),
                )
            )
    rows, cols = sc.rows, sc.cols
    r0, r1, c0, c1 = rows // 3, (2 * rows) // 3, cols // 3, (2 * cols) // 3
    grid = np.arange(rows * cols).reshape(rows, cols)[r0 : r1 + 1, c0 : c1 + 1].ravel()
    pad_lat = 0.25 * sc.spec.spacing_m / geo.M_PER_DEG
    pad_lon = pad_lat / np.cos(np.radians(sc.spec.centre_lat))
    lat0, lat1 = sc.node_lat[grid].min() - pad_lat, sc.node_lat[grid].max() + pad_lat
    lon0, lon1 = sc.node_lon[grid].min() - pad_lon, sc.node_lon[grid].max() + pad_lon
    box = [[lon0, lat0], [lon1, lat0], [lon1, lat1], [lon0, lat1]]
    features.append(
        _feature(
            "lez", "Low Emission Zone", "low_emission_zone", [[float(x), float(y)] for x, y in box]
        )
    )
    school = ROAD_CLASSES.index("school_zone")
    for edge in np.flatnonzero(sc.edge_class == school).tolist():
        a, b = int(sc.edge_from[edge]), int(sc.edge_to[edge])
        la, lo = sc.node_lat[[a, b]], sc.node_lon[[a, b]]
        north = (la[1] - la[0]) * geo.M_PER_DEG
        east = (lo[1] - lo[0]) * geo.M_PER_DEG * np.cos(np.radians(la[0]))
        length = float(np.hypot(north, east))
        un, ue = north / length, east / length  # along the segment
        w = SCHOOL_HALF_WIDTH_M
        s0, s1 = w, length - w
        corners_n = [s0 * un - w * ue, s1 * un - w * ue, s1 * un + w * ue, s0 * un + w * ue]
        corners_e = [s0 * ue + w * un, s1 * ue + w * un, s1 * ue - w * un, s0 * ue - w * un]
        road = sc.edge_id[edge].decode()
        features.append(
            _feature(f"school-{road}", f"School zone {sc.edge_name[edge]} ({road})", "school_zone",
                     _box(float(la[0]), float(lo[0]), corners_n, corners_e))
        )  # fmt: skip
    return {"type": "FeatureCollection", "name": f"vts scenario {name}", "features": features}
