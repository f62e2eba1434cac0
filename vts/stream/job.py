"""The streaming job: Kafka -> parse, normalise, validate, deduplicate -> the lake.

``run(args)`` is the whole job, on AWS Glue (``spark`` from ``GlueContext``) and locally
(a ``local[2]`` session from ``vts.spark.session``): the same query, another session.

Restarting is normal operation (Glue restarts streaming jobs on its own schedule): the
query resumes from ``args.checkpoint_path``, replays the micro-batch that was in flight
and the sink overwrites that batch's own files, so nothing is lost or duplicated.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from vts.stopping import stop_on_signals
from vts.storage.files import ArrowFiles
from vts.stream.args import JobArgs
from vts.stream.exceptions import JobFailedError
from vts.stream.metrics import BatchMetricsCollector, make_publisher
from vts.stream.sink import BatchReport, LakeSink
from vts.stream.source import read_kafka
from vts.stream.transforms import TransformConfig, deduplicate, map_in_arrow, staged_keys

if TYPE_CHECKING:
    import pyarrow as pa
    from pyspark.sql import SparkSession
    from pyspark.sql.streaming import StreamingQuery, StreamingQueryListener

    from vts.catalog.base import Catalog

logger = logging.getLogger(__name__)

# Session settings the job depends on (set before the query starts).
SESSION_CONF = {
    # dt/hr are derived from UTC wall-clock time
    "spark.sql.session.timeZone": "UTC",
    # the dedup state lives in RocksDB, not on the JVM heap
    "spark.sql.streaming.stateStore.providerClass": (
        "org.apache.spark.sql.execution.streaming.state.RocksDBStateStoreProvider"
    ),
    # a batch commits a changelog of its state changes, not a snapshot of the whole
    # store (snapshots are made in the background): the state's share of a small
    # batch's fixed cost; an existing checkpoint can switch either way
    "spark.sql.streaming.stateStore.rocksdb.changelogCheckpointing.enabled": "true",
    # no row count kept for the state's metrics: it costs a second lookup per new key
    "spark.sql.streaming.stateStore.rocksdb.trackTotalNumberOfRows": "false",
    # each state store (one per state partition) has its own block cache and write
    # buffers, bounded by their sizes: 16 MiB memtables, two at most, and an 8 MiB cache.
    # Not Spark's shared budget (``boundedMemoryUsage``): Spark 3.5 makes it a *strict*
    # LRU limit, and once the cache is full of pinned blocks and write-buffer charges a
    # read fails the batch ("Insert failed due to LRU cache being full") and stops the
    # query (the 120-minute soak of 2026-12-06 15:05 died so at minute 59, with 64 MiB)
    "spark.sql.streaming.stateStore.rocksdb.boundedMemoryUsage": "false",
    "spark.sql.streaming.stateStore.rocksdb.writeBufferSizeMB": "16",
    "spark.sql.streaming.stateStore.rocksdb.maxWriteBufferNumber": "2",
    "spark.sql.streaming.stateStore.rocksdb.blockCacheSizeMB": "8",
    # no extra micro-batch just to move the dedup watermark on (a whole batch's fixed
    # cost): in a streaming run, expired keys are dropped by the next batch that brings
    # data instead (a catch-up run needs that batch: ``CATCH_UP_CONF``)
    "spark.sql.streaming.noDataMicroBatches.enabled": "false",
}
# An ``--available_now`` run ends with one batch that moves the dedup watermark on. Spark
# moves it between the batches of a run, from what the last one read, and a restarted
# query starts from the watermark its last batch ran with: without that batch, a chain of
# one-batch catch-up runs (a scheduled catch-up, a restart after every crash) would never
# move it, and the dedup state would keep every key for good.
CATCH_UP_CONF = {"spark.sql.streaming.noDataMicroBatches.enabled": "true"}


# How long a stopping run waits for Spark to post its last batches' progress (metrics).
PUBLISH_WAIT_S = 10.0


@dataclass(frozen=True)
class JobResult:
    """What a run did (a streaming run reports this when it is stopped)."""

    batches: int
    rows: dict[str, int]
    quarantined: int
    files: int
    seconds: float
    stopped: str

    @property
    def events(self) -> int:
        return sum(self.rows.values())


def configure_session(spark: SparkSession, args: JobArgs) -> None:
    """Apply the settings the job relies on to ``spark``."""
    for key, value in {**SESSION_CONF, **(CATCH_UP_CONF if args.available_now else {})}.items():
        spark.conf.set(key, value)
    if args.shuffle_partitions is not None:
        spark.conf.set("spark.sql.shuffle.partitions", str(args.shuffle_partitions))


def make_catalog(spark: SparkSession, args: JobArgs) -> Catalog | None:
    """The catalog partitions are registered in (``None`` when registration is off)."""
    if not args.register_partitions or args.catalog == "none":
        return None
    from vts.catalog.base import get_catalog

    if args.catalog == "glue":
        return get_catalog("glue", region_name=args.region)
    return get_catalog("spark", spark=spark)


def start(
    spark: SparkSession,
    args: JobArgs,
    *,
    catalog: Catalog | None = None,
    on_batch: Callable[[BatchReport], None] | None = None,
) -> tuple[StreamingQuery, LakeSink]:
    """Start the streaming query; returns it and its sink (whose ``totals`` grow)."""
    configure_session(spark, args)
    config = TransformConfig(
        tables=args.topics, topic_prefix=args.topic_prefix, v0_timezone=args.v0_timezone
    )
    # One validation task per core, not one per topic partition: each task pays a fixed
    # cost (a Python worker, the validators), which dominates small batches.
    source = read_kafka(spark, args).coalesce(max(1, spark.sparkContext.defaultParallelism))
    # the workers write the lake's files on the file system Spark checkpoints to (an S3
    # endpoint set for s3a:// in a local run, AWS's S3 on Glue)
    files = ArrowFiles(spark.conf.get("spark.hadoop.fs.s3a.endpoint", None), args.region)
    keys = deduplicate(staged_keys(source, config, args.layout, files), args.watermark)
    collector = BatchMetricsCollector(
        make_publisher(args.metrics, namespace=args.metrics_namespace, job_name=args.job_name)
    )

    def on_report(report: BatchReport) -> None:
        collector.on_batch(report)
        if on_batch is not None:
            on_batch(report)

    sink = LakeSink(
        spark,
        args.layout,
        files=files,
        catalog=catalog,
        database=args.catalog_database,
        on_batch=on_report,
    )
    query_name = args.job_name.replace("-", "_")
    sink.listener = _listen(spark, query_name, collector)
    writer = (
        keys.writeStream.queryName(query_name)
        .option("checkpointLocation", args.checkpoint_path)
        .foreachBatch(sink)
    )
    if args.available_now:
        writer = writer.trigger(availableNow=True)
    else:
        writer = writer.trigger(processingTime=f"{args.trigger_seconds} seconds")
    warm_python_workers(spark)
    query = writer.start()
    logger.info(
        "started %s (query %s): %s -> %s",
        args.job_name,
        query.id,
        ",".join(args.topic_names),
        args.output_path,
    )
    return query, sink


def _import_worker_code(batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """A warm-up task: the Python worker imports what the job's tasks run."""
    import vts.stream.staging  # noqa: F401 - the import is the point

    yield from batches


