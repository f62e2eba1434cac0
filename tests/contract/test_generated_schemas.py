"""Spark, Glue/Hive, JSON Schema and the Python validator all come from one definition:
they must agree on every field of every event type."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import pytest
from pyspark.sql import types as T

from tests.contract.corpus import ALL_INVALID, valid_record
from vts.contract import EVENT_TYPES
from vts.contract.hive import glue_columns, hive_columns
from vts.contract.jsonschema import export, json_schema
from vts.contract.spark import spark_schema
from vts.contract.validate import violations

SPARK_TO_HIVE = {
    T.StringType(): "string",
    T.DoubleType(): "double",
    T.IntegerType(): "int",
    T.TimestampType(): "timestamp",
}
JSON_TO_HIVE = {"string": "string", "number": "double", "integer": "int"}
NOW = datetime(2024, 3, 2, tzinfo=UTC)


@pytest.mark.parametrize("name", EVENT_TYPES)
def test_spark_hive_and_json_schema_agree_on_every_field(name: str) -> None:
    et = EVENT_TYPES[name]
    spark = {f.name: SPARK_TO_HIVE[f.dataType] for f in spark_schema(et).fields}
    hive = dict(hive_columns(et))
    props = json_schema(et)["properties"]
    assert list(spark) == list(hive) == list(props) == list(et.field_names)
    for field in et.fields:
        prop = props[field.name]
        json_type = prop["type"][0] if isinstance(prop["type"], list) else prop["type"]
        expected = "timestamp" if prop.get("format") == "date-time" else JSON_TO_HIVE[json_type]
        assert spark[field.name] == hive[field.name] == expected, field.name
        assert (field.name in json_schema(et)["required"]) == field.required
    assert [c["Name"] for c in glue_columns(et)] == list(hive)


def test_spark_schema_can_keep_ts_as_string() -> None:
    schema = spark_schema(EVENT_TYPES["vehicle_data"], ts_as_string=True)
    assert schema["ts"].dataType == T.StringType()


@pytest.mark.parametrize("name", EVENT_TYPES)
def test_json_schema_accepts_what_the_validator_accepts(name: str) -> None:
    et = EVENT_TYPES[name]
    validator = jsonschema.Draft202012Validator(
        json_schema(et), format_checker=jsonschema.FormatChecker()
    )
    for i in range(10):
        record = valid_record(et, i)
        assert violations(et, record, now=NOW) == []
        assert list(validator.iter_errors(record)) == []


# Rules JSON Schema cannot express (documented in docs/contract.md): time bounds relative to
# the processing clock and the zone offset inside a date-time string.
_ONLY_PYTHON = ("ts-naive", "ts-ancient", "ts-future", "ts-garbage")
JSON_CASES = [c for c in ALL_INVALID if not c[0].endswith(_ONLY_PYTHON)]


@pytest.mark.parametrize(("case", "record", "code"), JSON_CASES, ids=[c[0] for c in JSON_CASES])
def test_json_schema_rejects_what_the_validator_rejects(case: str, record: dict, code: str) -> None:
    et = EVENT_TYPES[case.split(".")[0]]
    validator = jsonschema.Draft202012Validator(json_schema(et))
    assert list(validator.iter_errors(record)), f"JSON Schema accepted {case}"


def test_export_writes_one_document_per_event_type(tmp_path: Path) -> None:
    paths = export(tmp_path)
    assert sorted(p.name for p in paths) == sorted(f"{n}.schema.json" for n in EVENT_TYPES)
    for p in paths:
        doc = json.loads(p.read_text())
        jsonschema.Draft202012Validator.check_schema(doc)
