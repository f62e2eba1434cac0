"""The local file system backend (plain paths and ``file:`` URIs), on ``pyarrow.fs``.

A file is written under a hidden temporary name in its folder, then renamed over the
target (a POSIX ``rename``): readers see the old file or the new one, never a part.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import SplitResult

from vts.storage.base import pyarrow_fs

if TYPE_CHECKING:
    import pyarrow.fs as pafs


class LocalBackend:
    def filesystem(self, endpoint: str | None, region: str | None) -> pafs.FileSystem:
        filesystem: pafs.FileSystem = pyarrow_fs().LocalFileSystem()
        return filesystem

    def locate(self, url: SplitResult, text: str) -> str:
        return str(Path(url.path if url.scheme == "file" else text).resolve())

    def uri(self, scheme: str, where: str) -> str:
        return f"file:{where}"

    def publish(self, fs: pafs.FileSystem, where: str, write: Callable[[Any], object]) -> None:
        folder, name = where.rsplit("/", 1)
        fs.create_dir(folder, recursive=True)
        partial = f"{folder}/.{name}.{uuid.uuid4().hex[:8]}.tmp"
        with fs.open_output_stream(partial) as out:
            write(out)
        fs.move(partial, where)

    def move(self, fs: pafs.FileSystem, src: str, dst: str) -> None:
        fs.create_dir(dst.rsplit("/", 1)[0], recursive=True)
        fs.move(src, dst)  # a rename, replacing dst


BACKEND = LocalBackend()
