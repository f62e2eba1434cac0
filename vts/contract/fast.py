"""The contract's validator over many messages at once, fast where messages are good.

``MessageValidator(topic).validate(raws, now)`` judges a list of raw Kafka values of one
topic and returns, per message, its reason (``None`` when valid) and, per contract field,
an Arrow array of typed values (null in invalid rows). The streaming job runs it on its
Python workers (``vts.stream.validation``); ``python -m bench validator`` measures it.

Two paths, one set of rules:

- the *fast path*: one call of a compiled msgspec decoder (``vts.contract.structs``) parses
  the message and checks types, bounds, lengths, enums and unknown fields in C; then the
  event time is read with ``datetime.fromisoformat`` (it must carry an offset); the rules
  left are checked over whole columns at once: the event time's bounds, the position
  pairs (both or neither) and the UUID pattern (Arrow's RE2, anchored, on strings of
  exactly the canonical length), and a row that breaks one takes the exact path;
- the *exact path*, for every message the fast path does not accept:
  ``vts.contract.normalise.parse_message`` (``json``, the tutorial normaliser, the
  validator), which gives the verdict and the precise reason.

So a message is valid exactly when ``parse_message`` says so, with its values, and an
invalid one gets the reason ``parse_message`` gives. Whatever a message does to the exact
path (nesting deeper than ``vts.contract.normalise.MAX_NESTING``, a number of thousands
of digits, invalid UTF-8, a value that is not an object, or anything unforeseen), the
result is a reason, never an exception.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import msgspec
import pyarrow as pa
import pyarrow.compute as pc

from vts.contract.events import EventType, event_type
from vts.contract.exceptions import ContractViolation
from vts.contract.fields import TS_MAX_AHEAD, TS_MIN, UUID_PATTERN, Field, FieldType
from vts.contract.normalise import MAX_MESSAGE_BYTES, parse_message
from vts.contract.structs import decoder, event_struct
from vts.contract.validate import parse_ts

logger = logging.getLogger(__name__)

NO_VALUE = "invalid_json: the Kafka record has no value"
ARROW_TYPES: dict[FieldType, pa.DataType] = {
    "string": pa.string(),
    "double": pa.float64(),
    "int": pa.int32(),
    "timestamp": pa.timestamp("us", tz="UTC"),
}
# An ISO 8601 time with seconds, up to six fractional digits and a UTC offset (what the
# producers write): the form whose instant Arrow's cast reads as Python does.
CANONICAL_TS_PATTERN = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?"
    r"(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$"
)
_DECODE_ERRORS = (msgspec.DecodeError, msgspec.ValidationError, ValueError, TypeError)
Raw = bytes | memoryview | None  # a Kafka value (memoryviews: slices of an Arrow buffer)


@dataclass(frozen=True)
class Verdicts:
    """The result for ``n`` messages: ``reasons[i]`` and ``columns[field][i]``."""

    reasons: list[str | None]
    columns: dict[str, pa.Array]

    @property
    def invalid(self) -> int:
        return sum(r is not None for r in self.reasons)


def _time_column(texts: pa.Array, times: list[datetime | None]) -> pa.Array:
    """The ts column: ``times`` (the event times the contract's rule accepted, None in
    invalid rows) as Arrow timestamps.

    ``texts`` holds the fast path's ts strings (null in rows the exact path judged). When
    every valid row came through the fast path with a ts in the canonical form, Arrow
    casts the strings (about a quarter of the cost of converting datetimes); for that
    form its cast and ``datetime.fromisoformat`` give the same instant.
    """
    timestamp = ARROW_TYPES["timestamp"]
    if len(times) - times.count(None) == len(texts) - texts.null_count:
        canonical = pc.match_substring_regex(texts, CANONICAL_TS_PATTERN)
        if pc.all(canonical).as_py() is not False:
            try:
                return texts.cast(timestamp)
            except pa.ArrowInvalid:  # pragma: no cover - the pattern admits none
                pass
    return pa.array(times, timestamp)


def _typed(f: Field) -> Callable[[Any], Any]:
    """The value of a valid record's field in its table type (ts: an aware datetime)."""
    if f.type == "timestamp":
        return parse_ts
    if f.type == "int":
        return int
    if f.type == "double":
        return float
    return str


