"""The vts streaming job: Kafka -> validated, deduplicated, partitioned Parquet.

On AWS Glue 5.1 (Spark 3.5, Python 3.11) the session comes from ``GlueContext``. Locally
the same script runs under PySpark with the same arguments, e.g.::

    python glue_scripts/vts_streaming_job.py --JOB_NAME local \\
        --bootstrap_servers 127.0.0.1:9092 --catalog none \\
        --output_path vts-data/lake --quarantine_path vts-data/lake/quarantine \\
        --checkpoint_path vts-data/checkpoints/job --available_now true

Arguments are resolved with Glue's own parser (``awsglue.utils.getResolvedOptions``)
wherever the ``awsglue`` package is installed (on Glue, and in the Glue rehearsal, which
installs AWS's ``awsgluedataplanepython``), and with ``vts.stream.args.parse_argv``
elsewhere; both read the same ``--name value`` pairs.

Being on Glue is decided by what only Glue has, not by ``import awsglue`` (that package is
on PyPI): Glue starts this script from its own JVM with ``spark-submit``, so
``PYSPARK_GATEWAY_PORT`` is set, and that JVM carries Glue's Scala
``com.amazonaws.services.glue.GlueContext``, which ``awsglue.context.GlueContext`` wraps.
Only when both hold is the Glue session used (see ``running_on_glue``).

Everything else lives in ``vts.stream`` (shipped to Glue with ``--extra-py-files``).
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping, Sequence

from vts.stream.args import JobArgs, glue_option_names, parse_argv
from vts.stream.job import run

logger = logging.getLogger("vts_streaming_job")
GLUE_STATE_PARTITIONS = 16
GLUE_SCALA_CONTEXT = "com.amazonaws.services.glue.GlueContext"


def running_on_glue() -> bool:
    """True inside an AWS Glue job run: a JVM started us and it has Glue's classes."""
    if not os.environ.get("PYSPARK_GATEWAY_PORT"):
        return False
    from py4j.java_gateway import JavaClass
    from pyspark.context import SparkContext

    jvm = SparkContext.getOrCreate()._jvm
    node = jvm
    for part in GLUE_SCALA_CONTEXT.split("."):
        node = getattr(node, part)
    return isinstance(node, JavaClass)


def resolve_options(argv: Sequence[str]) -> Mapping[str, str]:
    """``name -> value`` from ``argv`` with Glue's parser where it is installed."""
    try:
        from awsglue.utils import getResolvedOptions
    except ImportError:
        return parse_argv(argv[1:])
    resolved: Mapping[str, str] = getResolvedOptions(list(argv), glue_option_names(argv))
    return resolved


def main(argv: Sequence[str]) -> int:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if "--help" in argv or "-h" in argv:
        print(__doc__)
        return 0
    options = resolve_options(argv)
    if running_on_glue():
        from awsglue.context import GlueContext
        from awsglue.job import Job
        from pyspark.context import SparkContext

        glue = GlueContext(SparkContext.getOrCreate())
        job = Job(glue)
        job.init(options["JOB_NAME"], dict(options))
        # Glue's default of 200 shuffle partitions would mean 200 dedup state stores per
        # micro-batch; --shuffle_partitions overrides (fixed by the first run's checkpoint).
        args = JobArgs.from_options(
            options, catalog="glue", shuffle_partitions=GLUE_STATE_PARTITIONS
        )
        result = run(args, spark=glue.spark_session)
        job.commit()
    else:
        args = JobArgs.from_options(options)
        result = run(args)
    logger.info("job stopped (%s): %s", result.stopped, result)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
