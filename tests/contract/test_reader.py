"""The one-message reader gives exactly the contract's verdicts, reasons and values, and no
message makes it raise (the live consumer's decoder)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import msgspec
import pytest

from tests.contract.corpus import valid_record
from tests.contract.edge_messages import messages
from tests.contract.test_fast import NOW, _exact, _want
from tests.contract.tutorial_samples import SAMPLES
from vts.contract.events import EVENT_TYPES
from vts.contract.reader import MessageReader
from vts.contract.validate import parse_ts


def test_every_edge_message_gets_parse_messages_verdict_reason_and_values() -> None:
    readers = {topic: MessageReader(topic) for topic in EVENT_TYPES}
    valid = 0
    for topic, raw in messages():
        reason, record = readers[topic].read(raw, NOW)
        want_reason, want = _exact(topic, raw)
        assert reason == want_reason, (topic, raw and raw[:120])
        if want is None:
            assert record is None
            continue
        assert record is not None
        for f in EVENT_TYPES[topic].fields:
            got, expected = record[f.name], _want(f.type, want.get(f.name))
            assert got == expected and type(got) is type(expected), (topic, f.name, raw[:120])
        valid += 1
    assert valid >= 40


def test_the_fast_path_reads_the_simulators_messages(monkeypatch: pytest.MonkeyPatch) -> None:
    from simulator import generate

    start = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
    for topic, batch in generate("city", 5, start, 30, vehicles=20, tick_seconds=5).items():
        reader = MessageReader(topic)
        monkeypatch.setattr(reader, "exact", _refuse)
        for raw in batch.to_json_lines():
            reason, record = reader.read(raw, NOW)
            assert reason is None and record is not None
            assert record["ts"] == parse_ts(json.loads(raw)["ts"])


def _refuse(raw: bytes, now: datetime) -> Any:
    raise AssertionError(f"the exact path ran for {raw!r}")


def test_tutorial_messages_come_out_normalised() -> None:
    for topic, (v0, v1) in SAMPLES.items():
        reason, record = MessageReader(topic).read(json.dumps(v0).encode(), NOW)
        assert reason is None and record is not None
        assert record["event_id"] == v1["event_id"] and record["schema_version"] == 0
        assert record["ts"] == parse_ts(v1["ts"])


def test_an_unforeseen_error_is_a_reason_not_an_exception(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import vts.contract.reader as reader

    def explode(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(reader, "parse_message", explode)
    got = MessageReader("vehicle_data").read(b"[1]", NOW)
    assert got == ("invalid_json: the message could not be read (RuntimeError)", None)


def _verdicts(reader: MessageReader, raws: list[bytes | None]) -> list[tuple[Any, Any]]:
    reasons, records = reader.read_many(raws, NOW)
    return [
        (reason, None if record is None else msgspec.structs.asdict(record))
        for reason, record in zip(reasons, records, strict=True)
    ]


def test_many_messages_at_once_get_each_its_own_verdict() -> None:
    """``read_many`` over whole chunks (good messages around each edge message, so a bad
    one shares its chunk with good ones) gives each message ``read``'s verdict."""
    by_topic: dict[str, list[bytes | None]] = {}
    for topic, raw in messages():
        by_topic.setdefault(topic, []).append(raw)
    for topic, raws in by_topic.items():
        reader = MessageReader(topic)
        good = json.dumps(valid_record(EVENT_TYPES[topic])).encode()
        mixed = [m for raw in raws for m in (good, raw, good)] * 3  # > CHUNK for some topics
        want = [reader.read(raw, NOW) for raw in mixed]
        assert _verdicts(reader, mixed) == want, topic


def test_messages_that_would_shift_a_chunks_boundaries_are_judged_alone() -> None:
    """Messages crafted so that, joined, the array still has one element per message but
    not each its own (two in one message, one split over two): each still gets its own
    verdict, as if read alone."""
    reader = MessageReader("vehicle_data")
    record = valid_record(EVENT_TYPES["vehicle_data"])
    whole = json.dumps(record)
    head, _, tail = whole.rpartition(', "make"')  # split between two members
    assert head and tail
    two = (whole + "," + whole).encode()  # one message holding two objects
    split = [head.encode(), ('"make"' + tail).encode()]  # one object over two messages
    string = [whole[:-1].encode() + b', "model": "', b'"}']  # a string over two messages
    cases = [[two, *split], [two, *string], [b"{}", *split], [two, b"", b"{", b"}"]]
    for case in cases:
        mixed = [whole.encode(), *case, whole.encode()]
        got = _verdicts(reader, mixed)
        assert got == [reader.read(raw, NOW) for raw in mixed]
        assert [reason is None for reason, _ in got] == [True, *[False] * len(case), True]


def test_read_many_takes_a_chunk_of_good_messages_in_one_decoder_call(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from simulator import generate

    start = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
    raws = list(generate("city", 5, start, 60, vehicles=20)["vehicle_data"].to_json_lines())
    reader = MessageReader("vehicle_data")
    monkeypatch.setattr(reader, "exact", _refuse)
    monkeypatch.setattr(reader, "_decode", _refuse)  # no message decoded alone
    reasons, records = reader.read_many(raws, NOW)
    assert len(raws) > 256 and reasons == [None] * len(raws)
    assert [r.ts for r in records] == [parse_ts(json.loads(raw)["ts"]) for raw in raws]


def test_the_column_check_of_uuids_says_what_the_pattern_says() -> None:
    import random
    import re

    from vts.contract.fields import UUID_PATTERN
    from vts.contract.reader import uuids_in_form

    pattern = re.compile(UUID_PATTERN)
    good = ["00000000-0000-4000-8000-000000000000", "ABCDEF01-2345-6789-abcd-ef0123456789"]
    bad = [
        "00000000-0000-4000-8000-00000000000g",
        "00000000-0000-4000-8000-00000000000",
        "00000000-0000-4000-8000-0000000000000",
        "0000000-00000-4000-8000-000000000000",  # a dash one place early
        "00000000-0000-4000-8000-00000000000\n",
        "00000000-0000-4000-8000-00000000000٣",  # a digit, but not an ASCII one
        "00000000-0000-4000-8000-00000000000０",  # a full-width zero
        "00000000x0000-4000-8000-000000000000",
        "000000000000040008000000000000000000",
        "------------------------------------",
    ]
    rng = random.Random(7)
    for _ in range(200):  # good UUIDs with one place changed to a character of either kind
        text = list(rng.choice(good))
        text[rng.randrange(36)] = rng.choice("0aF-g\n ٣")
        bad.append("".join(text))
    for text in good + bad:
        assert uuids_in_form([text]) == bool(pattern.match(text)), text
    for _ in range(200):  # columns: valid exactly when each text is
        column = [rng.choice(good + bad) for _ in range(rng.randrange(1, 6))]
        want = all(pattern.match(text) for text in column)
        assert uuids_in_form(column) == want, column
    assert uuids_in_form([])
