"""Build the local SparkSession: ``local[2]``, the Kafka connector jars, Hive metastore.

``VTS_SPARK_MASTER`` (e.g. ``spark://127.0.0.1:7077``) runs the same session on a Spark
cluster instead of ``local[2]``: the driver is this process, the executors the cluster's.
Jars reach the executors through ``spark.jars`` (Spark's file server) and the job's code
through ``--py-files``; the ``s3a`` jars below stay on the driver's classpath only, so a
cluster's nodes need their own S3 connector (as Glue's have), and the S3 credentials come
from each node's own environment (tests/rehearsal/glue/cluster.py runs it this way).

With the Kafka jars comes vts's own executor plugin (``QUIET_KAFKA_PLUGIN``), which the
Glue job loads as well.

When ``make jars`` has built it, the driver's JVM maps a class-data sharing archive
(``vts.spark.class_archive``): pyspark's classes already parsed and verified, about half
of the JVM's CPU seconds before the session is up. And it compiles with C1 only
(``LOCAL_JAVA_OPTIONS``). Both local only: Glue starts its own JVMs.

On AWS Glue the session comes from ``GlueContext`` and the Glue Data Catalog is Spark's
metastore (``--enable-glue-datacatalog``). Locally, Spark's embedded Hive metastore
(Derby, persistent under the VTS home) plays the Glue catalog: one code path, another
configuration. Embedded Derby admits one process at a time, so the local job, crawler and
queries run one after another (``make demo`` does).

The lake on an S3 endpoint
--------------------------
Set ``VTS_S3_ENDPOINT`` (an S3-compatible server such as moto's or MinIO, e.g.
``http://127.0.0.1:5000``) and ``SparkSettings.local()`` adds the ``s3a`` jars from
``make jars`` (hadoop-aws 3.3.4 and its AWS SDK bundle, matching pyspark's Hadoop) and
points Hadoop's S3A client at it: path-style access, TLS only for an ``https://``
endpoint, ``fs.s3a.endpoint.region`` from ``AWS_REGION``/``AWS_DEFAULT_REGION``, and
credentials from the standard environment variables (``AWS_ACCESS_KEY_ID``,
``AWS_SECRET_ACCESS_KEY``, optional ``AWS_SESSION_TOKEN``) read by the JVM, so no secret
lands in Spark's configuration. ``s3://`` is mapped onto the same S3A filesystem, so the
template's ``s3://bucket/...`` paths run unchanged next to ``s3a://`` ones, e.g.::

    VTS_S3_ENDPOINT=http://127.0.0.1:5000 AWS_ACCESS_KEY_ID=testing \
    AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1 \
    python glue_scripts/vts_streaming_job.py --bootstrap_servers 127.0.0.1:9092 \
        --output_path s3://bucket/data --quarantine_path s3://bucket/quarantine \
        --checkpoint_path s3://bucket/checkpoints/job --available_now true

Spark keeps streaming checkpoints on ``s3://`` through Hadoop's ``FileSystem`` API (it
logs that ``FileContext`` has no ``s3`` implementation); on ``s3a://`` through
``FileContext``. Both work. On AWS Glue none of this applies: Glue's own S3 connector
serves ``s3://``.
"""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from vts.exceptions import NotInstalledError
from vts.settings import LocalPaths, env

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

logger = logging.getLogger(__name__)

