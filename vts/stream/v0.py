"""Tutorial (schema version 0) messages normalised in Spark by interpreting ``V0_RULES``.

``vts.contract.tutorial.V0_RULES`` says how each current field derives from a version-0
message; ``vts.contract.normalise`` interprets it in Python and this module interprets
the very same rules as Spark expressions, so the two cannot drift apart. Each rule
yields the ``FieldView`` the validator then checks, and the rules that can fail
(``naive_ts``, ``lat``/``lon``, ``compass``) yield their reason, in rule order, like the
Python normaliser raising at the first failing rule.

Known difference: non-finite numbers *inside* a ``location`` array (``[NaN, 1]``, only
possible with the non-standard ``NaN`` token or ``1e400``) are ``wrong_type`` here and
``out_of_range`` in Python; both quarantine the message.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from vts.contract.events import event_type
from vts.contract.tutorial import COMPASS_DEGREES, V0_RULES
from vts.stream.checks import FieldView
from vts.stream.json_tokens import (
    KIND_BOOL,
    KIND_DICT,
    KIND_LIST,
    KIND_NULL,
    KIND_NUMBER,
    KIND_STR,
    KeySpace,
    Token,
    token,
)

if TYPE_CHECKING:
    from pyspark.sql import Column

# vts.contract.normalise._PAIR, with Unicode \s as Python's str patterns have it.
PAIR_PATTERN = r"(?U)^\s*[\(\[]\s*([^,\s]+)\s*,\s*([^\)\]\s]+)\s*[\)\]]\s*$"
# What Python's float() accepts (no surrounding space: the pair pattern excludes it).
_DIGITS = r"\d(?:_?\d)*"
FLOAT_PATTERN = rf"^[+-]?(?:{_DIGITS}(?:\.(?:{_DIGITS})?)?|\.{_DIGITS})(?:[eE][+-]?{_DIGITS})?$"
SPECIAL_FLOAT_PATTERN = r"(?i)^[+-]?(?:inf|infinity|nan)$"
LOCATION_ERROR = "wrong_type: location must be [latitude, longitude]"


@dataclass(frozen=True)
class V0Record:
    """A version-0 message as current-version field views, plus the first rule error."""

    views: dict[str, FieldView]
    error: Column


def _null_token() -> Token:
    from pyspark.sql import functions as F

    null = F.lit(None)
    return Token(kind=F.lit(KIND_NULL), text=null.cast("string"), number=null.cast("double"))


def _number_token(ok: Column, text: Column, value: Column) -> Token:
    from pyspark.sql import functions as F

    return Token(
        kind=F.when(ok, F.lit(KIND_NUMBER)).otherwise(F.lit(KIND_NULL)),
        text=text,
        number=F.when(ok, value),
    )


def _python_float(text: Column) -> tuple[Column, Column]:
    """``(ok, value)`` of Python's ``float(text)``."""
    from pyspark.sql import functions as F

    special = text.rlike(SPECIAL_FLOAT_PATTERN)
    lowered = F.lower(text)
    special_value = (
        F.when(lowered.contains("nan"), F.lit(float("nan")))
        .when(lowered.startswith("-"), F.lit(float("-inf")))
        .otherwise(F.lit(float("inf")))
    )
    plain = text.rlike(FLOAT_PATTERN)
    value = F.when(special, special_value).when(
        plain, F.regexp_replace(text, "_", "").cast("double")
    )
    return F.coalesce(special | plain, F.lit(False)), value


def _element_token(canonical: Column, text: Column) -> Token:
    """A scalar array element from Jackson's compact text of it (first char = its kind)."""
    from pyspark.sql import functions as F

    first = F.substring(canonical, 1, 1)
    kind = (
        F.when(canonical.isNull() | (first == "n"), F.lit(KIND_NULL))
        .when(first == '"', F.lit(KIND_STR))
        .when(first.isin("t", "f"), F.lit(KIND_BOOL))
        .when(first == "[", F.lit(KIND_LIST))
        .when(first == "{", F.lit(KIND_DICT))
        .otherwise(F.lit(KIND_NUMBER))
    )
    return Token(kind=kind, text=text, number=F.when(kind == KIND_NUMBER, text.cast("double")))


