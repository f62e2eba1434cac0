"""``vts local up|down|status``: the local Kafka broker (KRaft, from Maven jars, no Docker)."""

from __future__ import annotations

import argparse
from typing import Any

from vts.cli.console import Output, add_output_options
from vts.local.kafka_broker import BrokerOptions, LocalKafka, ScramUser
from vts.settings import env

EPILOG = """examples:
  vts local up                                  start Kafka on a free port under $VTS_HOME
  vts local up --port 9092 --partitions 6 --retention-hours 2
  vts local up --scram-user alice=alice-pw      also a SCRAM-SHA-512 listener with user alice
  vts --format json local status                the bootstrap address (and more) as JSON
  vts local status --format json | jq -r .bootstrap
  vts local down

State (pid, ports) is in $VTS_HOME/kafka/state.json, broker logs in $VTS_HOME/kafka/logs/;
topics are kept across down/up. `status` exits 0 when Kafka runs and 3 when it does not.
"""


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "local",
        help="local Kafka broker: up, down, status",
        description="A single-node Kafka (KRaft) broker on 127.0.0.1, run from the jars "
        "`make jars` fetched into $VTS_HOME/jars/kafka; no Docker needed.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    verbs = parser.add_subparsers(dest="verb", metavar="VERB", required=True)

    p = verbs.add_parser(
        "up",
        help="start the broker (if it is not running) and create the five topics",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--port", type=int, default=None, help="client port (default: a free one)")
    p.add_argument("--partitions", type=int, default=3, help="partitions per topic (default 3)")
    p.add_argument(
        "--retention-hours",
        type=float,
        default=24.0,
        help="how long the topics keep messages (default 24)",
    )
    p.add_argument(
        "--scram-user",
        action="append",
        default=[],
        metavar="NAME[=PASSWORD]",
        help="add a SCRAM-SHA-512 listener with this user (repeatable); without =PASSWORD the "
        "password is VTS_KAFKA_PASSWORD. A password on the command line is visible to "
        "other local users: use it for throw-away local credentials only",
    )
    p.add_argument(
        "--timeout", type=float, default=90.0, help="seconds to wait for the broker (default 90)"
    )
    p.add_argument("--heap", default="512m", help="JVM maximum heap (default 512m)")
    add_output_options(p)
    p.set_defaults(func=_up)

    p = verbs.add_parser(
        "down",
        help="stop the broker (SIGTERM, then SIGKILL after --timeout)",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--timeout", type=float, default=30.0, help="seconds before SIGKILL (default 30)"
    )
    add_output_options(p)
    p.set_defaults(func=_down)

    p = verbs.add_parser(
        "status",
        help="whether the broker runs, its bootstrap address and topics",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_output_options(p)
    p.set_defaults(func=_status)


def _up(args: argparse.Namespace, out: Output) -> int:
    default_password = env("KAFKA_PASSWORD")
    options = BrokerOptions(
        port=args.port,
        partitions=args.partitions,
        retention_hours=args.retention_hours,
        scram_users=tuple(ScramUser.parse(u, default_password) for u in args.scram_user),
        heap=args.heap,
        ready_timeout=args.timeout,
    )
    status = LocalKafka().up(options, report=out.message)
    out.record(status.as_record(), title="local Kafka")
    return 0


def _down(args: argparse.Namespace, out: Output) -> int:
    stopped = LocalKafka().down(timeout=args.timeout, report=out.message)
    if out.fmt != "text":
        out.record({"running": False, "stopped": stopped})
    return 0


def _status(args: argparse.Namespace, out: Output) -> int:
    status = LocalKafka().status()
    out.record(status.as_record(), title="local Kafka")
    if not status.running and out.fmt == "text":
        out.message("start it with `vts local up`")
    return 0 if status.running else 3
