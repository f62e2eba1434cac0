"""``vts job run``: the Glue streaming job, locally on PySpark ``local[2]``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from vts.cli.brokers import resolve_bootstrap
from vts.cli.console import Output, add_output_options
from vts.settings import LocalPaths

EPILOG = """examples:
  vts job run --available-now           read what Kafka holds, write the lake, stop
  vts job run --trigger-seconds 30      keep streaming (Ctrl-C stops; a rerun resumes)
  vts job run --broker 127.0.0.1:9092 --lake s3a://bucket/data --quarantine s3a://bucket/q

Defaults: the `vts local up` broker, the lake in $VTS_HOME/lake (quarantine in
$VTS_HOME/lake/quarantine), the checkpoint in $VTS_HOME/checkpoints/job. The same job runs on
AWS Glue as glue_scripts/vts_streaming_job.py with the same arguments.
"""


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "job",
        help="the Glue streaming job, run locally",
        description="Kafka -> parse, normalise, validate, deduplicate -> partitioned Parquet.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    verbs = parser.add_subparsers(dest="verb", metavar="VERB", required=True)
    p = verbs.add_parser(
        "run",
        help="run the streaming job on local PySpark",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--broker", metavar="HOST:PORT", help="bootstrap servers")
    p.add_argument("--lake", help="output path (default $VTS_HOME/lake)")
    p.add_argument("--quarantine", help="quarantine path (default <lake>/quarantine)")
    p.add_argument("--checkpoint", help="checkpoint path (default $VTS_HOME/checkpoints/job)")
    p.add_argument("--available-now", action="store_true", help="stop once caught up")
    p.add_argument("--trigger-seconds", type=int, default=60, help="micro-batch interval")
    p.add_argument("--starting-offsets", choices=("earliest", "latest"), default="earliest")
    p.add_argument("--auth", choices=("plaintext", "scram", "iam"), default="plaintext")
    p.add_argument("--topic-prefix", default="", help="topic name = prefix + table")
    p.add_argument("--database", default="vts", help="catalog database for new partitions")
    p.add_argument("--v0-timezone", default="UTC", help="zone of tutorial (v0) timestamps")
    p.add_argument("--max-batches", type=int, help="stop after this many micro-batches")
    p.add_argument("--timeout", type=float, help="stop after this many seconds")
    add_output_options(p)
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace, out: Output) -> int:
    from vts.stream.args import JobArgs
    from vts.stream.job import run
    from vts.stream.sink import BatchReport

    paths = LocalPaths.from_env()
    lake = args.lake or str(paths.lake)
    job_args = JobArgs(
        bootstrap_servers=resolve_bootstrap(args.broker),
        output_path=lake,
        quarantine_path=args.quarantine or f"{lake.rstrip('/')}/quarantine",
        checkpoint_path=args.checkpoint or str(Path(paths.checkpoints) / "job"),
        available_now=args.available_now,
        trigger_seconds=args.trigger_seconds,
        starting_offsets=args.starting_offsets,
        kafka_auth=args.auth,
        topic_prefix=args.topic_prefix,
        catalog_database=args.database,
        v0_timezone=args.v0_timezone,
    )

    def on_batch(batch: BatchReport) -> None:
        print(
            f"batch {batch.batch_id}: {batch.events:,} rows, {batch.quarantined} quarantined, "
            f"{batch.files} files, {batch.registered} partitions registered "
            f"({batch.seconds:.1f}s)",
            file=sys.stderr,
            flush=True,
        )

    result = run(job_args, on_batch=on_batch, max_batches=args.max_batches, timeout=args.timeout)
    out.record(
        {
            "batches": result.batches,
            "events": result.events,
            "rows": result.rows,
            "quarantined": result.quarantined,
            "files": result.files,
            "seconds": round(result.seconds, 1),
            "stopped": result.stopped,
        },
        title="job finished",
    )
    return 0
