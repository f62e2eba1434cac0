"""The contract's validator over many messages at once, fast where messages are good.

``MessageValidator(topic).validate(raws, now)`` judges a list of raw Kafka values of one
topic and returns, per message, its reason (``None`` when valid) and, per contract field,
an Arrow array of typed values (null in invalid rows). The streaming job runs it on its
Python workers (``vts.stream.validation``); ``python -m bench validator`` measures it.

Two paths, one set of rules:

- the *fast path*: one call of a compiled msgspec decoder (``vts.contract.structs``) parses
  the message and checks types, bounds, lengths, enums and unknown fields in C; the rules
  left are checked over whole columns at once: the event time's form (ISO 8601 with an
  offset; read by Arrow's cast when every time is in the canonical form, else by
  ``datetime.fromisoformat`` per row), its bounds, the position pairs (both or neither)
  and the UUID pattern (Arrow's RE2, anchored, on strings of exactly the canonical
  length), and a row that breaks one takes the exact path;
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
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import msgspec
import pyarrow as pa
import pyarrow.compute as pc

from vts.contract.events import EventType, event_type
from vts.contract.exceptions import ContractViolation
from vts.contract.fields import TS_MAX_AHEAD, TS_MIN, UUID_PATTERN, FieldType
from vts.contract.normalise import MAX_MESSAGE_BYTES, parse_message
from vts.contract.reader import NO_VALUE, typed
from vts.contract.structs import decoder, event_struct

logger = logging.getLogger(__name__)

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


def _cast_times(texts: pa.Array) -> pa.Array | None:
    """The ts column from the fast path's ts strings (null in the exact path's rows), when
    every one is in the canonical form and Arrow reads them all; else ``None``.

    Arrow's cast costs about a quarter of converting datetimes. For the canonical form it
    gives the instant ``datetime.fromisoformat`` gives, and it refuses the strings that
    ``fromisoformat`` refuses (a day, hour, minute or second out of range); it also refuses
    years that ``fromisoformat`` reads but a microsecond timestamp cannot hold, and then
    Python reads the times.
    """
    canonical = pc.match_substring_regex(texts, CANONICAL_TS_PATTERN)
    if pc.all(canonical).as_py() is False:
        return None
    try:
        return texts.cast(ARROW_TYPES["timestamp"])
    except pa.ArrowInvalid:
        return None


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
        self._casts = [(name, typed(fields[name])) for name in names]
        # the rows' Arrow type: ts stays text there (``_columns`` types it)
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
        decode, astuple = self._decode, msgspec.structs.astuple
        rows: list[tuple[Any, ...]] = []  # msgspec's tuples; ts holds the text (or None)
        refused: list[int] = []  # the rows the decoder did not accept
        for raw in raws:
            try:
                if raw is None or len(raw) > MAX_MESSAGE_BYTES:
                    raise ValueError
                rows.append(astuple(decode(raw)))
            except _DECODE_ERRORS:
                refused.append(len(rows))
                rows.append(self._empty)
        reasons: list[str | None] = [None] * len(rows)
        times: dict[int, datetime] = {}  # the event times of valid rows the exact path judged
        for i in refused:
            self._judge_exactly(i, raws, rows, reasons, times, now)
        columns = self._columns(raws, rows, reasons, times, now)
        if rows:
            columns = self._redo_broken(raws, rows, times, columns, reasons, now)
        return Verdicts(reasons, columns)

    def _judge_exactly(
        self,
        i: int,
        raws: Sequence[Raw],
        rows: list[tuple[Any, ...]],
        reasons: list[str | None],
        times: dict[int, datetime],
        now: datetime,
    ) -> None:
        """Row ``i`` by the exact path: its reason, its row shaped like the fast path's (ts
        None) and, when valid, its event time in ``times`` (the lists in place)."""
        reason, row = self.exact(raws[i], now)
        reasons[i] = reason
        rows[i] = (*row[: self._ts], None, *row[self._ts + 1 :])
        if reason is None:
            times[i] = row[self._ts]

    def _columns(
        self,
        raws: Sequence[Raw],
        rows: list[tuple[Any, ...]],
        reasons: list[str | None],
        times: dict[int, datetime],
        now: datetime,
    ) -> dict[str, pa.Array]:
        """The rows' Arrow columns, ts typed. The fast path's ts strings are read as a whole
        column when they allow it (``_cast_times``); else Python reads each one, and a row
        whose time is not ISO 8601 with an offset goes to the exact path (in place)."""
        columns = self._struct_columns(rows)
        if not times:  # every valid row came through the fast path
            cast = _cast_times(columns["ts"])
            if cast is not None:
                columns["ts"] = cast
                return columns
        fromiso, at = datetime.fromisoformat, self._ts
        read: list[datetime | None] = [None] * len(rows)
        moved = False
        for i, row in enumerate(rows):
            if row[at] is None:  # judged by the exact path
                read[i] = times.get(i)
                continue
            try:
                ts = fromiso(row[at])
                if ts.tzinfo is None:
                    raise ValueError
                read[i] = ts
            except ValueError:
                self._judge_exactly(i, raws, rows, reasons, times, now)
                read[i], moved = times.get(i), True
        if moved:
            columns = self._struct_columns(rows)
        columns["ts"] = pa.array(read, ARROW_TYPES["timestamp"])
        return columns

    def _struct_columns(self, rows: list[tuple[Any, ...]]) -> dict[str, pa.Array]:
        """One Arrow conversion of all rows (a struct array), then its fields (ts as text)."""
        if rows:
            arrays = pa.array(rows, self._row_type).flatten()
        else:
            arrays = [pa.array([], field.type) for field in self._row_type]
        return dict(zip(self._names, arrays, strict=True))

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
        times: dict[int, datetime],
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
            self._judge_exactly(i, raws, rows, reasons, times, now)
        if any(reasons[i] is None for i in indices):  # the exact path took one: convert anew
            return self._columns(raws, rows, reasons, times, now)
        return {name: pc.if_else(broken, pa.scalar(None, c.type), c) for name, c in columns.items()}
