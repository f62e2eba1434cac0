"""Live alerts: a simulated day through Kafka and ``vts live run``, against the reports
and the simulator's truth; and decidable -> visible in ``/alerts``.

All local: a redis-server and the local broker started for the run; ``vts live run`` is a
subprocess (its defaults: batches of 2,000 records, a 0.5 s window) with the scenario's
roads and geofences (``write_reference``) and the rules' default parameters.

- ``agreement``: the city, 200 vehicles, one fix per 10 s, a whole day (quick: 30
  vehicles, 2 h), produced tick after tick in time order (``vehicle_data`` and
  ``emergency_data``; ``gps_data`` carries no alert) at 100 x real time, while ``vts live
  run`` follows the topics (the span is in the past: ``VTS_LIVE_SILENCE_S=0``,
  ``VTS_LIVE_INCIDENT_TTL_S=0``). Once it has caught up, every alert in ``/alerts`` is
  compared with the reports built from the same messages (``bench/alerts_day.py``): an
  alert agrees when the other side has one of the same type and vehicle (and geofence)
  with start and end within one fix interval (10 s). Reported both ways, with the
  differences counted by type and the first few listed; target >= 99 % both ways. The
  simulated telemetry never stops, so ``DROPOUTS`` (``bench.alerts_day.Dropouts``: 80 %
  of the vehicles lose their ``vehicle_data`` for one window of 5-40 min, from the seed
  and the vehicle, withheld from both sides) makes ``silent`` episodes; both sides'
  ``silent`` alerts are held to those windows (``silent_against_truth``), the live
  overspeed alerts to the simulator's true episodes (``overspeed_against_truth``).
- ``latency`` (the same run): this process polls ``GET /alerts`` every 50 ms while the
  day is produced. For each alert, from the wall time the fix that made it decidable was
  produced (an overspeed's first fix at least ``overspeed_min_duration_s`` after its start,
  a geofence visit's first fix a dwell after its enter, a harsh episode's second fix, a
  silence's first tick ``silent_gap_s`` after its last fix, the first fix of the others;
  a fix a dropout withheld is not produced: the vehicle's next one decides) to the poll
  that first returned it. Alerts starting at the span's first fix are left out (nothing
  before them: a visit its first fix opens is not decided by a dwell). p50/p95 over every
  such alert, the worst of each type and the five slowest. At 100 x real time the consumer
  takes 2,000 fixes a second, a hundred times a real 200-vehicle fleet's: where it cannot
  keep up, this is its backlog, not the alerts' delay (``bench_alerts_realtime.py``
  measures them at real-time pace).

Standalone: ``python -m bench.bench_alerts [--quick]``.
"""

from __future__ import annotations

import json
import math
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from bench.alerts_day import Dropouts
from bench.context import BenchContext
from vts.live.runner import run_command

REPO = Path(__file__).resolve().parents[1]
DAY = datetime(2024, 3, 5, tzinfo=UTC)
SEED = 11
SPEEDUP = 100.0  # the day is produced at this many times real time
POLL_S = 0.05
SHOWN = ("alert", "vehicle_id", "subject", "start_ts", "end_ts", "status")  # slowest alerts
DROPOUTS: Dropouts | None = Dropouts()  # telemetry dropouts, so the day has silences (None: none)


def _context() -> Any:
    from simulator.outputs.reference import road_table, scenario_geofences
    from vts.reference.geofences import from_geojson
    from vts.reference.roadmatch import RoadIndex
    from vts.rules.fold import RuleContext
    from vts.rules.params import DEFAULT_PARAMS as P

    roads = RoadIndex.build(road_table("city"), P.road_max_distance_m)
    return RuleContext(P, roads, from_geojson(scenario_geofences("city")))


