"""SQL templates: the ``-- @param`` header, ``${name}`` rendering and statement splitting."""

from __future__ import annotations

import pytest

from vts.query.exceptions import ParamError
from vts.query.template import SqlTemplate, split_statements

TEXT = """-- Vehicles near incidents.
-- Second line of the description.
-- @param radius_km=1.0  search radius (km)
-- @param day  the UTC day
SELECT * FROM ${schema}.vehicle_data
WHERE d = '${day}' AND r < ${radius_km}
"""


def test_header_gives_description_and_params() -> None:
    t = SqlTemplate.parse(TEXT, "near")
    assert t.description == "Vehicles near incidents. Second line of the description."
    assert [(p.name, p.default, p.description) for p in t.params] == [
        ("radius_km", "1.0", "search radius (km)"),
        ("day", None, "the UTC day"),
    ]
    assert t.placeholders == {"schema", "day", "radius_km"}


def test_render_uses_values_then_defaults() -> None:
    sql = SqlTemplate.parse(TEXT).render({"schema": "vts", "day": "2024-03-01"})
    assert "FROM vts.vehicle_data" in sql
    assert "d = '2024-03-01' AND r < 1.0" in sql
    sql = SqlTemplate.parse(TEXT).render({"schema": "s", "day": "2024-03-02", "radius_km": "5"})
    assert "r < 5" in sql


def test_a_required_param_without_value_is_an_error() -> None:
    with pytest.raises(ParamError, match="day") as caught:
        SqlTemplate.parse(TEXT).render({"schema": "vts"})
    assert caught.value.hint == "pass --param day=VALUE"


def test_values_must_be_plain_tokens() -> None:
    for bad in ("1; DROP TABLE x", "x' OR '1'='1", "two words", ""):
        with pytest.raises(ParamError, match="not a plain value"):
            SqlTemplate.parse(TEXT).render({"schema": "vts", "day": bad})


def test_unknown_params_are_refused() -> None:
    with pytest.raises(ParamError, match="radius_m"):
        SqlTemplate.parse(TEXT).render({"schema": "vts", "day": "d", "radius_m": "3"})


def test_arns_are_plain_values() -> None:
    t = SqlTemplate.parse("-- @param role\nIAM_ROLE '${role}'")
    arn = "arn:aws:iam::123456789012:role/vts-spectrum"
    assert t.render({"role": arn}) == f"-- @param role\nIAM_ROLE '{arn}'"


def test_split_statements_respects_quotes_and_comments() -> None:
    sql = """
    -- a comment; not a split
    SET x = 'a;b';
    /* block; comment */ SELECT "c;d", `e;f` FROM t;
    -- trailing comment only;
    """
    assert split_statements(sql) == [
        "-- a comment; not a split\n    SET x = 'a;b'",
        '/* block; comment */ SELECT "c;d", `e;f` FROM t',
    ]
    assert split_statements("SELECT 'it\\'s;' AS s") == ["SELECT 'it\\'s;' AS s"]
    assert split_statements("  ;  -- nothing\n") == []
