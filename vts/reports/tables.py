"""The report tables: names and columns, defined once (Spark schemas and docs read this).

Every table is partitioned by ``dt`` (the report day, UTC) and written as one Parquet file
per day with a deterministic name, ``<lake>/<table>/dt=<day>/<table>-<day>.parquet``, so a
rerun for a day replaces exactly its own output. Timestamps are UTC.
"""

from __future__ import annotations

from dataclasses import dataclass

# column type names: string, double, long, boolean, timestamp
Columns = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class ReportTable:
    name: str
    description: str
    columns: Columns
    order_by: tuple[str, ...]

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c for c, _ in self.columns)


_V = (("vehicle_id", "string"),)

TRIPS = ReportTable(
    "report_trips",
    "one row per trip: from a stop to the next (reported the day it ends)",
    _V
    + (
        ("trip_start", "timestamp"),
        ("trip_end", "timestamp"),
        ("start_lat", "double"),
        ("start_lon", "double"),
        ("end_lat", "double"),
        ("end_lon", "double"),
        ("start_place", "string"),
        ("end_place", "string"),
        ("distance_km", "double"),
        ("odometer_km", "double"),
        ("duration_s", "double"),
        ("avg_speed_kmh", "double"),
        ("max_speed_kmh", "double"),
        ("fuel_used_pct", "double"),
        ("fixes", "long"),
        ("complete", "boolean"),
    ),
    ("vehicle_id", "trip_start"),
)
STOPS = ReportTable(
    "report_stops",
    "one row per stop of min_duration_s or more (reported the day it ends)",
    _V
    + (
        ("stop_start", "timestamp"),
        ("stop_end", "timestamp"),
        ("latitude", "double"),
        ("longitude", "double"),
        ("duration_s", "double"),
        ("place", "string"),
        ("place_kind", "string"),
        ("complete", "boolean"),
    ),
    ("vehicle_id", "stop_start"),
)
GEOFENCE_EVENTS = ReportTable(
    "report_geofence_events",
    "one row per geofence visit: enter and exit (empty while inside), time inside",
    _V
    + (
        ("geofence_id", "string"),
        ("geofence_name", "string"),
        ("geofence_kind", "string"),
        ("enter_ts", "timestamp"),
        ("exit_ts", "timestamp"),
        ("duration_s", "double"),
        ("enter_lat", "double"),
        ("enter_lon", "double"),
    ),
    ("vehicle_id", "enter_ts", "geofence_id"),
)
ALERTS = ReportTable(
    "report_alerts",
    "overspeed, harsh braking/acceleration, silence, low fuel, near an incident (reported the"
    " day they start)",
    _V
    + (
        ("alert", "string"),
        ("start_ts", "timestamp"),
        ("end_ts", "timestamp"),
        ("latitude", "double"),
        ("longitude", "double"),
        ("value", "double"),
        ("threshold", "double"),
        ("road_id", "string"),
    ),
    ("vehicle_id", "start_ts", "alert"),
)
SUMMARY = ReportTable(
    "report_daily_summary",
    "one row per vehicle and day",
    _V
    + (
        ("fixes", "long"),
        ("first_fix", "timestamp"),
        ("last_fix", "timestamp"),
        ("distance_km", "double"),
        ("odometer_km", "double"),
        ("driving_s", "double"),
        ("stopped_s", "double"),
        ("trips", "long"),
        ("stops", "long"),
        ("max_speed_kmh", "double"),
        ("overspeed_count", "long"),
        ("alerts", "long"),
    ),
    ("vehicle_id",),
)
FIX_FILTER = ReportTable(
    "report_fix_filter",
    "fixes the filter rejected, per vehicle and reason (and 'kept')",
    _V + (("reason", "string"), ("fixes", "long")),
    ("vehicle_id", "reason"),
)

TABLES: tuple[ReportTable, ...] = (TRIPS, STOPS, GEOFENCE_EVENTS, ALERTS, SUMMARY, FIX_FILTER)
BY_NAME = {t.name: t for t in TABLES}
# `vts report <short>` names
SHORT = {
    "trips": TRIPS,
    "stops": STOPS,
    "geofences": GEOFENCE_EVENTS,
    "alerts": ALERTS,
    "summary": SUMMARY,
    "filter": FIX_FILTER,
}


def file_name(table: str, day: str) -> str:
    return f"{table}-{day}.parquet"