def _epoch(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def _runner(
    bootstrap: str, url: str, topic_prefix: str, store_prefix: str, lake: Path, **extra: Any
) -> subprocess.Popen[bytes]:
    """``vts live run`` following the run's topics into the run's store keys."""
    env = {**os.environ, "VTS_LIVE_PREFIX": store_prefix, "PYTHONPATH": str(REPO)}
    env.update({k: str(v) for k, v in extra.pop("env", {}).items()})
    group = f"bench-{uuid.uuid4().hex[:8]}"
    argv = run_command(bootstrap, url, topic_prefix, group=group, lake=lake, **extra)
    return subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL)  # noqa: S603


class _Watcher:
    """Polls ``GET /alerts`` in a thread; the wall time each alert was first returned."""

    def __init__(self, store: Any) -> None:
        from vts.live import api

        self.api, self.store = api, store
        self.seen: dict[str, tuple[float, dict[str, Any]]] = {}
        self.stop = threading.Event()
        self.cursor = json.loads(api.handle("GET", "/alerts", store=store).body)["cursor"]
        self.thread = threading.Thread(target=self._poll, daemon=True)

    def _poll(self) -> None:
        while not self.stop.is_set():
            time.sleep(POLL_S)
            body = self.api.handle("GET", "/alerts", f"after={self.cursor}", store=self.store).body
            page = json.loads(body)
            now, self.cursor = time.time(), page["cursor"]
            for a in page["alerts"]:
                self.seen.setdefault(a["alert_id"], (now, a))

    def __enter__(self) -> _Watcher:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(timeout=30)


def _caught_up(store: Any, runner: subprocess.Popen[bytes], timeout_s: float) -> dict[str, Any]:
    """Wait until the runner has applied everything: no batch for 5 s (it polls with a
    0.5 s window) and no lag where it knows it (it does not while a topic it reads, here
    ``gps_data``, has no record)."""
    from vts.live import api

    deadline = time.monotonic() + timeout_s
    health: dict[str, Any] = {}
    while time.monotonic() < deadline:
        if runner.poll() is not None:
            raise RuntimeError(f"vts live run exited with code {runner.returncode}")
        health = json.loads(api.handle("GET", "/health", store=store).body)
        age = health.get("last_batch_age_s")
        if health.get("consumer_lag") in (0, None) and age is not None and age >= 5.0:
            return health
        time.sleep(1.0)
    raise TimeoutError(f"vts live run did not catch up in {timeout_s:.0f} s: {health}")


def _all_alerts(store: Any) -> list[dict[str, Any]]:
    from vts.live.alerts import LiveAlerts

    feed = LiveAlerts(store)
    out: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = feed.after(cursor)
        alerts = json.loads(page.alerts_json)
        if not alerts:
            return out
        out += alerts
        cursor = page.cursor


