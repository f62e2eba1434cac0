"""The MSK event source mapping's event: read as the mapping sends it, built the same way
for ``vts live run``."""

from __future__ import annotations

import base64
import json

import pytest

from tests.aws.lambda_support import EVENTS
from vts.live.esm import build_event, read_records, record_json
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
