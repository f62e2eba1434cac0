"""Type-faithful views of a JSON object's top-level values, in Spark, without a UDF.

The Python validator sees each value with its JSON type (``"12"`` is a string, ``12`` a
number, ``true`` a boolean). Spark's ``from_json`` with a typed schema loses that: a
``string`` field renders any token as text, a ``double`` field turns the string ``"NaN"``
into a number. So the job asks ``from_json`` several questions and combines the answers
(``spark.sql.json.enablePartialResults``, on by default in Spark 3.5, keeps one field's
failure from nulling its neighbours). Each topic has its own ``KeySpace`` (its fields and
the tutorial keys its rules read), and a message is parsed only with its topic's:

==============  ======================================  ==============================
probe           parse (every key of the space as)       tells
==============  ======================================  ==============================
``wrap``        ``[text]`` as ``array<struct<string>>``   exactly one JSON object? each
                                                        value's text
``num``         numeric keys as ``double``              numbers where numbers belong
``fnum``        every key as ``double``                 \\
``bool``        ``boolean``                             | only for *suspicious* rows:
``arr``         ``array<string>``                       | the exact JSON type of
``obj``         ``struct<>``                            / every value
==============  ======================================  ==============================

plus ``_j_keys`` (``json_object_keys``: the keys in document order, duplicates kept).

A row is *suspicious* when some value's text could be Jackson's rendering of a token of
another type than its field expects: a numeric field without a finite number, or a
string field whose text reads ``true``, ``12``, ``[..``, ``{..`` or ``"..``. Typical valid
messages are not, so they cost three parses; the others get the exact answer from four
more (exceptions inside Jackson make those slower). A non-finite number is a number only
when its text is the quoted form Jackson writes for the tokens ``NaN``/``Infinity``/
``1e400``: the *strings* ``"NaN"``/``"Infinity"`` come back unquoted and stay strings.

Wrapping the text in ``[...]`` rejects trailing garbage (``{"a": 1} x``) and concatenated
values (``{} {}``) that a plain parse accepts, as ``json.loads`` does.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import Column
    from pyspark.sql.types import DataType, StructType

# Strict JSON, like Python's json module (Spark accepts 'single quotes' by default).
JSON_OPTIONS = {"allowSingleQuotes": "false", "mode": "PERMISSIVE"}

KIND_NULL, KIND_BOOL, KIND_NUMBER, KIND_STR, KIND_LIST, KIND_DICT = (
    "null",
    "bool",
    "number",
    "str",
    "list",
    "dict",
)
KEYS_COLUMN = "_j_keys"
TYPE_COLUMN = "_j_type"
OTHER_OK_COLUMN = "_j_other_ok"
SUSPICIOUS = "_j_suspicious"
FULL_PROBES = ("fnum", "bool", "arr", "obj")
# How Jackson renders a number token as text (Java's Double.toString for floats).
_JACKSON_NUMBER = r"^-?\d+(\.\d+)?(E-?\d+)?$"


@dataclass(frozen=True)
class Token:
    """One JSON value as Spark columns: its ``kind``, its ``text`` and, for numbers, its value.

    ``text`` is the string itself for strings and the JSON text otherwise.
    """

    kind: Column
    text: Column
    number: Column

    def type_name(self) -> Column:
        """Python's type name of the value (``int``, ``float``, ``str``, ``list``, ...)."""
        from pyspark.sql import functions as F

        return (
            F.when(self.kind == KIND_NULL, F.lit("NoneType"))
            .when(
                self.kind == KIND_NUMBER,
                F.when(self.text.rlike(r'[.eE"]'), F.lit("float")).otherwise(F.lit("int")),
            )
            .otherwise(self.kind)
        )


@dataclass(frozen=True)
class KeySpace:
    """The keys read from one topic's messages, and which of them should hold numbers.

    ``name`` (the topic's table) suffixes the probe columns of this space.
    """

    name: str
    keys: tuple[str, ...]
    numeric: frozenset[str]

    @classmethod
    def of(cls, name: str, keys: Iterable[str], numeric: Iterable[str]) -> KeySpace:
        return cls(name, tuple(sorted(set(keys) | set(numeric))), frozenset(numeric))

    def column(self, probe: str) -> str:
        """The name of this space's ``probe`` column (``_j_wrap__vehicle_data``)."""
        return f"_j_{probe}__{self.name}"

    def probe(self, probe: str, key: str) -> Column:
        from pyspark.sql import functions as F

        if probe == "txt":
            return F.col(self.column("wrap")).getItem(0).getField(key)
        return F.col(self.column(probe)).getField(key)


def _struct_of(keys: Iterable[str], dtype: DataType) -> StructType:
    from pyspark.sql import types as T

    return T.StructType([T.StructField(k, dtype, True) for k in keys])


def _finite(num: Column) -> Column:
    from pyspark.sql import functions as F

    return ~(F.isnan(num) | (F.abs(num) == F.lit(float("inf"))))


def first_char(text: Column) -> Column:
    """The first character after JSON whitespace."""
    from pyspark.sql import functions as F

    return F.substring(F.regexp_replace(text, r"^[ \t\n\r]+", ""), 1, 1)


