"""The alerts harness's telemetry dropouts and the ``silent`` truth check (no services)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import numpy as np

from bench.alerts_day import Dropouts, Span, ticks
from bench.alerts_truth import silent_against_truth
from vts.rules.params import ReportParams

P = ReportParams()  # silent_gap_s 600 s
T0, TICK = 1_709_622_000.0, 10.0


def test_a_dropout_is_a_pure_function_of_seed_and_vehicle_and_lies_inside_the_span() -> None:
    d = Dropouts()
    t1 = T0 + 86400
    windows = [d.window(11, f"veh-{i:05d}", T0, t1, TICK) for i in range(400)]
    assert windows == [d.window(11, f"veh-{i:05d}", T0, t1, TICK) for i in range(400)]
    assert windows != [d.window(12, f"veh-{i:05d}", T0, t1, TICK) for i in range(400)]
    drawn = [w for w in windows if w is not None]
    assert 0.7 < len(drawn) / len(windows) < 0.9  # probability 0.8
    lengths = np.array([b - a for a, b in drawn])
    assert lengths.min() >= d.shortest_s and lengths.max() <= d.longest_s
    assert (lengths < P.silent_gap_s).any() and (lengths > P.silent_gap_s).any()
    assert all(T0 + TICK <= a and b <= t1 - TICK for a, b in drawn)
    assert d.window(11, "veh-00001", T0, T0 + 600, TICK) is None  # no room in the span


def test_the_dropped_fixes_are_withheld_from_the_stream_and_the_reports_alike() -> None:
    start = datetime(2024, 3, 5, 7, tzinfo=UTC)
    span, plain = Span(), Span()
    dropouts = Dropouts(probability=1.0)
    rows = [r for g in ticks("city", 11, start, 3600, 6, TICK, span, 3, dropouts) for r in g]
    every = [r for g in ticks("city", 11, start, 3600, 6, TICK, plain, 3) for r in g]
    assert len(span.dropouts) == 6 and plain.dropouts == {}
    for vid, (a, b) in span.dropouts.items():
        kept = [f[0] for f in span.fixes[vid]]
        assert not [t for t in kept if a <= t < b]
        assert [f for f in plain.fixes[vid] if not a <= f[0] < b] == span.fixes[vid]
    streamed = {(r[0], r[2]) for r in rows if r[1] == "vehicle_data"}
    assert streamed == {(f[0], vid.encode()) for vid, fs in span.fixes.items() for f in fs}
    dropped = {(r[0], r[2]) for r in every if r[1] == "vehicle_data"} - streamed
    assert len(dropped) == sum(
        len([f for f in plain.fixes[v] if a <= f[0] < b]) for v, (a, b) in span.dropouts.items()
    )
    assert [r for r in rows if r[1] != "vehicle_data"] == [
        r for r in every if r[1] != "vehicle_data"
    ]


def _span(dropouts: dict[str, tuple[float, float, float]]) -> Span:
    """Vehicles with a fix every TICK over an hour, minus ``[a, b)``, moving at ``speed``."""
    span = Span()
    for vid, (a, b, speed) in dropouts.items():
        t = T0 + TICK * np.arange(360)
        span.fixes[vid] = [(x, 0.0, 0.0, speed) for x in t if not a <= x < b]
        span.dropouts[vid] = (a, b)
    return span


def _silent(vid: str, start: float, end: float | None) -> dict[str, Any]:
    return {"vehicle_id": vid, "alert": "silent", "subject": "", "start": start, "end": end}


def test_silent_alerts_are_held_to_the_dropouts() -> None:
    span = _span(
        {
            "long": (T0 + 605, T0 + 1805, 40.0),  # last fix 600, first after 1810: a silence
            "short": (T0 + 605, T0 + 1005, 40.0),  # 400 s: none
            "stopped": (T0 + 605, T0 + 1805, 0.0),  # none
        }
    )
    right = [_silent("long", T0 + 600, T0 + 1810)]
    assert silent_against_truth(right, span, P, TICK) == {
        "dropouts": 3,
        "must_raise": 1,
        "must_not_raise_shorter_than_gap": 1,
        "must_not_raise_stopped": 1,
        "alerts": 1,
        "missed": 0,
        "alerts_without_true_silence": 0,
        "missed_examples": [],
        "false_examples": [],
    }
    for wrong, missed, false in [
        ([], 1, 0),  # the side never raised it
        ([_silent("long", T0 + 600, None)], 1, 1),  # never ended
        ([_silent("long", T0 + 1200, T0 + 1810)], 1, 1),  # from the gap's end, not its start
        ([*right, _silent("short", T0 + 600, T0 + 1010)], 0, 1),
        ([*right, _silent("stopped", T0 + 600, T0 + 1810)], 0, 1),
    ]:
        got = silent_against_truth(wrong, span, P, TICK)
        assert (got["missed"], got["alerts_without_true_silence"]) == (missed, false), wrong
