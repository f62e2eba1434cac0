"""The Python validator: valid records pass, and every rule has a failing example."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.contract.corpus import ALL_INVALID, valid_record
from vts.contract import EVENT_TYPES, ContractViolation
from vts.contract.validate import check, parse_ts, violations

NOW = datetime(2024, 3, 2, tzinfo=UTC)


@pytest.mark.parametrize("name", EVENT_TYPES)
def test_valid_records_pass(name: str) -> None:
    et = EVENT_TYPES[name]
    for i in range(20):
        assert violations(et, valid_record(et, i), now=NOW) == []


@pytest.mark.parametrize(("case", "record", "code"), ALL_INVALID, ids=[c[0] for c in ALL_INVALID])
def test_each_rule_has_a_failing_example(case: str, record: dict, code: str) -> None:
    et = EVENT_TYPES[case.split(".")[0]]
    found = violations(et, record, now=NOW)
    assert found, f"{case} should be invalid"
    assert found[0].split(":")[0] == code
    with pytest.raises(ContractViolation) as info:
        check(et, record, now=NOW)
    assert info.value.code == code


def test_optional_fields_may_be_absent() -> None:
    et = EVENT_TYPES["gps_data"]
    record = {f.name: v for f, v in zip(et.fields, valid_record(et).values(), strict=True)}
    for f in et.fields:
        if not f.required:
            record.pop(f.name)
    assert violations(et, record, now=NOW) == []


def test_parse_ts_requires_a_zone() -> None:
    assert parse_ts("2024-03-01T10:15:30Z") == datetime(2024, 3, 1, 10, 15, 30, tzinfo=UTC)
    with pytest.raises(ValueError, match="zone"):
        parse_ts("2024-03-01T10:15:30")
