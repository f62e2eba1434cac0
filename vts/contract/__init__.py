"""The event contract: the five event types, defined once, and what is generated from them.

- ``events``: the definitions (``EVENT_TYPES``, ``event_type``)
- ``spark``: Spark ``StructType`` schemas      - ``hive``: Glue/Hive column types
- ``jsonschema``: JSON Schema documents        - ``validate``: the Python validator
- ``tutorial`` + ``normalise``: the tutorial's format (version 0) and its normalisation
"""

from vts.contract.events import (
    CURRENT_SCHEMA_VERSION,
    EVENT_TYPES,
    EventType,
    event_type,
)
from vts.contract.exceptions import ContractViolation
from vts.contract.topics import QUARANTINE_TABLE, TOPIC_NAMES, TOPICS

__all__ = [
    "CURRENT_SCHEMA_VERSION",
    "EVENT_TYPES",
    "QUARANTINE_TABLE",
    "TOPICS",
    "TOPIC_NAMES",
    "ContractViolation",
    "EventType",
    "event_type",
]
