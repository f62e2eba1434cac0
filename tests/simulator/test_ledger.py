"""The record of produced spans that keeps ``vts simulate`` from sending a span twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from simulator.entry.ledger import Ledger, Span

T0 = datetime(2024, 3, 1, 10, 0, tzinfo=UTC)
KEY = {"cluster_id": "c1", "topic_prefix": "", "scenario": "city", "seed": 0, "vehicles": 5}


def _span(a_min: float, b_min: float) -> Span:
    return Span(T0 + timedelta(minutes=a_min), T0 + timedelta(minutes=b_min))


def test_a_rerun_misses_only_what_was_not_produced(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path, KEY)
    assert ledger.missing(_span(0, 10)) == [_span(0, 10)]
    ledger.record(_span(0, 10))
    assert ledger.missing(_span(0, 10)) == []
    assert ledger.missing(_span(5, 15)) == [_span(10, 15)]
    ledger.record(_span(20, 30))
    assert ledger.missing(_span(-5, 35)) == [_span(-5, 0), _span(10, 20), _span(30, 35)]


def test_touching_spans_merge_and_the_record_survives_the_process(tmp_path: Path) -> None:
    Ledger(tmp_path, KEY).record(_span(0, 10))
    Ledger(tmp_path, KEY).record(_span(10, 20))
    Ledger(tmp_path, KEY).record(_span(5, 12))
    assert Ledger(tmp_path, KEY).produced() == [_span(0, 20)]


def test_another_cluster_prefix_or_fleet_has_its_own_record(tmp_path: Path) -> None:
    Ledger(tmp_path, KEY).record(_span(0, 10))
    for change in ({"cluster_id": "c2"}, {"topic_prefix": "x-"}, {"vehicles": 6}, {"seed": 1}):
        assert Ledger(tmp_path, {**KEY, **change}).missing(_span(0, 10)) == [_span(0, 10)]