S3A_FILESYSTEM = "org.apache.hadoop.fs.s3a.S3AFileSystem"
FS_CHECKPOINT_MANAGER = (
    "org.apache.spark.sql.execution.streaming.FileSystemBasedCheckpointFileManager"
)
# The AWS SDK v1 provider that reads AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY /
# AWS_SESSION_TOKEN from the JVM's environment (inherited from this process).
ENV_CREDENTIALS = "com.amazonaws.auth.EnvironmentVariableCredentialsProvider"
# The local driver JVM compiles with C1 only. Local runs are start-up-bound (the demo,
# tests, available-now runs, restarts), and C2 costs more than it saves there: in a
# whole local run of the job on 1.2M events its compiler threads took 19 of the JVM's
# 49 CPU seconds; with C1 only, 1.6, while the tasks took 15.5 CPU seconds instead of
# 12.6 (BENCHMARKS.md, issue 28). Glue starts its own JVMs, with its own options.
# Without tiers the JVM reserves only 48 MB for compiled code; `vts demo` filled it, and
# the JVM then stops compiling and prints "CodeCache is full" on stdout (where the demo
# writes its JSON): the tiered default's 240 MB keeps room.
LOCAL_JAVA_OPTIONS = ("-XX:TieredStopAtLevel=1", "-XX:ReservedCodeCacheSize=240m")
# A driver that runs for hours (``SparkSettings.long_running``, the local streaming job):
# - its heap is committed and touched whole at start (``-Xms`` = ``-Xmx``,
#   ``AlwaysPreTouch``): G1 would otherwise give heap back at Spark's periodic full GC
#   (``spark.cleaner.periodicGC.interval``, 30 min) and take it again later, moving the
#   JVM's resident memory by hundreds of MiB; so the JVM's resident memory beyond the heap
#   is what lies outside it (native memory), and any growth of it shows;
# - glibc keeps two malloc arenas, not 8 per core: RocksDB (the dedup state) allocates and
#   frees on many of Spark's threads, and each arena keeps its own freed, fragmented pages.
LONG_RUNNING_ENV = {"MALLOC_ARENA_MAX": "2"}
# vts's executor plugin (jvm/src, built by `make jars` into jars/vts/): quiets the Kafka
# source's per-record warning. The Glue job loads it with --conf spark.plugins=... too.
QUIET_KAFKA_PLUGIN = "io.vts.spark.QuietKafkaSourcePlugin"


def s3_conf(endpoint: str, region: str | None = None) -> dict[str, str]:
    """Spark settings that put ``s3a://`` and ``s3://`` on the S3 endpoint ``endpoint``."""
    url = endpoint if "://" in endpoint else f"https://{endpoint}"
    conf = {
        "spark.hadoop.fs.s3a.endpoint": url,
        "spark.hadoop.fs.s3a.path.style.access": "true",
        "spark.hadoop.fs.s3a.connection.ssl.enabled": str(url.startswith("https://")).lower(),
        "spark.hadoop.fs.s3a.aws.credentials.provider": ENV_CREDENTIALS,
        "spark.hadoop.fs.s3.impl": S3A_FILESYSTEM,
    }
    if region:
        conf["spark.hadoop.fs.s3a.endpoint.region"] = region
    return conf


@dataclass(frozen=True)
class SparkSettings:
    """How to start a local Spark. ``metastore=None`` means no Hive catalog."""

    master: str = "local[2]"
    app_name: str = "vts"
    warehouse: Path | None = None
    metastore: Path | None = None
    jars: tuple[Path, ...] = ()
    # jars on the driver's own classpath (local mode: also the executors'), not copied
    classpath: tuple[Path, ...] = ()
    # an S3-compatible endpoint for s3a:// and s3:// (needs the s3a jars on ``classpath``)
    s3_endpoint: str | None = None
    # spark.plugins class names (their jars on ``jars`` or ``classpath``)
    plugins: tuple[str, ...] = ()
    driver_memory: str = "2g"
    shuffle_partitions: int = 4
    # the driver JVM's class-data sharing archive (``vts.spark.class_archive``)
    class_archive: Path | None = None
    # more options of the driver JVM
    java_options: tuple[str, ...] = ()
    # a process that runs for hours (the streaming job): its footprint is fixed at start
    # (``LONG_RUNNING_ENV``), not left to drift with the JVM's and glibc's defaults
    long_running: bool = False
    extra: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    @classmethod
    def local(
        cls,
        paths: LocalPaths | None = None,
        *,
        kafka: bool = True,
        hive: bool = True,
        s3_endpoint: str | None = None,
        long_running: bool = False,
    ) -> SparkSettings:
        """The settings ``vts`` uses locally: everything under the VTS home.

        ``s3_endpoint`` (default ``VTS_S3_ENDPOINT``) puts ``s3a://`` and ``s3://`` on an
        S3-compatible server; ``VTS_SPARK_MASTER`` picks a cluster instead of ``local[2]``
        (see the module docstring); ``long_running`` fixes the driver's footprint for a run
        of hours (``LONG_RUNNING_ENV``).
        """
        from vts.local.jars import classpath
        from vts.spark import class_archive

        paths = paths or LocalPaths.from_env()
        endpoint = s3_endpoint or env("S3_ENDPOINT")
        jars = (*classpath("spark"), *classpath("vts")) if kafka else ()
        driver_classpath = tuple(classpath("s3a")) if endpoint else ()
        archive = class_archive.archive_path(paths.jars, driver_classpath, jars)
        return cls(
            master=env("SPARK_MASTER", "local[2]") or "local[2]",
            warehouse=paths.home / "warehouse",
            metastore=paths.metastore if hive else None,
            jars=jars,
            plugins=(QUIET_KAFKA_PLUGIN,) if kafka else (),
            classpath=driver_classpath,
            s3_endpoint=endpoint,
            class_archive=archive if class_archive.enabled() and archive.exists() else None,
            java_options=LOCAL_JAVA_OPTIONS,
            long_running=long_running,
        )


