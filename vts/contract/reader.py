"""The contract's verdict on messages without Arrow, fast where the messages are good.

``MessageReader(topic).read_many(raws, now)`` returns ``(reasons, records)``: per
message, ``None`` and the typed current-version record (an ``event_struct`` instance:
every contract field as an attribute, ``ts`` an aware datetime, numbers as
``int``/``float``) when it is valid, else the reason and ``None``; ``read(raw, now)`` is
one message's verdict, the record as a dict. The live consumer (``vts.live``) reads its
batches with ``read_many``; the streaming job judges whole Arrow batches with
``vts.contract.fast.MessageValidator``. Both are the same two paths over the same rules:

- the *fast path*: the compiled decoder of ``vts.contract.structs`` parses the messages
  (here 256 at a time, as one JSON array: ``MessageReader._decode_chunk`` says why that
  gives each message's own verdict) and checks types, bounds, lengths, enums and unknown
  fields in C; the rules it leaves (its docstring lists them: the event time's form and
  bounds, the position pairs, the UUID pattern) are checked here over each chunk, and a
  message that breaks one takes the exact path;
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
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any

import msgspec

from vts.contract.events import EventType, event_type
from vts.contract.exceptions import ContractViolation
from vts.contract.fields import TS_MAX_AHEAD, TS_MIN, UUID_PATTERN, Field
from vts.contract.normalise import MAX_MESSAGE_BYTES, parse_message
from vts.contract.structs import decoder, event_struct
from vts.contract.validate import parse_ts

logger = logging.getLogger(__name__)

NO_VALUE = "invalid_json: the Kafka record has no value"
Record = dict[str, Any]
Raw = bytes | memoryview | None
_DECODE_ERRORS = (msgspec.DecodeError, msgspec.ValidationError, ValueError, TypeError)
CHUNK = 256  # messages decoded in one call
SEPARATOR = b",\n"  # between the messages of a chunk: a newline cannot be inside a JSON string


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
    """Reads raw messages of one topic (an event type), fast path first."""

    def __init__(self, topic: str, *, v0_timezone: str = "UTC") -> None:
        self.event_type: EventType = event_type(topic)
        self.v0_timezone = v0_timezone
        struct: Any = event_struct(self.event_type)
        self._struct = struct
        self._decode = decoder(self.event_type).decode
        self._decode_array = msgspec.json.Decoder(list[struct]).decode
        self._casts = [(f.name, typed(f)) for f in self.event_type.fields]
        self._pairs = self.event_type.pairs
        self._uuids = [f.name for f in self.event_type.fields if f.uuid]
        self._uuid = re.compile(UUID_PATTERN).match

    def read(self, raw: Raw, now: datetime) -> tuple[str | None, Record | None]:
        """``(None, record)`` for a valid message, ``(reason, None)`` for an invalid one;
        ``now`` (aware) is the processing clock the event time is bounded by."""
        reasons, records = self.read_many([raw], now)
        record = records[0]
        return reasons[0], None if record is None else msgspec.structs.asdict(record)

    def read_many(self, raws: Sequence[Raw], now: datetime) -> tuple[list[str | None], list[Any]]:
        """The verdicts on ``raws``: ``(reasons, records)``, per message its reason
        (``None`` when valid) and its record (``None`` when invalid). A record is an
        instance of ``event_struct`` (every contract field as an attribute, in its table
        type; ``ts`` an aware datetime): cheaper to make than a dict, and what the fast
        path decodes into. The fast path takes ``CHUNK`` messages at a time: one decoder
        call (``_decode_chunk``), then the rules the decoder leaves over the whole chunk
        (``_rules_chunk``); a message the fast path does not accept takes the exact path,
        alone."""
        n = len(raws)
        limit = now + TS_MAX_AHEAD
        records: list[Any] = []
        for at in range(0, n, CHUNK):
            chunk = raws[at : at + CHUNK]
            structs, whole = self._decode_chunk(chunk)
            if not (whole and self._rules_chunk(structs, limit)):
                structs = [None if s is None else self._rules(s, limit) for s in structs]
            records += structs
        reasons: list[str | None] = [None] * n
        for i in [i for i, record in enumerate(records) if record is None]:
            raw = raws[i]
            reason, record = (NO_VALUE, None) if raw is None else self.exact(raw, now)
            reasons[i] = reason
            if record is not None:
                records[i] = self._struct(**record)
        return reasons, records

    def _rules(self, s: Any, limit: datetime) -> Any:
        """The decoded message ``s`` if it keeps the rules the decoder leaves (``ts`` then
        set to its datetime), else ``None``."""
        try:
            ts = datetime.fromisoformat(s.ts)
        except ValueError:
            return None
        if ts.tzinfo is None or ts < TS_MIN or ts > limit:
            return None
        for a, b in self._pairs:
            if (getattr(s, a) is None) != (getattr(s, b) is None):
                return None
        for name in self._uuids:
            if not self._uuid(getattr(s, name)):
                return None
        s.ts = ts
        return s

    def _rules_chunk(self, structs: list[Any], limit: datetime) -> bool:
        """``_rules`` over a whole chunk at once: ``True`` (every ``ts`` then set to its
        datetime) when every message keeps them, else ``False`` (nothing changed). The
        UUIDs of a chunk are matched in one call, joined by newlines."""
        try:
            times = [datetime.fromisoformat(s.ts) for s in structs]
            # naive times make min/max or the comparisons raise TypeError
            if times and (min(times) < TS_MIN or max(times) > limit):
                return False
        except (ValueError, TypeError):
            return False
        for a, b in self._pairs:
            if [getattr(s, a) is None for s in structs] != [getattr(s, b) is None for s in structs]:
                return False
        for name in self._uuids:
            if not uuids_in_form([getattr(s, name) for s in structs]):
                return False
        for s, ts in zip(structs, times, strict=True):
            s.ts = ts
        return True

    def _decode_chunk(self, chunk: Sequence[Raw]) -> tuple[list[Any], bool]:
        """Per message, the compiled decoder's struct or ``None`` where it refuses, and
        whether it took every one.

        The chunk is decoded in one call, as one JSON array of its messages joined by
        ``SEPARATOR``. That gives each message's struct exactly when every message starts
        with ``{`` and ends with ``}`` and the array has as many elements as messages: the
        separator holds a newline, which a JSON string cannot hold, so no string spans two
        messages; the structs hold no nested object or array, so a message's first and
        last bytes open and close an element of the array; so each message holds one or
        more whole elements, and as many elements as messages means one each. A chunk that
        fails any of this is decoded a message at a time (a bad message costs its chunk
        speed, never another message its verdict)."""
        raws: Sequence[Any] = chunk  # a None among them raises TypeError
        try:  # each message is bytes that start with { and end with }, none too long
            whole = (
                set(map(_FIRST, raws)) == _OPEN
                and set(map(_LAST, raws)) == _CLOSE
                and max(map(len, raws)) <= MAX_MESSAGE_BYTES
            )
        except (TypeError, IndexError):  # a message that is None, or empty
            whole = False
        if whole:
            try:
                structs: list[Any] = self._decode_array(b"[" + SEPARATOR.join(chunk) + b"]")  # type: ignore[arg-type]
                if len(structs) == len(chunk):
                    return structs, True
            except _DECODE_ERRORS:
                pass
        out: list[Any] = []
        for raw in chunk:
            try:
                too_long = raw is None or len(raw) > MAX_MESSAGE_BYTES
                out.append(None if raw is None or too_long else self._decode(raw))
            except _DECODE_ERRORS:
                out.append(None)
        return out, all(s is not None for s in out)

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


_HEX = b"0123456789abcdefABCDEF"
_FIRST, _LAST = itemgetter(0), itemgetter(-1)  # a message's first and last bytes, in C
_OPEN, _CLOSE = {ord("{")}, {ord("}")}


def uuids_in_form(texts: Sequence[str]) -> bool:
    """Whether every text matches ``UUID_PATTERN`` (8-4-4-4-12 hex digits), a whole column
    in a few C calls where a regex costs a call, or some 70 instructions a character: the
    texts, all 36 characters, joined as ASCII have a dash at each UUID's 9th, 14th, 19th
    and 24th place, and deleting every hex digit leaves exactly those dashes, so the other
    32 places of each are hex digits. ``tests/contract/test_reader.py`` holds it equal to
    the pattern."""
    n = len(texts)
    if set(map(len, texts)) - {36}:
        return False
    try:
        joined = "".join(texts).encode("ascii")
    except UnicodeEncodeError:
        return False
    dashes = b"-" * n
    for at in (8, 13, 18, 23):
        if joined[at::36] != dashes:
            return False
    return joined.translate(None, _HEX) == b"----" * n


def utc_now() -> datetime:
    """The processing clock, in the standard library's UTC."""
    return datetime.now(UTC)
