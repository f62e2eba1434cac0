"""List prices the cost model uses: one region, one date, every figure to be checked.

These are AWS's public on-demand list prices for us-east-1 as recorded in June 2025 from
the service pricing pages below (no discounts, free tiers or savings plans, except where a
line says so). Prices change: check them against the pages before relying on an estimate,
and update ``recorded`` when you do.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Prices:
    region: str
    recorded: str
    sources: tuple[str, ...]
    # Lambda (x86_64)
    lambda_gb_second: float
    lambda_per_million_requests: float
    # MSK Serverless
    msk_serverless_cluster_hour: float
    msk_serverless_partition_hour: float
    msk_serverless_in_gb: float
    msk_serverless_out_gb: float
    msk_storage_gb_month: float
    # MSK provisioned brokers
    msk_t3_small_broker_hour: float
    msk_m5_large_broker_hour: float
    # Glue (streaming jobs and crawlers)
    glue_dpu_hour: float
    crawler_minimum_minutes: float
    # S3 Standard
    s3_gb_month: float
    s3_per_thousand_puts: float
    s3_per_thousand_gets: float
    # Redshift
    redshift_serverless_rpu_hour: float
    redshift_serverless_minimum_seconds: float
    spectrum_per_tb_scanned: float
    # The live path: ElastiCache Serverless for Valkey, the mappings' provisioned pollers
    valkey_serverless_gb_hour: float
    valkey_serverless_minimum_gb: float
    valkey_serverless_per_million_ecpu: float
    lambda_epu_hour: float
    lambda_kafka_pollers_per_epu: int
    # The live alerts' bus (custom events, per million; an event per 64 KB chunk) and the
    # sweep's schedule (EventBridge Scheduler: per million invocations after a monthly free
    # allowance, which this table counts because it never runs out for one schedule)
    eventbridge_per_million_events: float
    scheduler_per_million_invocations: float
    scheduler_free_invocations_month: float
    # Everything else the stack holds
    kms_key_month: float
    secret_month: float
    cloudwatch_logs_ingest_gb: float
    cloudwatch_alarm_month: float
    nat_gateway_hour: float
    nat_gateway_gb: float
    # PrivateLink interface endpoints: per endpoint per availability zone, and per GB
    vpc_interface_endpoint_az_hour: float
    vpc_interface_endpoint_gb: float


US_EAST_1 = Prices(
    region="us-east-1",
    recorded="2025-06 (list prices; check before use)",
    sources=(
        "https://aws.amazon.com/lambda/pricing/",
        "https://aws.amazon.com/msk/pricing/",
        "https://aws.amazon.com/glue/pricing/",
        "https://aws.amazon.com/s3/pricing/",
        "https://aws.amazon.com/redshift/pricing/",
        "https://aws.amazon.com/kms/pricing/",
        "https://aws.amazon.com/secrets-manager/pricing/",
        "https://aws.amazon.com/cloudwatch/pricing/",
        "https://aws.amazon.com/vpc/pricing/",
        "https://aws.amazon.com/elasticache/pricing/",
        "https://aws.amazon.com/eventbridge/pricing/",
    ),
    lambda_gb_second=0.0000166667,
    lambda_per_million_requests=0.20,
    msk_serverless_cluster_hour=0.75,
    msk_serverless_partition_hour=0.0015,
    msk_serverless_in_gb=0.10,
    msk_serverless_out_gb=0.05,
    msk_storage_gb_month=0.10,
    msk_t3_small_broker_hour=0.0456,
    msk_m5_large_broker_hour=0.21,
    glue_dpu_hour=0.44,
    crawler_minimum_minutes=10.0,
    s3_gb_month=0.023,
    s3_per_thousand_puts=0.005,
    s3_per_thousand_gets=0.0004,
    redshift_serverless_rpu_hour=0.375,
    redshift_serverless_minimum_seconds=60.0,
    spectrum_per_tb_scanned=5.00,
    # The live path's prices were added later than the rest: the EPU rate is the Lambda
    # pricing page's Kafka example; the Valkey rates are the ElastiCache pricing page's as
    # summaries of it quote them. Check these two pages first.
    # ElastiCache Serverless for Valkey: data stored per GB-hour (metered at least 100 MB),
    # and ECPUs (one per KB a simple command moves; more for CPU-heavy ones such as Lua).
    valkey_serverless_gb_hour=0.084,
    valkey_serverless_minimum_gb=0.1,
    valkey_serverless_per_million_ecpu=0.0023,
    # Lambda's provisioned mode for Kafka event source mappings: Event Poller Units, each
    # holding 10 Kafka event pollers (the Lambda pricing page's Kafka example: $0.185/EPU-h).
    lambda_epu_hour=0.185,
    lambda_kafka_pollers_per_epu=10,
    eventbridge_per_million_events=1.00,
    scheduler_per_million_invocations=1.00,
    scheduler_free_invocations_month=14_000_000,
    kms_key_month=1.00,
    secret_month=0.40,
    cloudwatch_logs_ingest_gb=0.50,
    cloudwatch_alarm_month=0.10,
    nat_gateway_hour=0.045,
    nat_gateway_gb=0.045,
    vpc_interface_endpoint_az_hour=0.01,
    vpc_interface_endpoint_gb=0.01,
)