def warm_python_workers(spark: SparkSession) -> threading.Thread:
    """Start the Python workers, one per core, and import the job's code in them while
    the query plans its first micro-batch (a tiny job in the background).

    Spark starts a worker when a task first needs one and keeps it for later tasks (its
    default ``spark.python.worker.reuse``); without this, the first batch's tasks would
    wait for the workers to start and import pyarrow and the contract. The warm-up's job
    runs Arrow over a DataFrame like the job's own, so its workers are the ones the
    job's tasks reuse (Spark keeps one pool per kind of runner).
    """
    import pyarrow as pa

    cores = max(1, spark.sparkContext.defaultParallelism)

    def warm() -> None:
        started = time.monotonic()
        try:
            frame = spark.range(0, cores, 1, cores)
            ids = pa.schema([pa.field("id", pa.int64())])
            # the "noop" sink runs the job and brings nothing back (no result socket)
            warm = map_in_arrow(frame, _import_worker_code, ids)
            warm.write.format("noop").mode("overwrite").save()
            logger.debug("Python workers ready in %.1fs", time.monotonic() - started)
        except Exception:  # noqa: BLE001 - only a head start: the batch starts its own
            logger.debug("warming the Python workers failed", exc_info=True)

    thread = threading.Thread(target=warm, name="vts-warm-python-workers", daemon=True)
    thread.start()
    return thread


def _listen(
    spark: SparkSession, query_name: str, collector: BatchMetricsCollector
) -> StreamingQueryListener:
    """Publish each finished micro-batch of ``query_name`` through ``collector``."""
    from pyspark.sql.streaming import StreamingQueryListener

    class _ProgressListener(StreamingQueryListener):
        def __init__(self) -> None:
            super().__init__()
            self.collector = collector
            self.terminated = threading.Event()  # Spark posts it after the query stopped

        def onQueryStarted(self, event: object) -> None:
            pass

        def onQueryProgress(self, event: object) -> None:
            progress = event.progress  # type: ignore[attr-defined]
            if progress.name != query_name:
                return
            try:
                collector.on_progress(json.loads(progress.json))
            except Exception:  # noqa: BLE001 - a metrics fault must not stop the job
                logger.exception("could not publish the metrics of batch %s", progress.batchId)

        def onQueryIdle(self, event: object) -> None:
            pass

        def onQueryTerminated(self, event: object) -> None:
            self.terminated.set()

    listener = _ProgressListener()
    spark.streams.addListener(listener)
    return listener


