"""The simulator's settings, typed and immutable, from ``VTS_*`` environment variables.

==========================  ==========================================  ===========
variable                    meaning                                     default
==========================  ==========================================  ===========
``VTS_KAFKA_BOOTSTRAP``     bootstrap servers (``host:port,...``)        (required)
``VTS_KAFKA_AUTH``          ``plaintext``, ``scram`` or ``iam``          plaintext
``VTS_KAFKA_SECRET_ARN``    Secrets Manager secret of the SCRAM user     (none)
``VTS_SCENARIO``            scenario name                               city
``VTS_SEED``                simulation seed                             0
``VTS_FLEET_VEHICLES``      vehicles in the whole fleet                 100
``VTS_FLEET_SHARDS``        shards the fleet is split into              1
``VTS_WINDOW_SECONDS``      seconds one invocation simulates            60
``VTS_TOPIC_PREFIX``        prefix of the five topic names              ""
``VTS_KAFKA_TRANSACTIONS``  one Kafka transaction per window            true
``VTS_IDEMPOTENCY_TABLE``   DynamoDB table recording completed windows  (none: off)
``VTS_IDEMPOTENCY_DAYS``    days a completed window stays recorded      30
==========================  ==========================================  ===========

``VTS_KAFKA_TRANSACTIONS=false`` is for clusters that cannot run transactions: a window
cut short by a crash then stays half-visible to the job, whose dedup is what remains.
"""

from __future__ import annotations

from dataclasses import dataclass

from simulator.model.scenario import SCENARIOS
from vts.exceptions import ConfigError
from vts.kafka.auth import KafkaAuth, get_auth
from vts.settings import env, env_int


@dataclass(frozen=True)
class SimulatorSettings:
    bootstrap: str
    auth_mode: str = "plaintext"
    secret_arn: str | None = None
    scenario: str = "city"
    seed: int = 0
    fleet_vehicles: int = 100
    fleet_shards: int = 1
    window_seconds: int = 60
    topic_prefix: str = ""
    transactions: bool = True
    idempotency_table: str | None = None
    idempotency_days: int = 30

    def __post_init__(self) -> None:
        if not self.bootstrap.strip():
            raise ConfigError(
                "no Kafka bootstrap servers configured",
                hint="set VTS_KAFKA_BOOTSTRAP to host:port[,host:port...]",
            )
        if self.scenario not in SCENARIOS:
            raise ConfigError(
                f"VTS_SCENARIO={self.scenario!r} is not a scenario",
                hint=f"use one of {', '.join(SCENARIOS)}",
            )
        for name, value in (
            ("VTS_FLEET_VEHICLES", self.fleet_vehicles),
            ("VTS_FLEET_SHARDS", self.fleet_shards),
            ("VTS_WINDOW_SECONDS", self.window_seconds),
            ("VTS_IDEMPOTENCY_DAYS", self.idempotency_days),
        ):
            if value < 1:
                raise ConfigError(f"{name}={value} must be at least 1", hint=f"set {name} >= 1")
        if self.fleet_shards > self.fleet_vehicles:
            raise ConfigError(
                f"{self.fleet_shards} shards for {self.fleet_vehicles} vehicles leave shards empty",
                hint="set VTS_FLEET_SHARDS no larger than VTS_FLEET_VEHICLES",
            )

    @classmethod
    def from_env(cls) -> SimulatorSettings:
        return cls(
            bootstrap=env("KAFKA_BOOTSTRAP", "") or "",
            auth_mode=env("KAFKA_AUTH", "plaintext") or "plaintext",
            secret_arn=env("KAFKA_SECRET_ARN"),
            scenario=env("SCENARIO", "city") or "city",
            seed=env_int("SEED", 0),
            fleet_vehicles=env_int("FLEET_VEHICLES", 100),
            fleet_shards=env_int("FLEET_SHARDS", 1),
            window_seconds=env_int("WINDOW_SECONDS", 60),
            topic_prefix=env("TOPIC_PREFIX", "") or "",
            transactions=_env_bool("KAFKA_TRANSACTIONS", True),
            idempotency_table=env("IDEMPOTENCY_TABLE"),
            idempotency_days=env_int("IDEMPOTENCY_DAYS", 30),
        )

    def transactional_id(self, shard: int) -> str | None:
        """The shard's Kafka ``transactional.id`` (``None`` without transactions): the same
        for every attempt at every window of the shard, so a new producer fences an older one
        and aborts the transaction it left open."""
        return f"{self.topic_prefix}vts-simulator-shard-{shard}" if self.transactions else None

    def kafka_auth(self) -> KafkaAuth:
        """The authentication backend (SCRAM reads its secret from Secrets Manager)."""
        if self.auth_mode.strip().lower() == "scram" and self.secret_arn:
            return get_auth(self.auth_mode, secret_arn=self.secret_arn)
        return get_auth(self.auth_mode)


def _env_bool(name: str, default: bool) -> bool:
    raw = (env(name) or "").strip().lower()
    if not raw:
        return default
    if raw in ("true", "1", "yes"):
        return True
    if raw in ("false", "0", "no"):
        return False
    raise ConfigError(
        f"VTS_{name}={raw!r} is not true or false", hint=f"set VTS_{name}=true or false"
    )
