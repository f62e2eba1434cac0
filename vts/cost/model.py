"""The stack's running cost for a workload: per hour, per month and per million events.

The model is deliberately small: one function per component turns a ``Workload`` (every
assumption a named field of it, ``vts.cost.workload``) and the dated list prices
(``vts.cost.prices``) into cost lines, each with the basis it was computed on. Lines
marked ``in_total=False`` are alternatives shown for comparison.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from vts.cost.prices import US_EAST_1, Prices
from vts.cost.throughput import REPLAY_HEADROOM, STREAMING_JOB
from vts.cost.workload import DPU_PER_WORKER, Workload

HOURS_PER_MONTH = 730.0
TOPICS = 5
LAKE_TABLES = 6  # five topics and the quarantine
ALARMS = 11  # the template's (tests/cost/test_model.py counts them), the live path's two too
# The live path (template "Live path", docs/live.md): three mappings, one per live topic;
# vehicle_data and gps_data carry the fleet's fixes, emergency_data next to nothing.
LIVE_MAPPINGS = 3
LIVE_BUSY_TOPICS = 2
LIVE_BATCH_RECORDS = 10_000  # the mappings' BatchSize; MaximumBatchingWindowInSeconds = 1
KAFKA_POLLER_MB_PER_SECOND = 5.0  # AWS: a Kafka event poller handles up to 5 MB/s
# The live alerts (template "LiveAlertsBus", "LiveSweepSchedule"): every version of an alert
# is put on the bus (raised, then ended), and a schedule invokes the consumer to sweep.
ALERT_VERSIONS = 2
SWEEPS_PER_HOUR = 60.0  # rate(1 minute)

# The template's interface endpoints (glue, logs, monitoring, kms, kafka, xray, events,
# redshift-data, redshift-serverless; tests/template/test_network.py derives them from the
# code) and the zones they sit in.
INTERFACE_ENDPOINTS = 9
ENDPOINT_ZONES = 2


@dataclass(frozen=True)
class CostLine:
    component: str
    hourly: float
    basis: str
    in_total: bool = True

    @property
    def monthly(self) -> float:
        return self.hourly * HOURS_PER_MONTH


@dataclass(frozen=True)
class Estimate:
    workload: Workload
    prices: Prices
    lines: tuple[CostLine, ...] = field(default_factory=tuple)

    @property
    def hourly(self) -> float:
        return sum(line.hourly for line in self.lines if line.in_total)

    @property
    def monthly(self) -> float:
        return self.hourly * HOURS_PER_MONTH

    @property
    def per_million_events(self) -> float:
        return self.hourly / (self.workload.events_per_hour / 1e6)


def _simulator(w: Workload, p: Prices) -> CostLine:
    invocations = w.shards * 3600.0 / w.window_seconds
    events = w.vehicles / w.shards * w.window_seconds * w.events_per_vehicle_second
    seconds = w.lambda_overhead_seconds + events / w.lambda_events_per_second
    gb_seconds = invocations * seconds * w.simulator_memory_mb / 1024.0
    cost = gb_seconds * p.lambda_gb_second + invocations * p.lambda_per_million_requests / 1e6
    return CostLine(
        "Lambda simulator",
        cost,
        f"{invocations:,.0f} invocations/h x {seconds:.1f} s x {w.simulator_memory_mb} MB",
    )


def _kafka(w: Workload, p: Prices) -> list[CostLine]:
    gb = w.kafka_gb_per_hour
    stored_gb = gb * w.kafka_retention_hours
    if w.kafka == "existing":
        return [CostLine("Kafka (existing cluster)", 0.0, "not part of this stack")]
    if w.kafka == "msk-serverless":
        partitions = TOPICS * w.partitions_per_topic
        return [
            CostLine(
                "MSK Serverless cluster-hours",
                p.msk_serverless_cluster_hour,
                "fixed, whether or not data flows",
            ),
            CostLine(
                "MSK Serverless partitions",
                partitions * p.msk_serverless_partition_hour,
                f"{partitions} partitions",
            ),
            CostLine(
                "MSK Serverless data in/out",
                gb * (p.msk_serverless_in_gb + p.msk_serverless_out_gb),
                f"{gb:.3f} GB/h in, read once by Glue",
            ),
            CostLine(
                "MSK storage",
                stored_gb * p.msk_storage_gb_month / HOURS_PER_MONTH,
                f"{stored_gb:.1f} GB retained ({w.kafka_retention_hours:.0f} h)",
            ),
        ]
    broker_hour = (
        p.msk_t3_small_broker_hour if w.kafka == "msk-t3-small" else p.msk_m5_large_broker_hour
    )
    replicated_gb = max(stored_gb * min(w.brokers, 3), 1.0 * w.brokers)
    return [
        CostLine(
            f"MSK provisioned {w.brokers} x kafka.{w.kafka.removeprefix('msk-').replace('-', '.')}",
            w.brokers * broker_hour,
            "create it yourself; deploy with KafkaSource=existing",
        ),
        CostLine(
            "MSK storage",
            replicated_gb * p.msk_storage_gb_month / HOURS_PER_MONTH,
            f"{replicated_gb:.1f} GB of broker storage",
        ),
    ]


def _glue(w: Workload, p: Prices) -> list[CostLine]:
    workers = w.streaming_workers
    dpus = workers * DPU_PER_WORKER[w.glue_worker_type]
    crawl_hours = max(w.crawl_minutes, p.crawler_minimum_minutes) / 60.0
    if w.glue_workers is None:
        steady = STREAMING_JOB.at_steady_state(w.trigger_seconds, w.watermark_seconds)
        sized = (
            f"sized for {w.events_per_hour / 3600:,.0f} events/s x {REPLAY_HEADROOM:g} headroom "
            f"at {steady:,.0f} events/s per vCPU (make bench: "
            f"{STREAMING_JOB.events_per_core_second:,.0f}, less the dedup state's reads of a "
            f"{w.watermark_seconds / 60:g}-minute watermark)"
        )
    else:
        sized = "as given"
    return [
        CostLine(
            "Glue streaming job",
            dpus * p.glue_dpu_hour,
            f"{workers} x {w.glue_worker_type} = {dpus:g} DPU, around the clock; {sized}",
        ),
        CostLine(
            "Glue crawler",
            w.crawls_per_day * crawl_hours * w.crawl_dpus * p.glue_dpu_hour / 24.0,
            f"{w.crawls_per_day:g} crawls/day, billed >= {p.crawler_minimum_minutes:g} min each",
        ),
    ]


def _s3(w: Workload, p: Prices) -> CostLine:
    batches = 3600.0 / w.trigger_seconds
    puts = batches * (LAKE_TABLES + w.checkpoint_puts_per_batch)
    month_gb = w.lake_gb_per_hour * HOURS_PER_MONTH
    cost = puts * p.s3_per_thousand_puts / 1000 + month_gb * p.s3_gb_month / HOURS_PER_MONTH
    return CostLine(
        "S3 lake (requests + one month of data)",
        cost,
        f"{puts:,.0f} PUTs/h; {month_gb:.1f} GB Parquet/month, storage grows monthly",
    )


def _redshift(w: Workload, p: Prices) -> list[CostLine]:
    billed = max(w.query_seconds, p.redshift_serverless_minimum_seconds)
    rpu_hours_per_day = w.queries_per_day * billed / 3600.0 * w.redshift_rpus
    scanned_tb_per_day = w.queries_per_day * w.lake_gb_per_hour * 24.0 / 1000.0
    return [
        CostLine(
            "Redshift Serverless queries",
            rpu_hours_per_day * p.redshift_serverless_rpu_hour / 24.0,
            f"{w.queries_per_day:g} queries/day x {billed:.0f} s billed x {w.redshift_rpus} RPU",
        ),
        CostLine(
            "(alternative) Spectrum on a provisioned cluster",
            scanned_tb_per_day * p.spectrum_per_tb_scanned / 24.0,
            f"{scanned_tb_per_day * 1000:.2f} GB scanned/day (each query reads a day); "
            "cluster not included",
            in_total=False,
        ),
    ]


def _live(w: Workload, p: Prices) -> list[CostLine]:
    """The live path: the consumer and its mappings' pollers, the cache, the API."""
    records_per_second = w.vehicles * w.events_per_vehicle_second  # ~all on the live topics
    per_topic = records_per_second / LIVE_BUSY_TOPICS
    # a batch closes after 1 s or 10,000 records: at least one invocation/s per busy topic
    invocations = LIVE_BUSY_TOPICS * 3600.0 * max(1.0, per_topic / LIVE_BATCH_RECORDS)
    per_invocation = records_per_second * 3600.0 / invocations
    seconds = w.live_invocation_overhead_seconds + per_invocation / w.live_records_per_second
    consumer = invocations * (
        seconds * w.live_consumer_memory_mb / 1024.0 * p.lambda_gb_second
        + p.lambda_per_million_requests / 1e6
    )
    topic_mb = per_topic * w.event_json_bytes / 1e6
    pollers = (LIVE_MAPPINGS - LIVE_BUSY_TOPICS) + LIVE_BUSY_TOPICS * max(
        1, math.ceil(topic_mb / KAFKA_POLLER_MB_PER_SECOND)
    )
    epus = math.ceil(pollers / p.lambda_kafka_pollers_per_epu)
    trail = w.live_trail_seconds * w.events_per_vehicle_second * w.live_trail_point_bytes
    stored_gb = w.vehicles * (w.live_state_bytes + trail) / 1e9
    billed_gb = max(stored_gb, p.valkey_serverless_minimum_gb)
    polls = w.live_viewers * 3600.0 / w.live_poll_seconds
    ecpu = records_per_second * 3600.0 * w.live_ecpu_per_write + polls * max(
        1.0, w.vehicles * w.live_ecpu_per_changed_vehicle
    )
    api = polls * (
        w.live_api_seconds * w.live_api_memory_mb / 1024.0 * p.lambda_gb_second
        + p.lambda_per_million_requests / 1e6
    )
    return [
        CostLine(
            "Lambda live consumer",
            consumer,
            f"{invocations:,.0f} invocations/h x {seconds:.2f} s x {w.live_consumer_memory_mb} MB",
        ),
        CostLine(
            "Lambda live mappings' event pollers",
            epus * p.lambda_epu_hour,
            f"provisioned mode: {pollers} pollers in one poller group = {epus} EPU "
            f"({p.lambda_kafka_pollers_per_epu} pollers each), around the clock",
        ),
        CostLine(
            "ElastiCache Serverless (Valkey) data",
            billed_gb * p.valkey_serverless_gb_hour,
            f"{stored_gb:.2f} GB: states + {w.live_trail_seconds:g} s trails "
            f"(billed >= {p.valkey_serverless_minimum_gb:g} GB)",
        ),
        CostLine(
            "ElastiCache Serverless (Valkey) ECPUs",
            ecpu / 1e6 * p.valkey_serverless_per_million_ecpu,
            f"{ecpu / 1e6:,.1f} M ECPU/h: one write per record, {w.live_viewers} map(s) "
            f"polling /changes every {w.live_poll_seconds:g} s",
        ),
        CostLine(
            "Lambda live API (Function URL)",
            api,
            f"{polls:,.0f} requests/h x {w.live_api_seconds:g} s x {w.live_api_memory_mb} MB; "
            "the URL itself costs nothing extra",
        ),
    ]


