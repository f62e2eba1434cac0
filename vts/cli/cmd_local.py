"""``vts local up|down|status``: the local Kafka broker (KRaft, from Maven jars, no Docker)
and the live store (valkey-server or redis-server, docs/live.md)."""

from __future__ import annotations

import argparse
from typing import Any

from vts.cli.console import Output, add_output_options
from vts.exceptions import NotInstalledError
from vts.local.kafka_broker import BrokerOptions, LocalKafka, ScramUser
from vts.local.redis_server import LocalRedis
from vts.settings import env

EPILOG = """examples:
  vts local up                                  start Kafka on a free port under $VTS_HOME
  vts local up --port 9092 --partitions 6 --retention-hours 2
  vts local up --scram-user alice=alice-pw      also a SCRAM-SHA-512 listener with user alice
  vts local up --live-port 6379                 the live store on a fixed port
  vts local up --no-live-store                  Kafka only
  vts --format json local status                the bootstrap address (and more) as JSON
  vts local status --format json | jq -r .bootstrap
  vts local down

State (pid, ports) is in $VTS_HOME/kafka/state.json, broker logs in $VTS_HOME/kafka/logs/;
topics are kept across down/up. The live store (valkey-server, else redis-server; `make
redis` installs it) keeps its state in $VTS_HOME/redis/ and nothing on disk: `vts live run`
rebuilds it from the topics. JSON output holds Kafka's fields and a "live_store" object.
`status` exits 0 when Kafka runs and 3 when it does not.
"""


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "local",
        help="local Kafka broker and live store: up, down, status",
        description="A single-node Kafka (KRaft) broker on 127.0.0.1, run from the jars "
        "`make jars` fetched into $VTS_HOME/jars/kafka, and the live store (a Redis-protocol "
        "server) beside it; no Docker needed.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    verbs = parser.add_subparsers(dest="verb", metavar="VERB", required=True)

    p = verbs.add_parser(
        "up",
        help="start the broker and the live store (if not running); create the five topics",
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
    p.add_argument(
        "--live-port", type=int, default=None, help="the live store's port (default: a free one)"
    )
    p.add_argument("--no-live-store", action="store_true", help="do not start the live store")
    add_output_options(p)
    p.set_defaults(func=_up)

    p = verbs.add_parser(
        "down",
        help="stop the broker and the live store (SIGTERM, then SIGKILL after --timeout)",
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
        help="whether the broker and the live store run: addresses, topics",
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
    live: dict[str, Any] = {"running": False}
    if not args.no_live_store:
        try:
            live = LocalRedis().up(port=args.live_port, report=out.message).as_record()
        except NotInstalledError as exc:
            out.message(f"the live store is not started: {exc}")
    _show(out, status.as_record(), live)
    return 0


def _show(out: Output, kafka: dict[str, Any], live: dict[str, Any]) -> None:
    """Kafka's record with the live store's: one JSON object, or two blocks of text."""
    if out.fmt == "text":
        out.record(kafka, title="local Kafka")
        out.record(live, title="live store")
    else:
        out.record({**kafka, "live_store": live})


def _down(args: argparse.Namespace, out: Output) -> int:
    stopped = LocalKafka().down(timeout=args.timeout, report=out.message)
    live_stopped = LocalRedis().down(timeout=args.timeout, report=out.message)
    if out.fmt != "text":
        out.record({"running": False, "stopped": stopped, "live_store_stopped": live_stopped})
    return 0


def _status(args: argparse.Namespace, out: Output) -> int:
    status = LocalKafka().status()
    _show(out, status.as_record(), LocalRedis().status().as_record())
    if not status.running and out.fmt == "text":
        out.message("start it with `vts local up`")
    return 0 if status.running else 3
