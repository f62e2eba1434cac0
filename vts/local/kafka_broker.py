"""A local single-node Kafka (KRaft) broker run from the jars ``make jars`` fetched.

``LocalKafka(home).up()`` formats storage on first start, starts one broker+controller
JVM on 127.0.0.1, waits until an admin client answers, and creates the five topics;
``down()`` stops it (SIGTERM, then SIGKILL after a timeout); ``status()`` reports it. The
pid and ports live in ``<home>/kafka/state.json`` so any process can find the broker.

Layout under ``<home>/kafka``: ``state.json``, ``server.properties``, ``log4j2.xml``,
``data/`` (topics and KRaft metadata, kept across restarts) and ``logs/server.log``
(``logs/jvm.out`` has what the JVM printed itself, e.g. a crash).
"""

from __future__ import annotations

import fcntl
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from vts.kafka import admin
from vts.kafka.auth.scram import ScramAuth
from vts.kafka.exceptions import KafkaAuthError, KafkaUnavailableError
from vts.local import process
from vts.local.exceptions import BrokerNotReadyError, BrokerStartError, ConfigError
from vts.local.jars import classpath
from vts.local.kafka_config import (
    SCRAM_MECHANISM,
    BrokerConfig,
    ScramUser,
    free_port,
    port_is_free,
)
from vts.local.kafka_state import BrokerOptions, BrokerState, BrokerStatus
from vts.local.kafka_storage import format_storage, jvm_command
from vts.local.kafka_tls import ensure_tls
from vts.settings import LocalPaths

__all__ = ["BrokerOptions", "BrokerState", "BrokerStatus", "LocalKafka", "ScramUser"]

logger = logging.getLogger(__name__)

Report = Callable[[str], None]
MAIN_CLASS = "kafka.Kafka"


def _log_report(text: str) -> None:
    logger.info("%s", text)


def _names(users: tuple[ScramUser, ...]) -> str:
    return ", ".join(user.name for user in users)