def _live_alerts(w: Workload, p: Prices) -> list[CostLine]:
    """The live alerts' bus (its rule to the alarm topic costs nothing more) and the
    schedule that invokes the consumer to sweep once a minute."""
    events = w.vehicles * w.live_alerts_per_vehicle_hour * ALERT_VERSIONS
    monthly_sweeps = SWEEPS_PER_HOUR * HOURS_PER_MONTH
    billed = max(0.0, monthly_sweeps - p.scheduler_free_invocations_month)
    sweep = SWEEPS_PER_HOUR * (
        w.live_sweep_seconds * w.live_consumer_memory_mb / 1024.0 * p.lambda_gb_second
        + p.lambda_per_million_requests / 1e6
    )
    return [
        CostLine(
            "EventBridge live alerts bus",
            events / 1e6 * p.eventbridge_per_million_events,
            f"{events:,.0f} events/h: {w.live_alerts_per_vehicle_hour:g} alert(s) per "
            "vehicle-hour (a guess), each put raised and then ended",
        ),
        CostLine(
            "EventBridge Scheduler live sweep",
            billed / 1e6 * p.scheduler_per_million_invocations / HOURS_PER_MONTH,
            f"{monthly_sweeps:,.0f} invocations/month, "
            f"{'beyond' if billed else 'within'} the "
            f"{p.scheduler_free_invocations_month / 1e6:g} M free each month",
        ),
        CostLine(
            "Lambda live sweep",
            sweep,
            f"{SWEEPS_PER_HOUR:.0f} invocations/h x {w.live_sweep_seconds:g} s x "
            f"{w.live_consumer_memory_mb} MB",
        ),
    ]


