"""``vts simulate``: run the fleet simulator into Kafka (or a JSON-lines file) and report."""

from __future__ import annotations

import argparse
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vts.cli.brokers import resolve_bootstrap
from vts.cli.console import Output, Progress, add_output_options
from vts.exceptions import ConfigError
from vts.settings import env
from vts.stopping import interrupt_on_signals

if TYPE_CHECKING:
    from collections.abc import Callable

    from simulator.entry.ledger import Ledger, Span
    from simulator.entry.run import RunPlan, RunSummary, Sink
    from simulator.model.window import Window

EPILOG = """examples:
  vts simulate --broker 127.0.0.1:9092 --vehicles 100 --duration 10m
  vts simulate --vehicles 1000 --duration 1h --seed 7   broker from $VTS_KAFKA_BOOTSTRAP
                                                         or the `vts local up` one
  vts simulate --vehicles 50 --duration 5m --realtime  one window a second, on the clock
  vts simulate --vehicles 10 --duration 2m --out events.jsonl   write instead of producing
  vts simulate --replay events.jsonl --broker 127.0.0.1:9092    produce a file from --out
  vts simulate --vehicles 20 --duration 1h --out events.jsonl --truth truth/
                                      also write the ground truth (Parquet tables)
  vts simulate --vehicles 10 --duration 2m --reference vts-data/lake
                                      also write the scenario's roads and geofences

Events are a pure function of (scenario, seed, time window, shard): the same arguments
produce the same events and event_ids. Without --start, the simulated span ends now (or
starts now with --realtime).

A span already produced to the same Kafka cluster (same scenario, seed, fleet, shard, tick
and topic prefix) is not sent again, as the Lambda never re-sends a window: the record is
kept under $VTS_HOME/simulator/produced/, and a rerun sends only the part it lacks.
  vts simulate --vehicles 5 --duration 10m --start 2024-03-01T10:00:00Z --resend
                                      send the span again even if it was produced

--out format: one JSON object per line, replayable with --replay:
  {"topic": "vehicle_data", "key": "VEH-000042", "value": {"event_id": "...", "ts": "...", ...}}

--truth DIR writes the ground truth of the simulated span as DIR/<table>.parquet: dwells,
halts, overspeed, harsh, refuels, gps_outages, incidents, incident_effects (docs/simulator.md).

--reference LAKE writes the scenario's reference tables where the reports read them:
LAKE/roads/roads.parquet and LAKE/geofences/geofences.parquet (docs/reference.md).
"""

AUTH_MODES = ("plaintext", "scram", "iam", "ssl")


def register(sub: Any) -> None:
    p = sub.add_parser(
        "simulate",
        help="simulate a vehicle fleet into Kafka (or a file) and report deliveries",
        description="Simulate vehicles, cameras, weather stations and incidents in a synthetic "
        "city, producing the five event streams to Kafka.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--broker",
        metavar="HOST:PORT",
        help="bootstrap servers (default: $VTS_KAFKA_BOOTSTRAP, else the `vts local up` broker)",
    )
    p.add_argument("--vehicles", type=int, default=100, help="vehicles in the fleet (default 100)")
    p.add_argument("--duration", default="1m", help="simulated time: 90s, 10m, 2h (default 1m)")
    p.add_argument("--realtime", action="store_true", help="pace windows to the wall clock")
    p.add_argument("--seed", type=int, default=0, help="simulation seed (default 0)")
    p.add_argument("--scenario", default="city", help="scenario name (default city)")
    p.add_argument(
        "--start", metavar="ISO", help="start of the simulated span, e.g. 2024-03-01T10:00:00Z"
    )
    p.add_argument(
        "--window", type=float, metavar="SECONDS", help="seconds per window (default: auto)"
    )
    p.add_argument(
        "--tick",
        type=float,
        default=1.0,
        metavar="SECONDS",
        help="seconds between fixes (default 1)",
    )
    p.add_argument("--shard", type=int, default=0, help="fleet shard to simulate (default 0)")
    p.add_argument(
        "--shards", type=int, default=1, help="shards the fleet is split into (default 1)"
    )
    p.add_argument(
        "--auth",
        choices=AUTH_MODES,
        help="Kafka authentication (default: $VTS_KAFKA_AUTH or plaintext)",
    )
    p.add_argument(
        "--topic-prefix",
        default=None,
        help="prefix of the topic names (default: $VTS_TOPIC_PREFIX)",
    )
    p.add_argument(
        "--create-topics",
        action="store_true",
        help="create the five (prefixed) topics if they are missing (3 partitions)",
    )
    p.add_argument(
        "--resend",
        action="store_true",
        help="produce the span even where this cluster already has it (duplicates event_ids)",
    )
    target = p.add_mutually_exclusive_group()
    target.add_argument(
        "--out", type=Path, metavar="FILE.jsonl", help="write JSON lines instead of producing"
    )
    target.add_argument(
        "--replay", type=Path, metavar="FILE.jsonl", help="produce a file written by --out"
    )
    p.add_argument(
        "--truth",
        type=Path,
        metavar="DIR",
        help="also write the span's ground truth as DIR/<table>.parquet (needs pyarrow)",
    )
    p.add_argument(
        "--reference",
        type=Path,
        metavar="LAKE",
        help="also write the scenario's roads and geofences tables into LAKE (needs pyarrow)",
    )
    add_output_options(p)
    p.set_defaults(func=_simulate)


