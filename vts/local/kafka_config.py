"""The files a local single-node KRaft broker runs from: ``server.properties`` and log4j2.

One JVM is both controller and broker (``process.roles=broker,controller``) with a static
one-voter quorum, so a restart may move to other free ports without reformatting. Three
listeners on 127.0.0.1:

- ``PLAINTEXT``: clients and inter-broker traffic (the bootstrap address ``vts`` prints);
- ``CONTROLLER``: the KRaft quorum, never given to clients;
- ``SCRAM`` (optional): ``SASL_PLAINTEXT`` with SCRAM-SHA-512, to exercise the SCRAM path the
  MSK deployment uses. No authorizer is configured, so there are no ACLs or super users to
  set up and nothing can be locked out;
- ``SCRAM_TLS`` (with ``SCRAM``): the same users over ``SASL_SSL``, as MSK serves SCRAM
  (port 9096), with a self-signed certificate (``vts.local.kafka_tls``).
"""

from __future__ import annotations

import base64
import re
import socket
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import quoteattr

from vts.local.exceptions import ConfigError

HOST = "127.0.0.1"
SCRAM_MECHANISM = "SCRAM-SHA-512"
_USERNAME = re.compile(r"^[A-Za-z0-9._@-]{1,64}$")
# kafka-storage's --add-scram splits on ',' and brackets; keep passwords to a safe alphabet.
_PASSWORD = re.compile(r"^[A-Za-z0-9._~!@#$%^&*()+{}:;<>?/|-]{1,128}$")


def free_port(host: str = HOST) -> int:
    """A TCP port nothing listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def port_is_free(port: int, host: str = HOST) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # as the JVM binds its listeners: a port whose last broker stopped seconds ago (its
        # connections in TIME_WAIT) is free; one something listens on is not
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def new_cluster_id() -> str:
    """A KRaft cluster id: 16 random bytes, URL-safe base64 without padding (like kafka-storage).

    Never one that starts with ``-``: the storage tool would read it as an option.
    """
    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode("ascii")
        if not cluster_id.startswith("-"):
            return cluster_id


@dataclass(frozen=True)
class ScramUser:
    """A SCRAM-SHA-512 user of the local broker's SCRAM listener (the password never in repr)."""

    name: str
    password: str = field(repr=False)

    def __post_init__(self) -> None:
        if not _USERNAME.match(self.name):
            raise ConfigError(
                f"SCRAM user name {self.name!r} is not allowed",
                hint="use letters, digits and . _ @ - (at most 64 characters)",
            )
        if not _PASSWORD.match(self.password):
            raise ConfigError(
                f"the password of SCRAM user {self.name!r} has characters the local broker's "
                "storage tool cannot take (comma, quotes, brackets, '=' or spaces) or is empty",
                hint="choose a password of letters, digits and punctuation other than , \" ' [ ] =",
            )

    def storage_tool_arg(self) -> str:
        """The ``--add-scram`` value for ``kafka-storage format``."""
        return f"{SCRAM_MECHANISM}=[name={self.name},password={self.password}]"

    @classmethod
    def parse(cls, text: str, default_password: str | None = None) -> ScramUser:
        """``NAME=PASSWORD``, or ``NAME`` with ``default_password`` (from the environment)."""
        name, sep, password = text.partition("=")
        if not sep:
            if default_password is None:
                raise ConfigError(
                    f"no password for SCRAM user {name!r}",
                    hint="pass NAME=PASSWORD or set VTS_KAFKA_PASSWORD",
                )
            password = default_password
        return cls(name.strip(), password)


