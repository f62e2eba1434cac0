"""The ``sql/`` files stay in the subset Redshift Spectrum and Spark SQL share.

No engine runs here: these are the rules of ``sql/README.md`` checked as text, so a file
using a construct only one engine has fails before anyone runs it on Redshift.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from vts.query.analytics import sql_dir
from vts.query.template import SCHEMA_PARAM, SqlTemplate

FILES = sorted(sql_dir().rglob("*.sql"))  # the analytics and sql/redshift's DDL
ANALYTICS = [f for f in FILES if f.parent.name == "analytics"]

# functions or syntax one engine lacks (or reads differently)
ONE_ENGINE_ONLY = {
    r"`": "backtick identifiers (Spark only)",
    r'"': "double-quoted identifiers (Redshift only; Spark reads a string)",
    r"::": "PostgreSQL casts (Redshift only)",
    r"\bDOUBLE\s+PRECISION\b|\bFLOAT8?\b|\bREAL\b": "float type names differ",
    r"\bINTERVAL\b": "interval literal syntax differs",
    r"\bNULLS\s+(FIRST|LAST)\b": "NULL ordering: keep it out of results instead",
    r"\b(I?LIKE|RLIKE|REGEXP\w*|SIMILAR)\b": "pattern matching differs",
    r"\b(DATE_FORMAT|UNIX_TIMESTAMP|FROM_UNIXTIME|TO_DATE|TO_CHAR|GETDATE|SYSDATE)\s*\(": (
        "date functions one engine lacks"
    ),
    r"\b(DATEADD|DATE_ADD|DATE_SUB|ADD_MONTHS|TIMESTAMPDIFF)\s*\(": "date arithmetic differs",
    r"\b(COLLECT_LIST|COLLECT_SET|EXPLODE|ARRAY|MAP|STRUCT|NAMED_STRUCT)\s*\(": "Spark only",
    r"\b(LISTAGG|MEDIAN|APPROXIMATE|PERCENTILE\w*|APPROX\w*|MIN_BY|MAX_BY)\b": "one engine only",
    r"\b(QUALIFY|PIVOT|UNPIVOT|LATERAL)\b": "one engine only",
    r"\bNVL2?\s*\(|\bIFNULL\s*\(|\bIF\s*\(": "use COALESCE / CASE",
}


def _code(path: Path) -> str:
    """The SQL without comments and string literals."""
    text = re.sub(r"--[^\n]*", "", path.read_text(encoding="utf-8"))
    return re.sub(r"'[^']*'", "''", text)


def test_there_are_sql_files() -> None:
    assert len(ANALYTICS) >= 6


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_only_the_shared_subset(path: Path) -> None:
    code = _code(path)
    found = [
        why for pattern, why in ONE_ENGINE_ONLY.items() if re.search(pattern, code, re.IGNORECASE)
    ]
    assert found == []


@pytest.mark.parametrize("path", ANALYTICS, ids=lambda p: p.name)
def test_every_table_is_qualified_by_the_schema(path: Path) -> None:
    """Spectrum reaches external tables only through ``schema.table`` (no search_path)."""
    code = _code(path)
    ctes = set(re.findall(r"(\w+)\s+AS\s*\(", code, re.IGNORECASE))
    for keyword, name in re.findall(r"\b(FROM|JOIN)\s+([\w${}.]+|\()", code, re.IGNORECASE):
        assert name == "(" or name in ctes or name.startswith("${schema}."), (keyword, name)


@pytest.mark.parametrize("path", ANALYTICS, ids=lambda p: p.name)
def test_counts_and_date_differences_divide_as_floats(path: Path) -> None:
    """Redshift divides integers as integers, Spark never: divide them by an ``e0`` literal."""
    code = _code(path)
    for divisor in re.findall(r"(?:COUNT|DATEDIFF)\s*\([^)]*\)\s*/\s*(\S+)", code, re.I):
        assert re.fullmatch(r"\d+(\.\d+)?e0", divisor), divisor


@pytest.mark.parametrize("path", ANALYTICS, ids=lambda p: p.name)
def test_parameters_are_declared_and_used(path: Path) -> None:
    template = SqlTemplate.from_file(path)
    declared = {p.name for p in template.params}
    assert template.placeholders - {SCHEMA_PARAM} <= declared
    assert declared - {SCHEMA_PARAM} <= template.placeholders
    assert template.description