def _destination(args: argparse.Namespace) -> tuple[str, Any, str]:
    """(bootstrap, auth, topic prefix) from the flags and the environment."""
    from vts.kafka.auth import get_auth

    prefix = (args.topic_prefix if args.topic_prefix is not None else env("TOPIC_PREFIX")) or ""
    auth = get_auth(args.auth or env("KAFKA_AUTH", "plaintext") or "plaintext")
    return resolve_bootstrap(args.broker), auth, prefix


def _producer(args: argparse.Namespace) -> Any:
    from simulator.outputs.producer import Producer

    bootstrap, auth, prefix = _destination(args)
    if args.create_topics:
        from vts.contract.topics import TOPIC_NAMES
        from vts.kafka.admin import create_topics

        create_topics(bootstrap, [prefix + t for t in TOPIC_NAMES], auth=auth)
    return Producer.connect(bootstrap, auth, topic_prefix=prefix)


def _ledger(args: argparse.Namespace) -> Ledger:
    """The record of what this fleet has produced to this cluster and topic prefix."""
    from simulator.entry.ledger import Ledger
    from vts.kafka.admin import cluster_id
    from vts.settings import LocalPaths

    bootstrap, auth, prefix = _destination(args)
    key = {
        "cluster_id": cluster_id(bootstrap, auth),
        "topic_prefix": prefix,
        "scenario": args.scenario,
        "seed": args.seed,
        "vehicles": args.vehicles,
        "shard": args.shard,
        "shards": args.shards,
        "tick_s": args.tick,
    }
    return Ledger(LocalPaths.from_env().home / "simulator" / "produced", key)


@interrupt_on_signals()  # Ctrl-C also when started with SIGINT ignored; SIGTERM too
def _simulate(args: argparse.Namespace, out: Output) -> int:
    from simulator.entry.ledger import Span, minus
    from simulator.entry.run import FileSink, KafkaSink, RunPlan, default_start
    from simulator.entry.run import default_window_seconds as auto_window
    from simulator.model.window import iso, parse_duration, parse_time

    if args.replay is not None:
        return _replay(args, out)
    if args.vehicles < 1:
        raise ConfigError(f"--vehicles {args.vehicles}", hint="simulate at least 1 vehicle")
    if args.truth is not None and args.truth.exists() and not args.truth.is_dir():
        raise ConfigError(
            f"--truth {args.truth} is a file", hint="give a directory for the Parquet tables"
        )
    duration = parse_duration(args.duration)
    start = parse_time(args.start) if args.start else default_start(duration, args.realtime)
    span = Span(start, start + timedelta(seconds=duration))
    plan = RunPlan(
        scenario=args.scenario,
        seed=args.seed,
        vehicles=args.vehicles,
        start=start,
        duration_s=duration,
        window_s=args.window or auto_window(args.vehicles, args.realtime, args.tick),
        shard=args.shard,
        shard_count=args.shards,
        tick_s=args.tick,
        realtime=args.realtime,
    )
    ledger = None if args.out else _ledger(args)
    todo = [span] if ledger is None or args.resend else ledger.missing(span)
    skipped = minus(span, todo)
    if skipped:
        out.message(
            f"already produced to this cluster: {', '.join(map(str, skipped))} "
            "(not sent again; --resend sends it)"
        )
    sink = FileSink(args.out) if args.out else KafkaSink(_producer(args))
    summary = _run_parts(plan, todo, sink, ledger)
    if summary.report is None and isinstance(sink, KafkaSink):  # nothing was left to send
        summary.report = sink.close()
    record: dict[str, Any] = {
        "scenario": plan.scenario,
        "seed": plan.seed,
        "vehicles": plan.vehicles,
        "shard": f"{plan.shard}/{plan.shard_count}",
        "start": iso(plan.start),
        "simulated_seconds": duration,
        "windows": summary.windows,
        "events": summary.total,
        "elapsed_s": round(summary.elapsed_s, 3),
        "events_per_s": round(summary.total / max(summary.elapsed_s, 1e-9), 1),
    }
    if ledger is not None:
        record.update(already_produced=[str(s) for s in skipped])
    if args.truth is not None:
        record.update(truth=_write_truth(plan, args.truth))
    if args.reference is not None:
        from simulator.outputs.reference import write_reference

        written = write_reference(plan.scenario, args.reference)
        record.update(reference={name: str(path) for name, path in written.items()})
    if isinstance(sink, FileSink):
        record.update(out=str(args.out), bytes=sink.bytes)
    else:
        report = summary.report
        record.update(
            broker=sink.producer.bootstrap,
            delivered=report.total_delivered if report else 0,
            failed=report.total_failed if report else 0,
            bytes=report.bytes if report else 0,
        )
    _render(out, summary.rows(), ["topic", "generated", "delivered", "failed"], record)
    return 0 if summary.report is None or summary.report.ok else 1


