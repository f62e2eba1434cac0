"""The S3 backend (``s3://``, ``s3a://``, ``s3n://``), on ``pyarrow.fs.S3FileSystem``.

S3 has no rename: an object appears (or replaces the old one) when its upload completes,
so a file is published by uploading it under its own name, and a move is a server-side
copy (whole or nothing), then a delete of the source.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import SplitResult, urlparse

from vts.exceptions import ConfigError
from vts.storage.base import pyarrow_fs

if TYPE_CHECKING:
    import pyarrow.fs as pafs


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
    filesystem: pafs.S3FileSystem = pyarrow_fs().S3FileSystem(**kwargs)
    return filesystem


class S3Backend:
    def filesystem(self, endpoint: str | None, region: str | None) -> pafs.FileSystem:
        return s3_filesystem(endpoint, region)

    def locate(self, url: SplitResult, text: str) -> str:
        if not url.netloc:
            raise ConfigError(f"{text} names no bucket", hint="use s3://bucket/prefix")
        return f"{url.netloc}/{url.path.strip('/')}".rstrip("/")

    def uri(self, scheme: str, where: str) -> str:
        return f"{scheme}://{where}"

    def publish(self, fs: pafs.FileSystem, where: str, write: Callable[[Any], object]) -> None:
        with fs.open_output_stream(where) as out:  # the object appears when the upload ends
            write(out)

    def move(self, fs: pafs.FileSystem, src: str, dst: str) -> None:
        fs.move(src, dst)  # CopyObject, then DeleteObject of src


BACKEND = S3Backend()
