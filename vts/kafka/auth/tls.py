"""TLS without SASL (MSK's TLS listener with unauthenticated access, or a TLS-only broker)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from vts.kafka.auth.base import ConfigValue, KafkaAuth
from vts.settings import env


@dataclass(frozen=True)
class SslAuth(KafkaAuth):
    """``security.protocol=SSL``; ``ca_location`` is a PEM bundle when the system one won't do."""

    ca_location: str | None = None
    mode: ClassVar[str] = "ssl"

    @classmethod
    def from_settings(cls, *, ca_location: str | None = None, **unused: Any) -> SslAuth:
        if unused:
            raise TypeError(f"ssl authentication got unknown settings {sorted(unused)}")
        return cls(ca_location=ca_location or env("KAFKA_SSL_CA"))

    def producer_config(self) -> dict[str, ConfigValue]:
        config: dict[str, ConfigValue] = {"security.protocol": "SSL"}
        if self.ca_location:
            config["ssl.ca.location"] = self.ca_location
        return config

    def spark_options(self) -> dict[str, str]:
        options = {"kafka.security.protocol": "SSL"}
        if self.ca_location:
            options["kafka.ssl.truststore.type"] = "PEM"
            options["kafka.ssl.truststore.location"] = self.ca_location
        return options

    def describe(self) -> str:
        return f"ssl (CA {self.ca_location or 'system default'})"
