"""The storage interface, and the backends picked by a path's URL scheme.

``FileStore`` is the few file operations the sink's commit protocol needs
(``vts.stream.commit``), with the contract it relies on:

- ``rename(src, dst)`` makes ``dst`` appear complete or not at all, replacing an
  existing ``dst`` so that a reader sees the old file or the new one, never neither;
- ``write_text`` is atomic in the same way.

Two stores implement it: ``ArrowFiles`` (``vts.storage.files``: pyarrow, from any Python
process) and ``HadoopFiles`` (``vts.storage.hadoop``: the Hadoop ``FileSystem`` of a
SparkSession, where Spark wrote its files). ``ArrowFiles`` reaches a path through the
backend its scheme names in ``BACKENDS``: ``local`` (a path, ``file:``) or ``s3``
(``s3://``, ``s3a://``, ``s3n://``), one module each, imported when first used.
"""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import SplitResult, urlsplit

from vts.exceptions import ConfigError, NotInstalledError

if TYPE_CHECKING:
    import pyarrow as pa
    import pyarrow.fs as pafs

S3_SCHEMES = ("s3", "s3a", "s3n")
# URL scheme -> the module under vts/storage/ that serves it
BACKENDS: dict[str, str] = {"": "local", "file": "local", **dict.fromkeys(S3_SCHEMES, "s3")}


class FileStore(ABC):
    """Files addressed by path strings (local paths or URIs)."""

    @abstractmethod
    def exists(self, path: str) -> bool: ...

    @abstractmethod
    def list_files(self, root: str) -> list[str]:
        """Every file under ``root`` (recursively), or ``[]`` when it does not exist."""

    @abstractmethod
    def list_dirs(self, root: str) -> list[str]:
        """The folders directly under ``root``, or ``[]`` when it does not exist."""

    @abstractmethod
    def delete(self, path: str, *, recursive: bool = False) -> None:
        """Remove a file (or a folder with ``recursive``); a missing path is fine."""

    @abstractmethod
    def rename(self, src: str, dst: str) -> None:
        """Move ``src`` to ``dst``, replacing ``dst``; creates ``dst``'s folder."""

    @abstractmethod
    def read_text(self, path: str) -> str | None:
        """The file's text, or ``None`` when it does not exist."""

    @abstractmethod
    def write_text(self, path: str, text: str) -> None:
        """Write atomically: readers see the old content or the new, never a part."""


@dataclass(frozen=True)
class Entry:
    """One object under a root: ``path`` is relative and ``/``-separated."""

    path: str
    is_dir: bool
    size: int = 0

    @property
    def parts(self) -> tuple[str, ...]:
        return tuple(self.path.split("/"))


class Backend(Protocol):
    """How ``ArrowFiles`` reaches the paths of some URL schemes through ``pyarrow.fs``."""

    def filesystem(self, endpoint: str | None, region: str | None) -> pafs.FileSystem:
        """The pyarrow file system (``endpoint``/``region``: where S3 is, if it matters)."""

    def locate(self, url: SplitResult, text: str) -> str:
        """The file system's own path for ``text`` (already split as ``url``)."""

    def uri(self, scheme: str, where: str) -> str:
        """The location a catalog stores for ``where`` (keeping the scheme given)."""

    def publish(self, fs: pafs.FileSystem, where: str, write: Callable[[Any], object]) -> None:
        """Create ``where`` with what ``write(stream)`` writes, whole or not at all,
        replacing a file there."""

    def move(self, fs: pafs.FileSystem, src: str, dst: str) -> None:
        """``FileStore.rename`` on the file system's own paths."""


def backend_name(path: str) -> str:
    """The backend of ``path`` (``local`` or ``s3``); a ``ConfigError`` for other schemes."""
    scheme = urlsplit(path).scheme
    name = BACKENDS.get(scheme)
    if name is None:
        known = ", ".join(f"{s}://" for s in BACKENDS if s)
        raise ConfigError(
            f"cannot read or write {path}: unknown scheme {scheme!r}",
            hint=f"use a local path or one of {known}",
        )
    return name


def get_backend(name: str) -> Backend:
    """The backend module ``vts.storage.<name>``'s ``BACKEND``, imported now."""
    pyarrow_fs()  # both backends are pyarrow's: say which extra is missing first
    backend: Backend = importlib.import_module(f"vts.storage.{name}").BACKEND
    return backend


def on_s3(path: str) -> bool:
    """Whether ``path`` is an S3 URI (``s3://``, ``s3a://``, ``s3n://``): no rename there."""
    return urlsplit(path).scheme in S3_SCHEMES


def pyarrow_fs() -> Any:
    """``pyarrow.fs``, or a ``NotInstalledError`` naming the extra that brings it."""
    try:
        import pyarrow.fs as pafs_module
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise NotInstalledError("pyarrow", extra="spark") from exc
    return pafs_module


def write_table(table: pa.Table, **options: Any) -> Callable[[Any], object]:
    """A ``publish`` writer of ``table`` as Parquet (``options``: ``pq.write_table``'s)."""
    import pyarrow.parquet as pq

    return lambda out: pq.write_table(table, out, **options)