def _agreement(
    url: str, bootstrap: str, lake: Path, quick: bool, ctx: BenchContext
) -> dict[str, Any]:
    from bench.alerts_day import (
        Span,
        classify,
        compare,
        live_side,
        report_side,
        ticks,
    )
    from bench.alerts_truth import overspeed_against_truth, silent_against_truth
    from simulator.outputs.producer import Producer
    from simulator.outputs.truth import truth
    from vts.contract.topics import TOPIC_NAMES
    from vts.kafka.admin import create_topics
    from vts.live.settings import LiveSettings
    from vts.live.store import LiveStore
    from vts.rules.params import DEFAULT_PARAMS as P

    vehicles, seconds, tick = (30, 7200, 10.0) if quick else (200, 86400, 10.0)
    start = DAY + timedelta(hours=7) if quick else DAY  # quick: the morning's traffic
    ctx.say(
        f"alerts agreement: {vehicles} vehicles, {seconds} s from {start:%H:%M} at one fix "
        f"per {tick:g} s, "
        f"produced at {SPEEDUP:g} x real time through vts live run"
    )
    prefix, store_prefix = f"ad{uuid.uuid4().hex[:8]}-", "a" + uuid.uuid4().hex[:10]
    create_topics(bootstrap, [prefix + t for t in TOPIC_NAMES], partitions=3)
    silence = {"VTS_LIVE_SILENCE_S": 0, "VTS_LIVE_INCIDENT_TTL_S": 0}  # a day in the past
    runner = _runner(bootstrap, url, prefix, store_prefix, lake, env=silence)
    span = Span()
    produced: dict[float, float] = {}  # a tick's event time -> when it was produced
    t0 = start.timestamp()
    late = 0  # ticks produced later than their pace (the generator's hour chunks)
    try:
        with LiveStore.connect(LiveSettings(url=url, prefix=store_prefix)) as store:
            time.sleep(5)  # the runner joins its group
            producer = Producer.connect(bootstrap, topic_prefix=prefix)
            started = time.monotonic()
            with _Watcher(store) as watcher:
                wall0 = time.time()
                for rows in ticks("city", SEED, start, seconds, vehicles, tick, span, 1, DROPOUTS):
                    at_tick = t0 + (rows[0][0] - t0) // tick * tick
                    wait = wall0 + (at_tick - t0) / SPEEDUP - time.time()
                    late += wait < -0.1
                    time.sleep(max(0.0, wait))
                    for topic in {r[1] for r in rows}:
                        mine = [r for r in rows if r[1] == topic]
                        producer.produce_values(
                            prefix + topic, [r[3] for r in mine], [r[2] for r in mine]
                        )
                    producer.flush()
                    produced[at_tick] = time.time()
                producer.close()
                health = _caught_up(store, runner, timeout_s=1800)
            live_s = time.monotonic() - started
            live = live_side(_all_alerts(store))
    finally:
        runner.terminate()
        runner.wait(timeout=60)
    kept = {v: np.array([f[0] for f in fixes]) for v, fixes in span.fixes.items()}
    latency = _latencies(watcher.seen, produced, P, tick, first=t0, kept=kept)
    rules = _context()
    reports = report_side(span, rules, t0, t0 + seconds)
    agreed, only_live = compare(live, reports, tick)
    found, only_reports = compare(reports, live, tick)
    true = truth("city", SEED, start, seconds, vehicles=vehicles, tick_seconds=tick)
    return {
        "agreement": {
            "vehicles": vehicles,
            "start": start.isoformat(),
            "seconds": seconds,
            "tick_s": tick,
            "speedup": SPEEDUP,
            "fixes": sum(len(f) for f in span.fixes.values()),
            "dropouts": None if DROPOUTS is None else DROPOUTS.as_dict(),
            "vehicles_with_a_dropout": len(span.dropouts),
            "incident_reports": len(span.incidents),
            "ticks_produced_late": late,
            "produce_and_apply_s": round(live_s, 1),
            "runner_at_end": {k: health.get(k) for k in ("consumer_lag", "vehicles")},
            "live_alerts": len(live),
            "report_alerts": len(reports),
            "by_type_live": dict(Counter(a["alert"] for a in live)),
            "by_type_reports": dict(Counter(a["alert"] for a in reports)),
            "live_found_by_reports": round(agreed / max(len(live), 1), 4),
            "reports_found_live": round(found / max(len(reports), 1), 4),
            "only_live_why": classify(only_live, reports, t0, t0 + seconds, tick),
            "only_reports_why": classify(only_reports, live, t0, t0 + seconds, tick),
            "only_live": only_live[:50],
            "only_reports": only_reports[:50],
            "overspeed_vs_truth": overspeed_against_truth(
                live, true["overspeed"], t0, tick, span.dropouts
            ),
            "silent_vs_truth": {
                "live": silent_against_truth(live, span, P, tick),
                "reports": silent_against_truth(reports, span, P, tick),
            },
            "target": ">= 0.99 both ways",
        },
        "latency": {
            **latency,
            "runner": "vts live run (batch size 2000, window 0.5 s); /alerts polled every 50 ms",
            "load": f"{SPEEDUP:g} x real time: {vehicles * SPEEDUP / tick:g} fixes/s",
        },
    }


