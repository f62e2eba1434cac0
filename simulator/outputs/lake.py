"""A lake as the Glue job would write it, straight from the simulator (no Kafka, no Spark).

``write_lake`` runs ``simulator.model.generate`` for a window and writes every topic with
pyarrow as ``<lake>/<table>/dt=YYYY-MM-DD/hr=HH/part-0.parquet`` (columns and types from
the contract: ``int`` as int32, ``ts`` as a microsecond UTC timestamp), plus the scenario's
reference tables (``roads``, ``geofences``: ``simulator.outputs.reference``). The SQL and reports
tests use it for a small fixed dataset, and the query and reports benchmarks for a day of
a large fleet.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

from vts.contract import EVENT_TYPES

ARROW_TYPES = {
    "string": pa.string(),
    "double": pa.float64(),
    "int": pa.int32(),
    "timestamp": pa.timestamp("us", tz="UTC"),
}


@dataclass(frozen=True)
class LakeSpec:
    scenario: str
    seed: int
    start: datetime
    seconds: float
    vehicles: int
    tick_seconds: float


def contract_schema(topic: str) -> pa.Schema:
    """The Arrow schema of a topic's Parquet files (contract fields, no dt/hr)."""
    return pa.schema([(f.name, ARROW_TYPES[f.type]) for f in EVENT_TYPES[topic].fields])


def with_partitions(table: pa.Table) -> pa.Table:
    """``table`` plus ``dt``/``hr`` derived from ``ts`` (UTC), as the job derives them."""
    ts = table.column("ts")
    table = table.append_column("dt", pc.strftime(ts, format="%Y-%m-%d"))
    return table.append_column("hr", pc.strftime(ts, format="%H"))


def arrow_table(topic: str, columns: Mapping[str, np.ndarray]) -> pa.Table:
    """A contract-typed Arrow table (with ``dt``/``hr``) from simulator columns."""
    arrays = {}
    for field in EVENT_TYPES[topic].fields:
        values = columns[field.name]
        if values.dtype.kind == "S":
            values = values.astype(str)
        if field.type == "timestamp":
            naive = np.char.rstrip(values.astype(str), "Z").astype("datetime64[us]")
            arrays[field.name] = pa.array(naive, pa.timestamp("us")).cast(ARROW_TYPES["timestamp"])
        else:
            arrays[field.name] = pa.array(values, ARROW_TYPES[field.type])
    return with_partitions(pa.table(arrays))


def write_table(table: pa.Table, folder: Path, prefix: str = "part") -> None:
    ds.write_dataset(
        table,
        folder,
        format="parquet",
        partitioning=ds.partitioning(
            pa.schema([("dt", pa.string()), ("hr", pa.string())]), flavor="hive"
        ),
        basename_template=prefix + "-{i}.parquet",
        existing_data_behavior="overwrite_or_ignore",
    )


def write_lake(
    lake: Path, spec: LakeSpec, topics: Sequence[str] | None = None, prefix: str = "part"
) -> dict[str, int]:
    """Write the simulated window (``topics``, default all) into ``lake``; rows per table.

    Files are named ``<prefix>-<n>.parquet``: give windows that share an hour different
    prefixes.
    """
    from simulator.model.generate import generate
    from simulator.outputs.reference import write_reference

    batches = generate(
        spec.scenario,
        spec.seed,
        spec.start,
        spec.seconds,
        vehicles=spec.vehicles,
        tick_seconds=spec.tick_seconds,
    )
    rows = {}
    for topic, batch in batches.items():
        if topics is not None and topic not in topics:
            continue
        if len(batch):
            write_table(arrow_table(topic, batch.columns), lake / topic, prefix)
        rows[topic] = len(batch)
    write_reference(spec.scenario, lake)
    return rows