def _fixed(w: Workload, p: Prices) -> list[CostLine]:
    secrets = 1 if w.kafka == "msk-serverless" else 2  # Redshift admin (+ SCRAM if existing)
    monthly = (
        p.kms_key_month
        + secrets * p.secret_month
        + ALARMS * p.cloudwatch_alarm_month
        + w.log_gb_per_month * p.cloudwatch_logs_ingest_gb
    )
    lines = [
        CostLine(
            "KMS key, secrets, alarms, logs",
            monthly / HOURS_PER_MONTH,
            f"1 key, {secrets} secret(s), {ALARMS} alarms, {w.log_gb_per_month:g} GB logs/month",
        )
    ]
    lines += _network(w, p)
    return lines


def _network(w: Workload, p: Prices) -> list[CostLine]:
    """The stack's own VPC's way to AWS APIs. Kafka traffic stays in the VPC, and the S3 and
    DynamoDB gateway endpoints (free) carry the lake's writes; what is left is logs."""
    log_gb_per_hour = w.log_gb_per_month / HOURS_PER_MONTH
    endpoints = (
        INTERFACE_ENDPOINTS * ENDPOINT_ZONES * p.vpc_interface_endpoint_az_hour
        + log_gb_per_hour * p.vpc_interface_endpoint_gb
    )
    nat = p.nat_gateway_hour + log_gb_per_hour * p.nat_gateway_gb
    if w.network == "existing-vpc":
        # the stack's writes to S3 cross a NAT unless that VPC has an S3 gateway endpoint
        return [
            CostLine(
                "(if your VPC has none) NAT gateway",
                p.nat_gateway_hour + w.lake_gb_per_hour * p.nat_gateway_gb,
                "one gateway carrying the lake's S3 writes; VPC endpoints are the alternative",
                in_total=False,
            )
        ]
    endpoint_line = CostLine(
        "VPC interface endpoints"
        if w.network == "vpc-endpoints"
        else "(alternative) VPC interface endpoints",
        endpoints,
        f"{INTERFACE_ENDPOINTS} endpoints in {ENDPOINT_ZONES} zones (NetworkEgress=vpc-endpoints)",
        in_total=w.network == "vpc-endpoints",
    )
    nat_line = CostLine(
        "NAT gateway" if w.network == "nat-gateway" else "(alternative) NAT gateway",
        nat,
        "one gateway, logs and metrics through it (NetworkEgress=nat-gateway)",
        in_total=w.network == "nat-gateway",
    )
    return [endpoint_line, nat_line]


def estimate(workload: Workload, prices: Prices = US_EAST_1) -> Estimate:
    lines: list[CostLine] = [_simulator(workload, prices)]
    lines += _kafka(workload, prices)
    lines += _glue(workload, prices)
    lines.append(_s3(workload, prices))
    lines += _redshift(workload, prices)
    lines += _live(workload, prices)
    lines += _live_alerts(workload, prices)
    lines += _fixed(workload, prices)
    return Estimate(workload, prices, tuple(lines))
