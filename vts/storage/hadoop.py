"""``FileStore`` through a SparkSession's Hadoop ``FileSystem``: the sink's commit.

``HadoopFiles`` goes through Spark's Hadoop ``FileSystem`` (local ``file:``, ``s3a://``,
and Glue's ``s3://``), so the job moves files on whatever filesystem Spark wrote them
to, with the session's own configuration and credentials. It keeps the contract of
``vts.storage.base.FileStore``.

On a file system ``rename`` is a POSIX ``rename`` (``write_text``: a temporary file, then
``rename``). S3 has no rename, and S3A refuses to "rename" onto an existing key, so on
``s3``/``s3a`` URIs ``rename`` is a copy, then a delete of ``src``: the copy is one
upload of the whole object that is aborted if anything fails before it completes, so
``dst`` (new or replaced) becomes visible whole or not at all, and ``write_text`` is that
upload alone. A crash between the copy and the delete leaves ``src`` behind (the sink's
staging folder, which it clears); never a partial ``dst``.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from vts.storage.base import FileStore, on_s3

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

logger = logging.getLogger(__name__)

COPY_BUFFER = 1 << 20


class HadoopFiles(FileStore):
    """``FileStore`` through the JVM's Hadoop ``FileSystem`` of a SparkSession.

    On the local filesystem it uses the raw (checksum-less) filesystem, so moved files
    leave their ``.crc`` companions behind in the staging folder instead of the lake. On
    S3 a rename is a copy then a delete (module docstring).
    """

    def __init__(self, spark: SparkSession) -> None:
        jvm: Any = spark.sparkContext._jvm
        self._conf: Any = spark.sparkContext._jsc.hadoopConfiguration()
        # The JVM classes, looked up once: each ``jvm.a.b.C`` lookup costs py4j a failed
        # class load per package level (a scan of every jar), a few milliseconds.
        self._path_class: Any = jvm.org.apache.hadoop.fs.Path
        self._checksummed: Any = jvm.java.lang.Class.forName(
            "org.apache.hadoop.fs.ChecksumFileSystem"
        )
        self._io_utils: Any = jvm.org.apache.hadoop.io.IOUtils
        self._commons_io: Any = jvm.org.apache.commons.io.IOUtils
        self._filesystems: dict[tuple[str, str], Any] = {}

    def _fs(self, path: str) -> tuple[Any, Any]:
        jpath = self._path_class(path)
        parts = urlsplit(path)
        key = (parts.scheme, parts.netloc)
        fs = self._filesystems.get(key)
        if fs is None:  # Hadoop caches its FileSystems too: this saves the round trips
            fs = jpath.getFileSystem(self._conf)
            if self._checksummed.isInstance(fs):
                fs = fs.getRawFileSystem()
            self._filesystems[key] = fs
        return fs, jpath

    def exists(self, path: str) -> bool:
        fs, jpath = self._fs(path)
        return bool(fs.exists(jpath))

    def list_files(self, root: str) -> list[str]:
        fs, jpath = self._fs(root)
        if not fs.exists(jpath):
            return []
        found = []
        if on_s3(root):  # one flat listing of the prefix
            entries = fs.listFiles(jpath, True)
            while entries.hasNext():
                found.append(str(entries.next().getPath().toString()))
            return sorted(found)
        # A folder walk: listFiles' located statuses load each file's permissions, which
        # the local filesystem does with an `ls -ld` process per file (no native library).
        folders = [jpath]
        while folders:
            for status in fs.listStatus(folders.pop()):
                if status.isDirectory():
                    folders.append(status.getPath())
                else:
                    found.append(str(status.getPath().toString()))
        return sorted(found)

    def list_dirs(self, root: str) -> list[str]:
        fs, jpath = self._fs(root)
        if not fs.exists(jpath):
            return []
        return sorted(str(s.getPath().toString()) for s in fs.listStatus(jpath) if s.isDirectory())

    def delete(self, path: str, *, recursive: bool = False) -> None:
        fs, jpath = self._fs(path)
        fs.delete(jpath, recursive)  # False, not an error, when there is nothing

    def rename(self, src: str, dst: str) -> None:
        fs, jsrc = self._fs(src)
        _, jdst = self._fs(dst)
        if on_s3(dst):
            self._copy(fs, jsrc, jdst)
            fs.delete(jsrc, False)
            return
        fs.mkdirs(jdst.getParent())
        if fs.rename(jsrc, jdst):
            return
        # HDFS-like filesystems refuse to rename onto an existing file: replace it.
        if fs.exists(jdst) and fs.exists(jsrc):
            fs.delete(jdst, False)
            if fs.rename(jsrc, jdst):
                return
        raise OSError(f"could not rename {src} to {dst}")

    def read_text(self, path: str) -> str | None:
        fs, jpath = self._fs(path)
        if not fs.exists(jpath):
            return None
        stream = fs.open(jpath)
        try:
            return str(self._commons_io.toString(stream, "UTF-8"))
        finally:
            stream.close()

    def write_text(self, path: str, text: str) -> None:
        fs, jpath = self._fs(path)
        if on_s3(path):
            data = text.encode("utf-8")
            self._upload(fs, jpath, lambda out: out.write(bytearray(data)), len(data))
            return
        fs.mkdirs(jpath.getParent())
        tmp = f"{path}.tmp-{uuid.uuid4().hex}"
        _, jtmp = self._fs(tmp)
        stream = fs.create(jtmp, True)
        try:
            stream.write(bytearray(text.encode("utf-8")))
        finally:
            stream.close()
        self.rename(tmp, path)

    def _copy(self, fs: Any, jsrc: Any, jdst: Any) -> None:
        """Copy ``jsrc`` onto ``jdst`` as one upload (an object store's "rename")."""
        length = int(fs.getFileStatus(jsrc).getLen())
        source = fs.open(jsrc)
        try:
            copy_bytes = self._io_utils.copyBytes
            self._upload(fs, jdst, lambda out: copy_bytes(source, out, COPY_BUFFER, False), length)
        finally:
            source.close()

    def _upload(self, fs: Any, jpath: Any, write: Callable[[Any], object], length: int) -> None:
        """Create ``jpath`` whole or not at all: on an object store the object appears (or
        replaces the old one) when the stream closes, so any failure first aborts it."""
        out = fs.create(jpath, True)
        try:
            write(out)
            written = int(out.getPos())
            if written != length:
                raise OSError(f"wrote {written} of {length} bytes to {jpath.toString()}")
        except BaseException:
            try:
                out.abort()  # Hadoop's Abortable: the upload is dropped, nothing appears
            except Exception:  # a stream that cannot abort is left unclosed: never uploaded
                logger.warning("could not abort the upload of %s", jpath.toString())
            raise
        out.close()
