"""A scenario's reference data: its roads and geofences, in vts's format (``vts.reference``).

``write_reference(scenario, lake)`` writes both tables where vts reads them
(``<lake>/roads/roads.parquet``, ``<lake>/geofences/geofences.parquet``). A scenario depends
on its name only, so these are the same in every run.

Roads: one row per segment (``road_table``). Geofences (``scenario_geofences``), derived
from the roads and places:

- ``depot``: a square of ``DEPOT_HALF_M`` around each place named "Depot ...";
- ``place``: a circle of ``PLACE_RADIUS_M`` around every other place (where stops are);
- ``low_emission_zone``: one rectangle over the middle third of the grid, grown by a
  quarter of the grid spacing;
- ``school_zone``: a band of ``SCHOOL_HALF_WIDTH_M`` either side of each 20 km/h
  school-zone segment, stopping short of its junctions by the same.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from simulator.model.scenario import Scenario, load
from vts import geo
from vts.reference.geofences import GEOFENCES, write_geofences
from vts.reference.roads import ROAD_CLASSES, ROADS, write_roads

DEPOT_HALF_M = 80.0
PLACE_RADIUS_M = 60.0
SCHOOL_HALF_WIDTH_M = 25.0


def road_table(scenario: str | Scenario) -> list[dict[str, Any]]:
    """The scenario's road segments as rows (``vts.reference.roads.ROADS``).

    Each row: ``road_id`` (e.g. ``"R-0042"``), ``road_name``, ``road_class`` (one of
    ``ROAD_CLASSES``), ``speed_limit_kmh``, ``length_m``, the segment's end points
    ``start_lat/start_lon/end_lat/end_lon`` and its bounding box ``min_lat .. max_lon``.
    A vehicle is on the segment nearest to its (map-matched ``vehicle_data``) position.
    """
    sc = load(scenario) if isinstance(scenario, str) else scenario
    la, lo = sc.node_lat, sc.node_lon
    f, t = sc.edge_from, sc.edge_to
    rows = []
    for i in range(f.size):
        a, b = int(f[i]), int(t[i])
        rows.append(
            {
                "road_id": sc.edge_id[i].decode(),
                "road_name": sc.edge_name[i],
                "road_class": ROAD_CLASSES[int(sc.edge_class[i])],
                "speed_limit_kmh": float(sc.edge_limit_kmh[i]),
                "length_m": round(float(sc.edge_length_m[i]), 2),
                "start_lat": round(float(la[a]), 6),
                "start_lon": round(float(lo[a]), 6),
                "end_lat": round(float(la[b]), 6),
                "end_lon": round(float(lo[b]), 6),
                "min_lat": round(float(min(la[a], la[b])), 6),
                "min_lon": round(float(min(lo[a], lo[b])), 6),
                "max_lat": round(float(max(la[a], la[b])), 6),
                "max_lon": round(float(max(lo[a], lo[b])), 6),
            }
        )
    return rows


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
            _feature(
                f"school-{road}",
                f"School zone {sc.edge_name[edge]} ({road})",
                "school_zone",
                _box(float(la[0]), float(lo[0]), corners_n, corners_e),
            )
        )
    return {"type": "FeatureCollection", "name": f"vts scenario {name}", "features": features}


def write_reference(scenario: str, lake: str | Path) -> dict[str, Path]:
    """Write the scenario's ``roads`` and ``geofences`` tables into ``lake`` (a folder)."""
    root = Path(lake)
    return {
        ROADS.name: write_roads(road_table(scenario), root / ROADS.name / ROADS.file_name),
        GEOFENCES.name: write_geofences(
            scenario_geofences(scenario), root / GEOFENCES.name / GEOFENCES.file_name
        ),
    }
