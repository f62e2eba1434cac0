"""``vts job run``: the Glue streaming job, locally on PySpark ``local[2]``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vts.cli.brokers import resolve_bootstrap
from vts.cli.console import Output, add_command, add_output_options
from vts.settings import LocalPaths
from vts.stopping import interrupt_on_signals

if TYPE_CHECKING:
    from vts.stream.args import JobArgs
    from vts.stream.sink import BatchReport

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
    p = add_command(verbs, "run", "run the streaming job on local PySpark", EPILOG)
    p.add_argument("--broker", metavar="HOST:PORT", help="bootstrap servers")
    p.add_argument("--lake", help="output path (default $VTS_HOME/lake)")
    p.add_argument("--quarantine", help="quarantine path (default <lake>/quarantine)")
    p.add_argument("--checkpoint", help="checkpoint path (default $VTS_HOME/checkpoints/job)")
    p.add_argument("--available-now", action="store_true", help="stop once caught up")
    p.add_argument("--trigger-seconds", type=int, default=60, help="micro-batch interval")
    p.add_argument("--starting-offsets", choices=("earliest", "latest"), default="earliest")
    p.add_argument("--auth", choices=("plaintext", "scram", "iam"), default="plaintext")
    p.add_argument("--topics", help="comma list of tables to read (default all five)")
    p.add_argument("--topic-prefix", default="", help="topic name = prefix + table")
    p.add_argument(
        "--max-offsets-per-trigger",
        type=int,
        help="cap on records per batch (default: the job's, 500,000; it bounds a batch's memory)",
    )
    p.add_argument(
        "--watermark",
        default="10 minutes",
        help="a duplicate event_id this soon after the first is dropped (keys are kept that long)",
    )
    p.add_argument("--database", default="vts", help="catalog database for new partitions")
    p.add_argument(
        "--no-register", action="store_true", help="do not register partitions in the catalog"
    )
    p.add_argument("--v0-timezone", default="UTC", help="zone of tutorial (v0) timestamps")
    p.add_argument("--max-batches", type=int, help="stop after this many micro-batches")
    p.add_argument("--timeout", type=float, help="stop after this many seconds")
    add_output_options(p)
    p.set_defaults(func=_run)


def job_args(args: argparse.Namespace, paths: LocalPaths) -> JobArgs:
    """The ``JobArgs`` the flags describe (the same record the Glue script builds)."""
    from vts.contract.topics import TOPIC_NAMES
    from vts.stream.args import JobArgs

    lake = args.lake or str(paths.lake)
    topics = tuple(t.strip() for t in args.topics.split(",")) if args.topics else TOPIC_NAMES
    cap = args.max_offsets_per_trigger
    return JobArgs(
        bootstrap_servers=resolve_bootstrap(args.broker),
        output_path=lake,
        quarantine_path=args.quarantine or f"{lake.rstrip('/')}/quarantine",
        checkpoint_path=args.checkpoint or str(Path(paths.checkpoints) / "job"),
        topics=topics,
        available_now=args.available_now,
        trigger_seconds=args.trigger_seconds,
        starting_offsets=args.starting_offsets,
        kafka_auth=args.auth,
        topic_prefix=args.topic_prefix,
        **({"max_offsets_per_trigger": cap} if cap else {}),
        watermark=args.watermark,
        catalog_database=args.database,
        register_partitions=not args.no_register,
        v0_timezone=args.v0_timezone,
        job_name="vts-job-local",
    )


@interrupt_on_signals()  # Ctrl-C also when started with SIGINT ignored; SIGTERM too
def _run(args: argparse.Namespace, out: Output) -> int:
    from vts.stream.job import run

    job = job_args(args, LocalPaths.from_env())
    out.message(f"job: {','.join(job.topic_names)} at {job.bootstrap_servers} -> {job.output_path}")

    def on_batch(batch: BatchReport) -> None:
        if not batch.records:  # e.g. a batch whose every record was a duplicate
            return
        out.message(
            f"batch {batch.batch_id}: {batch.events:,} events, {batch.quarantined:,} "
            f"quarantined, {batch.files} files, {batch.registered} partitions registered "
            f"({batch.seconds:.1f}s)"
        )

    result = run(job, on_batch=on_batch, max_batches=args.max_batches, timeout=args.timeout)
    out.record(
        {
            "batches": result.batches,
            "events": result.events,
            "rows": result.rows,
            "quarantined": result.quarantined,
            "files": result.files,
            "seconds": round(result.seconds, 1),
            "stopped": result.stopped,
            "lake": job.output_path,
            "checkpoint": job.checkpoint_path,
        },
        title="job finished",
    )
    return 0
