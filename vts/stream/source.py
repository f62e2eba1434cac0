"""The Kafka source: ``spark.readStream.format("kafka")`` with the job's options.

Authentication comes from ``vts.kafka.auth`` (plaintext locally; SCRAM or MSK IAM on AWS,
the same modes the producer uses). A Glue Kafka connection covers TLS and SCRAM; IAM
needs the options here (and the ``aws-msk-iam-auth`` jar, which Glue ships).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from vts.stream.args import JobArgs

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

logger = logging.getLogger(__name__)

FETCH_MAX_WAIT_MS = 10


def auth_settings(args: JobArgs) -> dict[str, Any]:
    """The settings ``get_auth`` takes for the job's auth mode."""
    mode = args.kafka_auth
    settings: dict[str, Any] = {}
    if mode == "scram":
        if args.kafka_secret_arn:
            settings["secret_arn"] = args.kafka_secret_arn
        if args.region:
            settings["region"] = args.region
    elif mode == "iam" and args.region:
        settings["region"] = args.region
    return settings


def kafka_options(args: JobArgs) -> dict[str, str]:
    """Every option of the Kafka source (auth options carry secrets: never log them)."""
    from vts.kafka.auth import get_auth

    auth = get_auth(args.kafka_auth, **auth_settings(args))
    logger.info("Kafka source: %s at %s", auth.describe(), args.bootstrap_servers)
    options = {
        "kafka.bootstrap.servers": args.bootstrap_servers,
        "subscribe": ",".join(args.topic_names),
        "startingOffsets": args.starting_offsets,
        "failOnDataLoss": str(args.fail_on_data_loss).lower(),
        "includeHeaders": "false",
        # a simulator window is one transaction: an aborted (crashed) attempt is never read
        "kafka.isolation.level": "read_committed",
        # Spark reads bounded offset ranges, and a consumer that reached the end of one has
        # a fetch in flight that the broker holds open for up to this long (default 500 ms)
        # before the consumer can fetch the next range: half a second per partition that a
        # micro-batch read to its end, without this
        "kafka.fetch.max.wait.ms": str(FETCH_MAX_WAIT_MS),
        **auth.spark_options(),
        "maxOffsetsPerTrigger": str(args.max_offsets_per_trigger),
    }
    return options


def read_kafka(spark: SparkSession, args: JobArgs) -> DataFrame:
    """The streaming DataFrame of the job's topics (Kafka's key/value/topic/... columns)."""
    reader = spark.readStream.format("kafka")
    for key, value in kafka_options(args).items():
        reader = reader.option(key, value)
    return reader.load()
