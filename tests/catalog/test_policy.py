"""The schema-change policy names."""

from __future__ import annotations

import pytest

from vts.catalog.policy import SchemaPolicy
from vts.exceptions import ConfigError


def test_parse_accepts_the_cli_names() -> None:
    assert [SchemaPolicy.parse(p) for p in ("add-columns", "log", "fail")] == list(SchemaPolicy)


def test_parse_refuses_others_with_a_hint() -> None:
    with pytest.raises(ConfigError) as caught:
        SchemaPolicy.parse("merge")
    assert caught.value.hint is not None and "add-columns" in caught.value.hint
