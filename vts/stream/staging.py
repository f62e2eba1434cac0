"""The workers stage each micro-batch's files as they validate it; the JVM sees only keys.

``StagingWriter`` is the job's ``mapInArrow`` function. Per task it runs the contract's
validator over the Kafka records (``BatchValidator``), writes the task's rows as one
Parquet file per (table, ``dt``, ``hr``) into the batch's staging folder, and hands Spark
one narrow row per record (``KEY_SCHEMA``): the dedup key and ingest time, the file the
row went to (``FILE``: ``<table>/<dt>/<hr>/<task partition>``), the file's row count and
the row's index in it. So the dedup shuffle and state move a few dozen bytes per record,
not the record, and no Spark job reads the batch again to write it.

The sink (``vts.stream.sink``) gathers the keys that survive the dedup per file
(``survivors``) and publishes one file per table partition: the staged file as written
when it is the partition's only one and kept every row; else the surviving rows of the
partition's staged files, combined (``combine``). A file with no survivor is left out.

Which task wrote which rows is not stable across attempts of a batch (Spark may group
the Kafka partitions differently after a restart), so nothing depends on it: a replay
stages its own files and the sink's manifest removes any name an earlier attempt
published that the replay does not produce (docs/exactly-once.md). Within one attempt a
retried task rewrites the same file with the same rows.

The batch's identity reaches the workers as the local property ``BATCH_PROPERTY``
(``<query tag>:<batch id>``), set by the sink like the batch's clock.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from vts.contract.events import event_type
from vts.contract.topics import QUARANTINE_TABLE
from vts.storage.files import ArrowFiles
from vts.stream.layout import LakeLayout
from vts.stream.validation import (
    DEDUP_KEY,
    DEST,
    INGEST_TS,
    QUARANTINE_COLUMNS,
    BatchValidator,
)

FILE = "_file"
FILE_ROWS = "_file_rows"
ROW = "_row"
# Rows per bitmask of surviving rows (the bits of a long), see ``survivors``.
SURVIVOR_BLOCK = 64
BLOCK_BITS = (1 << SURVIVOR_BLOCK) - 1
# The local property of a micro-batch's jobs that names it: "<query tag>:<batch id>".
BATCH_PROPERTY = "vts.batch"
KEY_SCHEMA = pa.schema(
    [
        pa.field(DEDUP_KEY, pa.string()),
        pa.field(INGEST_TS, pa.timestamp("us", tz="UTC")),
        pa.field(FILE, pa.string()),
        pa.field(FILE_ROWS, pa.int32()),
        pa.field(ROW, pa.int32()),
    ]
)


def plain_columns(table: str) -> list[str]:
    """The columns of ``table`` written without a Parquet dictionary: values that rarely
    repeat (measurements, times, the event id), where building one costs the writer time
    and saves no space."""
    if table == QUARANTINE_TABLE:
        return []
    return [
        f.name
        for f in event_type(table).fields
        if f.type in ("double", "timestamp") or f.name == "event_id"
    ]


def parquet_options(table: str, columns: list[str]) -> dict[str, Any]:
    """``pq.write_table`` options of the lake's files: snappy, TIMESTAMP_MICROS (what
    pyarrow, Athena and Spectrum read), a dictionary where values repeat."""
    plain = set(plain_columns(table))
    return {
        "compression": "snappy",
        "coerce_timestamps": "us",
        "use_dictionary": [c for c in columns if c not in plain],
    }


@dataclass(frozen=True)
class StagedKey:
    """A ``FILE`` value, parsed: which table partition, written by which task."""

    table: str
    dt: str
    hr: str
    part: int

    @classmethod
    def parse(cls, text: str) -> StagedKey:
        table, dt, hr, part = text.split("/")
        return cls(table, dt, hr, int(part))

    def path(self, layout: LakeLayout, tag: str, batch_id: int) -> str:
        return staged_path(
            layout, tag, batch_id, self.table, self.dt, self.hr, f"part-{self.part:05d}"
        )


def staged_path(
    layout: LakeLayout, tag: str, batch_id: int, table: str, dt: str, hr: str, name: str
) -> str:
    """A staged file of the batch's ``table`` partition (``dt``, ``hr``)."""
    return f"{layout.staging_dir(table, tag, batch_id)}/dt={dt}/hr={hr}/{name}.parquet"


def batch_property() -> tuple[str, int]:
    """The running task's micro-batch: ``(query tag, batch id)`` from ``BATCH_PROPERTY``."""
    from pyspark.taskcontext import TaskContext

    context = TaskContext.get()
    value = context.getLocalProperty(BATCH_PROPERTY) if context is not None else None
    if not value:
        raise RuntimeError(
            f"no micro-batch: the Spark job carries no {BATCH_PROPERTY} property (LakeSink "
            "sets it); stage a batch through the sink"
        )
    tag, _, batch = value.rpartition(":")
    return tag, int(batch)


