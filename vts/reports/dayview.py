"""One vehicle's day as the exports and maps show it: filtered fixes, stops, alerts.

Stops and alerts come from the report tables when ``vts reports build`` has run for the
day, else from the same kernels run on the day's fixes alone (no lookback), so a map
needs no build first. Roads and geofences come from the lake's reference tables
(``vts.reference``), plus the user's own geofence file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from vts.reference.geofences import GEOFENCES, Geofence, load_geojson, read_geofences
from vts.reference.roadmatch import RoadIndex
from vts.reference.roads import ROADS, read_roads
from vts.reports.exceptions import NoLakeDataError
from vts.reports.filter import filter_fixes
from vts.reports.read import report_rows, vehicle_track
from vts.reports.tables import ALERTS, STOPS
from vts.reports.vehicle import Context, Window, vehicle_reports
from vts.rules.params import ReportParams
from vts.rules.track import Track


@dataclass(frozen=True, eq=False)
class DayView:
    vehicle_id: str
    day: date
    track: Track  # filtered
    stops: list[dict[str, Any]]
    alerts: list[dict[str, Any]]
    roads: list[dict[str, Any]]
    fences: tuple[Geofence, ...]


def _epoch(value: Any) -> Any:
    return value.replace(tzinfo=UTC).timestamp() if isinstance(value, datetime) else value


def load_day(
    lake: Path,
    vehicle: str,
    day: date,
    *,
    geofences: Path | None = None,
    params: ReportParams | None = None,
) -> DayView:
    params = params or ReportParams()
    roads_file = lake / ROADS.name / ROADS.file_name
    roads = read_roads(roads_file) if roads_file.exists() else []
    fences_file = lake / GEOFENCES.name / GEOFENCES.file_name
    fences: tuple[Geofence, ...] = read_geofences(fences_file) if fences_file.exists() else ()
    if geofences:
        fences += load_geojson(geofences)
    raw = vehicle_track(lake, vehicle, day)
    midnight = datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()
    window = Window(midnight, midnight + 86400, now=datetime.now(UTC).timestamp())
    track = filter_fixes(raw, params, window.now).track
    try:
        stops = report_rows(lake, STOPS, vehicle, day)
        alerts = report_rows(lake, ALERTS, vehicle, day)
        stops = [{k: _epoch(v) for k, v in r.items()} for r in stops]
        alerts = [{k: _epoch(v) for k, v in r.items()} for r in alerts]
    except NoLakeDataError:  # not built: the same kernels on the day's own fixes
        index = RoadIndex.build(roads, params.road_max_distance_m) if roads else None
        rows = vehicle_reports(raw, Context(window, params, index, fences))
        stops, alerts = rows[STOPS.name], rows[ALERTS.name]
    return DayView(vehicle, day, track, stops, alerts, roads, fences)
