"""The ``foreachBatch`` writer: each micro-batch lands once, under deterministic names.

Spark's file sink hides files of failed batches only from Spark readers (through its
``_spark_metadata`` log); the Glue crawler, Redshift Spectrum and pyarrow read the folders
and would see them. So the job writes every micro-batch itself:

1. the Python workers validate the batch's records and write each task's rows into
   ``_staging/<query>/b<batch>/`` (hidden from readers), one file per table partition
   and task; Spark sees only a key row per record (``vts.stream.staging``);
2. after the dedup, ``LakeSink`` gathers the surviving keys per staged file, as bitmasks
   (``staging.survivors``; the one Spark job of the batch, which also runs step 1), and
   makes one staged file per table partition: as written when one task wrote it and the
   dedup dropped none of its rows, else the surviving rows of its staged files combined
   (pyarrow, in the driver);
3. register the batch's new partitions in the catalog (best effort: the crawler catches
   up), before their first files appear: a query of the table then sees a batch's rows
   as soon as a listing of its folders does (a partition registered by an attempt that
   dies before it publishes reads as empty until the replay publishes into it);
4. publish those files under ``b<batch>-<query>-<table>-<dt>-<hr>-<n>.parquet`` with
   ``commit.commit_batch`` (a manifest, then atomic moves), drop the staging folder.

The sink's log line of each batch says how long each step took (``BatchReport.steps``).

The sink also hands the workers the batch: its clock, the timestamp Spark recorded for
the batch in the checkpoint's offset log (the same in a replay), and its name (query tag
and batch id, where they stage), as the local properties ``BATCH_TIME_PROPERTY`` and
``BATCH_PROPERTY`` of every job it runs.

The sink lists no staging folder per batch (the key rows name the staged files):
leftovers of an attempt that died are swept once, when the sink writes its first batch
(a replay of the batch in flight, or the batch after it). The manifest that falls out of
the kept window goes into the ledger of published files and is deleted by name
(``vts.stream.ledger``). A table missing from the catalog is asked about again only after
``MISSING_TABLE_RETRY_S``.

Why a reader never sees a partial, orphan or duplicate file, even after ``kill -9``:
partial files only ever exist in staging; a published file appears by an atomic move
(a rename, or on S3 one upload of the whole object);
a batch is replayed by Spark with the same id, the same input offsets and the same
batch timestamp (both in the checkpoint's offset log), so it produces the same names
and replaces its own files; and the manifest lets a replay remove any name an earlier
attempt published that it does not produce. The full argument is in
docs/exactly-once.md.

Files per partition-hour stay bounded: one file per table partition per micro-batch, so
at most ``3600 / trigger_seconds`` for an hour that receives data in every batch.
"""

from __future__ import annotations

import json
import logging
import time
import warnings
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from vts.catalog.base import Catalog, Partition
from vts.contract.topics import QUARANTINE_TABLE
from vts.storage.base import FileStore
from vts.storage.files import ArrowFiles
from vts.storage.hadoop import HadoopFiles
from vts.stream.commit import StagedFile, commit_batch
from vts.stream.layout import LakeLayout, batch_of
from vts.stream.ledger import Ledger
from vts.stream.staging import (
    BATCH_PROPERTY,
    FILE,
    FILE_ROWS,
    ROW,
    SURVIVOR_BLOCK,
    StagedKey,
    Survivors,
    combine,
    staged_path,
    survivors,
)
from vts.stream.validation import BATCH_TIME_PROPERTY

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

logger = logging.getLogger(__name__)

MISSING_TABLE_RETRY_S = 300.0
# Partitions whose staged files the sink combines at once (in the driver, with pyarrow).
COMBINE_THREADS = 4


@dataclass(frozen=True)
class BatchReport:
    """What one micro-batch wrote."""

    batch_id: int
    rows: dict[str, int]
    quarantined: int
    files: int
    partitions: int
    registered: int
    seconds: float
    replayed: bool = False
    # (step, seconds) in the order the batch took them: where its time went
    steps: tuple[tuple[str, float], ...] = ()

    @property
    def events(self) -> int:
        return sum(self.rows.values())

    @property
    def records(self) -> int:
        return self.events + self.quarantined


@dataclass
class SinkTotals:
    """Running totals over the batches a sink has written."""

    batches: int = 0
    rows: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    quarantined: int = 0
    files: int = 0

    def add(self, report: BatchReport) -> None:
        self.batches += 1
        for table, n in report.rows.items():
            self.rows[table] += n
        self.quarantined += report.quarantined
        self.files += report.files


