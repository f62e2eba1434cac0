"""What benchmark modules share: a scratch folder, a quick mode, a local Kafka broker."""

from __future__ import annotations

import logging
import os
import platform
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)


@dataclass
class BenchContext:
    """Handed to every ``run(ctx)``; ``close()`` stops what was started."""

    workdir: Path
    quick: bool = False
    minutes: float | None = None  # the soak's length (``python -m bench soak --minutes 60``)
    _kafka: Any = None
    _bootstrap: str | None = None
    notes: list[str] = field(default_factory=list)

    def say(self, text: str) -> None:
        """Progress for humans (stderr); stdout carries only the JSON document."""
        print(f"[bench {time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)

    def kafka_bootstrap(self) -> str:
        """A local single-node broker (``vts.local``), started once for all benchmarks."""
        if self._bootstrap is None:
            from vts.local.kafka_broker import BrokerOptions, LocalKafka
            from vts.settings import LocalPaths

            self.say("starting a local Kafka broker")
            self._kafka = LocalKafka(self.workdir / "home", jars_root=LocalPaths.from_env().jars)
            status = self._kafka.up(BrokerOptions(partitions=3, heap="1g"), report=self.say)
            assert status.bootstrap is not None
            self._bootstrap = status.bootstrap
        return self._bootstrap

    def close(self) -> None:
        if self._kafka is not None:
            self.say("stopping the local Kafka broker")
            self._kafka.down(report=self.say)
            self._kafka = None
            self._bootstrap = None


def machine() -> dict[str, Any]:
    """The machine the figures were measured on."""
    info: dict[str, Any] = {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
    }
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                info["memory_gb"] = round(int(line.split()[1]) / 1024**2, 1)
                break
        info["load_average"] = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        pass
    try:
        import confluent_kafka
        import numpy

        info["numpy"] = numpy.__version__
        version = confluent_kafka.version()  # a (text, int) tuple in some releases
        info["confluent_kafka"] = version[0] if isinstance(version, tuple) else str(version)
        info["librdkafka"] = confluent_kafka.libversion()[0]
    except ImportError:
        pass
    return info


def one_core() -> int | None:
    """Pin this process to one CPU (Linux); returns it, or None where not possible."""
    if not hasattr(os, "sched_setaffinity"):
        return None
    cpu = sorted(os.sched_getaffinity(0))[-1]
    os.sched_setaffinity(0, {cpu})
    return cpu


def all_cores(previous: set[int]) -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, previous)


def job_env(home: Path, **extra: str) -> dict[str, str]:
    """This process's environment for a job of its own: a fresh VTS home (its catalog,
    logs), the jars ``make jars`` installed (they stay where they are: a fresh home has
    none), and ``extra`` on top."""
    from vts.settings import LocalPaths

    jars = str(LocalPaths.from_env().jars)
    return {**os.environ, "VTS_HOME": str(home), "VTS_JARS_DIR": jars, **extra}
