"""The vts streaming job: Kafka -> validated, deduplicated, partitioned Parquet.

On AWS Glue 5.1 (Spark 3.5, Python 3.11) the session comes from ``GlueContext``. Locally
the same script runs under PySpark with the same arguments, e.g.::

    python glue_scripts/vts_streaming_job.py --JOB_NAME local \\
        --bootstrap_servers 127.0.0.1:9092 --catalog none \\
        --output_path vts-data/lake --quarantine_path vts-data/lake/quarantine \\
        --checkpoint_path vts-data/checkpoints/job --available_now true

Arguments are resolved with Glue's own parser wherever ``awsglue`` is installed, and the
Glue session is used only when Glue's JVM started the script: ``vts.glue_runtime`` says how
each is decided.

Everything else lives in ``vts.stream`` (shipped to Glue with ``--extra-py-files``).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence

from vts.glue_runtime import resolve_options, running_on_glue
from vts.stream.args import JobArgs, glue_option_names
from vts.stream.job import run

logger = logging.getLogger("vts_streaming_job")
GLUE_STATE_PARTITIONS = 16


def main(argv: Sequence[str]) -> int:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if "--help" in argv or "-h" in argv:
        print(__doc__)
        return 0
    options = resolve_options(argv, glue_option_names(argv))
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
