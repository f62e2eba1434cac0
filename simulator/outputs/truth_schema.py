"""The truth tables' columns and their Parquet types (``write_truth`` writes them).

Row keys ending in ``_us`` (µs since the Unix epoch) become ``_ts`` columns, UTC
timestamps (``column_name``).
"""

from __future__ import annotations

TS = "timestamp"
# the road an episode is on (``truth_episodes.ItemRows.road``)
ROAD = (("road_id", "string"), ("road_name", "string"), ("speed_limit_kmh", "double"))
COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "dwells": (
        ("vehicle_id", "string"),
        ("kind", "string"),
        ("place", "string"),
        ("node", "int64"),
        ("latitude", "double"),
        ("longitude", "double"),
        ("start_us", TS),
        ("end_us", TS),
        ("first_fix_us", TS),
        ("last_fix_us", TS),
        ("duration_s", "double"),
    ),
    "halts": (
        ("vehicle_id", "string"),
        ("node", "int64"),
        *ROAD,
        ("latitude", "double"),
        ("longitude", "double"),
        ("start_us", TS),
        ("end_us", TS),
        ("duration_s", "double"),
        ("first_fix_us", TS),
        ("last_fix_us", TS),
    ),
    "overspeed": (
        ("vehicle_id", "string"),
        *ROAD,
        ("latitude", "double"),
        ("longitude", "double"),
        ("start_us", TS),
        ("end_us", TS),
        ("peak_kmh", "double"),
        ("first_fix_us", TS),
        ("last_fix_us", TS),
    ),
    "harsh": (
        ("vehicle_id", "string"),
        ("kind", "string"),
        *ROAD,
        ("latitude", "double"),
        ("longitude", "double"),
        ("start_us", TS),
        ("end_us", TS),
        ("peak_ms2", "double"),
        ("speed_from_kmh", "double"),
        ("speed_to_kmh", "double"),
    ),
    "refuels": (
        ("vehicle_id", "string"),
        ("place", "string"),
        ("node", "int64"),
        ("latitude", "double"),
        ("longitude", "double"),
        ("start_us", TS),
        ("end_us", TS),
        ("duration_s", "double"),
        ("fuel_type", "string"),
        ("fuel_before_pct", "double"),
        ("fuel_after_pct", "double"),
    ),
    "gps_outages": (
        ("vehicle_id", "string"),
        ("start_us", TS),
        ("end_us", TS),
        ("first_missing_fix_us", TS),
        ("last_missing_fix_us", TS),
    ),
    "incidents": (
        ("incident_id", "string"),
        ("reporter_vehicle_id", "string"),
        ("road_id", "string"),
        ("latitude", "double"),
        ("longitude", "double"),
        ("severity", "int64"),
        ("speed_factor", "double"),
        ("reported_us", TS),
        ("active_us", TS),
        ("resolved_us", TS),
        ("reporter_distance_m", "double"),
    ),
    "incident_effects": (
        ("vehicle_id", "string"),
        ("incident_id", "string"),
        *ROAD,
        ("start_us", TS),
        ("end_us", TS),
        ("speed_factor", "double"),
        ("peak_kmh", "double"),
    ),
}


def column_name(name: str) -> str:
    """Parquet column of a row key: ``start_us`` -> ``start_ts`` (a UTC timestamp)."""
    return name[:-3] + "_ts" if name.endswith("_us") else name
