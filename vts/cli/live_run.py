"""``vts live run``: the live consumer on a Kafka broker, fed like the MSK event source mapping."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from vts.cli.brokers import resolve_bootstrap
from vts.cli.cmd_reports import add_lake_option, lake_of
from vts.cli.console import Output, add_command, add_output_options
from vts.settings import env

EPILOG = """examples:
  vts local up && vts simulate --vehicles 100 --duration 2m
  vts live run --available-now        apply everything in the topics to the live store, stop
  vts live run                        follow the topics until Ctrl-C (or SIGTERM)
  vts live run --batch-size 100 --window 1 --group my-live
  VTS_LIVE_URL=redis://127.0.0.1:6379/0 vts live run --broker 127.0.0.1:9092

Each batch is handed to the same handler as the Lambda's (vts.live.consumer) in the event
source mapping's event shape (records by topic-partition, base64 values), and its offsets
are committed only after the handler returned: a run killed mid-batch applies that batch
again next time, which the store's newest-event-time-wins rule makes harmless.
The store: --live-url, else VTS_LIVE_URL, else the one `vts local up` started.
Live alerts (`vts live alerts`) run on every batch with the reports' rules and parameters
(--param, see `vts reports params`), against the lake's roads and geofences (--lake);
--no-alerts turns them off.
Progress goes to stderr; the totals to stdout (--format json for JSON).
"""


def register(verbs: Any) -> None:
    p = add_command(
        verbs,
        "run",
        "apply the topics to the live store (the live consumer, fed as on AWS)",
        EPILOG,
        description="Consume vehicle_data, gps_data and emergency_data in batches the way the "
        "MSK event source mapping invokes the live consumer Lambda, and write each vehicle's "
        "newest state to the live store.",
    )
    p.add_argument(
        "--broker",
        metavar="HOST:PORT",
        help="bootstrap servers (default: $VTS_KAFKA_BOOTSTRAP, else the `vts local up` broker)",
    )
    p.add_argument(
        "--auth",
        choices=("plaintext", "scram", "iam", "ssl"),
        help="Kafka authentication (default: $VTS_KAFKA_AUTH or plaintext)",
    )
    p.add_argument(
        "--topic-prefix", default=None, help="prefix of the topic names ($VTS_TOPIC_PREFIX)"
    )
    p.add_argument("--live-url", metavar="URL", help="the live store (redis:// or rediss://)")
    p.add_argument("--group", default="vts-live", help="consumer group (default vts-live)")
    p.add_argument(
        "--batch-size", type=int, default=2_000, help="records per batch at most (default 2000)"
    )
    p.add_argument(
        "--window",
        type=float,
        default=0.5,
        metavar="SECONDS",
        help="batching window after a batch's first record (default 0.5)",
    )
    p.add_argument(
        "--available-now",
        action="store_true",
        help="stop once everything in the topics at the start is applied",
    )
    add_lake_option(p)
    p.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a rule parameter (see `vts reports params`)",
    )
    p.add_argument("--no-alerts", action="store_true", help="keep positions only, no alerts")
    add_output_options(p)
    p.set_defaults(func=_run)


def _progress(totals: Any) -> None:
    lag = "?" if totals.consumer_lag is None else f"{totals.consumer_lag:,}"
    print(
        f"live run: {totals.batches:,} batches, {totals.records:,} records "
        f"({totals.invalid:,} invalid), {totals.written:,} vehicle states written, lag {lag}",
        file=sys.stderr,
        flush=True,
    )


def _run(args: argparse.Namespace, out: Output) -> int:
    from vts.exceptions import ConfigError
    from vts.kafka.auth import get_auth
    from vts.live.consumer import LiveConsumer
    from vts.live.runner import EventSourceEmulator, RunOptions
    from vts.live.settings import local_settings
    from vts.live.store import LiveStore

    if args.batch_size < 1 or not args.window >= 0:
        raise ConfigError(
            "--batch-size must be at least 1 and --window at least 0",
            hint="e.g. --batch-size 2000 --window 0.5",
        )
    prefix = (args.topic_prefix if args.topic_prefix is not None else env("TOPIC_PREFIX")) or ""
    settings = local_settings(args.live_url, topic_prefix=prefix)
    options = RunOptions(
        bootstrap=resolve_bootstrap(args.broker),
        auth=get_auth(args.auth or env("KAFKA_AUTH", "plaintext") or "plaintext"),
        group=args.group,
        topic_prefix=prefix,
        batch_size=args.batch_size,
        window_s=args.window,
        available_now=args.available_now,
    )
    with LiveStore.connect(settings) as store:
        alerts = None
        if not args.no_alerts:
            from vts.cli.cmd_query import parse_params
            from vts.live.alerts import LiveAlerts, rule_context
            from vts.rules.params import ReportParams

            params = ReportParams().with_overrides(parse_params(args.param))
            alerts = LiveAlerts(store, rule_context(lake_of(args), params))
        consumer = LiveConsumer(store, alerts=alerts)
        try:
            totals = EventSourceEmulator(consumer, options).run(_progress)
        finally:
            consumer.close()
    out.record(totals.as_dict(), title="live run")
    return 0
