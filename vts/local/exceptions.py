"""Errors of the local services (the Kafka broker started from Maven jars)."""

from __future__ import annotations

from pathlib import Path

from vts.exceptions import ConfigError, NotInstalledError, TerminalError, TransientError

__all__ = [
    "BrokerNotReadyError",
    "BrokerStartError",
    "BrokerStopError",
    "ConfigError",
    "JarsNotInstalledError",
    "JavaNotFoundError",
    "RedisStartError",
]


class JarsNotInstalledError(NotInstalledError):
    """The jars of a ``jvm/pom.xml`` profile are not in the jar cache."""

    def __init__(self, profile: str, directory: Path) -> None:
        super().__init__(
            f"the {profile!r} jars (expected in {directory})",
            hint="run `make jars` (it fetches the jars pinned in jvm/pom.xml into "
            "$VTS_HOME/jars), or point VTS_JARS_DIR at an existing jar cache",
        )
        self.profile = profile
        self.directory = directory


class JavaNotFoundError(NotInstalledError):
    """No ``java`` executable on PATH or under JAVA_HOME."""

    def __init__(self) -> None:
        super().__init__(
            "java (a Java 17+ runtime)",
            hint="install one (Debian/Ubuntu: apt-get install openjdk-17-jre-headless) or set "
            "JAVA_HOME to an existing JDK",
        )


class BrokerStartError(TerminalError):
    """The broker process exited or failed to start; its log says why."""

    def __init__(
        self, reason: str, *, log_file: Path, tail: str = "", tail_from: str | None = None
    ) -> None:
        message = f"the local Kafka broker did not start: {reason}"
        if tail:
            message += f"\n  last lines of {tail_from or log_file}:\n{tail}"
        super().__init__(
            message, hint=f"read {log_file}; `vts local down` then `vts local up` starts afresh"
        )
        self.log_file = log_file


class BrokerNotReadyError(TransientError):
    """The broker process runs but its admin API did not answer in time."""

    def __init__(self, bootstrap: str, waited: float, *, log_file: Path) -> None:
        super().__init__(
            f"the local Kafka broker at {bootstrap} did not answer within {waited:.0f}s",
            hint=f"read {log_file}; a slow machine may need a longer --timeout",
        )
        self.log_file = log_file


class BrokerStopError(TerminalError):
    """The broker process did not exit even after SIGKILL."""


class RedisStartError(TerminalError):
    """The local Redis-protocol server exited during start-up or did not answer in time."""

    def __init__(self, reason: str, *, log_file: Path, tail: str = "") -> None:
        message = f"the local live store did not start: {reason}"
        if tail:
            message += f"\n  last lines of {log_file}:\n{tail}"
        super().__init__(message, hint=f"read {log_file}; `vts local down` then `vts local up`")
        self.log_file = log_file
