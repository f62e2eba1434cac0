"""A class-data sharing (AppCDS) archive for the local Spark driver's JVM.

A fresh PySpark JVM loads, parses and verifies some ten thousand classes from pyspark's
jars before the streaming job reads its first record: on a 2-core machine about half of
the CPU seconds between process start and the first committed batch (bench/
bench_startup.py measures it). A JDK 17 *dynamic archive* holds those classes already
parsed and verified; a JVM started with ``-XX:SharedArchiveFile`` maps it instead.

``make jars`` builds the archive (``python -m vts.stream.class_archive``): it runs a short
representative workload (the job's own transforms and sink, a RocksDB dedup state, a
Python worker, the Kafka source's classes) in a JVM started with
``-XX:ArchiveClassesAtExit``, which writes the archive when it exits. Nothing is built at
test or run time: ``SparkSettings.local()`` passes the archive when it exists, and a JVM
that finds it stale (another JDK build, another classpath) ignores it and logs a warning
on stderr. The archive's name holds a key of what decides its classpath (pyspark's
version, the extra classpath, the jars), so a session whose classpath differs (e.g. one
with the s3a jars) looks for another file, does not find it and starts without one.
``VTS_SPARK_CLASS_ARCHIVE=off`` turns it off.

Local only: AWS Glue starts its driver and executor JVMs itself, with its own JDK build
and jars, and an archive must be dumped by that very JVM build with that classpath.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from pathlib import Path

from vts.settings import env

logger = logging.getLogger(__name__)

FOLDER = "cds"
OFF = ("off", "false", "0", "no")
# JVM options of a driver that maps the archive: its JVM warnings (e.g. a stale archive)
# go to stderr, never to stdout, where a command may print JSON
JVM_LOG = ("-Xlog:disable", "-Xlog:all=warning:stderr")


def archive_path(jars_root: Path, classpath: Sequence[Path], jars: Sequence[Path]) -> Path:
    """Where the archive of a driver with this ``classpath`` and these ``jars`` lives."""
    import pyspark

    key = "\n".join(
        [pyspark.__version__, str(Path(pyspark.__file__).parent), *map(str, classpath)]
        + [f"{j}:{j.stat().st_size if j.exists() else 0}" for j in jars]
    )
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return jars_root / FOLDER / f"spark-driver-{digest}.jsa"


def enabled() -> bool:
    """Whether sessions use the archive (``VTS_SPARK_CLASS_ARCHIVE``, default on)."""
    return (env("SPARK_CLASS_ARCHIVE", "on") or "on").lower() not in OFF


def java_options(archive: Path) -> list[str]:
    """The driver JVM's options that map ``archive``."""
    return [f"-XX:SharedArchiveFile={archive}", *JVM_LOG]
