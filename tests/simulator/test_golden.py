"""The simulator's output, pinned: events and truth tables of fixed spans hash to fixed values.

Events are a pure function of (scenario, seed, window, shard, fleet size, tick), and a retried
Lambda relies on that across releases too: the same window must re-send the same ``event_id``s
and the same payloads. These hashes were computed before the simulator was split into
packages and its long functions into stages; a refactoring must leave them as they are. A
change meant to alter the model changes them on purpose: say so in its commit, with the new
values.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

import pytest

from simulator import generate
from simulator.outputs.truth import truth

# (scenario, seed, window_start, window_seconds, shard, shard_count, vehicles, tick_seconds)
SPANS = {
    "city, morning rush, whole fleet": (
        ("city", 7, datetime(2024, 3, 1, 7, 30, tzinfo=UTC), 1800, 0, 1, 40, 1.0),
        "a89c933e825ba0f115ea9e324a52332be1156759f6e18b2f7092be51108d194b",
        "e2dbd18e8e8dbb7f06f00beca19edb096ce53779cb40f28d034a9b4cbbb5eba6",
    ),
    "city, evening, shard 1 of 3": (
        ("city", 11, datetime(2024, 3, 2, 17, 0, tzinfo=UTC), 900, 1, 3, 90, 1.0),
        "02a126daa15d3cc71b385b77d55990e7b942930d90d02d7a3d1cad9aa0485c35",
        "1f07bcd5aa6246a60832e2fde751793ed6a02ac14b51e40d6b87eba5dc35ca61",
    ),
    "town, a whole day, one fix a minute": (
        ("town", 3, datetime(2024, 3, 1, 0, 0, tzinfo=UTC), 86_400, 0, 1, 4, 60.0),
        "4fa58036b5795e3ea855856d3cda3f95157668ece5ab0b836913b319fc380c87",
        "75f4bfa7cae0cf9521cfe50b71f14ada73e28e4d0eb0f9b61198ccbe1c67d25e",
    ),
}


@pytest.mark.parametrize("name", SPANS)
def test_the_events_of_a_fixed_span_are_byte_for_byte_the_same(name: str) -> None:
    span, events_sha256, _ = SPANS[name]
    digest = hashlib.sha256()
    batches = generate(*span)
    assert sum(len(b) for b in batches.values()) > 0
    for topic, batch in batches.items():
        digest.update(topic.encode())
        digest.update(batch.keys.tobytes())
        digest.update(batch.to_json_bytes())
    assert digest.hexdigest() == events_sha256


@pytest.mark.parametrize("name", SPANS)
def test_the_truth_tables_of_a_fixed_span_are_the_same(name: str) -> None:
    span, _, truth_sha256 = SPANS[name]
    tables = truth(*span)
    assert any(tables.values())
    encoded = json.dumps(tables, sort_keys=True, default=str).encode()
    assert hashlib.sha256(encoded).hexdigest() == truth_sha256
