"""The processes a run drives: each started in its own session, so a SIGKILL takes its
whole tree (the streaming job's Python driver and its Spark JVM) and nothing else.

``Service`` starts, kills and restarts one command; ``job_command`` is the Glue script's
command line for a run; ``Broker`` restarts the harness's own local Kafka on its port.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from vts.chaos.exceptions import ChaosError
from vts.chaos.source_tree import JOB_SCRIPT, require
from vts.local.kafka_broker import BrokerOptions, LocalKafka

logger = logging.getLogger(__name__)


@dataclass
class Service:
    """One command, restartable; its output appended to ``log``."""

    name: str
    command: Sequence[str]
    env: Mapping[str, str]
    log: Path
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0
    exits: list[int] = field(default_factory=list)  # exit codes of runs that ended by themselves

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and scripts
                list(self.command),
                env={**os.environ, **self.env},
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.starts += 1
        logger.info("%s started (pid %d)", self.name, self.process.pid)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def reap(self) -> int | None:
        """The exit code if the process ended by itself since the last look (else None)."""
        if self.process is None or self.process.poll() is None:
            return None
        code = self.process.returncode
        self.exits.append(code)
        self.process = None
        return code

    def kill(self, sig: int = signal.SIGKILL, timeout: float = 30.0) -> None:
        """Signal the process group we started; SIGKILL it if it outlives ``timeout``."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, sig)
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        except ProcessLookupError:
            self.process.wait()
        self.process = None

    def wait(self, timeout: float) -> int:
        """Wait for the process to end by itself; its exit code."""
        if self.process is None:
            raise RuntimeError(f"{self.name} is not running")
        code = self.process.wait(timeout)
        self.process = None
        return code


def job_command(
    *,
    bootstrap: str,
    lake: str,
    quarantine: str,
    checkpoint: str,
    trigger_seconds: int,
    watermark: str,
    available_now: bool = False,
) -> list[str]:
    """The Glue job script's command line, as the template passes its arguments."""
    return [
        sys.executable,
        str(require(JOB_SCRIPT)),
        "--JOB_NAME",
        "vts-chaos",
        "--bootstrap_servers",
        bootstrap,
        "--output_path",
        lake,
        "--quarantine_path",
        quarantine,
        "--checkpoint_path",
        checkpoint,
        "--trigger_seconds",
        str(trigger_seconds),
        "--watermark",
        watermark,
        "--catalog",
        "none",
        "--register_partitions",
        "false",
        "--shuffle_partitions",
        "2",
        "--available_now",
        "true" if available_now else "false",
    ]


@dataclass
class Broker:
    """The run's own single-node broker (not the user's `vts local up` one)."""

    home: Path
    jars: Path
    partitions: int = 3
    port: int | None = None
    restarts: int = 0

    def up(self) -> str:
        local = LocalKafka(self.home, jars_root=self.jars)
        status = local.up(
            BrokerOptions(port=self.port, partitions=self.partitions, ready_timeout=180.0),
            report=lambda line: logger.info("kafka: %s", line),
        )
        if status.state is None:
            raise ChaosError("the chaos broker did not report its address", hint=f"see {self.home}")
        self.port = int(status.state.bootstrap.rsplit(":", 1)[1])
        return status.state.bootstrap

    def restart(self) -> float:
        """Stop the broker (SIGTERM, as an operator or a rolling update would) and start it
        again on the same port with the same data; the seconds it was away."""
        started = time.monotonic()
        LocalKafka(self.home, jars_root=self.jars).down(report=lambda _: None)
        self.up()
        self.restarts += 1
        return time.monotonic() - started

    def down(self) -> None:
        LocalKafka(self.home, jars_root=self.jars).down(report=lambda _: None)
