"""A local Redis-protocol server for the live store: Valkey if installed, else redis-server.

``LocalRedis(home).up()`` writes ``<home>/redis/server.conf``, starts the server on
127.0.0.1 and a free port (or the one asked for), waits until it answers PING and records
``<home>/redis/state.json``; ``down()`` stops it; ``status()`` reports it. Nothing is
persisted to disk: the live state is rebuilt from the topics (``vts live run``).
Debian's ``redis-server`` 7.0 (BSD) or ``valkey-server`` both serve it; `make redis`
installs the former when neither is on PATH.
"""

from __future__ import annotations

import json
import logging
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from vts.exceptions import NotInstalledError
from vts.local import process
from vts.local.exceptions import ConfigError, RedisStartError
from vts.local.kafka_config import HOST, free_port, port_is_free
from vts.settings import LocalPaths

logger = logging.getLogger(__name__)

SERVERS = ("valkey-server", "redis-server")
Report = Callable[[str], None]


def find_server() -> str:
    """The first of ``valkey-server``, ``redis-server`` on PATH."""
    for name in SERVERS:
        found = shutil.which(name)
        if found:
            return found
    raise NotInstalledError(
        "a Redis-protocol server (valkey-server or redis-server)",
        hint="run `make redis` (Debian/Ubuntu: apt-get install redis-server)",
    )


@dataclass(frozen=True)
class RedisState:
    pid: int
    url: str
    port: int
    server: str
    log_file: str
    started_at: str

    @classmethod
    def load(cls, path: Path) -> RedisState:
        return cls(**json.loads(path.read_text()))

    def save(self, path: Path) -> None:
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(self), indent=2) + "\n")
        tmp.replace(path)


@dataclass(frozen=True)
class RedisStatus:
    running: bool
    state: RedisState | None = None
    version: str | None = None
    already_running: bool = False

    @property
    def url(self) -> str | None:
        return self.state.url if self.state else None

    def as_record(self) -> dict[str, Any]:
        record: dict[str, Any] = {"running": self.running}
        if self.state is not None:
            record.update(asdict(self.state))
        if self.version:
            record["version"] = self.version
        return record


def _ping(url: str, timeout: float) -> str | None:
    """The server's version if it answers PING at ``url``, else ``None``."""
    import redis

    client = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
    try:
        client.ping()
        info: dict[str, Any] = client.info("server")  # type: ignore[assignment]
        return str(info.get("valkey_version") or info.get("redis_version") or "?")
    except redis.RedisError:
        return None
    finally:
        client.close()


class LocalRedis:
    """The local server whose state lives under ``<home>/redis``."""

    def __init__(self, home: Path | None = None) -> None:
        paths = LocalPaths(home.resolve()) if home is not None else LocalPaths.from_env()
        self.root = paths.home / "redis"
        self.state_file = self.root / "state.json"
        self.conf_file = self.root / "server.conf"
        self.log_file = self.root / "logs" / "server.log"

    def _running_state(self) -> RedisState | None:
        try:
            state = RedisState.load(self.state_file)
        except FileNotFoundError:
            return None
        except (ValueError, TypeError) as exc:
            logger.warning("ignoring unreadable %s: %s", self.state_file, exc)
            return None
        if process.is_alive(state.pid, marker=f":{state.port}"):
            return state
        self.state_file.unlink(missing_ok=True)
        return None

    def status(self, *, probe_timeout: float = 2.0) -> RedisStatus:
        state = self._running_state()
        if state is None:
            return RedisStatus(running=False)
        return RedisStatus(True, state, _ping(state.url, probe_timeout))

    def up(
        self, *, port: int | None = None, ready_timeout: float = 30.0, report: Report = logger.info
    ) -> RedisStatus:
        """Start the server unless it runs already. Idempotent."""
        state = self._running_state()
        if state is not None:
            report(f"the live store is already running at {state.url} (pid {state.pid})")
            return RedisStatus(True, state, _ping(state.url, 2.0), already_running=True)
        server = find_server()
        if port is not None and not port_is_free(port):
            raise ConfigError(
                f"port {port} is in use", hint="pick another with --redis-port or leave it out"
            )
        port = port or free_port()
        data = self.root / "data"
        data.mkdir(parents=True, exist_ok=True)
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        self.conf_file.write_text(
            "\n".join(
                [
                    f"bind {HOST}",
                    f"port {port}",
                    "protected-mode yes",
                    "daemonize no",
                    f'dir "{data}"',
                    f'logfile "{self.log_file}"',
                    'save ""',  # the live state is rebuilt from the topics
                    "appendonly no",
                ]
            )
            + "\n"
        )
        pid = process.launch([server, str(self.conf_file)], cwd=self.root, output=self.log_file)
        url = f"redis://{HOST}:{port}/0"
        state = RedisState(
            pid, url, port, server, str(self.log_file), datetime.now(UTC).isoformat()
        )
        deadline = time.monotonic() + ready_timeout
        while (version := _ping(url, 1.0)) is None:
            if not process.is_alive(pid):
                raise RedisStartError(
                    f"{server} exited", log_file=self.log_file, tail=process.tail(self.log_file)
                )
            if time.monotonic() > deadline:
                process.stop(pid, timeout=5)
                raise RedisStartError(
                    f"{server} did not answer at {url} within {ready_timeout:.0f}s",
                    log_file=self.log_file,
                )
            time.sleep(0.05)
        state.save(self.state_file)
        report(f"the live store ({Path(server).name} {version}) is up at {url} (pid {pid})")
        return RedisStatus(True, state, version)

    def down(self, *, timeout: float = 10.0, report: Report = logger.info) -> bool:
        """Stop the server; ``False`` if it was not running."""
        state = self._running_state()
        if state is None:
            report("the live store is not running")
            return False
        how = process.stop(state.pid, timeout=timeout)
        self.state_file.unlink(missing_ok=True)
        report(f"the live store {how} (pid {state.pid})")
        return True
