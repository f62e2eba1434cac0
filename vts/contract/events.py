"""The five event types, defined once. Everything else is generated from ``EVENT_TYPES``.

Every event has ``event_id`` (UUID, the dedup key), ``ts`` (event time, UTC) and
``schema_version`` (the contract version the *producer* sent: 0 is the tutorial's format,
normalised on ingest, 1 is this contract). Columns are snake_case.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from vts.contract.fields import (
    Field,
    double,
    heading,
    integer,
    latitude,
    longitude,
    speed,
    string,
)
from vts.contract.topics import TOPICS

CURRENT_SCHEMA_VERSION = 1
SUPPORTED_SCHEMA_VERSIONS = (0, 1)

COMMON_FIELDS: tuple[Field, ...] = (
    string("event_id", "unique id of the event; the deduplication key", uuid=True),
    Field("ts", "timestamp", "event time (UTC); ISO 8601 with a zone offset in JSON"),
    integer(
        "schema_version",
        "contract version the producer sent (0 = tutorial format, normalised on ingest)",
        minimum=0,
        maximum=CURRENT_SCHEMA_VERSION,
    ),
)

INCIDENT_TYPES = ("Accident", "Fire", "Medical", "Police", "Breakdown", "None")
INCIDENT_STATUSES = ("Reported", "Active", "Resolved")
WEATHER_CONDITIONS = ("Sunny", "Cloudy", "Rain", "Snow", "Fog")


@dataclass(frozen=True)
class EventType:
    """One event stream: its topic/table name, its Kafka key field and its columns.

    ``pairs`` lists fields that must be both present or both absent (a position).
    """

    name: str
    key_field: str
    description: str
    own_fields: tuple[Field, ...]
    pairs: tuple[tuple[str, str], ...] = ()

    @cached_property
    def fields(self) -> tuple[Field, ...]:
        return COMMON_FIELDS + self.own_fields

    @cached_property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    @cached_property
    def fields_by_name(self) -> dict[str, Field]:
        return {f.name: f for f in self.fields}

    def field(self, name: str) -> Field:
        try:
            return self.fields_by_name[name]
        except KeyError:
            raise KeyError(f"{self.name} has no field {name!r}") from None


def _identity() -> tuple[Field, ...]:
    return (
        string("make", "manufacturer", required=False, max_length=64),
        string("model", "model name", required=False, max_length=64),
        integer("year", "model year", required=False, minimum=1950, maximum=2100),
        string("fuel_type", "Petrol, Diesel, Hybrid, Electric, ...", required=False, max_length=32),
        string(
            "vehicle_type", "private, taxi, bus, truck, van, ...", required=False, max_length=32
        ),
    )


_DEFS: dict[str, tuple[tuple[Field, ...], tuple[tuple[str, str], ...]]] = {
    "vehicle_data": (
        (
            string("vehicle_id", "the vehicle's stable id", max_length=64),
            latitude(),
            longitude(),
            speed(),
            heading(),
            double(
                "odometer_km",
                "odometer reading",
                required=False,
                minimum=0,
                maximum=5_000_000,
                unit="km",
            ),
            double(
                "fuel_level_pct",
                "fuel (or battery) level",
                required=False,
                minimum=0,
                maximum=100,
                unit="%",
            ),
            *_identity(),
        ),
        (),
    ),
    "gps_data": (
        (
            string("vehicle_id", "the vehicle's stable id", max_length=64),
            # Tutorial (v0) GPS messages carry no position: latitude/longitude are then null.
            latitude(required=False),
            longitude(required=False),
            double(
                "altitude_m",
                "altitude above mean sea level",
                required=False,
                minimum=-500,
                maximum=10_000,
                unit="m",
            ),
            speed(),
            heading(),
            double(
                "hdop", "horizontal dilution of precision", required=False, minimum=0, maximum=100
            ),
            integer("satellites", "satellites in use", required=False, minimum=0, maximum=64),
            string(
                "vehicle_type", "private, taxi, bus, truck, van, ...", required=False, max_length=32
            ),
        ),
        (("latitude", "longitude"),),
    ),
    "traffic_data": (
        (
            string("camera_id", "the fixed camera's id", max_length=64),
            latitude(),
            longitude(),
            string("vehicle_id", "the vehicle sighted", required=False, max_length=64),
            speed("measured_speed_kmh", required=False),
            string(
                "snapshot_ref",
                "reference to (or inline base64 of) the snapshot",
                required=False,
                max_length=65_536,
            ),
        ),
        (),
    ),
    "weather_data": (
        (
            string("station_id", "the fixed weather station's id", max_length=64),
            latitude(),
            longitude(),
            double("temperature_c", "air temperature", minimum=-90, maximum=60, unit="°C"),
            string("condition", "sky condition", enum=WEATHER_CONDITIONS, max_length=16),
            double(
                "precipitation_mm",
                "precipitation in the last hour",
                required=False,
                minimum=0,
                maximum=500,
                unit="mm",
            ),
            double(
                "wind_speed_kmh", "wind speed", required=False, minimum=0, maximum=400, unit="km/h"
            ),
            integer(
                "humidity_pct",
                "relative humidity",
                required=False,
                minimum=0,
                maximum=100,
                unit="%",
            ),
            double("aqi", "air quality index", required=False, minimum=0, maximum=500),
        ),
        (),
    ),
    "emergency_data": (
        (
            string("incident_id", "the incident's id (stable over its lifecycle)", uuid=True),
            string(
                "incident_type",
                "kind of incident; 'None' = tutorial no-incident report",
                enum=INCIDENT_TYPES,
                max_length=16,
            ),
            integer("severity", "1 (minor) to 5 (critical)", required=False, minimum=1, maximum=5),
            string("status", "lifecycle state", enum=INCIDENT_STATUSES, max_length=16),
            latitude(),
            longitude(),
            string("description", "free text", required=False, max_length=1024),
            string(
                "vehicle_id", "the vehicle that reported it, if any", required=False, max_length=64
            ),
        ),
        (),
    ),
}

EVENT_TYPES: dict[str, EventType] = {
    t.name: EventType(t.name, t.key_field, t.description, *_DEFS[t.name]) for t in TOPICS
}


def event_type(name: str) -> EventType:
    """The event type for a topic/table name (a clear error for an unknown one)."""
    try:
        return EVENT_TYPES[name]
    except KeyError:
        from vts.exceptions import ConfigError

        raise ConfigError(
            f"unknown event type {name!r}", hint=f"use one of {', '.join(EVENT_TYPES)}"
        ) from None
