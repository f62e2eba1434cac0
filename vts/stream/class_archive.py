"""Builds the local Spark driver's class-data sharing archive (``vts.spark.class_archive``
says what it is and where sessions find it): ``make jars`` runs ``python -m
vts.stream.class_archive``. The archive keeps the classes of a short run of the streaming
job's own transforms, dedup state and sink, so it lives beside them, in ``vts.stream``.
"""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from vts.settings import LocalPaths
from vts.spark.class_archive import archive_path

logger = logging.getLogger(__name__)

TRAIN_TIMEOUT_S = 600.0


def _train(archive: Path) -> None:
    """The workload whose classes the archive keeps (in a process of its own: the JVM
    writes the archive when it exits, after this process closed its gateway)."""
    import dataclasses

    from pyspark import SparkContext
    from pyspark.sql import functions as F

    from vts.spark.session import SparkSettings, build_session
    from vts.stream.job import stop_between_batches
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
            stop_between_batches(query)  # the rate source always has a batch coming
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
        [sys.executable, "-m", "vts.stream.class_archive", "--train", str(partial)],
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
        prog="python -m vts.stream.class_archive",
        description="Build the local Spark driver's class-data sharing archive (make jars "
        "does): a shorter start for every local Spark session.",
        epilog="example: VTS_HOME=vts-data python -m vts.stream.class_archive",
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