def shape_columns(text: Column, parse: Column) -> dict[str, Column]:
    """Type of the top-level value, and whether a non-object text is one JSON value.

    ``parse`` gates the work (false for oversized or non-UTF-8 values).
    """
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    first = first_char(text)
    stripped = F.regexp_replace(text, r"^[ \t\n\r]+", "")
    type_name = (
        F.when(first == "{", F.lit("dict"))
        .when(first == "[", F.lit("list"))
        .when(first == '"', F.lit("str"))
        .when(first.isin("t", "f"), F.lit("bool"))
        .when(first == "n", F.lit("NoneType"))
        .when(stripped.rlike(r"^-?[0-9]+[ \t\n\r]*$"), F.lit("int"))
        .otherwise(F.lit("float"))
    )
    wrapped = F.concat(F.lit("["), text, F.lit("]"))
    one_value = F.size(F.from_json(wrapped, T.ArrayType(T.StringType()), JSON_OPTIONS)) == 1
    return {TYPE_COLUMN: type_name, OTHER_OK_COLUMN: F.when(parse & (first != "{"), one_value)}


def wrap_column(text: Column, parse: Column, space: KeySpace) -> dict[str, Column]:
    """Objects of this space: ``[text]`` parsed as one-element array of string structs."""
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    wrapped = F.concat(F.lit("["), text, F.lit("]"))
    schema = T.ArrayType(_struct_of(space.keys, T.StringType()))
    return {space.column("wrap"): F.when(parse, F.from_json(wrapped, schema, JSON_OPTIONS))}


def is_single_object(space: KeySpace) -> Column:
    """After ``wrap_column``: the text was exactly one JSON object."""
    from pyspark.sql import functions as F

    wrap = F.col(space.column("wrap"))
    return F.coalesce((F.size(wrap) == 1) & wrap.getItem(0).isNotNull(), F.lit(False))


def keys_column(text: Column, parse: Column) -> dict[str, Column]:
    """The object's keys in document order (``parse``: the text is one JSON object)."""
    from pyspark.sql import functions as F

    # json_object_keys rejects the non-standard NaN/Infinity tokens that json.loads (and
    # from_json) accept; for those rare messages the keys of a string map stand in.
    keys = F.coalesce(
        F.json_object_keys(text),
        F.map_keys(F.from_json(text, "map<string,string>", JSON_OPTIONS)),
    )
    return {KEYS_COLUMN: F.when(parse, keys)}


def number_column(text: Column, parse: Column, space: KeySpace) -> dict[str, Column]:
    """This space's numeric keys parsed as numbers."""
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    schema = _struct_of(sorted(space.numeric), T.DoubleType())
    return {space.column("num"): F.when(parse, F.from_json(text, schema, JSON_OPTIONS))}


def suspicious(space: KeySpace) -> Column:
    """Whether some value may not have the JSON type its field expects."""
    from functools import reduce

    from pyspark.sql import functions as F

    doubts: list[Column] = []
    for key in space.keys:
        txt = space.probe("txt", key)
        if key in space.numeric:
            num = space.probe("num", key)
            doubts.append(txt.isNotNull() & (num.isNull() | ~_finite(num)))
        else:
            first = F.substring(txt, 1, 1)
            doubts.append(
                first.isin("[", "{", '"')
                | txt.isin("true", "false")
                | (first.isin("-", *"0123456789") & txt.rlike(_JACKSON_NUMBER))
            )
    return F.coalesce(reduce(lambda a, b: a | b, doubts), F.lit(False))


def full_probe_columns(text: Column, parse: Column, space: KeySpace) -> dict[str, Column]:
    """Every key's exact JSON type, for suspicious rows only (``parse`` gates it)."""
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    schemas = {
        "fnum": _struct_of(space.keys, T.DoubleType()),
        "bool": _struct_of(space.keys, T.BooleanType()),
        "arr": _struct_of(space.keys, T.ArrayType(T.StringType())),
        "obj": _struct_of(space.keys, T.StructType([])),
    }
    return {
        space.column(name): F.when(parse, F.from_json(text, schema, JSON_OPTIONS))
        for name, schema in schemas.items()
    }


def token(key: str, space: KeySpace) -> Token:
    """The JSON value of ``key`` in a message of ``space``'s topic."""
    from pyspark.sql import functions as F

    txt = space.probe("txt", key)
    fnum = space.probe("fnum", key)
    is_number = fnum.isNotNull() & ~(~_finite(fnum) & ~txt.startswith('"'))
    exact = (
        F.when(txt.isNull(), F.lit(KIND_NULL))
        .when(space.probe("bool", key).isNotNull(), F.lit(KIND_BOOL))
        .when(is_number, F.lit(KIND_NUMBER))
        .when(space.probe("arr", key).isNotNull(), F.lit(KIND_LIST))
        .when(space.probe("obj", key).isNotNull(), F.lit(KIND_DICT))
        .otherwise(F.lit(KIND_STR))
    )
    expected = F.lit(KIND_NUMBER if key in space.numeric else KIND_STR)
    fast = F.when(txt.isNull(), F.lit(KIND_NULL)).otherwise(expected)
    kind = F.when(F.col(SUSPICIOUS), exact).otherwise(fast)
    number = fnum
    if key in space.numeric:
        number = F.coalesce(fnum, space.probe("num", key))
    return Token(kind=kind, text=txt, number=F.when(kind == KIND_NUMBER, number))


def has_key(key: str) -> Column:
    """Whether the object has ``key`` at all (even with a null value)."""
    from pyspark.sql import functions as F

    return F.coalesce(F.array_contains(F.col(KEYS_COLUMN), key), F.lit(False))
