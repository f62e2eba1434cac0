"""The five event streams: topic name (= lake table name) and the entity that keys it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Topic:
    name: str
    key_field: str
    description: str


TOPICS: tuple[Topic, ...] = (
    Topic("vehicle_data", "vehicle_id", "vehicle telemetry"),
    Topic("gps_data", "vehicle_id", "raw GPS fixes"),
    Topic("traffic_data", "camera_id", "traffic camera sightings"),
    Topic("weather_data", "station_id", "weather station readings"),
    Topic("emergency_data", "incident_id", "emergency incident lifecycle"),
)
TOPIC_NAMES: tuple[str, ...] = tuple(t.name for t in TOPICS)
QUARANTINE_TABLE = "quarantine"


def topic(name: str) -> Topic:
    for t in TOPICS:
        if t.name == name:
            return t
    raise KeyError(name)
