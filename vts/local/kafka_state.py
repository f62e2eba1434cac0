"""What ``vts local up`` is asked for, and what it records about the running broker."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from vts.contract.topics import TOPIC_NAMES
from vts.local.exceptions import ConfigError
from vts.local.kafka_config import ScramUser


@dataclass(frozen=True)
class BrokerOptions:
    """How ``up`` starts the broker. ``port=None`` picks a free one."""

    port: int | None = None
    partitions: int = 3
    retention_hours: float = 24.0
    scram_users: tuple[ScramUser, ...] = ()
    topics: tuple[str, ...] = TOPIC_NAMES
    heap: str = "512m"
    ready_timeout: float = 90.0

    def __post_init__(self) -> None:
        if self.partitions < 1:
            raise ConfigError("partitions must be at least 1", hint="e.g. --partitions 3")
        if self.retention_hours <= 0:
            raise ConfigError("retention must be positive", hint="e.g. --retention-hours 24")
        if self.port is not None and not 0 < self.port < 65536:
            raise ConfigError(f"port {self.port} is not a TCP port", hint="e.g. --port 9092")


@dataclass(frozen=True)
class BrokerState:
    """What ``state.json`` records about a running broker (no secrets)."""

    pid: int
    bootstrap: str
    port: int
    controller_port: int
    scram_port: int | None
    scram_bootstrap: str | None
    log_file: str
    data_dir: str
    started_at: str
    # The SASL_SSL SCRAM listener and the files its clients trust it with (kafka_tls).
    scram_tls_bootstrap: str | None = None
    tls_dir: str | None = None

    def save(self, path: Path) -> None:
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(self), indent=2) + "\n")
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> BrokerState:
        return cls(**json.loads(path.read_text()))


@dataclass(frozen=True)
class BrokerStatus:
    """``running`` with the broker's state, or not running; ``topics`` when it answered."""

    running: bool
    state: BrokerState | None = None
    topics: dict[str, int] = field(default_factory=dict)
    already_running: bool = False

    @property
    def bootstrap(self) -> str | None:
        return self.state.bootstrap if self.state else None

    def as_record(self) -> dict[str, Any]:
        record: dict[str, Any] = {"running": self.running}
        if self.state is not None:
            record.update(asdict(self.state))
        if self.topics:
            record["topics"] = self.topics
        return record
