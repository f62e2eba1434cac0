"""The contract's validation rules as Spark expressions, generated from its ``Field``s.

This mirrors ``vts.contract.validate`` rule for rule and in the same order, so a record
gets the same first reason (same code, same field) in the job as in Python: unknown
fields first (current version only), then each field in contract order, then the
position pairs. ``tests/stream/test_agreement.py`` holds the two to that on a corpus.

A field's value arrives as a ``FieldView``: the JSON token the Python validator would
see (kind, text, number) and, for the event time, the parsed timestamp.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from vts.contract.events import EventType
from vts.contract.fields import TS_MAX_AHEAD, TS_MIN, UUID_PATTERN, Field
from vts.stream.json_tokens import KIND_NULL, KIND_NUMBER, KIND_STR, Token

if TYPE_CHECKING:
    from pyspark.sql import Column

# Python's re: '$' matches only before a final '\n'; Java's UNIX_LINES flag (?d) agrees.
SPARK_UUID_PATTERN = "(?d)" + UUID_PATTERN


@dataclass(frozen=True)
class FieldView:
    """A field's value as the validator sees it; ``ts`` is the parsed time (timestamps)."""

    token: Token
    ts: Column | None = None


def _repr(text: Column, limit: int | None = None) -> Column:
    """Roughly Python's ``repr`` of a string value: quoted (and cut to ``limit``)."""
    from pyspark.sql import functions as F

    shown = F.substring(text, 1, limit) if limit else text
    return F.concat(F.lit("'"), shown, F.lit("'"))


def _bound(value: float) -> str:
    return f"{value:g}"


def field_violation(f: Field, view: FieldView, now: Column) -> Column:
    """The first rule ``f`` breaks, as a reason string, or ``null`` when it holds."""
    from pyspark.sql import functions as F

    tok = view.token
    msg = F.lit
    checks = F.when(
        tok.kind == KIND_NULL,
        msg(f"missing_field: {f.name}") if f.required else F.lit(None).cast("string"),
    )
    if f.type == "string":
        checks = checks.when(
            tok.kind != KIND_STR,
            F.concat(msg(f"wrong_type: {f.name} must be a string, got "), tok.type_name()),
        )
        if f.max_length is not None:
            checks = checks.when(
                F.length(tok.text) > f.max_length,
                F.format_string(
                    f"too_long: {f.name} has %d characters, limit {f.max_length}",
                    F.length(tok.text),
                ),
            )
        if f.enum is not None:
            checks = checks.when(
                ~tok.text.isin(*f.enum),
                F.concat(
                    msg(f"not_in_enum: {f.name}="),
                    _repr(tok.text),
                    msg(f", allowed {', '.join(f.enum)}"),
                ),
            )
        if f.uuid:
            checks = checks.when(
                ~tok.text.rlike(SPARK_UUID_PATTERN),
                F.concat(msg(f"bad_uuid: {f.name}="), _repr(tok.text, 64)),
            )
        return checks
    if f.type == "timestamp":
        if view.ts is None:
            raise ValueError(f"timestamp field {f.name} needs a parsed view")
        lo = F.lit(TS_MIN.strftime("%Y-%m-%d %H:%M:%S")).cast("timestamp")
        hi = now + F.expr(f"INTERVAL {int(TS_MAX_AHEAD.total_seconds())} SECONDS")
        return (
            checks.when(
                tok.kind != KIND_STR, msg(f"wrong_type: {f.name} must be an ISO 8601 string")
            )
            .when(
                view.ts.isNull(),
                F.concat(
                    msg(f"bad_timestamp: {f.name}="),
                    _repr(tok.text, 64),
                    msg(" is not ISO 8601 with a zone"),
                ),
            )
            .when(
                (view.ts < lo) | (view.ts > hi),
                F.concat(
                    msg(f"bad_timestamp: {f.name}="),
                    _repr(tok.text, 64),
                    msg(f" is outside {TS_MIN:%Y-%m-%d}..now+1d"),
                ),
            )
        )
    # numbers; JSON booleans are not numbers
    num = tok.number
    checks = checks.when(
        tok.kind != KIND_NUMBER,
        F.concat(msg(f"wrong_type: {f.name} must be a number, got "), tok.type_name()),
    )
    finite = ~(F.isnan(num) | (F.abs(num) == F.lit(float("inf"))))
    if f.type == "int":
        checks = checks.when(
            ~(finite & ((num % F.lit(1.0)) == F.lit(0.0))),
            F.concat(msg(f"wrong_type: {f.name} must be a whole number, got "), tok.text),
        )
    checks = checks.when(
        ~finite, F.concat(msg(f"out_of_range: {f.name}="), tok.text, msg(" is not finite"))
    )
    if f.minimum is not None:
        checks = checks.when(
            num < F.lit(float(f.minimum)),
            F.concat(
                msg(f"out_of_range: {f.name}="), tok.text, msg(f" is below {_bound(f.minimum)}")
            ),
        )
    if f.maximum is not None:
        checks = checks.when(
            num > F.lit(float(f.maximum)),
            F.concat(
                msg(f"out_of_range: {f.name}="), tok.text, msg(f" is above {_bound(f.maximum)}")
            ),
        )
    return checks


def record_violation(
    et: EventType,
    views: Mapping[str, FieldView],
    *,
    unknown_keys: Column | None,
    now: Column,
) -> Column:
    """The first rule the record breaks (``null`` when valid), in the Python validator's order.

    ``unknown_keys`` is the array of keys the contract does not define, in document order
    (``None`` when the record cannot have any, as for normalised tutorial messages).
    """
    from pyspark.sql import functions as F

    checks: list[Column] = []
    if unknown_keys is not None:
        checks.append(
            F.when(
                F.size(unknown_keys) > 0,
                F.concat(F.lit("unknown_field: "), unknown_keys.getItem(0)),
            )
        )
    checks.extend(field_violation(f, views[f.name], now) for f in et.fields)
    for a, b in et.pairs:
        a_null = views[a].token.kind == KIND_NULL
        b_null = views[b].token.kind == KIND_NULL
        checks.append(
            F.when(
                a_null != b_null,
                F.lit(f"pair_mismatch: {a} and {b} must both be set or both be null"),
            )
        )
    return F.coalesce(*checks)


def typed_value(f: Field, view: FieldView) -> Column:
    """The field's value in its table type (meaningful only for a valid record)."""
    from pyspark.sql import functions as F

    tok = view.token
    if f.type == "string":
        return F.when(tok.kind == KIND_STR, tok.text)
    if f.type == "timestamp":
        if view.ts is None:
            raise ValueError(f"timestamp field {f.name} needs a parsed view")
        return view.ts
    if f.type == "int":
        return tok.number.cast("int")
    return tok.number
