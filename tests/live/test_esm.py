"""The MSK event source mapping's event: read as the mapping sends it, built the same way
for ``vts live run``."""

from __future__ import annotations

import base64
import json
import random

import pytest

from tests.aws.lambda_support import EVENTS
from vts.live.esm import build_event, read_columns, read_records, record_json
from vts.live.exceptions import BadEventError


def test_the_sample_event_reads_as_the_mapping_sends_it() -> None:
    event = json.loads((EVENTS / "live_consumer_batch.json").read_text())
    records = list(read_records(event))
    assert len(records) == 14 and all(r.problem is None for r in records)
    topics = {r.topic for r in records}
    assert topics == {"vehicle_data", "gps_data", "emergency_data"}
    first = records[0]
    assert (first.partition, first.offset, first.timestamp_ms) == (0, 100, 1717243200500)
    assert json.loads(first.value or b"")["vehicle_id"] == "VEH-000000"


def test_built_events_group_by_topic_partition_and_round_trip() -> None:
    records = [
        record_json("gps_data", 1, 7, 1000, b"k", b'{"a": 1}'),
        record_json("gps_data", 0, 3, 1001, None, None),
        record_json("gps_data", 1, 8, 1002, b"k", b"\xff"),
    ]
    event = build_event(records)
    assert list(event["records"]) == ["gps_data-1", "gps_data-0"]
    assert event["records"]["gps_data-1"][0]["value"] == base64.b64encode(b'{"a": 1}').decode()
    assert "value" not in event["records"]["gps_data-0"][0]
    got = [(r.partition, r.offset, r.value) for r in read_records(event)]
    assert got == [(1, 7, b'{"a": 1}'), (1, 8, b"\xff"), (0, 3, None)]


@pytest.mark.parametrize(
    "bad",
    [
        None,
        [],
        "x",
        {"records": {}},
        {"eventSource": "aws:sqs", "records": {}},
        {"eventSource": "aws:kafka"},
        {"eventSource": "aws:kafka", "records": []},
    ],
)
def test_an_event_of_another_shape_is_refused_with_what_to_send(bad: object) -> None:
    with pytest.raises(BadEventError) as caught:
        list(read_records(bad))
    assert "aws:kafka" in str(caught.value)


def test_records_it_cannot_read_come_out_as_problems_not_exceptions() -> None:
    event = {
        "eventSource": "aws:kafka",
        "records": {
            "t-0": [
                {"topic": "gps_data", "value": "not base64!"},
                {"topic": "gps_data", "value": 12},
                {"value": "e30="},
                "a string",
                {"topic": "gps_data", "partition": "0", "offset": None, "value": "e30="},
            ],
            "t-1": {"not": "a list"},
        },
    }
    records = list(read_records(event))
    assert [r.problem for r in records] == [
        "invalid_record: the value is not base64",
        "invalid_record: the value is not a base64 string",
        "invalid_record: a record without a topic",
        "invalid_record: a record without a topic",
        None,
        "invalid_record: 't-1' does not hold a list of records",
    ]
    assert records[4].value == b"{}" and records[4].partition == -1


# base64 texts at the edges of the standard alphabet's rules (padding, length, alphabet)
BASE64_EDGES = [
    "",
    "e30=",
    "YQ==",
    "YWI=",
    "YWJj",
    "YR==",
    "YWK=",
    "YQ=",
    "YQ",
    "Y",
    "Y===",
    "====",
    "=AAA",
    "YW=j",
    "YQ==YQ==",
    "YWJj=",
    "YQ==\n",
    " YQ==",
    "YQ =",
    "-_-_",
    "YQ\x00=",
    "\u00e9AAA",
    "YWJj\r\n",
    "e30==",
]


@pytest.mark.parametrize("text", BASE64_EDGES)
def test_a_partition_read_as_a_column_gives_each_value_as_record_by_record(text: str) -> None:
    """``read_columns`` decodes a partition's base64 values in one call; whatever it
    refuses is read record by record, so every value and problem is ``read_records``'."""
    good = base64.b64encode(b'{"a": 1}').decode()
    group = [{"topic": "gps_data", "partition": 0, "value": v} for v in (good, text, good)]
    event = {"eventSource": "aws:kafka", "records": {"gps_data-0": group}}
    columns = read_columns(event)
    expected = list(read_records(event))
    assert columns.problems == [r.problem for r in expected if r.problem is not None]
    assert columns.values.get(("gps_data", 0), []) == [
        r.value for r in expected if r.problem is None
    ]


def test_random_texts_read_as_a_column_as_record_by_record() -> None:
    rng = random.Random(25)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_ \n\x00\u00e9"
    texts = ["".join(rng.choices(alphabet, k=rng.randrange(13))) for _ in range(20_000)]
    accepted = 0
    for text in texts:  # one a partition: a bad one would send its partition's others aside
        group = [{"topic": "gps_data", "partition": 0, "value": text}]
        event = {"eventSource": "aws:kafka", "records": {"gps_data-0": group}}
        expected = list(read_records(event))
        columns = read_columns(event)
        assert columns.problems == [r.problem for r in expected if r.problem is not None]
        values = [r.value for r in expected if r.problem is None]
        assert columns.values.get(("gps_data", 0), []) == values
        accepted += len(values)
    assert accepted > 1_000  # the draw holds valid texts too, not only refusals
