"""Whole Parquet files in and out of the lake's file system, from any Python process.

The Python workers write the staged files, and the sink reads back those it combines into
one file per table partition (``vts.stream.staging``), on local disk or S3, with
``pyarrow.fs``: the same S3 client as the crawler's (``vts.catalog.filesystem``). A file
becomes visible whole or not at all: on S3 an object exists only once its upload
completes; on disk it is written under a temporary name and renamed.

``ParquetFiles`` is picklable (Spark ships it to the workers): it holds only where S3 is
(``endpoint``, ``None`` for AWS; and ``region``) and opens its file systems lazily, once
per process.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from vts.catalog.filesystem import S3_SCHEMES, s3_filesystem

if TYPE_CHECKING:
    import pyarrow as pa
    import pyarrow.fs as pafs


@dataclass(frozen=True)
class ParquetFiles:
    """Write and read whole Parquet files at paths the job uses (local, ``file:``,
    ``s3://``, ``s3a://``)."""

    endpoint: str | None = None
    region: str | None = None

    def __getstate__(self) -> dict[str, Any]:  # ship the settings, not the clients
        return {"endpoint": self.endpoint, "region": self.region}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for key, value in state.items():
            object.__setattr__(self, key, value)

    @cached_property
    def _s3(self) -> pafs.FileSystem:
        return s3_filesystem(self.endpoint, self.region)

    @cached_property
    def _local(self) -> pafs.FileSystem:
        import pyarrow.fs as pafs

        return pafs.LocalFileSystem()

    def _resolve(self, path: str) -> tuple[pafs.FileSystem, str, bool]:
        parsed = urlparse(path)
        if parsed.scheme in S3_SCHEMES:
            return self._s3, f"{parsed.netloc}/{parsed.path.lstrip('/')}", True
        local = parsed.path if parsed.scheme == "file" else path
        return self._local, str(Path(local).absolute()), False

    def write(self, path: str, table: pa.Table, **options: Any) -> None:
        """Write ``table`` as the Parquet file ``path`` (``options``: ``pq.write_table``'s),
        replacing any file there; readers see the old file or the new one, never part."""
        import pyarrow.parquet as pq

        fs, where, is_s3 = self._resolve(path)
        if is_s3:  # an object appears when its upload completes
            with fs.open_output_stream(where) as out:
                pq.write_table(table, out, **options)
            return
        folder, name = where.rsplit("/", 1)
        fs.create_dir(folder, recursive=True)
        partial = f"{folder}/.{name}.{uuid.uuid4().hex[:8]}.tmp"
        with fs.open_output_stream(partial) as out:
            pq.write_table(table, out, **options)
        fs.move(partial, where)

    def read(self, path: str) -> pa.Table:
        """The Parquet file ``path`` as a table."""
        import pyarrow.parquet as pq

        fs, where, _ = self._resolve(path)
        with fs.open_input_file(where) as source:
            return pq.read_table(source)
