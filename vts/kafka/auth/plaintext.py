"""No authentication, no TLS: the local broker and docker-compose."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from vts.kafka.auth.base import ConfigValue, KafkaAuth


@dataclass(frozen=True)
class PlaintextAuth(KafkaAuth):
    mode: ClassVar[str] = "plaintext"

    @classmethod
    def from_settings(cls, **settings: Any) -> PlaintextAuth:
        if settings:
            raise TypeError(f"plaintext authentication takes no settings, got {sorted(settings)}")
        return cls()

    def producer_config(self) -> dict[str, ConfigValue]:
        return {"security.protocol": "PLAINTEXT"}

    def spark_options(self) -> dict[str, str]:
        return {"kafka.security.protocol": "PLAINTEXT"}
