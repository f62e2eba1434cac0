"""JSON Schema (draft 2020-12) documents for external producers, generated from the contract.

The schemas describe the *current* version (1). Tutorial (version 0) messages are
accepted by the pipeline too, but are described in docs/tutorial-format, not here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from vts.contract.events import CURRENT_SCHEMA_VERSION, EVENT_TYPES, EventType
from vts.contract.fields import UUID_PATTERN, Field


def _property(f: Field) -> dict[str, Any]:
    prop: dict[str, Any] = {"description": f.description}
    if f.type == "string":
        prop["type"] = "string"
        if f.max_length is not None:
            prop["maxLength"] = f.max_length
        if f.enum is not None:
            prop["enum"] = list(f.enum)
        if f.uuid:
            prop["pattern"] = UUID_PATTERN
    elif f.type == "timestamp":
        prop.update(type="string", format="date-time")
    elif f.type == "int":
        prop["type"] = "integer"
    else:
        prop["type"] = "number"
    if f.minimum is not None:
        prop["minimum"] = f.minimum
    if f.maximum is not None:
        prop["maximum"] = f.maximum
    if f.unit:
        prop["x-unit"] = f.unit
    if not f.required:
        prop["type"] = [prop["type"], "null"]
        if "enum" in prop:
            prop["enum"] = [*prop["enum"], None]
    return prop


def json_schema(et: EventType) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"urn:vts:schema:{et.name}:v{CURRENT_SCHEMA_VERSION}",
        "title": et.name,
        "description": f"{et.description}; Kafka key: {et.key_field}",
        "type": "object",
        "properties": {f.name: _property(f) for f in et.fields},
        "required": [f.name for f in et.fields if f.required],
        "additionalProperties": False,
    }
    schema["properties"]["schema_version"]["const"] = CURRENT_SCHEMA_VERSION
    if et.pairs:
        # Both null (or absent), or both numbers: a half position is invalid.
        schema["allOf"] = [
            {
                "anyOf": [
                    {"properties": {a: {"type": "null"}, b: {"type": "null"}}},
                    {
                        "required": [a, b],
                        "properties": {a: {"type": "number"}, b: {"type": "number"}},
                    },
                ]
            }
            for a, b in et.pairs
        ]
    return schema


def export(directory: Path) -> list[Path]:
    """Write ``<event type>.schema.json`` for every event type; return the paths."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for et in EVENT_TYPES.values():
        path = directory / f"{et.name}.schema.json"
        path.write_text(json.dumps(json_schema(et), indent=2) + "\n", encoding="utf-8")
        written.append(path)
    return written