def build_session(settings: SparkSettings) -> SparkSession:
    """Start (or return the running) SparkSession configured by ``settings``."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise NotInstalledError("pyspark", extra="spark") from exc

    builder = (
        SparkSession.builder.master(settings.master)
        .appName(settings.app_name)
        .config("spark.driver.memory", settings.driver_memory)
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", str(settings.shuffle_partitions))
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.sources.partitionOverwriteMode", "dynamic")
        .config("spark.sql.parquet.compression.codec", "snappy")
        # Streaming checkpoints through FileSystem, not FileContext: on the local
        # filesystem FileContext's rename asks for the link status of each file with a
        # `readlink` process (no native Hadoop library here), several per micro-batch.
        # A local rename is atomic either way (S3 paths use this manager already).
        .config("spark.sql.streaming.checkpointFileManagerClass", FS_CHECKPOINT_MANAGER)
    )
    log_config = Path(__file__).with_name("log4j2.properties")
    java_options = [f"-Dlog4j2.configurationFile={log_config.as_uri()}", *settings.java_options]
    if settings.class_archive is not None:
        from vts.spark.class_archive import java_options as archive_options

        java_options.extend(archive_options(settings.class_archive))
    if settings.jars:
        builder = builder.config("spark.jars", ",".join(str(j) for j in settings.jars))
    if settings.classpath:
        # on the JVM's classpath from its start: not copied per session as spark.jars are
        # (the AWS SDK bundle alone is 280 MB), and visible to Hadoop's FileSystem loader
        builder = builder.config(
            "spark.driver.extraClassPath", os.pathsep.join(str(j) for j in settings.classpath)
        )
    if settings.plugins:
        builder = builder.config("spark.plugins", ",".join(settings.plugins))
    if settings.s3_endpoint:
        region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
        for key, value in s3_conf(settings.s3_endpoint, region).items():
            builder = builder.config(key, value)
    if settings.warehouse is not None:
        builder = builder.config("spark.sql.warehouse.dir", str(settings.warehouse))
    if settings.metastore is not None:
        settings.metastore.mkdir(parents=True, exist_ok=True)
        db = settings.metastore / "metastore_db"
        builder = builder.config(
            "spark.hadoop.javax.jdo.option.ConnectionURL",
            f"jdbc:derby:;databaseName={db};create=true",
        ).enableHiveSupport()
        java_options.append(f"-Dderby.system.home={settings.metastore}")
    if settings.long_running:
        java_options += [f"-Xms{settings.driver_memory}", "-XX:+AlwaysPreTouch"]
        for name, value in LONG_RUNNING_ENV.items():
            os.environ.setdefault(name, value)  # the JVM (and its Python workers) inherit it
    builder = builder.config("spark.driver.extraJavaOptions", " ".join(java_options))
    for key, value in settings.extra:
        builder = builder.config(key, value)
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # local runs stay on loopback
    logger.info(
        "starting Spark %s (jars: %d, S3 endpoint: %s, class archive: %s)",
        settings.master,
        len(settings.jars) + len(settings.classpath),
        settings.s3_endpoint or "none",
        "yes" if settings.class_archive is not None else "no",
    )
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    return spark