def _file_rows(routed: pa.RecordBatch, table: str) -> pa.Table:
    """A destination's rows as the file's columns (the contract fields, or quarantine's)."""
    if table == QUARANTINE_TABLE:
        return pa.Table.from_batches([routed.select(list(QUARANTINE_COLUMNS))])
    struct = routed.column(table)
    names = [f.name for f in struct.type]
    return pa.Table.from_arrays(struct.flatten(), names=names)


@dataclass
class _File:
    """One staged file's rows, gathered over a task's batches."""

    parts: list[pa.Table] = field(default_factory=list)
    keys: list[pa.Array] = field(default_factory=list)
    ingest: list[pa.Array] = field(default_factory=list)
    rows: int = 0


@dataclass(frozen=True)
class StagingWriter:
    """``mapInArrow``'s function: Kafka records -> staged files, and their keys out."""

    validator: BatchValidator
    layout: LakeLayout
    files: ArrowFiles

    def __call__(self, batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        from pyspark.taskcontext import TaskContext

        context = TaskContext.get()
        part = context.partitionId() if context is not None else 0
        gathered: dict[str, _File] = {}
        for routed in self.validator(batches):
            self._gather(routed, part, gathered)
        if not gathered:
            return
        tag, batch_id = batch_property()
        for key in sorted(gathered):
            staged = gathered[key]
            target = StagedKey.parse(key)
            table = pa.concat_tables(staged.parts)
            options = parquet_options(target.table, table.column_names)
            self.files.write_parquet(target.path(self.layout, tag, batch_id), table, **options)
            yield pa.RecordBatch.from_arrays(
                [
                    pa.concat_arrays(staged.keys),
                    pa.concat_arrays(staged.ingest),
                    pa.repeat(pa.scalar(key), staged.rows),
                    pa.repeat(pa.scalar(staged.rows, pa.int32()), staged.rows),
                    pa.array(np.arange(staged.rows, dtype=np.int32)),
                ],
                schema=KEY_SCHEMA,
            )

    @staticmethod
    def _gather(routed: pa.RecordBatch, part: int, gathered: dict[str, _File]) -> None:
        dest = routed.column(DEST)
        hour = pc.binary_join_element_wise(dest, routed.column("dt"), routed.column("hr"), "/")
        groups = pc.unique(hour).to_pylist()
        for group in groups:
            rows = routed if len(groups) == 1 else routed.filter(pc.equal(hour, group))
            key = f"{group}/{part}"
            staged = gathered.setdefault(key, _File())
            staged.parts.append(_file_rows(rows, group.split("/", 1)[0]))
            staged.keys.append(rows.column(DEDUP_KEY))
            staged.ingest.append(rows.column(INGEST_TS))
            staged.rows += rows.num_rows


@dataclass(frozen=True)
class Survivors:
    """One staged file after the dedup: its rows, how many survived and, when some were
    dropped, the indexes of those that survived (``None``: all of them)."""

    file: str  # a FILE value
    file_rows: int
    kept: int
    rows: list[int] | None


def survivors(masks: Iterable[tuple[str, int, int, int]]) -> list[Survivors]:
    """``(FILE, FILE_ROWS, block, mask)`` aggregates -> each file's ``Survivors``.

    The sink aggregates the surviving keys into one bitmask per file and block of
    ``SURVIVOR_BLOCK`` rows (bit ``i`` of block ``b``: row ``b * SURVIVOR_BLOCK + i``
    survived), a fixed-width aggregate that Spark keeps in its hash map, where a list of
    every row index per file would cost it a boxed object per row. Most files keep every
    row, so only the others' indexes are spelled out.
    """
    blocks: dict[tuple[str, int], dict[int, int]] = defaultdict(dict)
    for file, file_rows, block, mask in masks:
        blocks[(file, file_rows)][block] = mask & BLOCK_BITS  # a signed long in Spark
    found = []
    for (file, file_rows), masks_of_file in sorted(blocks.items()):
        kept = sum(m.bit_count() for m in masks_of_file.values())
        rows = None
        if kept < file_rows:
            rows = [
                block * SURVIVOR_BLOCK + bit
                for block, mask in sorted(masks_of_file.items())
                for bit in range(SURVIVOR_BLOCK)
                if mask >> bit & 1
            ]
        found.append(Survivors(file, file_rows, kept, rows))
    return found


def combine(
    files: ArrowFiles, table: str, sources: list[tuple[str, list[int] | None]], target: str
) -> None:
    """Write ``table``'s staged files ``sources`` as the one file ``target``: each
    source's rows, or only those at the given indexes (the ones that survived the dedup)."""
    parts = []
    for path, keep in sources:
        rows = files.read_parquet(path)
        parts.append(rows if keep is None else rows.take(pa.array(sorted(keep), pa.int32())))
    merged = pa.concat_tables(parts)
    files.write_parquet(target, merged, **parquet_options(table, merged.column_names))
