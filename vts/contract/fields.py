"""The building blocks of the contract: typed fields with their validation rules.

A ``Field`` carries everything every generated artefact needs (Spark type, Hive type,
JSON Schema, Python validation), so each event type is written down exactly once in
``vts.contract.events``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

FieldType = Literal["string", "double", "int", "timestamp"]

# Event time bounds (absurd timestamps are quarantined): nothing before this instant...
TS_MIN = datetime(2000, 1, 1, tzinfo=UTC)
# ...and nothing further ahead of the processing clock than this.
TS_MAX_AHEAD = timedelta(days=1)

UUID_PATTERN = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"


@dataclass(frozen=True)
class Field:
    """One column of an event type.

    ``minimum``/``maximum`` are inclusive bounds for numbers; ``enum`` lists allowed
    strings; ``max_length`` bounds strings; ``uuid`` requires the canonical UUID form.
    """

    name: str
    type: FieldType
    description: str
    required: bool = True
    minimum: float | None = None
    maximum: float | None = None
    enum: tuple[str, ...] | None = None
    max_length: int | None = None
    uuid: bool = False
    unit: str | None = None

    def __post_init__(self) -> None:
        if self.name != self.name.lower() or " " in self.name:
            raise ValueError(f"field names are snake_case: {self.name!r}")


def string(name: str, description: str, **kw: object) -> Field:
    kw.setdefault("max_length", 256)
    return Field(name, "string", description, **kw)  # type: ignore[arg-type]


def double(name: str, description: str, **kw: object) -> Field:
    return Field(name, "double", description, **kw)  # type: ignore[arg-type]


def integer(name: str, description: str, **kw: object) -> Field:
    return Field(name, "int", description, **kw)  # type: ignore[arg-type]


def latitude(required: bool = True) -> Field:
    return double(
        "latitude", "WGS84 latitude", required=required, minimum=-90, maximum=90, unit="degrees"
    )


def longitude(required: bool = True) -> Field:
    return double(
        "longitude", "WGS84 longitude", required=required, minimum=-180, maximum=180, unit="degrees"
    )


def speed(name: str = "speed_kmh", required: bool = True) -> Field:
    return double(name, "speed over ground", required=required, minimum=0, maximum=400, unit="km/h")


def heading(required: bool = False) -> Field:
    return double(
        "heading_deg",
        "direction of travel, clockwise from true north",
        required=required,
        minimum=0,
        maximum=360,
        unit="degrees",
    )