def run(
    args: JobArgs,
    *,
    spark: SparkSession | None = None,
    catalog: Catalog | None | str = "auto",
    on_batch: Callable[[BatchReport], None] | None = None,
    max_batches: int | None = None,
    timeout: float | None = None,
) -> JobResult:
    """Run the job until it is caught up (``available_now``), stopped, or limited.

    ``max_batches``/``timeout`` stop a streaming run gracefully after that many batches
    or seconds (a later run resumes from the checkpoint). ``catalog="auto"`` builds the
    one ``args`` names.
    """
    if spark is None:
        from vts.spark.session import SparkSettings, build_session

        spark = build_session(SparkSettings.local(long_running=not args.available_now))
    chosen = make_catalog(spark, args) if catalog == "auto" else catalog
    if isinstance(chosen, str):
        raise TypeError(f"catalog must be a Catalog, None or 'auto', not {chosen!r}")
    started = time.monotonic()
    query, sink = start(spark, args, catalog=chosen, on_batch=on_batch)
    try:
        stopped = _await(
            query,
            sink,
            max_batches=max_batches,
            timeout=timeout,
            started=started,
            checkpoint=args.checkpoint_path,
        )
    finally:
        if sink.listener is not None:
            if not sink.listener.collector.wait_published(PUBLISH_WAIT_S):
                logger.warning("the last batches' metrics were not published in time")
            # removed once Spark has told it the query ended: a process that exits with
            # that event still queued gets the JVM's stack trace for an unreachable listener
            sink.listener.terminated.wait(PUBLISH_WAIT_S)
            spark.streams.removeListener(sink.listener)
    totals = sink.totals
    return JobResult(
        batches=totals.batches,
        rows=dict(totals.rows),
        quarantined=totals.quarantined,
        files=totals.files,
        seconds=time.monotonic() - started,
        stopped=stopped,
    )


def _await(
    query: StreamingQuery,
    sink: LakeSink,
    *,
    max_batches: int | None,
    timeout: float | None,
    started: float,
    checkpoint: str,
) -> str:
    """Wait for the query to end (or stop it at a limit); raise if it failed."""
    from pyspark.errors import StreamingQueryException

    reason = "caught up"
    try:
        # Ctrl-C or SIGTERM only sets an event (vts.stopping) while the main thread waits in
        # py4j: PySpark's own SIGINT handler calls the JVM from inside the signal handler,
        # which breaks that call. The query stopped, the interruption goes on as usual.
        with stop_on_signals() as stop:
            while query.isActive:
                query.awaitTermination(1)
                if stop.is_set():
                    _stop_between_batches(query, stop)
                    raise KeyboardInterrupt  # the caller's run is cut short too (vts demo)
                if max_batches is not None and sink.totals.batches >= max_batches:
                    reason = f"{max_batches} batches"
                    query.stop()
                elif timeout is not None and time.monotonic() - started > timeout:
                    reason = f"{timeout:g}s limit"
                    query.stop()
        query.awaitTermination()
    except StreamingQueryException as exc:
        raise JobFailedError(_first_line(exc), checkpoint=checkpoint) from exc
    return reason


def _stop_between_batches(query: StreamingQuery, stop: threading.Event) -> None:
    """Ctrl-C: stop ``query`` once the micro-batch in flight has ended, or at once on a
    second signal (``stop`` is set again)."""
    stop.clear()
    if query.status.get("isTriggerActive"):
        logger.warning(
            "interrupted: stopping the query once the batch in progress ends "
            "(Ctrl-C again stops it now; a rerun resumes it)"
        )
    else:
        logger.warning("interrupted: stopping the query (a rerun resumes it)")
    stop_between_batches(query, stop)


def stop_between_batches(query: StreamingQuery, hurry: threading.Event | None = None) -> None:
    """Stop ``query`` once no micro-batch is in flight (or at once when ``hurry`` is set).

    Stopping mid-batch is safe (the checkpoint replays the batch) but interrupts its tasks,
    and Spark then logs each killed Python worker, and the sink's interrupted call, with a
    stack trace."""
    while query.isActive and query.status.get("isTriggerActive"):
        if hurry is not None and hurry.is_set():
            break
        time.sleep(0.05)
    query.stop()


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "desc", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