def collect(frame: DataFrame) -> list[Any]:
    """``frame.collect()`` without PySpark's socket ``ResourceWarning`` (an error in tests)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        rows: list[Any] = frame.collect()
    return rows


class _Steps:
    """Seconds per step of a batch, from the sink's start: ``mark`` ends a step."""

    def __init__(self, started: float) -> None:
        self.started = self.last = started
        self.taken: list[tuple[str, float]] = []

    def mark(self, step: str) -> None:
        now = time.monotonic()
        self.taken.append((step, round(now - self.last, 3)))
        self.last = now

    def total(self) -> float:
        return time.monotonic() - self.started


class LakeSink:
    """``foreachBatch`` target: ``query.writeStream.foreachBatch(LakeSink(...))``."""

    def __init__(
        self,
        spark: SparkSession,
        layout: LakeLayout,
        *,
        store: FileStore | None = None,
        files: ArrowFiles | None = None,
        catalog: Catalog | None = None,
        database: str = "vts",
        on_batch: Callable[[BatchReport], None] | None = None,
    ) -> None:
        self.spark = spark
        self.layout = layout
        self.store = store or HadoopFiles(spark)
        self.files = files or ArrowFiles()
        self.catalog = catalog
        self.database = database
        self.on_batch = on_batch
        self.totals = SinkTotals()
        # The job's progress listener (publishes this sink's batches), removed at the end.
        self.listener: Any = None
        self._tag: str | None = None
        self._registered: set[tuple[str, str, str]] = set()
        self._missing: dict[str, float] = {}  # table -> when to ask the catalog again
        self._swept = False
        self.ledger = Ledger(self.store, layout)

    @property
    def query_tag(self) -> str:
        """8 hex digits of the streaming query id (kept in the checkpoint's metadata)."""
        if self._tag is None:
            text = self.store.read_text(self.layout.query_metadata)
            if text is None:
                raise FileNotFoundError(f"no query metadata at {self.layout.query_metadata}")
            self._tag = json.loads(text)["id"].replace("-", "")[:8]
        return self._tag

    def batch_time_ms(self, batch_id: int) -> str | None:
        """The micro-batch's timestamp (epoch ms) from Spark's offset log (``None`` when
        there is no entry: a static DataFrame, whose transforms pin their clock)."""
        text = self.store.read_text(self.layout.offset_log(batch_id))
        if text is None:
            return None
        lines = text.splitlines()  # "v1", the batch's metadata, then one line per source
        try:
            return str(int(json.loads(lines[1])["batchTimestampMs"]))
        except (IndexError, KeyError, TypeError, ValueError) as exc:
            raise ValueError(
                f"unreadable offset log entry {self.layout.offset_log(batch_id)}: {exc}"
            ) from exc

    def _set_clock(self, millis: str | None) -> None:
        """Give the jobs this thread starts the batch's clock (a thread-local property)."""
        self.spark.sparkContext.setLocalProperty(BATCH_TIME_PROPERTY, millis)  # type: ignore[arg-type]

    def __call__(self, batch: DataFrame, batch_id: int) -> None:
        started = time.monotonic()
        self._set_clock(self.batch_time_ms(batch_id))
        tag = self.query_tag
        self.spark.sparkContext.setLocalProperty(BATCH_PROPERTY, f"{tag}:{batch_id}")
        if not self._swept:  # what a dead attempt may have left (this process wrote none)
            self._sweep_staging(tag)
            self._swept = True
        report = self._write(batch, batch_id, tag, started)
        self.totals.add(report)
        logger.info(
            "batch %d: %d events, %d quarantined, %d files in %.1fs (%s)",
            batch_id,
            report.events,
            report.quarantined,
            report.files,
            report.seconds,
            ", ".join(f"{step} {seconds:.2f}s" for step, seconds in report.steps),
        )
        if self.on_batch is not None:
            self.on_batch(report)

    def _survivors(self, keys: DataFrame) -> list[Survivors]:
        """Which rows of each staged file survived the dedup (one Spark job: it stages the
        batch too)."""
        from pyspark.sql import functions as F

        block = F.expr(f"{ROW} div {SURVIVOR_BLOCK}").alias("block")
        bit = F.expr(f"shiftleft(1L, {ROW} % {SURVIVOR_BLOCK})")  # the row's bit in its block
        masks = keys.groupBy(FILE, FILE_ROWS, block).agg(F.bit_or(bit).alias("mask"))
        return survivors(tuple(r) for r in collect(masks.select(FILE, FILE_ROWS, "block", "mask")))

    def _write(self, keys: DataFrame, batch_id: int, tag: str, started: float) -> BatchReport:
        steps = _Steps(started)
        survivors = self._survivors(keys)
        steps.mark("spark job")  # read, validate and stage, dedup, gather the survivors
        if not survivors:  # e.g. a batch whose every record was a duplicate
            # nothing to publish; an earlier attempt's files, if one published, go
            commit_batch(self.store, self.layout.manifest_path(batch_id), batch_id, [])
            self._clean_up(self._all_tables(), tag, batch_id)
            steps.mark("publish")
            return BatchReport(batch_id, {}, 0, 0, 0, 0, steps.total(), steps=tuple(steps.taken))
        rows: dict[str, int] = defaultdict(int)
        by_partition: dict[tuple[str, str, str], list[tuple[int, str, list[int] | None]]]
        by_partition = defaultdict(list)
        for found in survivors:
            key = StagedKey.parse(found.file)
            path = key.path(self.layout, tag, batch_id)
            by_partition[(key.table, key.dt, key.hr)].append((key.part, path, found.rows))
            rows[key.table] += found.kept

        def one_file(partition: tuple[str, str, str]) -> StagedFile:
            """The partition's one file: as staged, or its tasks' surviving rows combined."""
            files = sorted(by_partition[partition])
            final = self.layout.final_path(batch_id, tag, *partition, 0)
            if len(files) == 1 and files[0][2] is None:
                return StagedFile(staged=files[0][1], final=final)
            target = staged_path(self.layout, tag, batch_id, *partition, "combined")
            combine(self.files, partition[0], [(path, keep) for _, path, keep in files], target)
            return StagedFile(staged=target, final=final)

        # pyarrow reads and writes without the GIL: the combining runs side by side
        with ThreadPoolExecutor(max_workers=COMBINE_THREADS, thread_name_prefix="vts-sink") as pool:
            staged = list(pool.map(one_file, sorted(by_partition)))
        steps.mark("combine")
        # a new partition is in the catalog before its first file appears, so a query of
        # the table sees the batch's rows as soon as a folder listing does
        registered = self._register(set(by_partition))
        steps.mark("catalog")
        result = commit_batch(self.store, self.layout.manifest_path(batch_id), batch_id, staged)
        steps.mark("publish")
        self._clean_up(self._all_tables(), tag, batch_id)
        steps.mark("clean-up")
        quarantined = rows.pop(QUARANTINE_TABLE, 0)
        return BatchReport(
            batch_id=batch_id,
            rows=dict(rows),
            quarantined=quarantined,
            files=result.files,
            partitions=len(by_partition),
            registered=registered,
            seconds=steps.total(),
            replayed=result.replaced_attempt,
            steps=tuple(steps.taken),
        )

    def _sweep_staging(self, tag: str) -> None:
        """Drop every staging folder of this query (from attempts that died)."""
        roots = {self.layout.staging_batches(t, tag) for t in self._all_tables()}
        for root in roots:
            for folder in self.store.list_dirs(root):
                if batch_of(folder) is not None:
                    self.store.delete(folder, recursive=True)

    def _all_tables(self) -> list[str]:
        from vts.contract.topics import TOPIC_NAMES

        return [*TOPIC_NAMES, QUARANTINE_TABLE]

    def _clean_up(self, tables: list[str], tag: str, batch_id: int) -> None:
        """Drop this batch's staging folders; retire the manifest that left the kept window
        into the ledger (its batch is committed: Spark runs this one after it)."""
        folders = {self.layout.staging_dir(t, tag, batch_id).rsplit("/", 1)[0] for t in tables}
        for folder in folders:
            self.store.delete(folder, recursive=True)
        self.ledger.slide(batch_id)

    def _register(self, partitions: set[tuple[str, str, str]]) -> int:
        """Add the batch's new partitions to the catalog where the table exists."""
        if self.catalog is None:
            return 0
        new: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for table, dt, hr in sorted(partitions - self._registered):
            new[table].append((dt, hr))
        added = 0
        now = time.monotonic()
        for table, values in new.items():
            if self._missing.get(table, 0.0) > now:
                continue
            specs = [
                Partition(
                    values=(("dt", dt), ("hr", hr)),
                    location=self.layout.partition_dir(table, dt, hr),
                )
                for dt, hr in values
            ]
            try:
                if not self.catalog.table_exists(self.database, table):
                    logger.debug(
                        "no table %s.%s yet; the crawler will add it", self.database, table
                    )
                    self._missing[table] = now + MISSING_TABLE_RETRY_S
                    continue
                self._missing.pop(table, None)
                added += self.catalog.add_partitions(self.database, table, specs)
            except Exception as exc:  # best effort: the crawler catches up
                logger.warning(
                    "could not register %d partitions of %s.%s (the crawler will): %s",
                    len(specs),
                    self.database,
                    table,
                    exc,
                )
                continue
            self._registered.update((table, dt, hr) for dt, hr in values)
        return added
