"""The lake as the crawler sees it: a folder on local disk or under an S3 prefix.

``pyarrow.fs`` does the I/O for both (``LocalFileSystem`` and ``S3FileSystem``, with an
endpoint override for S3-compatible servers), so the crawler lists and reads footers the
same way everywhere. Paths inside the lake are ``/``-separated and relative to its root;
``uri()`` turns them back into the location the catalog stores (``file:/…``, ``s3://…`` or
``s3a://…``, keeping the scheme the user gave).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from vts.catalog.exceptions import LakeNotFoundError
from vts.exceptions import ConfigError, NotInstalledError
from vts.settings import env

if TYPE_CHECKING:
    import pyarrow
    import pyarrow.fs as pafs

logger = logging.getLogger(__name__)

S3_SCHEMES = ("s3", "s3a", "s3n")


@dataclass(frozen=True)
class Entry:
    """One object under the lake root: ``path`` is relative and ``/``-separated."""

    path: str
    is_dir: bool
    size: int = 0

    @property
    def parts(self) -> tuple[str, ...]:
        return tuple(self.path.split("/"))


def _pyarrow_fs() -> Any:
    try:
        import pyarrow.fs as pafs_module
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise NotInstalledError("pyarrow", extra="spark") from exc
    return pafs_module


def s3_filesystem(endpoint: str | None = None, region: str | None = None) -> pafs.S3FileSystem:
    """pyarrow's S3 client: on ``endpoint`` (an S3-compatible server, e.g. moto or MinIO;
    ``None`` for AWS), in ``region`` (default ``AWS_REGION``/``AWS_DEFAULT_REGION``), with
    credentials from the standard AWS chain."""
    kwargs: dict[str, object] = {}
    if endpoint:
        url = urlparse(endpoint if "://" in endpoint else f"https://{endpoint}")
        kwargs.update(endpoint_override=url.netloc, scheme=url.scheme)
    region = region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if region:
        kwargs["region"] = region
    filesystem: pafs.S3FileSystem = _pyarrow_fs().S3FileSystem(**kwargs)
    return filesystem


class LakeFS:
    """A lake root (local folder or S3 prefix) with listing and file access."""

    def __init__(self, fs: pafs.FileSystem, base: str, uri: str) -> None:
        self.fs = fs
        self.base = base.rstrip("/")
        self.root_uri = uri.rstrip("/")

    @classmethod
    def open(
        cls, location: str | Path, *, s3_endpoint: str | None = None, region: str | None = None
    ) -> LakeFS:
        """Open ``location``: a local path, ``file://…``, or ``s3://``/``s3a://bucket/prefix``.

        S3 credentials come from the standard AWS chain; ``s3_endpoint`` (default
        ``VTS_S3_ENDPOINT``) points at an S3-compatible server such as MinIO or moto.
        """
        pafs_module = _pyarrow_fs()
        text = str(location)
        parsed = urlparse(text)
        if parsed.scheme in S3_SCHEMES:
            if not parsed.netloc:
                raise ConfigError(f"{text} names no bucket", hint="use s3://bucket/prefix")
            fs = s3_filesystem(s3_endpoint or env("S3_ENDPOINT"), region)
            base = f"{parsed.netloc}/{parsed.path.strip('/')}".rstrip("/")
            return cls(fs, base, f"{parsed.scheme}://{base}")
        if parsed.scheme not in ("", "file"):
            raise ConfigError(
                f"cannot crawl {text}: unknown scheme {parsed.scheme!r}",
                hint="use a local path, file://, s3:// or s3a://",
            )
        path = Path(parsed.path if parsed.scheme == "file" else text).resolve()
        return cls(pafs_module.LocalFileSystem(), str(path), f"file:{path}")

    @property
    def name(self) -> str:
        """The root folder's own name (the table name when the root is one table)."""
        return self.base.rsplit("/", 1)[-1]

    def uri(self, relative: str = "") -> str:
        """The catalog location of a folder inside the lake."""
        return f"{self.root_uri}/{relative}".rstrip("/") if relative else self.root_uri

    def _full(self, relative: str) -> str:
        return f"{self.base}/{relative}" if relative else self.base

    def list(self) -> list[Entry]:
        """Every file and folder under the root, recursively, sorted by path."""
        pafs_module = _pyarrow_fs()
        info = self.fs.get_file_info(self.base)
        if info.type != pafs_module.FileType.Directory:
            raise LakeNotFoundError(self.root_uri)
        selector = pafs_module.FileSelector(self.base, recursive=True)
        entries = []
        prefix = len(self.base) + 1
        for item in self.fs.get_file_info(selector):
            relative = item.path[prefix:].strip("/")
            if not relative:
                continue
            is_dir = item.type == pafs_module.FileType.Directory
            entries.append(Entry(relative, is_dir, 0 if is_dir else int(item.size or 0)))
        entries.sort(key=lambda e: e.path)
        logger.debug("listed %d entries under %s", len(entries), self.root_uri)
        return entries

    def open_input(self, relative: str) -> pyarrow.NativeFile:
        """A random-access reader of one file (for Parquet footers)."""
        return self.fs.open_input_file(self._full(relative))
