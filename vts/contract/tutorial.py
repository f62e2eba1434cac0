"""The tutorial's message format (schema version 0), as data.

The tutorial sends camelCase JSON keyed by a random ``id``, with naive local timestamps,
positions as ``[lat, lon]`` (or the string ``"(lat, lon)"``) and compass words for
direction. ``V0_RULES`` says, for each topic, how every current-version field is derived
from a version-0 message; the Python normaliser and the Spark job both interpret these
rules, so the two cannot drift apart.

Decisions (documented in docs/contract.md):
- GPS messages have no position in version 0: ``latitude``/``longitude`` are null.
- Naive timestamps are read in the ``v0_timezone`` (UTC by default) and stored as UTC.
- ``type: "None"`` emergency messages stay as ``incident_type = 'None'`` rows: queryable,
  and filtered out by ``incident_type <> 'None'`` where only real incidents matter.
- ``status`` ``Active``/``Resolved`` are kept; version 0 has no ``Reported`` stage.
- Weather and emergency readings come from the tutorial's vehicle (``deviceId``), which
  becomes ``station_id`` / reporting ``vehicle_id``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Convert = Literal["copy", "lat", "lon", "compass", "naive_ts", "const_zero"]


@dataclass(frozen=True)
class V0Rule:
    """``target`` (current field) <- ``convert``(``source`` (version-0 field))."""

    target: str
    source: str | None
    convert: Convert = "copy"


# 8- and 16-point compass words (case and separators ignored) -> degrees from north.
_POINTS = [
    "north",
    "north-north-east",
    "north-east",
    "east-north-east",
    "east",
    "east-south-east",
    "south-east",
    "south-south-east",
    "south",
    "south-south-west",
    "south-west",
    "west-south-west",
    "west",
    "west-north-west",
    "north-west",
    "north-north-west",
]
_ABBREV = [
    "n",
    "nne",
    "ne",
    "ene",
    "e",
    "ese",
    "se",
    "sse",
    "s",
    "ssw",
    "sw",
    "wsw",
    "w",
    "wnw",
    "nw",
    "nnw",
]


def compass_key(word: str) -> str:
    """Fold case and separators: ``North-East``, ``north east``, ``NorthEast`` -> ``northeast``."""
    return "".join(ch for ch in word.lower() if ch.isalpha())


COMPASS_DEGREES: dict[str, float] = {
    **{compass_key(w): i * 22.5 for i, w in enumerate(_POINTS)},
    **{a: i * 22.5 for i, a in enumerate(_ABBREV)},
}

_COMMON = (
    V0Rule("event_id", "id"),
    V0Rule("ts", "timestamp", "naive_ts"),
    V0Rule("schema_version", None, "const_zero"),
)
_POSITION = (V0Rule("latitude", "location", "lat"), V0Rule("longitude", "location", "lon"))

V0_RULES: dict[str, tuple[V0Rule, ...]] = {
    "vehicle_data": (
        *_COMMON,
        V0Rule("vehicle_id", "deviceId"),
        *_POSITION,
        V0Rule("speed_kmh", "speed"),
        V0Rule("heading_deg", "direction", "compass"),
        V0Rule("make", "make"),
        V0Rule("model", "model"),
        V0Rule("year", "year"),
        V0Rule("fuel_type", "fuelType"),
    ),
    "gps_data": (
        *_COMMON,
        V0Rule("vehicle_id", "deviceId"),
        V0Rule("speed_kmh", "speed"),
        V0Rule("heading_deg", "direction", "compass"),
        V0Rule("vehicle_type", "vehicleType"),
    ),
    "traffic_data": (
        *_COMMON,
        V0Rule("camera_id", "cameraId"),
        *_POSITION,
        V0Rule("vehicle_id", "deviceId"),
        V0Rule("snapshot_ref", "snapshot"),
    ),
    "weather_data": (
        *_COMMON,
        V0Rule("station_id", "deviceId"),
        *_POSITION,
        V0Rule("temperature_c", "temperature"),
        V0Rule("condition", "weatherCondition"),
        V0Rule("precipitation_mm", "precipitation"),
        V0Rule("wind_speed_kmh", "windSpeed"),
        V0Rule("humidity_pct", "humidity"),
        V0Rule("aqi", "airQualityIndex"),
    ),
    "emergency_data": (
        *_COMMON,
        V0Rule("incident_id", "incidentId"),
        V0Rule("incident_type", "type"),
        V0Rule("status", "status"),
        *_POSITION,
        V0Rule("description", "description"),
        V0Rule("vehicle_id", "deviceId"),
    ),
}

# A message is version 0 when it has no schema_version and carries these tutorial fields.
V0_MARKERS = ("id", "timestamp")
