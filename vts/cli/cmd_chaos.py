"""``vts chaos``: the pipeline under load with faults injected at seeded random moments."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from vts.cli.console import Output, Progress, add_output_options
from vts.stopping import interrupt_on_signals

EPILOG = """examples:
  vts chaos                                     20,000 events, 2 job kills, 1 broker restart,
                                                1 late replay, 1 producer kill (seed 1)
  vts chaos --events 200000 --kills 5 --broker-restarts 1 --late-replays 3 --seed 7
  vts chaos --s3 --seed 7                       the lake on moto's S3 server (s3a://)
  vts chaos --live --live-kills 2 --live-replays 1
                                                the live path too: `vts live run` SIGKILLed
                                                twice, and once restarted in a new consumer
                                                group (every window delivered again, late)
  vts --format json chaos --seed 3 > report.json

Runs everything itself on 127.0.0.1: a Kafka broker of its own under $VTS_HOME/chaos/run-*,
moto's server (DynamoDB for the Lambda's idempotency table; S3 with --s3), the simulator
Lambda's handler (functions/simulator_producer/app.py) as a warm container producing one
window per second, and the Glue job script with a short trigger and dedup watermark. The
faults' moments come from --seed and are printed first, so a run can be repeated. Exit
status 0 when lost, duplicated, orphans, quarantined and unexpected are all zero, 1 if not.
With --live, also `vts live run` on a redis-server of its own (the scenario's roads and
geofences): its alerts must be the reports' rules over the same windows, each raised once
(lost, duplicated, unexpected all zero), and each vehicle's live state its newest fix in
the lake (stale, missing, unknown all zero).
Needs a source checkout after `make install jars`.
"""


def register(sub: Any) -> None:
    p = sub.add_parser(
        "chaos",
        help="inject faults under load and check the lake against the simulator's truth",
        description="Keep the simulator producing, SIGKILL and restart the streaming job, "
        "restart the broker, replay old windows late, kill the producer mid-window; then "
        "compare the lake (read with pyarrow) with the ground truth of every window.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--events", type=int, default=20_000, help="events to produce (about)")
    p.add_argument("--rate", type=float, default=2_000.0, help="events per second")
    p.add_argument("--window-seconds", type=int, default=10, help="simulated seconds a window")
    p.add_argument("--seed", type=int, default=1, help="seeds the faults and the simulation")
    p.add_argument("--kills", type=int, default=2, help="SIGKILLs of the streaming job")
    p.add_argument("--broker-restarts", type=int, default=1)
    p.add_argument("--late-replays", type=int, default=1, help="completed windows invoked again")
    p.add_argument("--producer-kills", type=int, default=1, help="SIGKILLs of the producer")
    p.add_argument("--trigger-seconds", type=int, default=2, help="the job's micro-batch interval")
    p.add_argument("--watermark", default="5 seconds", help="the job's dedup watermark")
    p.add_argument("--s3", action="store_true", help="the lake on moto's S3 server (s3a://)")
    p.add_argument(
        "--live", action="store_true", help="the live path too (vts live run, alerts, states)"
    )
    p.add_argument("--live-kills", type=int, default=2, help="with --live: SIGKILLs of the runner")
    p.add_argument(
        "--live-replays",
        type=int,
        default=1,
        help="with --live: restarts in a new consumer group (everything delivered again)",
    )
    p.add_argument("--workdir", type=Path, help="where runs go (default $VTS_HOME/chaos)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    add_output_options(p)
    p.set_defaults(func=_run)


@interrupt_on_signals()  # Ctrl-C also when started with SIGINT ignored; SIGTERM too
def _run(args: argparse.Namespace, out: Output) -> int:
    from vts.chaos.options import ChaosOptions, plan_of, workload_of
    from vts.chaos.run import run_chaos
    from vts.exceptions import ConfigError

    names = ("kills", "broker_restarts", "late_replays", "producer_kills", "live_kills")
    for name in (*names, "live_replays"):
        if getattr(args, name) < 0:
            raise ConfigError(
                f"--{name.replace('_', '-')} cannot be negative", hint="use 0 or more"
            )
    if args.events < 1 or args.rate <= 0 or args.window_seconds < 1 or args.trigger_seconds < 1:
        raise ConfigError(
            "--events, --rate, --window-seconds and --trigger-seconds must be positive",
            hint="e.g. --events 20000 --rate 2000",
        )
    options = ChaosOptions(
        events=args.events,
        rate=args.rate,
        window_seconds=args.window_seconds,
        seed=args.seed,
        kills=args.kills,
        broker_restarts=args.broker_restarts,
        late_replays=args.late_replays,
        producer_kills=args.producer_kills,
        trigger_seconds=args.trigger_seconds,
        watermark=args.watermark,
        s3=args.s3,
        workdir=args.workdir,
        live=args.live,
        live_kills=args.live_kills,
        live_replays=args.live_replays,
    )
    workload = workload_of(options)
    out.message(
        f"chaos seed {args.seed}: {workload.windows} windows of {workload.vehicles} vehicles "
        f"x {workload.window_seconds}s, one a second; faults:"
    )
    for fault in plan_of(options):
        out.message(f"  {fault.describe()}")
    bar = Progress(1.0, "chaos", enabled=False if args.no_progress else None)
    try:
        report = run_chaos(options, progress=bar.update)
    finally:
        bar.close()
    data = report.as_dict()
    if out.fmt == "json":
        out.record(data)
    else:
        out.message(f"chaos seed {args.seed} on {report.backend}: {report.summary()}")
        done = "; ".join(f"t+{f['at_actual_s']}s {f['kind']}" for f in report.faults)
        out.message(f"faults: {done or 'none'}")
        out.table(
            [t.as_dict() for t in report.verdict.tables],
            columns=[
                "table",
                "expected",
                "rows",
                "lost",
                "duplicated",
                "unexpected",
                "quarantined",
            ],
        )
        out.message(f"{report.wall_s:.0f}s; logs and the lake in {report.workdir}")
    return 0 if report.ok else 1
