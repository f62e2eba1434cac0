"""A class-data sharing (AppCDS) archive for the local Spark driver's JVM.

A fresh PySpark JVM loads, parses and verifies some ten thousand classes from pyspark's
jars before the streaming job reads its first record: on a 2-core machine about half of
the CPU seconds between process start and the first committed batch (bench/
bench_startup.py measures it). A JDK 17 *dynamic archive* holds those classes already
parsed and verified; a JVM started with ``-XX:SharedArchiveFile`` maps it instead.

``make jars`` builds the archive (``python -m vts.spark.class_archive``): it runs a short
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

import argparse
import hashlib
import logging
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from vts.settings import LocalPaths, env

logger = logging.getLogger(__name__)

FOLDER = "cds"
OFF = ("off", "false", "0", "no")
# JVM options of a driver that maps the archive: its JVM warnings (e.g. a stale archive)
# go to stderr, never to stdout, where a command may print JSON
JVM_LOG = ("-Xlog:disable", "-Xlog:all=warning:stderr")
TRAIN_TIMEOUT_S = 600.0


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


def _train(archive: Path) -> None:
    """The workload whose classes the archive keeps (in a process of its own: the JVM
    writes the archive when it exits, after this process closed its gateway)."""
    import dataclasses

    from pyspark import SparkContext
    from pyspark.sql import functions as F

    from vts.spark.session import SparkSettings, build_session
    from vts.stream.layout import LakeLayout
    from vts.stream.sink import LakeSink
    from vts.stream.transforms import TransformConfig, deduplicate, staged_keys

    with tempfile.TemporaryDirectory(prefix="vts-class-archive-") as tmp:
        root = Path(tmp)
        local = SparkSettings.local(LocalPaths(root / "home"), hive=False)
        settings = dataclasses.replace(
            local,
            class_archive=None,
            java_options=(
                *local.java_options,
                f"-XX:ArchiveClassesAtExit={archive}",
                "-Xlog:cds=off",
            ),
        )
        spark = build_session(settings)
        from vts.stream.job import SESSION_CONF

        for key, value in SESSION_CONF.items():
            spark.conf.set(key, value)
        # the Kafka source's classes (no connection is made before a query starts)
        kafka = (
            spark.readStream.format("kafka")
            .option("kafka.bootstrap.servers", "127.0.0.1:9")
            .option("subscribe", "vehicle_data")
            .load()
        )
        logger.debug("Kafka source columns: %s", kafka.columns)
        # the job's transforms, dedup state and sink over records shaped like Kafka's
        records = (
            spark.readStream.format("rate")
            .option("rowsPerSecond", 2000)
            .load()
            .select(
                F.lit("vehicle_data").alias("topic"),
                (F.col("value") % 3).cast("int").alias("partition"),
                F.col("value").alias("offset"),
                F.col("timestamp"),
                F.lit(None).cast("binary").alias("key"),
                F.concat(F.lit('{"event_id": "'), F.col("value").cast("string"), F.lit('"}'))
                .cast("binary")
                .alias("value"),
            )
        )
        layout = LakeLayout(
            str(root / "lake"), str(root / "lake" / "quarantine"), str(root / "checkpoint")
        )
        from vts.storage.files import ArrowFiles

        files = ArrowFiles()
        keys = deduplicate(staged_keys(records, TransformConfig(), layout, files), "10 minutes")
        query = (
            keys.writeStream.option("checkpointLocation", layout.checkpoint_path)
            .foreachBatch(LakeSink(spark, layout, files=files))
            .trigger(processingTime="1 second")
            .start()
        )
        try:
            while query.isActive and (query.lastProgress or {}).get("batchId", -1) < 3:
                query.awaitTermination(1)
        finally:
            query.stop()
        spark.stop()
        gateway = SparkContext._gateway
        proc = getattr(gateway, "proc", None)
        if proc is not None:  # the JVM exits at its stdin's end, and writes the archive
            proc.stdin.close()
            proc.wait(timeout=TRAIN_TIMEOUT_S)


def build(force: bool = False) -> Path:
    """Build the archive of ``SparkSettings.local()``'s driver (unless it exists)."""
    from vts.spark.session import SparkSettings

    settings = SparkSettings.local(hive=False)
    target = archive_path(LocalPaths.from_env().jars, settings.classpath, settings.jars)
    if target.exists() and not force:
        logger.info("class archive already built: %s", target)
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    env_vars = {**os.environ, "VTS_SPARK_CLASS_ARCHIVE": "off"}
    done = subprocess.run(  # noqa: S603 - this module, arguments we built
        [sys.executable, "-m", "vts.spark.class_archive", "--train", str(partial)],
        env=env_vars,
        check=False,
        timeout=TRAIN_TIMEOUT_S,
    )
    if done.returncode != 0 or not partial.exists():
        partial.unlink(missing_ok=True)
        raise RuntimeError(
            f"building the class archive failed (exit {done.returncode}); Spark runs without "
            "it (slower to start). See the output above."
        )
    partial.replace(target)
    for old in target.parent.glob("spark-driver-*.jsa"):
        if old != target:
            old.unlink()
    logger.info("class archive built: %s (%.0f MB)", target, target.stat().st_size / 2**20)
    return target


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m vts.spark.class_archive",
        description="Build the local Spark driver's class-data sharing archive (make jars "
        "does): a shorter start for every local Spark session.",
        epilog="example: VTS_HOME=vts-data python -m vts.spark.class_archive",
    )
    parser.add_argument("--force", action="store_true", help="rebuild it even if it exists")
    parser.add_argument("--train", metavar="ARCHIVE", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("py4j").setLevel(logging.WARNING)
    if args.train:
        _train(Path(args.train))
        return 0
    print(build(force=args.force))
    return 0


if __name__ == "__main__":
    sys.exit(main())