@dataclass(frozen=True)
class BrokerConfig:
    """Everything ``server.properties`` and the log4j2 file are rendered from."""

    data_dir: Path
    log_dir: Path
    port: int
    controller_port: int
    scram_port: int | None = None
    scram_tls_port: int | None = None
    keystore: Path | None = None
    keystore_password: str | None = field(default=None, repr=False)
    partitions: int = 3
    retention_hours: float = 24.0
    host: str = HOST
    node_id: int = 1

    @property
    def bootstrap(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def scram_bootstrap(self) -> str | None:
        return None if self.scram_port is None else f"{self.host}:{self.scram_port}"

    @property
    def scram_tls_bootstrap(self) -> str | None:
        return None if self.scram_tls_port is None else f"{self.host}:{self.scram_tls_port}"

    @property
    def log_file(self) -> Path:
        return self.log_dir / "server.log"

    def server_properties(self) -> str:
        listeners = [
            f"PLAINTEXT://{self.host}:{self.port}",
            f"CONTROLLER://{self.host}:{self.controller_port}",
        ]
        advertised = [f"PLAINTEXT://{self.host}:{self.port}"]
        protocols = ["PLAINTEXT:PLAINTEXT", "CONTROLLER:PLAINTEXT"]
        if self.scram_port is not None:
            listeners.append(f"SCRAM://{self.host}:{self.scram_port}")
            advertised.append(f"SCRAM://{self.host}:{self.scram_port}")
            protocols.append("SCRAM:SASL_PLAINTEXT")
        if self.scram_tls_port is not None:
            listeners.append(f"SCRAM_TLS://{self.host}:{self.scram_tls_port}")
            advertised.append(f"SCRAM_TLS://{self.host}:{self.scram_tls_port}")
            protocols.append("SCRAM_TLS:SASL_SSL")
        retention_ms = int(self.retention_hours * 3_600_000)
        lines = [
            "# Written by `vts local up`; rewritten on every start.",
            "process.roles=broker,controller",
            f"node.id={self.node_id}",
            f"controller.quorum.voters={self.node_id}@{self.host}:{self.controller_port}",
            "controller.listener.names=CONTROLLER",
            "inter.broker.listener.name=PLAINTEXT",
            f"listeners={','.join(listeners)}",
            f"advertised.listeners={','.join(advertised)}",
            f"listener.security.protocol.map={','.join(protocols)}",
            f"log.dirs={self.data_dir}",
            f"num.partitions={self.partitions}",
            f"log.retention.ms={retention_ms}",
            "auto.create.topics.enable=false",
            "offsets.topic.replication.factor=1",
            "offsets.topic.num.partitions=3",
            "transaction.state.log.replication.factor=1",
            "transaction.state.log.min.isr=1",
            "share.coordinator.state.topic.replication.factor=1",
            "share.coordinator.state.topic.min.isr=1",
            "group.initial.rebalance.delay.ms=0",
            "num.network.threads=2",
            "num.io.threads=4",
            "log.segment.bytes=67108864",
        ]
        if self.scram_port is not None:
            lines += [
                f"listener.name.scram.sasl.enabled.mechanisms={SCRAM_MECHANISM}",
                f"listener.name.scram.{SCRAM_MECHANISM.lower()}.sasl.jaas.config="
                "org.apache.kafka.common.security.scram.ScramLoginModule required;",
            ]
        if self.scram_tls_port is not None:
            if self.keystore is None or not self.keystore_password:
                raise ConfigError("the SCRAM_TLS listener needs a keystore", hint="a vts bug")
            lines += [
                f"listener.name.scram_tls.sasl.enabled.mechanisms={SCRAM_MECHANISM}",
                f"listener.name.scram_tls.{SCRAM_MECHANISM.lower()}.sasl.jaas.config="
                "org.apache.kafka.common.security.scram.ScramLoginModule required;",
                f"listener.name.scram_tls.ssl.keystore.location={self.keystore}",
                f"listener.name.scram_tls.ssl.keystore.password={self.keystore_password}",
                "listener.name.scram_tls.ssl.keystore.type=PKCS12",
            ]
        return "\n".join(lines) + "\n"

    def log4j2_xml(self) -> str:
        """Broker logs to ``<log_dir>/server.log`` (rolled at 50 MB, 3 kept), nothing to stdout."""
        log, rolled = quoteattr(str(self.log_file)), quoteattr(f"{self.log_file}.%i")
        return f"""<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by `vts local up`. -->
<Configuration status="warn">
  <Appenders>
    <RollingFile name="file" fileName={log} filePattern={rolled}>
      <PatternLayout pattern="[%d] %p %m (%c)%n"/>
      <Policies><SizeBasedTriggeringPolicy size="50 MB"/></Policies>
      <DefaultRolloverStrategy max="3"/>
    </RollingFile>
  </Appenders>
  <Loggers>
    <Logger name="kafka.request.logger" level="warn"/>
    <Logger name="state.change.logger" level="warn"/>
    <Logger name="org.apache.kafka.storage.internals.log" level="warn"/>
    <Root level="info"><AppenderRef ref="file"/></Root>
  </Loggers>
</Configuration>
"""
