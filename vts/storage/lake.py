"""The lake as the crawler sees it: a folder on local disk or under an S3 prefix.

``LakeFS`` is a root opened through ``ArrowFiles``, so the crawler lists and reads footers
the same way everywhere. Paths inside the lake are ``/``-separated and relative to its
root; ``uri()`` turns them back into the location the catalog stores (``file:/…``,
``s3://…`` or ``s3a://…``, keeping the scheme the user gave).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from vts.settings import env
from vts.storage.base import Entry
from vts.storage.exceptions import LakeNotFoundError
from vts.storage.files import ArrowFiles

if TYPE_CHECKING:
    import pyarrow

logger = logging.getLogger(__name__)


class LakeFS:
    """A lake root (local folder or S3 prefix) with listing and file access."""

    def __init__(self, files: ArrowFiles, root: str) -> None:
        self.files = files
        self.root = root.rstrip("/")
        self.root_uri = files.uri(self.root)

    @classmethod
    def open(
        cls, location: str | Path, *, s3_endpoint: str | None = None, region: str | None = None
    ) -> LakeFS:
        """Open ``location``: a local path, ``file://…``, or ``s3://``/``s3a://bucket/prefix``.

        S3 credentials come from the standard AWS chain; ``s3_endpoint`` (default
        ``VTS_S3_ENDPOINT``) points at an S3-compatible server such as MinIO or moto.
        """
        return cls(ArrowFiles(s3_endpoint or env("S3_ENDPOINT"), region), str(location))

    @property
    def name(self) -> str:
        """The root folder's own name (the table name when the root is one table)."""
        return self.root_uri.rsplit("/", 1)[-1]

    def uri(self, relative: str = "") -> str:
        """The catalog location of a folder inside the lake."""
        return f"{self.root_uri}/{relative}".rstrip("/") if relative else self.root_uri

    def list(self) -> list[Entry]:
        """Every file and folder under the root, recursively, sorted by path."""
        entries = self.files.entries(self.root)
        if entries is None:
            raise LakeNotFoundError(self.root_uri)
        logger.debug("listed %d entries under %s", len(entries), self.root_uri)
        return entries

    def open_input(self, relative: str) -> pyarrow.NativeFile:
        """A random-access reader of one file (for Parquet footers)."""
        return self.files.open_input(f"{self.root}/{relative}")