def _latencies(
    seen: dict[str, tuple[float, dict[str, Any]]],
    produced: dict[float, float],
    params: Any,
    tick: float,
    first: float,
    kept: dict[str, np.ndarray] | None = None,
) -> dict[str, Any]:
    """Decidable (the deciding fix produced) -> first returned by ``/alerts``; ``kept``:
    each vehicle's fix times where some were withheld (a dropout), so the deciding fix is
    the first one produced."""
    samples: list[float] = []
    kinds: Counter[str] = Counter()
    worst: dict[str, float] = {}
    slowest: list[tuple[float, dict[str, Any]]] = []
    for at, alert in seen.values():
        produced_at = produced.get(_decidable(alert, params, tick, kept))
        if produced_at is not None and _epoch(alert["start_ts"]) > first:
            took = at - produced_at
            samples.append(took)
            kinds[alert["alert"]] += 1
            worst[alert["alert"]] = max(took, worst.get(alert["alert"], took))
            slowest.append((took, alert))
    samples.sort()
    slowest.sort(key=lambda s: -s[0])
    out: dict[str, Any] = {"alerts_seen": len(seen), "samples": len(samples)}
    if samples:
        out.update(
            by_type=dict(kinds),
            p50_s=round(statistics.median(samples), 3),
            p95_s=round(samples[max(0, math.ceil(0.95 * len(samples)) - 1)], 3),
            max_s=round(samples[-1], 3),
            max_by_type_s={k: round(v, 3) for k, v in sorted(worst.items())},
            slowest=[
                {"s": round(took, 3), **{k: a.get(k) for k in SHOWN}} for took, a in slowest[:5]
            ],
        )
    out["target"] = "p95 <= 2 s over >= 100 samples"
    return out


def _decidable(
    alert: dict[str, Any], params: Any, tick: float, kept: dict[str, np.ndarray] | None = None
) -> float:
    """The event time of the fix that made the alert decidable (see the docstring): with
    ``kept``, the vehicle's first fix produced at or after that time (a silence's is the
    stream's clock: any vehicle's)."""
    start = datetime.fromisoformat(alert["start_ts"].replace("Z", "+00:00")).timestamp()
    wait = {
        "overspeed": params.overspeed_min_duration_s,
        "geofence": params.geofence_dwell_s,
        "harsh_braking": tick,
        "harsh_acceleration": tick,
        "silent": params.silent_gap_s,
    }.get(alert["alert"], 0.0)
    at = math.ceil((start + wait) / tick) * tick
    times = None if kept is None or alert["alert"] == "silent" else kept.get(alert["vehicle_id"])
    if times is not None:
        i = int(np.searchsorted(times, at - 1e-6))
        at = float(times[i]) if i < times.size else math.inf
    return at


def run(ctx: BenchContext) -> dict[str, Any]:
    from simulator.outputs.reference import write_reference
    from vts.local.redis_server import LocalRedis

    redis = LocalRedis(ctx.workdir / "alerts-home")
    status = redis.up(report=ctx.say)
    assert status.url is not None
    lake = ctx.workdir / "alerts-lake"
    write_reference("city", lake)
    result: dict[str, Any] = {"server": status.version}
    try:
        result.update(_agreement(status.url, ctx.kafka_bootstrap(), lake, ctx.quick, ctx))
    finally:
        redis.down(report=ctx.say)
    a, lat = result["agreement"], result["latency"]
    silent = a["silent_vs_truth"]["live"]
    ctx.say(
        f"alerts: live found by the reports {a['live_found_by_reports']:.2%}, reports found "
        f"live {a['reports_found_live']:.2%}; live silent {silent['alerts']} of "
        f"{silent['must_raise']} due, missed {silent['missed']}; decidable->visible p95 "
        f"{lat.get('p95_s')} s ({lat['samples']} samples)"
    )
    return result


def main(argv: list[str]) -> int:
    import tempfile

    with tempfile.TemporaryDirectory(prefix="vts-bench-alerts-") as tmp:
        ctx = BenchContext(Path(tmp), quick="--quick" in argv)
        try:
            print(json.dumps(run(ctx), indent=2, default=str))
        finally:
            ctx.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
