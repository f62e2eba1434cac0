"""The fast validator gives exactly the contract's verdicts, reasons and values, and no
message makes it raise."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.contract.corpus import valid_record
from tests.contract.edge_messages import messages
from tests.contract.tutorial_samples import SAMPLES
from vts.contract.events import EVENT_TYPES
from vts.contract.exceptions import ContractViolation
from vts.contract.fast import NO_VALUE, MessageValidator
from vts.contract.normalise import parse_message
from vts.contract.validate import parse_ts

NOW = datetime(2024, 6, 1, 12, 30, tzinfo=UTC)


def _exact(topic: str, raw: bytes | None) -> tuple[str | None, dict[str, Any] | None]:
    if raw is None:
        return NO_VALUE, None
    try:
        return None, parse_message(topic, raw, now=NOW)
    except ContractViolation as exc:
        return exc.reason, None


def _want(f_type: str, value: Any) -> Any:
    if value is None:
        return None
    if f_type == "timestamp":
        return parse_ts(value)
    return {"int": int, "double": float}.get(f_type, str)(value)


def test_every_edge_message_gets_parse_messages_verdict_reason_and_values() -> None:
    by_topic: dict[str, list[bytes | None]] = defaultdict(list)
    for topic, raw in messages():
        by_topic[topic].append(raw)
    valid = 0
    for topic, raws in by_topic.items():
        verdicts = MessageValidator(topic).validate(raws, NOW)
        columns = {name: array.to_pylist() for name, array in verdicts.columns.items()}
        for i, raw in enumerate(raws):
            reason, record = _exact(topic, raw)
            assert verdicts.reasons[i] == reason, (topic, raw and raw[:120])
            for f in EVENT_TYPES[topic].fields:
                got = columns[f.name][i]
                want = _want(f.type, record.get(f.name)) if record else None
                assert got == want, (topic, f.name, raw and raw[:120])
            valid += record is not None
    assert valid >= 40  # the corpus exercises the valid side too


def test_the_fast_path_accepts_the_simulators_messages_without_the_exact_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from simulator import generate

    start = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
    validators = {topic: MessageValidator(topic) for topic in EVENT_TYPES}
    for validator in validators.values():
        monkeypatch.setattr(validator, "exact", _refuse)
    for topic, batch in generate("city", 5, start, 30, vehicles=20, tick_seconds=5).items():
        verdicts = validators[topic].validate(batch.to_json_lines(), NOW)
        assert verdicts.invalid == 0 and len(verdicts.reasons) == len(batch)


def _refuse(raw: bytes | None, now: datetime) -> Any:
    raise AssertionError(f"the exact path ran for {raw!r}")


def test_a_broken_message_among_good_ones_changes_only_its_own_row() -> None:
    et = EVENT_TYPES["emergency_data"]
    good = [json.dumps(valid_record(et, i)).encode() for i in range(4)]
    bad = json.dumps({**valid_record(et, 9), "incident_id": "9449a17e0a7b8d99"}).encode()
    verdicts = MessageValidator("emergency_data").validate([good[0], bad, *good[1:]], NOW)
    assert [r is None for r in verdicts.reasons] == [True, False, True, True, True]
    assert verdicts.reasons[1] == "bad_uuid: incident_id='9449a17e0a7b8d99'"
    ids = verdicts.columns["incident_id"].to_pylist()
    assert ids[1] is None and ids[0] == valid_record(et, 0)["incident_id"]


def test_tutorial_messages_take_the_exact_path_and_come_out_normalised() -> None:
    for topic, (v0, v1) in SAMPLES.items():
        verdicts = MessageValidator(topic).validate([json.dumps(v0).encode()], NOW)
        assert verdicts.reasons == [None]
        row = {name: array[0].as_py() for name, array in verdicts.columns.items()}
        assert row["event_id"] == v1["event_id"] and row["schema_version"] == 0
        assert row["ts"] == parse_ts(v1["ts"])


def test_an_unforeseen_error_is_a_reason_not_an_exception(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import vts.contract.fast as fast

    def explode(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(fast, "parse_message", explode)
    verdicts = MessageValidator("vehicle_data").validate([b"[1]"], NOW)
    assert verdicts.reasons == ["invalid_json: the message could not be read (RuntimeError)"]


def test_an_empty_list_gives_empty_columns() -> None:
    verdicts = MessageValidator("gps_data").validate([], NOW)
    assert verdicts.reasons == [] and all(len(a) == 0 for a in verdicts.columns.values())


def _times_batch(texts: list[str]) -> tuple[list[bytes], list[datetime]]:
    et = EVENT_TYPES["gps_data"]
    raws = [json.dumps({**valid_record(et, i), "ts": ts}).encode() for i, ts in enumerate(texts)]
    return raws, [parse_ts(ts) for ts in texts]


def test_event_times_in_the_producers_form_keep_their_instant() -> None:
    import random

    rng = random.Random(3)  # noqa: S311 - test data
    texts = []
    for _ in range(500):
        digits = rng.choice(["", ".1", ".25", ".123", ".1234", ".12345", ".123456"])
        zone = rng.choice(["Z", "+00:00", "-00:00", "+05:45", "-09:30", "+14:00", "-11:00"])
        day, hour, minute = rng.randint(1, 28), rng.randint(0, 23), rng.randint(0, 59)
        texts.append(
            f"2024-05-{day:02d}T{hour:02d}:{minute:02d}:{rng.randint(0, 59):02d}{digits}{zone}"
        )
    raws, want = _times_batch(texts)
    verdicts = MessageValidator("gps_data").validate(raws, NOW)
    assert verdicts.invalid == 0
    assert verdicts.columns["ts"].to_pylist() == want


@pytest.mark.parametrize(
    "odd",
    [
        "2024-05-01 08:00:00+00:00",  # a space for the T
        "2024-05-01T08:00:00.1234567+00:00",  # more than six fractional digits
        "2024-05-01T08:00+02:00",  # no seconds
        "2024-05-01T08:00:00+0200",  # an offset without its colon
        "2024-05-01T08:00:00+02:00:30",  # an offset with seconds
    ],
)
def test_event_times_in_other_accepted_forms_keep_their_instant(odd: str) -> None:
    raws, want = _times_batch(["2024-05-01T07:00:00Z", odd, "2024-05-01T09:00:00.5+01:00"])
    verdicts = MessageValidator("gps_data").validate(raws, NOW)
    assert verdicts.reasons == [None, None, None]
    assert verdicts.columns["ts"].to_pylist() == want


@pytest.mark.parametrize(
    "impossible",
    [
        "2024-02-30T08:00:00Z",  # the canonical form, but no such day
        "2023-02-29T08:00:00+01:00",  # no leap day that year
        "2024-05-01T24:00:00Z",  # no such hour
        "2024-05-01T08:00:60Z",  # a leap second (Python has none)
        "2024-05-01T08:00:00",  # no offset
    ],
)
def test_an_impossible_event_time_among_good_ones_gets_the_exact_paths_reason(
    impossible: str,
) -> None:
    good = ["2024-05-01T07:00:00Z", "2024-05-01T09:00:00.5+01:00"]
    raws, want = _times_batch(good)
    bad = json.dumps({**json.loads(raws[0]), "ts": impossible}).encode()
    verdicts = MessageValidator("gps_data").validate([raws[0], bad, raws[1]], NOW)
    reason = _exact("gps_data", bad)[0]
    assert reason is not None and reason.startswith("bad_timestamp")
    assert verdicts.reasons == [None, reason, None]
    assert verdicts.columns["ts"].to_pylist() == [want[0], None, want[1]]
    assert verdicts.columns["event_id"].to_pylist()[1] is None


def test_event_times_of_tutorial_messages_among_current_ones() -> None:
    v0, v1 = SAMPLES["gps_data"]
    raws, want = _times_batch(["2024-05-01T07:00:00Z", "2024-05-01T08:00:00.25-03:00"])
    raws.insert(1, json.dumps(v0).encode())
    want.insert(1, parse_ts(v1["ts"]))
    verdicts = MessageValidator("gps_data").validate(raws, NOW)
    assert verdicts.invalid == 0
    assert verdicts.columns["ts"].to_pylist() == want


def test_the_clock_may_come_in_any_tzinfo_but_not_naive() -> None:
    import pytz

    raws, want = _times_batch(["2024-06-01T12:00:00Z"])
    verdicts = MessageValidator("gps_data").validate(raws, NOW.astimezone(pytz.utc))
    assert verdicts.reasons == [None] and verdicts.columns["ts"].to_pylist() == want
    with pytest.raises(ValueError, match="timezone-aware"):
        MessageValidator("gps_data").validate(raws, NOW.replace(tzinfo=None))


def test_rules_checked_over_columns_send_only_the_rows_that_break_them_to_the_exact_path() -> None:
    et = EVENT_TYPES["gps_data"]
    good = [{**valid_record(et, i), "ts": "2024-06-01T12:00:00Z"} for i in range(3)]
    odd = [
        {**good[0], "ts": "1999-12-31T23:59:59Z"},  # before the contract's first day
        {**good[0], "ts": "2024-06-02T12:30:00.000001+00:00"},  # a day and a moment ahead
        {**good[0], "ts": "9999-12-31T23:59:59-05:00"},  # past year 9999 in UTC
        {**good[0], "ts": "0001-01-01 00:00:00+05:00"},  # before year 1 in UTC
        {**good[0], "longitude": None},  # half a position
        {**good[0], "event_id": "ABCDEFGH-0000-0000-0000-000000000000"},  # not hex
    ]
    raws = [json.dumps(m).encode() for m in [good[0], *odd, *good[1:]]]
    verdicts = MessageValidator("gps_data").validate(raws, NOW)
    assert verdicts.reasons == [_exact("gps_data", raw)[0] for raw in raws]
    assert verdicts.reasons[0] is None and verdicts.reasons[-2:] == [None, None]
    assert all(reason is not None for reason in verdicts.reasons[1:-2])
    ts = verdicts.columns["ts"].to_pylist()
    assert ts[1:-2] == [None] * len(odd) and ts[0] == parse_ts(good[0]["ts"])