class LocalKafka:
    """The local broker whose state lives under ``<home>/kafka``.

    ``jars_root`` is the jar cache (default ``$VTS_HOME/jars``); ``report`` callbacks get
    one human-readable line per step (the CLI passes ``Output.message``).
    """

    def __init__(
        self, home: Path | None = None, *, jars_root: Path | None = None, java: str | None = None
    ) -> None:
        paths = LocalPaths(home.resolve()) if home is not None else LocalPaths.from_env()
        self.root = paths.kafka
        self.jars_root = jars_root or paths.jars
        self.java = java
        self.state_file = self.root / "state.json"
        self.data_dir = self.root / "data"
        self.log_dir = self.root / "logs"
        self.tls_dir = self.root / "tls"
        self.properties_file = self.root / "server.properties"
        self.log4j_file = self.root / "log4j2.xml"
        self.jvm_output = self.log_dir / "jvm.out"

    # ---- status ------------------------------------------------------------------------
    def _running_state(self) -> BrokerState | None:
        try:
            state = BrokerState.load(self.state_file)
        except FileNotFoundError:
            return None
        except (ValueError, TypeError) as exc:
            logger.warning("ignoring unreadable %s: %s", self.state_file, exc)
            return None
        if process.is_alive(state.pid, marker=MAIN_CLASS):
            return state
        logger.info("removing stale %s (pid %d is gone)", self.state_file, state.pid)
        self.state_file.unlink(missing_ok=True)
        return None

    @contextmanager
    def _lock(self) -> Iterator[None]:
        """One ``up``/``down`` at a time per home (an flock on ``kafka/.lock``)."""
        self.root.mkdir(parents=True, exist_ok=True)
        with (self.root / ".lock").open("w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def status(self, *, probe_timeout: float = 5.0) -> BrokerStatus:
        """Whether the broker runs; its topics and partition counts if it answers."""
        state = self._running_state()
        if state is None:
            return BrokerStatus(running=False)
        try:
            topics = admin.topic_partitions(state.bootstrap, timeout=probe_timeout)
        except KafkaUnavailableError:
            topics = {}
        return BrokerStatus(running=True, state=state, topics=topics)

    # ---- up ----------------------------------------------------------------------------
    def up(
        self, options: BrokerOptions | None = None, *, report: Report = _log_report
    ) -> BrokerStatus:
        """Start the broker unless it runs already, then create the topics. Idempotent."""
        options = options or BrokerOptions()
        with self._lock():
            state = self._running_state()
            if state is not None:
                report(f"Kafka is already running at {state.bootstrap} (pid {state.pid})")
                if options.scram_users and state.scram_bootstrap is None:
                    report("it has no SCRAM listener: `vts local down` first to add one")
                elif options.scram_users:
                    self._ensure_scram(state, options.scram_users, upsert=True)
                    report(f"SCRAM users {_names(options.scram_users)} on {state.scram_bootstrap}")
                status = self.status()
                return BrokerStatus(True, state, status.topics, already_running=True)
            config = self._config(options)
            cp = [str(p.resolve()) for p in classpath("kafka", self.jars_root)]
            java = self.java or process.find_java()
            self.log_dir.mkdir(parents=True, exist_ok=True)
            self.properties_file.write_text(config.server_properties())
            self.log4j_file.write_text(config.log4j2_xml())
            formatted_now = format_storage(
                self._jvm(java, cp, "256m"),
                properties_file=self.properties_file,
                data_dir=self.data_dir,
                users=options.scram_users,
                log_file=self.log_dir / "server.log",
                report=report,
            )
            state = self._start(java, cp, config, options.heap, report)
            try:
                self._wait_ready(state, options.ready_timeout, report)
                if options.scram_users:
                    self._ensure_scram(state, options.scram_users, upsert=not formatted_now)
                    report(f"SCRAM users {_names(options.scram_users)} on {state.scram_bootstrap}")
                created = admin.create_topics(
                    state.bootstrap,
                    options.topics,
                    partitions=options.partitions,
                    config=admin.retention_config(options.retention_hours),
                )
            except BaseException:
                self._stop(state, timeout=10.0)
                raise
        new = [name for name, made in created.items() if made]
        if new:
            report(f"created topics {', '.join(new)} ({options.partitions} partitions each)")
        report(f"Kafka is up at {state.bootstrap}")
        return self.status()

    def _config(self, options: BrokerOptions) -> BrokerConfig:
        if options.port is not None and not port_is_free(options.port):
            raise ConfigError(
                f"port {options.port} on 127.0.0.1 is in use",
                hint="pick another --port, or leave it out to use a free one",
            )
        taken: set[int] = {options.port} if options.port is not None else set()

        def pick() -> int:
            while (port := free_port()) in taken:
                pass
            taken.add(port)
            return port

        tls = ensure_tls(self.tls_dir, java=self.java) if options.scram_users else None
        return BrokerConfig(
            data_dir=self.data_dir,
            log_dir=self.log_dir,
            port=options.port if options.port is not None else pick(),
            controller_port=pick(),
            scram_port=pick() if options.scram_users else None,
            scram_tls_port=pick() if tls else None,
            keystore=tls.keystore if tls else None,
            keystore_password=tls.password if tls else None,
            partitions=options.partitions,
            retention_hours=options.retention_hours,
        )

    def _jvm(self, java: str, cp: list[str], heap: str) -> list[str]:
        return jvm_command(java, cp, heap=heap, log4j_file=self.log4j_file, log_dir=self.log_dir)

    def _start(
        self, java: str, cp: list[str], config: BrokerConfig, heap: str, report: Report
    ) -> BrokerState:
        argv = [*self._jvm(java, cp, heap), MAIN_CLASS, str(self.properties_file)]
        pid = process.launch(argv, cwd=self.root, output=self.jvm_output)
        state = BrokerState(
            pid=pid,
            bootstrap=config.bootstrap,
            port=config.port,
            controller_port=config.controller_port,
            scram_port=config.scram_port,
            scram_bootstrap=config.scram_bootstrap,
            log_file=str(config.log_file),
            data_dir=str(self.data_dir),
            started_at=datetime.now(UTC).isoformat(timespec="seconds"),
            scram_tls_bootstrap=config.scram_tls_bootstrap,
            tls_dir=str(self.tls_dir) if config.scram_tls_port else None,
        )
        state.save(self.state_file)
        report(f"starting Kafka at {config.bootstrap} (pid {pid}); log: {config.log_file}")
        return state

    def _wait_ready(self, state: BrokerState, timeout: float, report: Report) -> None:
        log_file = Path(state.log_file)

        def still_running() -> None:
            if not process.is_alive(state.pid):
                source = log_file if log_file.exists() else self.jvm_output
                raise BrokerStartError(
                    "the broker process exited",
                    log_file=log_file,
                    tail=process.tail(source),
                    tail_from=str(source),
                )

        report(f"waiting for the broker to answer (up to {timeout:.0f}s)")
        try:
            admin.wait_until_ready(state.bootstrap, timeout=timeout, check=still_running)
        except KafkaUnavailableError as exc:
            raise BrokerNotReadyError(state.bootstrap, timeout, log_file=log_file) from exc

    def _ensure_scram(
        self, state: BrokerState, users: tuple[ScramUser, ...], *, upsert: bool
    ) -> None:
        """Make sure each SCRAM user can log in on the SCRAM listener."""
        if state.scram_bootstrap is None:
            raise ConfigError("SCRAM users need the SCRAM listener", hint="this is a bug in vts")
        if upsert:  # storage existed, so --add-scram did not run this time
            admin.upsert_scram_users(
                state.bootstrap, {u.name: u.password for u in users}, mechanism=SCRAM_MECHANISM
            )
        for user in users:
            auth = ScramAuth(user.name, user.password, SCRAM_MECHANISM, "SASL_PLAINTEXT", "local")
            deadline = time.monotonic() + 15.0
            while True:  # a fresh upsert takes a moment to reach the listener
                try:
                    admin.wait_until_ready(state.scram_bootstrap, auth, timeout=15.0)
                    break
                except KafkaAuthError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.5)

    # ---- down --------------------------------------------------------------------------
    def down(self, *, timeout: float = 30.0, report: Report = _log_report) -> bool:
        """Stop the broker if it runs (SIGTERM, SIGKILL after ``timeout``). True if it ran."""
        with self._lock():
            state = self._running_state()
            if state is None:
                report("Kafka is not running")
                return False
            report(f"stopping Kafka at {state.bootstrap} (pid {state.pid})")
            how = self._stop(state, timeout=timeout)
        report(f"Kafka {how}")
        return True

    def _stop(self, state: BrokerState, *, timeout: float) -> str:
        how = process.stop(state.pid, timeout=timeout)
        self.state_file.unlink(missing_ok=True)
        return how
