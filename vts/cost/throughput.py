"""How fast the streaming job runs, as ``make bench`` measured it, and the Glue workers
a workload needs for that.

The figure is the vts job's events per second on the 1.2M-event input of ``python -m bench
job`` (``sizes["1.2M"].events_per_s``, the median of its three runs there) divided by the
two cores of ``local[2]`` it ran on;
``tests/cost/test_throughput.py`` holds it equal to the recorded JSON named in
``source``. It is a whole-job figure (Kafka read, validation on the Python workers,
deduplication, Parquet writes, the commit), on a 2-core machine where the Kafka broker,
Spark's driver and its executor share the cores, so it errs low.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from vts.exceptions import ConfigError


@dataclass(frozen=True)
class Throughput:
    """Events per second per vCPU of the streaming job, and where the figure comes from."""

    events_per_core_second: float
    source: str
    cores: int = 2


# bench/results/<run>.json: results.job.sizes["1.2M"].events_per_s / cores
STREAMING_JOB = Throughput(
    events_per_core_second=52_794 / 2,
    source="bench/results/2026-12-02T0550-validator-job.json",
)
# Spare capacity beyond the live rate: after an outage (or a Glue restart) the job must
# keep up with the live stream and work off the backlog, here at twice the live rate.
REPLAY_HEADROOM = 3.0
VCPUS_PER_WORKER = {"G.025X": 2, "G.1X": 4, "G.2X": 8}
MIN_STREAMING_WORKERS = 2  # one of them is Spark's driver


def streaming_workers(
    events_per_second: float,
    worker_type: str,
    *,
    throughput: Throughput = STREAMING_JOB,
    headroom: float = REPLAY_HEADROOM,
) -> int:
    """Glue workers for ``events_per_second`` with ``headroom``: the driver's worker plus
    enough executors' vCPUs at the measured events per vCPU-second."""
    if worker_type not in VCPUS_PER_WORKER:
        raise ConfigError(
            f"unknown Glue worker type {worker_type!r}",
            hint=f"use one of {', '.join(VCPUS_PER_WORKER)}",
        )
    if throughput.events_per_core_second <= 0:
        raise ConfigError(
            "no measured throughput for the streaming job",
            hint="run `python -m bench job` and record its figure in vts/cost/throughput.py",
        )
    cores = events_per_second * headroom / throughput.events_per_core_second
    executors = math.ceil(cores / VCPUS_PER_WORKER[worker_type])
    return max(MIN_STREAMING_WORKERS, 1 + executors)
