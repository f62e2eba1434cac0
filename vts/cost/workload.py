"""The workload a cost estimate is for: what runs, how much, and every assumption behind it.

Every assumption is a named field of ``Workload``: the event rate and size were measured on
the simulator (city scenario: 2.0 events per vehicle-second, 312 bytes of JSON each), and
the Glue streaming job is sized from the job's own measured events/s per vCPU
(``vts.cost.throughput``, from ``make bench``); the others (compression, Lambda throughput,
crawl length, query pattern) are stated guesses to replace with measurements. ``PRESETS``:
the workloads ``vts cost`` knows by name.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from vts.cost.throughput import DEFAULT_WATERMARK_SECONDS, MIN_STREAMING_WORKERS, streaming_workers
from vts.exceptions import ConfigError

DPU_PER_WORKER = {"G.025X": 0.25, "G.1X": 1.0, "G.2X": 2.0}
Kafka = Literal["msk-serverless", "msk-t3-small", "msk-m5-large", "existing"]
KAFKA_CHOICES: tuple[str, ...] = ("msk-serverless", "msk-t3-small", "msk-m5-large", "existing")
# The template's NetworkEgress for its own VPC, or an existing VPC (VpcId).
Network = Literal["vpc-endpoints", "nat-gateway", "existing-vpc"]
NETWORK_CHOICES: tuple[str, ...] = ("vpc-endpoints", "nat-gateway", "existing-vpc")


@dataclass(frozen=True)
class Workload:
    """What runs, how much, and the assumptions behind the numbers."""

    name: str
    vehicles: int
    shards: int = 1
    window_seconds: int = 60
    simulator_memory_mb: int = 1024
    kafka: Kafka = "msk-serverless"
    brokers: int = 2
    partitions_per_topic: int = 6
    kafka_retention_hours: float = 24.0
    glue_worker_type: str = "G.025X"
    # None: sized from the job's measured speed (vts.cost.throughput), with replay headroom
    glue_workers: int | None = None
    trigger_seconds: int = 60
    # the job's --watermark: how long the dedup state holds a key costs every batch a read
    watermark_seconds: float = DEFAULT_WATERMARK_SECONDS
    crawls_per_day: float = 4.0
    crawl_dpus: float = 2.0
    crawl_minutes: float = 10.0
    queries_per_day: float = 20.0
    query_seconds: float = 10.0
    redshift_rpus: int = 8
    # the stack's own VPC with interface endpoints (the template's default), with one NAT
    # gateway instead, or an existing VPC (whose way out is not the stack's to price)
    network: Network = "vpc-endpoints"
    # measured on the simulator (city scenario)
    events_per_vehicle_second: float = 2.0
    event_json_bytes: float = 312.0
    # assumptions to replace with measurements
    kafka_compression_ratio: float = 4.0
    parquet_bytes_per_event: float = 60.0
    lambda_events_per_second: float = 100_000.0
    lambda_overhead_seconds: float = 1.0
    log_gb_per_month: float = 1.0
    checkpoint_puts_per_batch: int = 3
    # the live path: who watches it, and guesses to replace with measurements
    live_viewers: int = 1  # open maps, each polling /changes every live_poll_seconds
    live_poll_seconds: float = 1.0
    live_consumer_memory_mb: int = 512  # template: LiveConsumerFunction, LiveApiFunction
    live_api_memory_mb: int = 512
    live_records_per_second: float = 50_000.0  # the consumer at 512 MB (a third of a core)
    live_invocation_overhead_seconds: float = 0.02  # one pipelined round trip to the cache
    live_api_seconds: float = 0.05
    live_state_bytes: float = 1_000.0  # a vehicle's state, geo entry and feed entry
    live_trail_point_bytes: float = 153.0  # measured: MEMORY USAGE of a 1,200-point trail
    live_trail_seconds: float = 600.0  # VTS_LIVE_TRAIL_S
    live_ecpu_per_write: float = 3.0  # one vehicle's Lua write (~1 KB in, script CPU)
    live_ecpu_per_changed_vehicle: float = 0.3  # ~300 bytes of JSON per vehicle read
    live_alerts_per_vehicle_hour: float = 1.0  # a guess: overspeed, braking, geofences...
    live_sweep_seconds: float = 0.05  # the scheduled sweep: a round trip and a Lua script

    def __post_init__(self) -> None:
        if self.vehicles < 1 or self.shards < 1 or self.window_seconds < 1:
            raise ConfigError(
                f"workload {self.name}: vehicles, shards and window must be positive",
                hint="pass --vehicles, --shards and --window-seconds of at least 1",
            )
        if self.network not in NETWORK_CHOICES:
            raise ConfigError(
                f"unknown network choice {self.network!r}",
                hint=f"use one of {', '.join(NETWORK_CHOICES)}",
            )
        if self.kafka not in KAFKA_CHOICES:
            raise ConfigError(
                f"unknown Kafka choice {self.kafka!r}",
                hint=f"use one of {', '.join(KAFKA_CHOICES)}",
            )
        if self.glue_worker_type not in DPU_PER_WORKER:
            raise ConfigError(
                f"unknown Glue worker type {self.glue_worker_type!r}",
                hint=f"use one of {', '.join(DPU_PER_WORKER)}",
            )
        if self.trigger_seconds < 1 or self.watermark_seconds <= 0:
            raise ConfigError(
                f"workload {self.name}: the trigger and the watermark must be positive",
                hint="pass --watermark-minutes above 0",
            )
        if self.live_viewers < 0 or self.live_poll_seconds <= 0:
            raise ConfigError(
                f"workload {self.name}: live viewers must be 0 or more, polling every > 0 s",
                hint="pass --live-viewers 0 or more",
            )
        if self.glue_workers is not None and self.glue_workers < MIN_STREAMING_WORKERS:
            raise ConfigError(
                f"workload {self.name}: a Glue streaming job needs at least "
                f"{MIN_STREAMING_WORKERS} workers",
                hint="pass --glue-workers 2 or more, or leave it out to size it",
            )

    @property
    def streaming_workers(self) -> int:
        """The Glue job's workers: as given, or sized from the measured events/s per core."""
        if self.glue_workers is not None:
            return self.glue_workers
        return streaming_workers(
            self.events_per_hour / 3600.0,
            self.glue_worker_type,
            trigger_seconds=self.trigger_seconds,
            watermark_seconds=self.watermark_seconds,
        )

    @property
    def events_per_hour(self) -> float:
        return self.vehicles * self.events_per_vehicle_second * 3600.0

    @property
    def kafka_gb_per_hour(self) -> float:
        return self.events_per_hour * self.event_json_bytes / self.kafka_compression_ratio / 1e9

    @property
    def lake_gb_per_hour(self) -> float:
        return self.events_per_hour * self.parquet_bytes_per_event / 1e9


PRESETS: dict[str, Workload] = {
    # The template's defaults: one command, nothing to create beforehand.
    "demo": Workload("demo", vehicles=100),
    # The cheapest sensible demo: a small provisioned cluster instead of MSK Serverless's
    # cluster-hour, one crawl a day (the job registers partitions itself).
    "demo-cheapest": Workload(
        "demo-cheapest",
        vehicles=100,
        kafka="msk-t3-small",
        brokers=2,
        crawls_per_day=1,
        network="existing-vpc",  # an existing cluster lives in an existing VPC
    ),
    # 10,000 vehicles: 20,000 events/s. Provisioned brokers beat Serverless's per-GB price.
    "fleet-10k": Workload(
        "fleet-10k",
        vehicles=10_000,
        shards=4,
        simulator_memory_mb=2048,
        kafka="msk-m5-large",
        brokers=3,
        partitions_per_topic=12,
        glue_worker_type="G.1X",
        queries_per_day=200,
        log_gb_per_month=5,
        network="existing-vpc",
    ),
}


def with_overrides(base: Workload, **changes: object) -> Workload:
    """``base`` with the given fields replaced (None values are ignored)."""
    return replace(base, **{k: v for k, v in changes.items() if v is not None})  # type: ignore[arg-type]
