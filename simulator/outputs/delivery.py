"""What a producer delivered: per topic delivered and failed messages, bytes, time."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from vts.contract.topics import TOPIC_NAMES


@dataclass(frozen=True)
class DeliveryReport:
    """What a producer delivered: per topic (without prefix) delivered and failed messages."""

    delivered: Mapping[str, int]
    failed: Mapping[str, int]
    bytes: int
    elapsed_s: float
    backpressure_waits: int = 0
    first_error: str | None = None

    @property
    def total_delivered(self) -> int:
        return sum(self.delivered.values())

    @property
    def total_failed(self) -> int:
        return sum(self.failed.values())

    @property
    def events_per_s(self) -> float:
        return self.total_delivered / self.elapsed_s if self.elapsed_s > 0 else 0.0

    @property
    def ok(self) -> bool:
        return self.total_failed == 0

    def rows(self) -> list[dict[str, Any]]:
        """One row per topic (for a table), topics in contract order."""
        topics = [t for t in TOPIC_NAMES if t in self.delivered or t in self.failed]
        topics += sorted(set(self.delivered) | set(self.failed) - set(topics))
        return [
            {"topic": t, "delivered": self.delivered.get(t, 0), "failed": self.failed.get(t, 0)}
            for t in topics
        ]

    def as_dict(self) -> dict[str, Any]:
        return {
            "delivered": dict(self.delivered),
            "failed": dict(self.failed),
            "total_delivered": self.total_delivered,
            "total_failed": self.total_failed,
            "bytes": self.bytes,
            "elapsed_s": round(self.elapsed_s, 3),
            "events_per_s": round(self.events_per_s, 1),
            "backpressure_waits": self.backpressure_waits,
            "first_error": self.first_error,
        }
