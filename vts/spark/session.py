"""Build the local SparkSession: ``local[2]``, the Kafka connector jars, Hive metastore.

On AWS Glue the session comes from ``GlueContext`` and the Glue Data Catalog is Spark's
metastore (``--enable-glue-datacatalog``). Locally, Spark's embedded Hive metastore
(Derby, persistent under the VTS home) plays the Glue catalog: one code path, another
configuration. Embedded Derby admits one process at a time, so the local job, crawler and
queries run one after another (``make demo`` does).
"""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from vts.exceptions import NotInstalledError
from vts.settings import LocalPaths

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SparkSettings:
    """How to start a local Spark. ``metastore=None`` means no Hive catalog."""

    master: str = "local[2]"
    app_name: str = "vts"
    warehouse: Path | None = None
    metastore: Path | None = None
    jars: tuple[Path, ...] = ()
    driver_memory: str = "2g"
    shuffle_partitions: int = 4
    extra: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    @classmethod
    def local(
        cls, paths: LocalPaths | None = None, *, kafka: bool = True, hive: bool = True
    ) -> SparkSettings:
        """The settings ``vts`` uses locally: everything under the VTS home."""
        paths = paths or LocalPaths.from_env()
        jars: tuple[Path, ...] = ()
        if kafka:
            from vts.local.jars import classpath

            jars = tuple(classpath("spark"))
        return cls(
            warehouse=paths.home / "warehouse",
            metastore=paths.metastore if hive else None,
            jars=jars,
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
    )
    log_config = Path(__file__).with_name("log4j2.properties")
    java_options = [f"-Dlog4j2.configurationFile={log_config.as_uri()}"]
    if settings.jars:
        builder = builder.config("spark.jars", ",".join(str(j) for j in settings.jars))
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
    builder = builder.config("spark.driver.extraJavaOptions", " ".join(java_options))
    for key, value in settings.extra:
        builder = builder.config(key, value)
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # local runs stay on loopback
    logger.info("starting Spark %s (jars: %d)", settings.master, len(settings.jars))
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    return spark
