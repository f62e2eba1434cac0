"""Typed, immutable settings read from the environment.

One naming convention: every variable starts with ``VTS_``. Lambda functions and the
Glue job get theirs from the environment or job arguments; locally the same variables
(or CLI flags) apply. Secrets are never read from here into logs: see
``vts.kafka.auth`` for how credentials are resolved.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from vts.exceptions import ConfigError

ENV_PREFIX = "VTS_"


def env(name: str, default: str | None = None) -> str | None:
    """Return ``VTS_<name>`` from the environment, or ``default``."""
    value = os.environ.get(ENV_PREFIX + name)
    return value if value not in (None, "") else default


def env_int(name: str, default: int) -> int:
    raw = env(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(
            f"{ENV_PREFIX}{name}={raw!r} is not a whole number",
            hint=f"set {ENV_PREFIX}{name} to an integer such as {default}",
        ) from exc


def vts_home() -> Path:
    """The one directory that holds all local runtime state (``VTS_HOME``, default ./vts-data)."""
    return Path(env("HOME", "vts-data") or "vts-data").resolve()


@dataclass(frozen=True)
class LocalPaths:
    """Where local runtime state lives under the VTS home."""

    home: Path

    @classmethod
    def from_env(cls) -> LocalPaths:
        return cls(vts_home())

    @property
    def jars(self) -> Path:
        """The JVM jar cache; shared by every home (``VTS_JARS_DIR`` moves it)."""
        return Path(env("JARS_DIR") or vts_home() / "jars")

    @property
    def kafka(self) -> Path:
        return self.home / "kafka"

    @property
    def lake(self) -> Path:
        return self.home / "lake"

    @property
    def checkpoints(self) -> Path:
        return self.home / "checkpoints"

    @property
    def metastore(self) -> Path:
        return self.home / "metastore"

    @property
    def logs(self) -> Path:
        return self.home / "logs"