def _run_parts(plan: RunPlan, parts: list[Span], sink: Sink, ledger: Ledger | None) -> RunSummary:
    """Run ``plan`` over each of ``parts`` into ``sink``; record each part the broker
    acknowledged in ``ledger``. Stops at the first part with failed deliveries."""
    from simulator.entry.run import RunSummary
    from simulator.entry.run import run as run_plan

    summary = RunSummary()
    progress = Progress(sum(part.seconds for part in parts), "simulating")
    done_s = 0.0
    for part in parts:
        piece = replace(plan, start=part.start, duration_s=part.seconds)
        result = run_plan(piece, sink, on_window=_progress(progress, summary, piece, done_s))
        done_s += part.seconds
        for topic, n in result.generated.items():
            summary.generated[topic] += n
        summary.windows += result.windows
        summary.elapsed_s += result.elapsed_s
        summary.report = result.report  # the producer's counts are cumulative
        if result.report is not None and not result.report.ok:
            break
        if ledger is not None:  # acknowledged by the broker (the sink flushed): recorded
            ledger.record(part)
    progress.close()
    return summary


def _progress(
    progress: Progress, summary: RunSummary, piece: RunPlan, before_s: float
) -> Callable[[Window, RunSummary], None]:
    """The progress bar's update after each window of ``piece`` (``before_s`` already done)."""

    def update(window: Window, part: RunSummary) -> None:
        rate = part.total / max(part.elapsed_s, 1e-9)
        done = before_s + (window.end - piece.start).total_seconds()
        progress.update(done, f"{summary.total + part.total:,} events, {rate:,.0f}/s")

    return update


def _write_truth(plan: Any, directory: Path) -> dict[str, int]:
    """The plan's ground truth as Parquet tables; returns rows per table."""
    from simulator.outputs.truth import truth, write_truth

    tables = truth(
        plan.scenario,
        plan.seed,
        plan.start,
        plan.duration_s,
        shard=plan.shard,
        shard_count=plan.shard_count,
        vehicles=plan.vehicles,
        tick_seconds=plan.tick_s,
    )
    write_truth(directory, tables)
    return {name: len(rows) for name, rows in tables.items()}


def _render(
    out: Output, rows: list[dict[str, Any]], columns: list[str], record: dict[str, Any]
) -> None:
    """A per-topic table and a summary; one JSON object (summary + ``topics``) for JSON."""
    if out.fmt == "json":
        out.record({**record, "topics": rows})
        return
    out.table(rows, columns)
    if out.fmt == "text":
        out.record(record, title="summary")


def _replay(args: argparse.Namespace, out: Output) -> int:
    from simulator.entry.replay import replay

    producer = _producer(args)
    queued = replay(args.replay, producer)
    report = producer.flush()
    summary = {"file": str(args.replay), "queued": queued, **report.as_dict()}
    _render(out, report.rows(), ["topic", "delivered", "failed"], summary)
    return 0 if report.ok else 1
