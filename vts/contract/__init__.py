"""The event contract: the five event types, defined once, and what is generated from them.

- ``events``: the definitions (``EVENT_TYPES``, ``event_type``)
- ``spark``: Spark ``StructType`` schemas      - ``hive``: Glue/Hive column types
- ``jsonschema``: JSON Schema documents        - ``validate``: the Python validator
- ``tutorial`` + ``normalise``: the tutorial's format (version 0) and its normalisation
- ``structs`` + ``fast``: msgspec decoders generated from the contract, and the validator
  over many messages that puts them in front of ``normalise.parse_message`` (msgspec and
  pyarrow: the ``spark`` extra; imported only by the streaming job and its tests)
- ``reader``: the same two paths one message at a time (msgspec only: the live consumer)
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
