"""Where the job puts things: the lake's folders and its deterministic file names.

::

    <output>/<table>/dt=YYYY-MM-DD/hr=HH/b<batch>-<query>-<table>-<dt>-<hr>-<n>.parquet
    <quarantine>/dt=YYYY-MM-DD/hr=HH/b<batch>-<query>-quarantine-<dt>-<hr>-<n>.parquet
    <output>/_staging/<query>/b<batch>/<table>/dt=…/hr=…/part-<task>.parquet  (the workers')
    <checkpoint>/vts-sink/manifests/b<batch>.json      (the latest attempt at a recent batch)
    <checkpoint>/vts-sink/ledger/b<first>.json         (older committed batches' files)

``<query>`` is the first 8 hex digits of the streaming query's id, which Spark keeps in
the checkpoint: a new checkpoint is a new id, so a fresh start never reuses (and so
never overwrites) the names of an earlier run. Everything under a ``_``-prefixed folder
is invisible to Hive-style readers (Spark, pyarrow, Athena/Spectrum, the vts crawler);
the Glue crawler never lists ``<output>/_staging/``: its targets are the table folders.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from vts.contract.topics import QUARANTINE_TABLE

STAGING_DIR = "_staging"
SINK_STATE_DIR = "vts-sink"
_BATCH_NAME = re.compile(r"^b(\d{10})(?:\.json)?$")


def join(root: str, *parts: str) -> str:
    """``root/part/...`` for local paths and URIs alike."""
    return "/".join([root.rstrip("/"), *[p.strip("/") for p in parts]])


def _filesystem(path: str) -> tuple[str, str]:
    parts = urlsplit(path)
    return (parts.scheme or "file", parts.netloc)


@dataclass(frozen=True)
class LakeLayout:
    """The lake's folders; ``checkpoint_path`` also holds the sink's manifests."""

    output_path: str
    quarantine_path: str
    checkpoint_path: str

    def table_root(self, table: str) -> str:
        if table == QUARANTINE_TABLE:
            return self.quarantine_path.rstrip("/")
        return join(self.output_path, table)

    def partition_dir(self, table: str, dt: str, hr: str) -> str:
        return join(self.table_root(table), f"dt={dt}", f"hr={hr}")

    def file_name(self, batch_id: int, query_tag: str, table: str, dt: str, hr: str, n: int) -> str:
        """The deterministic name of a batch's ``n``-th file of one table partition."""
        return f"b{batch_id:010d}-{query_tag}-{table}-{dt}-{hr}-{n:03d}.parquet"

    def final_path(
        self, batch_id: int, query_tag: str, table: str, dt: str, hr: str, n: int
    ) -> str:
        return join(
            self.partition_dir(table, dt, hr),
            self.file_name(batch_id, query_tag, table, dt, hr, n),
        )

    def staging_root(self, table: str) -> str:
        """Staging lives on the same filesystem as the table, so the final move is a rename."""
        if _filesystem(self.table_root(table)) == _filesystem(self.output_path):
            return join(self.output_path, STAGING_DIR)
        return join(self.table_root(table), STAGING_DIR)

    def staging_dir(self, table: str, query_tag: str, batch_id: int) -> str:
        return join(self.staging_root(table), query_tag, f"b{batch_id:010d}", table)

    def staging_batches(self, table: str, query_tag: str) -> str:
        """The folder of this query's staging folders (one per batch)."""
        return join(self.staging_root(table), query_tag)

    @property
    def manifest_dir(self) -> str:
        return join(self.checkpoint_path, SINK_STATE_DIR, "manifests")

    def manifest_path(self, batch_id: int) -> str:
        return join(self.manifest_dir, f"b{batch_id:010d}.json")

    @property
    def ledger_dir(self) -> str:
        return join(self.checkpoint_path, SINK_STATE_DIR, "ledger")

    def ledger_path(self, first_batch: int) -> str:
        """The ledger object whose batches start at ``first_batch`` (``vts.stream.ledger``)."""
        return join(self.ledger_dir, f"b{first_batch:010d}.json")

    @property
    def commit_log(self) -> str:
        """Spark's commit log: one entry per committed micro-batch (the latest 100 kept)."""
        return join(self.checkpoint_path, "commits")

    @property
    def query_metadata(self) -> str:
        """Spark's checkpoint metadata file, which holds the query id."""
        return join(self.checkpoint_path, "metadata")

    def offset_log(self, batch_id: int) -> str:
        """Spark's offset log entry of a micro-batch (its offsets and its timestamp)."""
        return join(self.checkpoint_path, "offsets", str(batch_id))


def batch_of(name: str) -> int | None:
    """The batch id in a staging folder or manifest name (``b0000000042[.json]``)."""
    match = _BATCH_NAME.match(name.rstrip("/").rsplit("/", 1)[-1])
    return int(match.group(1)) if match else None


def partition_values(path: str) -> dict[str, str]:
    """``{"dt": ..., "hr": ...}`` from the ``key=value`` folders of a path."""
    values = {}
    for part in path.split("/"):
        key, sep, value = part.partition("=")
        if sep and key in ("dt", "hr"):
            values[key] = value
    return values