class MessageValidator:
    """Judges raw messages of one topic (an event type), fast path first."""

    def __init__(self, topic: str, *, v0_timezone: str = "UTC") -> None:
        self.event_type: EventType = event_type(topic)
        self.v0_timezone = v0_timezone
        self._decode = decoder(self.event_type).decode
        fields = {f.name: f for f in self.event_type.fields}
        names: tuple[str, ...] = event_struct(self.event_type).__struct_fields__
        self._names = names  # the order of msgspec's tuples
        self._ts = names.index("ts")
        self._pairs = self.event_type.pairs
        self._uuids = [f.name for f in self.event_type.fields if f.uuid]
        self._casts = [(name, _typed(fields[name])) for name in names]
        # the rows' Arrow type: ts stays text there (``_time_column`` builds the ts column)
        self._row_type = pa.struct(
            [pa.field(n, pa.string() if n == "ts" else ARROW_TYPES[fields[n].type]) for n in names]
        )
        self._empty: tuple[Any, ...] = (None,) * len(names)

    def exact(self, raw: Raw, now: datetime) -> tuple[str | None, tuple[Any, ...]]:
        """The exact path for one message: ``(reason, row)``; the row is typed when valid."""
        if raw is None:
            return NO_VALUE, self._empty
        try:
            record = parse_message(
                self.event_type.name, bytes(raw), v0_timezone=self.v0_timezone, now=now
            )
            return None, tuple(
                None if (value := record.get(name)) is None else cast(value)
                for name, cast in self._casts
            )
        except ContractViolation as exc:
            return exc.reason, self._empty
        except Exception as exc:  # never fail the task for one message
            logger.warning("a %s message could not be read: %r", self.event_type.name, exc)
            reason = f"invalid_json: the message could not be read ({type(exc).__name__})"
            return reason, self._empty

    def validate(self, raws: Sequence[Raw], now: datetime) -> Verdicts:
        """Judge ``raws`` (bytes or memoryviews) with the processing clock ``now`` (aware)."""
        if now.tzinfo is None:
            raise ValueError("the processing clock must be timezone-aware")
        # The loop makes a tuple per message and frees none: the cyclic garbage collector
        # would scan them over and over, and they cannot form cycles.
        enabled = gc.isenabled()
        gc.disable()
        try:
            # in the standard library's UTC: comparing with a clock in another tzinfo
            # class (pytz's, from pyarrow) calls its Python utcoffset() for every message
            return self._validate(raws, now.astimezone(UTC))
        finally:
            if enabled:
                gc.enable()

    def _validate(self, raws: Sequence[Raw], now: datetime) -> Verdicts:
        decode, astuple, fromiso = self._decode, msgspec.structs.astuple, datetime.fromisoformat
        ts_at = self._ts
        reasons: list[str | None] = []
        rows: list[tuple[Any, ...]] = []  # msgspec's tuples; ts holds the text (or None)
        times: list[datetime | None] = []  # the ts column
        for raw in raws:
            try:
                if raw is None or len(raw) > MAX_MESSAGE_BYTES:
                    raise ValueError
                row = astuple(decode(raw))
                ts = fromiso(row[ts_at])
                if ts.tzinfo is None:
                    raise ValueError
            except _DECODE_ERRORS:
                reason, row, ts = self._exact_row(raw, now)
                reasons.append(reason)
                rows.append(row)
                times.append(ts)
                continue
            reasons.append(None)
            rows.append(row)
            times.append(ts)
        columns = self._columns(rows, times)
        if rows:
            columns = self._redo_broken(raws, rows, times, columns, reasons, now)
        return Verdicts(reasons, columns)

    def _exact_row(self, raw: Raw, now: datetime) -> tuple[str | None, tuple[Any, ...], Any]:
        """``exact``'s reason, its row shaped like the fast path's, and its event time."""
        reason, row = self.exact(raw, now)
        return reason, (*row[: self._ts], None, *row[self._ts + 1 :]), row[self._ts]

    def _columns(self, rows: list[tuple[Any, ...]], times: list[Any]) -> dict[str, pa.Array]:
        """One Arrow conversion of all rows (a struct array), then its fields."""
        if rows:
            arrays = pa.array(rows, self._row_type).flatten()
        else:
            arrays = [pa.array([], field.type) for field in self._row_type]
        columns = dict(zip(self._names, arrays, strict=True))
        columns["ts"] = _time_column(columns["ts"], times)
        return columns

    def _broken(self, columns: dict[str, pa.Array], now: datetime) -> pa.Array:
        """Which rows break a rule checked column-wise (null in rows already invalid): a
        UUID not in the canonical form, half a position, an event time out of bounds."""
        ts = columns["ts"]
        checks = [
            pc.less(ts, pa.scalar(TS_MIN, ts.type)),
            pc.greater(ts, pa.scalar(now + TS_MAX_AHEAD, ts.type)),
            *(pc.not_equal(pc.is_null(columns[a]), pc.is_null(columns[b])) for a, b in self._pairs),
            *(pc.invert(pc.match_substring_regex(columns[n], UUID_PATTERN)) for n in self._uuids),
        ]
        broken = checks[0]
        for check in checks[1:]:
            broken = pc.or_kleene(broken, check)
        return broken

    def _redo_broken(
        self,
        raws: Sequence[Raw],
        rows: list[tuple[Any, ...]],
        times: list[Any],
        columns: dict[str, pa.Array],
        reasons: list[str | None],
        now: datetime,
    ) -> dict[str, pa.Array]:
        """Send the fast path's rows that break a column-wise rule to the exact path (the
        lists in place) and return the columns with those rows' values nulled."""
        broken = pc.fill_null(self._broken(columns, now), False)
        indices = pc.indices_nonzero(broken).to_pylist()
        if not indices:
            return columns
        for i in indices:
            reasons[i], rows[i], times[i] = self._exact_row(raws[i], now)
        if any(reasons[i] is None for i in indices):  # the exact path took one: convert anew
            return self._columns(rows, times)
        return {name: pc.if_else(broken, pa.scalar(None, c.type), c) for name, c in columns.items()}
