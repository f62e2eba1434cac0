"""The contract's verdict on one message at a time, fast where the message is good.

``MessageReader(topic).read(raw, now)`` returns ``(reason, record)``: ``reason`` is
``None`` and ``record`` the typed current-version record (every contract field; ``ts`` an
aware datetime, numbers as ``int``/``float``) when the message is valid, else the reason
and ``None``. The live consumer (``vts.live``) reads its batches with it; the streaming
job judges whole Arrow batches with ``vts.contract.fast.MessageValidator``. Both are the
same two paths over the same rules:

- the *fast path*: the compiled decoder of ``vts.contract.structs`` parses the message
  and checks types, bounds, lengths, enums and unknown fields in C; the rules it leaves
  (its docstring lists them: the event time's form and bounds, the position pairs, the
  UUID pattern) are checked here per message, and a message that breaks one takes the
  exact path;
- the *exact path*, for every message the fast path does not accept:
  ``vts.contract.normalise.parse_message``, which gives the verdict and the reason.

So a message is valid exactly when ``parse_message`` says so, with its values
(``tests/contract/test_reader.py`` holds the two equal on the edge corpus). Nothing a
message holds makes ``read`` raise: whatever the exact path cannot read is a reason.
It needs msgspec (in the Lambda layer and the ``spark`` extra), not pyarrow.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import msgspec

from vts.contract.events import EventType, event_type
from vts.contract.exceptions import ContractViolation
from vts.contract.fields import TS_MAX_AHEAD, TS_MIN, UUID_PATTERN, Field
from vts.contract.normalise import MAX_MESSAGE_BYTES, parse_message
from vts.contract.structs import decoder
from vts.contract.validate import parse_ts

logger = logging.getLogger(__name__)

NO_VALUE = "invalid_json: the Kafka record has no value"
Record = dict[str, Any]
Raw = bytes | memoryview | None
_DECODE_ERRORS = (msgspec.DecodeError, msgspec.ValidationError, ValueError, TypeError)


def typed(f: Field) -> Callable[[Any], Any]:
    """The value of a valid record's field in its table type (ts: an aware datetime)."""
    if f.type == "timestamp":
        return parse_ts
    if f.type == "int":
        return int
    if f.type == "double":
        return float
    return str


class MessageReader:
    """Reads raw messages of one topic (an event type), one at a time, fast path first."""

    def __init__(self, topic: str, *, v0_timezone: str = "UTC") -> None:
        self.event_type: EventType = event_type(topic)
        self.v0_timezone = v0_timezone
        self._decode = decoder(self.event_type).decode
        self._casts = [(f.name, typed(f)) for f in self.event_type.fields]
        self._pairs = self.event_type.pairs
        self._uuids = [f.name for f in self.event_type.fields if f.uuid]
        self._uuid = re.compile(UUID_PATTERN).match

    def read(self, raw: Raw, now: datetime) -> tuple[str | None, Record | None]:
        """``(None, record)`` for a valid message, ``(reason, None)`` for an invalid one;
        ``now`` (aware) is the processing clock the event time is bounded by."""
        if raw is None:
            return NO_VALUE, None
        record = self._fast(raw, now)
        if record is not None:
            return None, record
        return self.exact(raw, now)

    def _fast(self, raw: bytes | memoryview, now: datetime) -> Record | None:
        """The record if the compiled decoder accepts ``raw`` and it keeps the rules the
        decoder leaves; else ``None`` (the exact path decides)."""
        if len(raw) > MAX_MESSAGE_BYTES:
            return None
        try:
            record: Record = msgspec.structs.asdict(self._decode(raw))
            ts = datetime.fromisoformat(record["ts"])
        except _DECODE_ERRORS:
            return None
        if ts.tzinfo is None or ts < TS_MIN or ts > now + TS_MAX_AHEAD:
            return None
        for a, b in self._pairs:
            if (record[a] is None) != (record[b] is None):
                return None
        for name in self._uuids:
            if not self._uuid(record[name]):
                return None
        record["ts"] = ts
        return record

    def exact(self, raw: bytes | memoryview, now: datetime) -> tuple[str | None, Record | None]:
        """The exact path for one message: ``(reason, None)`` or ``(None, typed record)``."""
        try:
            record = parse_message(
                self.event_type.name, bytes(raw), v0_timezone=self.v0_timezone, now=now
            )
            return None, {
                name: None if (value := record.get(name)) is None else cast(value)
                for name, cast in self._casts
            }
        except ContractViolation as exc:
            return exc.reason, None
        except Exception as exc:  # never fail a batch for one message
            logger.warning("a %s message could not be read: %r", self.event_type.name, exc)
            return f"invalid_json: the message could not be read ({type(exc).__name__})", None


def utc_now() -> datetime:
    """The processing clock, in the standard library's UTC."""
    return datetime.now(UTC)
