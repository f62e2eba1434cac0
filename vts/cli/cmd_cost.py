"""``vts cost``: what the AWS stack costs per hour, per month and per million events."""

from __future__ import annotations

import argparse
from typing import Any

from vts.cli.console import Output, add_output_options
from vts.cost.markdown import render_markdown
from vts.cost.model import Estimate, estimate
from vts.cost.workload import (
    DPU_PER_WORKER,
    KAFKA_CHOICES,
    NETWORK_CHOICES,
    PRESETS,
    with_overrides,
)

EPILOG = """examples:
  vts cost                                   the demo preset (the template's defaults)
  vts cost --preset fleet-10k                10,000 vehicles on provisioned MSK
  vts cost --preset fleet-10k --kafka msk-serverless --format json
  vts cost --preset fleet-10k --watermark-minutes 2   a shorter dedup memory, fewer workers
  vts cost --preset fleet-10k --live-viewers 20   twenty live maps polling /changes
  vts cost --all --markdown > docs/cost/estimates.md

Prices are us-east-1 list prices with the date they were recorded (vts/cost/prices.py);
check them before relying on an estimate.
"""


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "cost",
        help="estimate the AWS stack's cost for a workload",
        description="Estimate the deployed stack's cost from a dated list-price table.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--preset", choices=sorted(PRESETS), default="demo")
    parser.add_argument("--all", action="store_true", help="every preset, unchanged")
    parser.add_argument("--vehicles", type=int, help="fleet size")
    parser.add_argument("--shards", type=int, help="simulator shards")
    parser.add_argument("--window-seconds", type=int, help="simulated seconds per invocation")
    parser.add_argument("--kafka", choices=KAFKA_CHOICES, help="which Kafka the stack uses")
    parser.add_argument("--brokers", type=int, help="brokers of a provisioned MSK cluster")
    parser.add_argument("--glue-worker-type", choices=sorted(DPU_PER_WORKER))
    parser.add_argument("--glue-workers", type=int, help="Glue workers (at least 2)")
    parser.add_argument(
        "--watermark-minutes",
        type=float,
        help="the job's dedup --watermark (default 10; a longer one needs more Glue workers)",
    )
    parser.add_argument("--crawls-per-day", type=float)
    parser.add_argument("--queries-per-day", type=float, help="Redshift queries per day")
    parser.add_argument(
        "--network",
        choices=NETWORK_CHOICES,
        help="the stack's own VPC with interface endpoints (the template's default) or one "
        "NAT gateway, or an existing VPC",
    )
    parser.add_argument("--nat-gateway", action="store_true", help="same as --network nat-gateway")
    parser.add_argument(
        "--live-viewers", type=int, help="live maps open, each polling /changes every second"
    )
    parser.add_argument("--markdown", action="store_true", help="print the docs' Markdown")
    add_output_options(parser)
    parser.set_defaults(func=_run)


def _estimates(args: argparse.Namespace) -> list[Estimate]:
    if args.all:
        return [estimate(w) for w in PRESETS.values()]
    workload = with_overrides(
        PRESETS[args.preset],
        vehicles=args.vehicles,
        shards=args.shards,
        window_seconds=args.window_seconds,
        kafka=args.kafka,
        brokers=args.brokers,
        glue_worker_type=args.glue_worker_type,
        glue_workers=args.glue_workers,
        watermark_seconds=None if args.watermark_minutes is None else args.watermark_minutes * 60,
        crawls_per_day=args.crawls_per_day,
        queries_per_day=args.queries_per_day,
        network="nat-gateway" if args.nat_gateway else args.network,
        live_viewers=args.live_viewers,
    )
    return [estimate(workload)]


def _run(args: argparse.Namespace, out: Output) -> int:
    estimates = _estimates(args)
    if args.markdown:
        out.stream.write(render_markdown(estimates))
        return 0
    records: list[dict[str, Any]] = []
    flat: list[dict[str, Any]] = []
    for est in estimates:
        w = est.workload
        rows = [
            {
                "workload": w.name,
                "component": line.component,
                "per_hour": round(line.hourly, 4),
                "per_month": round(line.monthly, 2),
                "in_total": line.in_total,
                "basis": line.basis,
            }
            for line in est.lines
        ]
        flat += rows
        records.append(
            {
                "workload": w.name,
                "vehicles": w.vehicles,
                "events_per_second": w.events_per_hour / 3600,
                "prices": f"{est.prices.region}, {est.prices.recorded}",
                "per_hour": round(est.hourly, 4),
                "per_month": round(est.monthly, 2),
                "per_million_events": round(est.per_million_events, 4),
                "lines": rows,
            }
        )
        if out.fmt == "text":
            out.message(
                f"{w.name}: {w.vehicles:,} vehicles, {w.events_per_hour / 3600:,.0f} events/s "
                f"(prices {est.prices.region}, {est.prices.recorded})"
            )
            out.table(rows, ["component", "per_hour", "per_month", "in_total", "basis"])
            out.message(
                f"total ${est.hourly:,.3f}/h, ${est.monthly:,.2f}/month, "
                f"${est.per_million_events:,.4f} per million events\n"
            )
    if out.fmt == "json":
        out.table(records)
    elif out.fmt == "csv":
        out.table(flat)
    return 0
