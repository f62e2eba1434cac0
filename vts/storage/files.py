"""Files on local disk or S3 from any Python process, with ``pyarrow.fs``.

``ArrowFiles`` is the ``FileStore`` of every reader and writer that has no SparkSession at
hand: the Python workers write the staged files and the sink reads back those it combines
into one file per table partition (``vts.stream.staging``), the crawler lists the lake and
reads Parquet footers (``vts.storage.lake``), and ``vts chaos``'s verdict reads the lake and
the job's checkpoint. Each path goes to the backend its scheme names
(``vts.storage.base.BACKENDS``). A file becomes visible whole or not at all: on S3 an
object exists only once its upload completes; on disk it is written under a temporary name
and renamed.

``ArrowFiles`` is picklable (Spark ships it to the workers): it holds only where S3 is
(``endpoint``, ``None`` for AWS; and ``region``) and opens its file systems lazily, once
per process.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from vts.storage.base import (
    Backend,
    Entry,
    FileStore,
    backend_name,
    get_backend,
    pyarrow_fs,
    write_table,
)

if TYPE_CHECKING:
    import pyarrow as pa
    import pyarrow.fs as pafs


@dataclass(frozen=True)
class ArrowFiles(FileStore):
    """Files at the paths the job uses (local, ``file:``, ``s3://``, ``s3a://``)."""

    endpoint: str | None = None
    region: str | None = None
    _filesystems: dict[str, pafs.FileSystem] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __getstate__(self) -> dict[str, Any]:  # ship the settings, not the clients
        return {"endpoint": self.endpoint, "region": self.region}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for key, value in state.items():
            object.__setattr__(self, key, value)
        object.__setattr__(self, "_filesystems", {})

    def locate(self, path: str) -> tuple[Backend, pafs.FileSystem, str]:
        """The backend, its file system and the file system's own path for ``path``."""
        name = backend_name(path)
        backend = get_backend(name)
        fs = self._filesystems.get(name)
        if fs is None:
            fs = self._filesystems[name] = backend.filesystem(self.endpoint, self.region)
        return backend, fs, backend.locate(urlsplit(path), path)

    def uri(self, path: str) -> str:
        """The location a catalog stores for ``path`` (``file:/…``, ``s3://…``, ``s3a://…``)."""
        backend, _, where = self.locate(path)
        return backend.uri(urlsplit(path).scheme, where)

    def entries(self, root: str) -> list[Entry] | None:
        """Every file and folder under ``root``, recursively, sorted by relative path;
        ``None`` when ``root`` is not a folder."""
        pafs_module = pyarrow_fs()
        _, fs, where = self.locate(root)
        if fs.get_file_info(where).type != pafs_module.FileType.Directory:
            return None
        found = []
        prefix = len(where) + 1
        for item in fs.get_file_info(pafs_module.FileSelector(where, recursive=True)):
            relative = item.path[prefix:].strip("/")
            if not relative:
                continue
            is_dir = item.type == pafs_module.FileType.Directory
            found.append(Entry(relative, is_dir, 0 if is_dir else int(item.size or 0)))
        return sorted(found, key=lambda e: e.path)

    def exists(self, path: str) -> bool:
        _, fs, where = self.locate(path)
        return bool(fs.get_file_info(where).type != pyarrow_fs().FileType.NotFound)

    def list_files(self, root: str) -> list[str]:
        found = self.entries(root) or []
        return [_join(root, e.path) for e in found if not e.is_dir]

    def list_dirs(self, root: str) -> list[str]:
        found = self.entries(root) or []
        return [_join(root, e.path) for e in found if e.is_dir and "/" not in e.path]

    def delete(self, path: str, *, recursive: bool = False) -> None:
        pafs_module = pyarrow_fs()
        _, fs, where = self.locate(path)
        kind = fs.get_file_info(where).type
        if kind == pafs_module.FileType.Directory:
            if not recursive:
                raise IsADirectoryError(path)
            fs.delete_dir(where)
        elif kind == pafs_module.FileType.File:
            with contextlib.suppress(FileNotFoundError):
                fs.delete_file(where)

    def rename(self, src: str, dst: str) -> None:
        backend, fs, source = self.locate(src)
        target_backend, _, target = self.locate(dst)
        if target_backend is not backend:
            raise ValueError(f"cannot move {src} to {dst}: another file system")
        backend.move(fs, source, target)

    def read_text(self, path: str) -> str | None:
        _, fs, where = self.locate(path)
        try:
            with fs.open_input_stream(where) as source:
                return bytes(source.read()).decode("utf-8")
        except FileNotFoundError:
            return None

    def write_text(self, path: str, text: str) -> None:
        backend, fs, where = self.locate(path)
        data = text.encode("utf-8")
        backend.publish(fs, where, lambda out: out.write(data))

    def open_input(self, path: str) -> pa.NativeFile:
        """A random-access reader of one file (for Parquet footers)."""
        _, fs, where = self.locate(path)
        return fs.open_input_file(where)

    def write_parquet(self, path: str, table: pa.Table, **options: Any) -> None:
        """Write ``table`` as the Parquet file ``path`` (``options``: ``pq.write_table``'s),
        replacing any file there; readers see the old file or the new one, never part."""
        backend, fs, where = self.locate(path)
        backend.publish(fs, where, write_table(table, **options))

    def read_parquet(self, path: str, columns: list[str] | None = None) -> pa.Table:
        """The Parquet file ``path`` as a table (only ``columns``, if given)."""
        import pyarrow.parquet as pq

        with self.open_input(path) as source:
            return pq.read_table(source, columns=columns)


def _join(root: str, relative: str) -> str:
    return f"{root.rstrip('/')}/{relative}"
