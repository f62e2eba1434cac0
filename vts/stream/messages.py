"""One topic's messages in Spark: which keys to parse, what each field is, why it fails.

A message is either the current version as sent (``schema_version`` present) or a
tutorial (version 0) message normalised by ``V0_RULES`` (``vts.stream.v0``). Either way
each contract field becomes a ``FieldView``, and ``vts.stream.checks`` judges the views
with the contract's rules, in the Python validator's order. The Python side's steps
before validation keep their order too: ``unknown_schema_version``, ``unknown_format``,
then the version-0 conversion errors.

These expressions are evaluated only for rows of their topic (the job selects them with
``CASE _table WHEN ...``), so a message pays for its own topic's rules only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from vts.contract.events import EventType, event_type
from vts.stream.checks import FieldView, record_violation, typed_value
from vts.stream.json_tokens import (
    KEYS_COLUMN,
    KIND_BOOL,
    KIND_NULL,
    KIND_NUMBER,
    KIND_STR,
    KeySpace,
    Token,
    token,
)
from vts.stream.v0 import normalise, numeric_source_keys, source_keys

if TYPE_CHECKING:
    from pyspark.sql import Column

UNKNOWN_FORMAT = "unknown_format: no schema_version and not the tutorial format (id, timestamp)"
IS_V1 = "_is_v1"
IS_V0 = "_is_v0"
TS = "_ts"
NOW = "_now"


def key_space(topic: str) -> KeySpace:
    """The keys a message of ``topic`` is parsed for, and the numeric ones."""
    et = event_type(topic)
    numeric = {f.name for f in et.fields if f.type in ("double", "int")}
    return KeySpace.of(
        topic, set(et.field_names) | source_keys(topic), numeric | numeric_source_keys(topic)
    )


@dataclass(frozen=True)
class TopicRules:
    """The reason (``null`` when valid) and the typed field values of one topic's rows."""

    reason: Column
    values: dict[str, Column]


def _version_error(space: KeySpace) -> Column:
    from pyspark.sql import functions as F

    sv = token("schema_version", space)
    shown = (
        F.when(sv.kind == KIND_STR, F.concat(F.lit("'"), sv.text, F.lit("'")))
        .when(sv.kind == KIND_NULL, F.lit("None"))
        .when(sv.kind == KIND_BOOL, F.initcap(sv.text))
        .otherwise(sv.text)
    )
    return F.when(
        ~((sv.kind == KIND_NUMBER) & (sv.number == F.lit(1.0))),
        F.concat(F.lit("unknown_schema_version: "), shown, F.lit("; accepted: 0 (tutorial) and 1")),
    )


def _unknown_keys(et: EventType) -> Column:
    """The message's keys that ``et`` does not define, in document order."""
    from pyspark.sql import functions as F

    own = F.array(*[F.lit(name) for name in et.field_names])
    keys = F.coalesce(F.col(KEYS_COLUMN), F.array().cast("array<string>"))
    return F.filter(keys, lambda k: ~F.array_contains(own, k))


def views_column(topic: str) -> str:
    """The name of the column that holds ``topic``'s field views (``views_struct``)."""
    return f"_v__{topic}"


def views_struct(topic: str) -> Column:
    """Every field's view (kind, text, number; the event time) and the version-0 error,
    as one struct, built once per row of ``topic``.

    Needs the columns ``_is_v1`` (version) and ``_ts`` (the event time parsed as the
    message's version wants). Materialising the views keeps the rules' expressions small:
    each rule reads a struct field instead of repeating the expression behind it.
    """
    from pyspark.sql import functions as F

    et = event_type(topic)
    space = key_space(topic)
    is_v1, ts = F.col(IS_V1), F.col(TS)
    v0 = normalise(topic, space, ts=ts)

    def pick(a: Column, b: Column) -> Column:
        return F.when(is_v1, a).otherwise(b)

    parts: list[Column] = []
    for f in et.fields:
        sent, derived = token(f.name, space), v0.views[f.name]
        parts += [
            pick(sent.kind, derived.token.kind).alias(f"{f.name}__kind"),
            pick(sent.text, derived.token.text).alias(f"{f.name}__text"),
            pick(sent.number, derived.token.number).alias(f"{f.name}__num"),
        ]
        if derived.ts is not None:
            parts.append(pick(ts, derived.ts).alias(f"{f.name}__ts"))
    parts.append(F.when(~is_v1, v0.error).alias("__v0_error"))
    parts.append(F.when(is_v1, _version_error(space)).alias("__version_error"))
    return F.struct(*parts)


def topic_rules(topic: str) -> TopicRules:
    """The reason and typed values of ``topic``'s rows, read from ``views_struct``'s column.

    Needs the columns ``_is_v1``/``_is_v0`` and ``_now`` (the processing clock).
    """
    from pyspark.sql import functions as F

    et = event_type(topic)
    struct = F.col(views_column(topic))
    views: dict[str, FieldView] = {}
    for f in et.fields:
        tok = Token(
            kind=struct.getField(f"{f.name}__kind"),
            text=struct.getField(f"{f.name}__text"),
            number=struct.getField(f"{f.name}__num"),
        )
        ts = struct.getField(f"{f.name}__ts") if f.type == "timestamp" else None
        views[f.name] = FieldView(tok, ts=ts)
    is_v1 = F.col(IS_V1)
    violation = record_violation(
        et, views, unknown_keys=F.when(is_v1, _unknown_keys(et)), now=F.col(NOW)
    )
    reason = (
        F.when(is_v1, F.coalesce(struct.getField("__version_error"), violation))
        .when(F.col(IS_V0), F.coalesce(struct.getField("__v0_error"), violation))
        .otherwise(F.lit(UNKNOWN_FORMAT))
    )
    return TopicRules(reason, {f.name: typed_value(f, views[f.name]) for f in et.fields})
