"""The live and the reports' alerts of ``bench.alerts_day``'s span held to the truth: the
live overspeed alerts to the simulator's true episodes, either side's ``silent`` alerts to
the harness's telemetry dropouts (the only time a vehicle's telemetry stops).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np

from bench.alerts_day import Span, close_within


def overspeed_against_truth(
    live: list[dict[str, Any]],
    episodes: list[dict[str, Any]],
    t0: float,
    tick: float,
    dropouts: dict[str, tuple[float, float]] | None = None,
) -> dict[str, Any]:
    """Live overspeed alerts against the simulator's true episodes
    (``simulator.outputs.truth``), as ``tests/reports/test_truth.py`` holds the reports:
    every true episode with two or more fixes wholly above the limit (after the span's
    first fix interval, and not within a fix interval of its vehicle's dropout, whose
    fixes nobody saw) is alerted, and every alert overlaps a true episode, within one
    fix interval."""
    dropouts = dropouts or {}

    def withheld(e: dict[str, Any]) -> bool:
        w = dropouts.get(e["vehicle_id"])
        return (
            w is not None and e["start_us"] / 1e6 < w[1] + tick and w[0] - tick < e["end_us"] / 1e6
        )

    alerts: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for a in live:
        if a["alert"] == "overspeed":
            alerts[a["vehicle_id"]].append(a)
    true: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for e in episodes:
        true[e["vehicle_id"]].append(e)

    def overlaps(a: dict[str, Any], e: dict[str, Any]) -> bool:
        end = a["end"] if a["end"] is not None else a["start"]
        return a["start"] <= e["end_us"] / 1e6 + tick and e["start_us"] / 1e6 <= end + tick

    seen = [
        e
        for e in episodes
        if e["first_fix_us"] is not None
        and e["last_fix_us"] - e["first_fix_us"] >= tick * 1e6
        and e["start_us"] >= (t0 + tick) * 1e6
    ]
    visible = [e for e in seen if not withheld(e)]
    missed = [e for e in visible if not any(overlaps(a, e) for a in alerts[e["vehicle_id"]])]
    false = [a for v, al in alerts.items() for a in al if not any(overlaps(a, e) for e in true[v])]
    return {
        "true_episodes_visible": len(visible),
        "true_episodes_at_a_dropout": len(seen) - len(visible),
        "missed": len(missed),
        "alerts": sum(len(al) for al in alerts.values()),
        "alerts_without_episode": len(false),
        "missed_examples": missed[:3],
        "false_examples": false[:3],
    }


def dropout_gaps(span: Span, params: Any) -> list[dict[str, Any]]:
    """Each dropout as the gap it leaves: ``start`` the vehicle's last fix before it,
    ``end`` its first fix after, ``gap_s``, and ``must_raise``: moving at ``start`` (faster
    than ``speed_threshold_kmh``; ``vehicle_data``'s speed is the model's, without noise)
    and ``gap_s`` of ``silent_gap_s`` or more (``vts.rules.silence``)."""
    out = []
    for vid, (w0, w1) in sorted(span.dropouts.items()):
        fixes = sorted(span.fixes[vid])  # FIX_FIELDS: ts first, speed_kmh fourth
        t = np.array([f[0] for f in fixes])
        before, after = int(np.searchsorted(t, w0)) - 1, int(np.searchsorted(t, w1))
        if before < 0 or after == t.size:
            raise ValueError(f"{vid}'s dropout {w0:.0f}..{w1:.0f} has no fix before or after it")
        last, first = fixes[before], fixes[after]
        moving = bool(last[3] > params.speed_threshold_kmh)  # NaN: not moving
        gap = first[0] - last[0]
        out.append(
            {
                "vehicle_id": vid,
                "start": last[0],
                "end": first[0],
                "gap_s": gap,
                "moving": moving,
                "must_raise": moving and gap >= params.silent_gap_s,
            }
        )
    return out


def silent_against_truth(
    alerts: list[dict[str, Any]], span: Span, params: Any, tick: float
) -> dict[str, Any]:
    """``silent`` alerts (``live_side`` or ``report_side`` rows) against the dropouts, the
    truth of when a vehicle's telemetry stopped (it never stops otherwise): every dropout
    that must raise one (``dropout_gaps``) has an alert from its last fix before it
    (``start``) to its first fix after (``end``), each within one fix interval. Any other
    ``silent`` alert is false: at a dropout that must not raise one (too short, or the
    vehicle stopped) or away from any."""
    gaps = dropout_gaps(span, params)
    must = [g for g in gaps if g["must_raise"]]
    short = sum(g["gap_s"] < params.silent_gap_s for g in gaps)
    stopped = sum(not g["moving"] and g["gap_s"] >= params.silent_gap_s for g in gaps)
    silent = [a for a in alerts if a["alert"] == "silent"]

    def at(a: dict[str, Any], d: dict[str, Any]) -> bool:
        return (
            a["vehicle_id"] == d["vehicle_id"]
            and abs(a["start"] - d["start"]) <= tick
            and close_within(a["end"], d["end"], tick)
        )

    missed = [d for d in must if not any(at(a, d) for a in silent)]
    false = [a for a in silent if not any(at(a, d) for d in must)]
    return {
        "dropouts": len(span.dropouts),
        "must_raise": len(must),
        "must_not_raise_shorter_than_gap": short,
        "must_not_raise_stopped": stopped,
        "alerts": len(silent),
        "missed": len(missed),
        "alerts_without_true_silence": len(false),
        "missed_examples": missed[:3],
        "false_examples": false[:3],
    }