def position(loc: Token, elements: Column) -> tuple[Token, Token, Column]:
    """``(latitude, longitude, error)`` from a version-0 ``location`` value.

    ``[lat, lon]`` keeps the elements' own JSON types (the validator judges them);
    ``"(lat, lon)"`` is read with Python's ``float``; anything else is an error.
    """
    from pyspark.sql import functions as F

    # Jackson writes the array compactly: "[e0,e1]". Element 1 only matters when element 0
    # is a number (otherwise latitude already fails), and then the first comma ends it.
    rest = F.regexp_extract(loc.text, r"^\[[^,]*,(.*)\]$", 1)
    list_lat = _element_token(F.substring(loc.text, 2, 1), elements.getItem(0))
    list_lon = _element_token(rest, elements.getItem(1))

    g1 = F.regexp_extract(loc.text, PAIR_PATTERN, 1)
    g2 = F.regexp_extract(loc.text, PAIR_PATTERN, 2)
    ok1, v1 = _python_float(g1)
    ok2, v2 = _python_float(g2)
    pair_ok = loc.text.rlike(PAIR_PATTERN) & ok1 & ok2
    str_lat = _number_token(pair_ok, g1, v1)
    str_lon = _number_token(pair_ok, g2, v2)

    is_list = loc.kind == KIND_LIST
    is_str = loc.kind == KIND_STR
    error = (
        F.when(loc.kind == KIND_NULL, F.lit(None).cast("string"))
        .when(is_list & (F.size(elements) == 2), F.lit(None).cast("string"))
        .when(is_str & pair_ok, F.lit(None).cast("string"))
        .otherwise(F.lit(LOCATION_ERROR))
    )

    def pick(from_list: Token, from_str: Token) -> Token:
        def choose(a: Column, b: Column) -> Column:
            return F.when(is_list, a).when(is_str, b)

        return Token(
            kind=F.when(is_list, from_list.kind)
            .when(is_str, from_str.kind)
            .otherwise(F.lit(KIND_NULL)),
            text=choose(from_list.text, from_str.text),
            number=choose(from_list.number, from_str.number),
        )

    return pick(list_lat, str_lat), pick(list_lon, str_lon), error


def compass(src: Token) -> tuple[Token, Column]:
    """``(heading view, error)``: compass words become degrees; other values pass through."""
    from pyspark.sql import functions as F

    table = F.create_map(*[x for k, v in COMPASS_DEGREES.items() for x in (F.lit(k), F.lit(v))])
    key = F.regexp_replace(F.lower(src.text), r"[^\p{L}]", "")
    degrees = F.element_at(table, key)
    is_str = src.kind == KIND_STR
    view = Token(
        kind=F.when(is_str, F.lit(KIND_NUMBER)).otherwise(src.kind),
        text=F.when(is_str, degrees.cast("string")).otherwise(src.text),
        number=F.when(is_str, degrees).otherwise(src.number),
    )
    error = F.when(
        is_str & degrees.isNull(),
        F.concat(
            F.lit("not_in_enum: direction='"),
            F.substring(src.text, 1, 32),
            F.lit("' is not a compass word"),
        ),
    )
    return view, error


def normalise(topic: str, space: KeySpace, *, ts: Column) -> V0Record:
    """The field views of a version-0 message of ``topic`` (every contract field).

    ``ts`` is the message's event time already parsed from its ``timestamp`` in the
    ``v0_timezone`` (``null`` when unparseable); the job parses it once per message.
    """
    from pyspark.sql import functions as F

    et = event_type(topic)
    null_ts = F.lit(None).cast("timestamp")
    views: dict[str, FieldView] = {
        f.name: FieldView(_null_token(), ts=null_ts if f.type == "timestamp" else None)
        for f in et.fields
    }
    errors: list[Column] = []
    position_views: tuple[Token, Token, Column] | None = None
    for rule in V0_RULES[topic]:
        if rule.convert == "const_zero":
            zero = Token(kind=F.lit(KIND_NUMBER), text=F.lit("0"), number=F.lit(0.0))
            views[rule.target] = FieldView(zero)
            continue
        if rule.source is None:  # pragma: no cover - only const_zero has no source
            raise ValueError(f"V0 rule for {rule.target} has no source")
        src = token(rule.source, space)
        if rule.convert == "copy":
            views[rule.target] = FieldView(src)
        elif rule.convert in ("lat", "lon"):
            if position_views is None:
                position_views = position(src, space.probe("arr", rule.source))
                errors.append(position_views[2])  # one error, at the first of lat/lon
            pick = position_views[0] if rule.convert == "lat" else position_views[1]
            views[rule.target] = FieldView(pick)
        elif rule.convert == "naive_ts":
            views[rule.target] = FieldView(src, ts=F.when(src.kind == KIND_STR, ts))
            errors.append(
                F.when(
                    (src.kind == KIND_STR) & ts.isNull(),
                    F.concat(
                        F.lit("bad_timestamp: ts='"),
                        F.substring(src.text, 1, 64),
                        F.lit("' is not ISO 8601"),
                    ),
                )
            )
        elif rule.convert == "compass":
            heading, error = compass(src)
            views[rule.target] = FieldView(heading)
            errors.append(error)
        else:  # pragma: no cover - Convert is a closed Literal
            raise ValueError(f"unknown V0 conversion {rule.convert!r}")
    error = F.coalesce(*errors) if errors else F.lit(None).cast("string")
    return V0Record(views=views, error=error)


def source_keys(topic: str) -> set[str]:
    """The version-0 keys the topic's rules read."""
    return {r.source for r in V0_RULES[topic] if r.source}


def numeric_source_keys(topic: str) -> set[str]:
    """The topic's version-0 keys copied into numeric fields (they should hold numbers)."""
    et = event_type(topic)
    return {
        r.source
        for r in V0_RULES[topic]
        if r.source and r.convert == "copy" and et.field(r.target).type in ("double", "int")
    }
