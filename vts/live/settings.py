"""``LiveSettings``: the live path's settings, typed and immutable, from ``VTS_LIVE_*``."""

from __future__ import annotations

from dataclasses import dataclass, field

from vts.exceptions import ConfigError
from vts.settings import ENV_PREFIX, env, env_int

DEFAULT_URL = "redis://127.0.0.1:6379/0"


def env_float(name: str, default: float) -> float:
    raw = env(name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not value >= 0:  # NaN, negative
        raise ConfigError(
            f"{ENV_PREFIX}{name}={raw!r} is not a number of seconds >= 0",
            hint=f"set {ENV_PREFIX}{name} to e.g. {default:g}",
        )
    return value


@dataclass(frozen=True)
class LiveSettings:
    """Where the store is and how the live path keeps its state.

    ``url``: ``redis://`` or ``rediss://`` (TLS) with an optional user and database;
    ``credentials``: how the client proves who it is (``vts.live.credentials``: ``url``
    takes them from the URL, ``password`` from ``VTS_LIVE_PASSWORD``, ``iam`` an
    ElastiCache IAM token); ``prefix``: the keys' prefix, one hash tag so every key is in
    one cluster slot; ``silence_s``: a vehicle whose newest event time is older than this
    leaves the live state (0: never); ``trail_s``: how much trail a vehicle keeps;
    ``incident_ttl_s``: an incident not heard from for this long is dropped;
    ``removed_kept``: how many removals the change feed remembers (older cursors reset);
    ``alerts_kept`` / ``alerts_ttl_s``: the alert feed keeps at most this many alerts, and
    none unchanged for longer than this (0: no bound; older cursors reset).
    """

    url: str = DEFAULT_URL
    credentials: str = "url"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    prefix: str = "vts"
    silence_s: float = 300.0
    trail_s: float = 600.0
    incident_ttl_s: float = 3600.0
    removed_kept: int = 100_000
    alerts_kept: int = 100_000
    alerts_ttl_s: float = 7 * 86400.0
    topic_prefix: str = ""
    v0_timezone: str = "UTC"

    def __post_init__(self) -> None:
        if not self.url.startswith(("redis://", "rediss://", "unix://")):
            raise ConfigError(
                f"live store URL {self.url!r} is not redis://, rediss:// or unix://",
                hint="e.g. VTS_LIVE_URL=redis://127.0.0.1:6379/0 (rediss:// for TLS)",
            )
        if not self.prefix or any(c in self.prefix for c in "{}: "):
            raise ConfigError(
                f"live key prefix {self.prefix!r} must be a plain word",
                hint="e.g. VTS_LIVE_PREFIX=vts (keys become {vts}:...)",
            )
        if self.alerts_kept < 0:
            raise ConfigError(
                f"the alert feed cannot keep {self.alerts_kept} alerts",
                hint="e.g. VTS_LIVE_ALERTS_KEPT=100000 (0: no bound)",
            )
        if self.trail_s <= 0 or self.removed_kept < 1:
            raise ConfigError(
                "the trail must be longer than 0 s and the feed must keep at least 1 removal",
                hint="e.g. VTS_LIVE_TRAIL_S=600 VTS_LIVE_REMOVED_KEPT=100000",
            )

    @classmethod
    def from_env(cls, **overrides: object) -> LiveSettings:
        """``VTS_LIVE_URL``, ``VTS_LIVE_CREDENTIALS``, ``VTS_LIVE_USERNAME``,
        ``VTS_LIVE_PASSWORD``, ``VTS_LIVE_PREFIX``, ``VTS_LIVE_SILENCE_S``,
        ``VTS_LIVE_TRAIL_S``, ``VTS_LIVE_INCIDENT_TTL_S``, ``VTS_LIVE_REMOVED_KEPT``,
        ``VTS_LIVE_ALERTS_KEPT``, ``VTS_LIVE_ALERTS_TTL_S``, ``VTS_TOPIC_PREFIX``,
        ``VTS_V0_TIMEZONE``; ``overrides`` win."""
        values: dict[str, object] = {
            "url": env("LIVE_URL", DEFAULT_URL),
            "credentials": env("LIVE_CREDENTIALS", "url"),
            "username": env("LIVE_USERNAME"),
            "password": env("LIVE_PASSWORD"),
            "prefix": env("LIVE_PREFIX", "vts"),
            "silence_s": env_float("LIVE_SILENCE_S", 300.0),
            "trail_s": env_float("LIVE_TRAIL_S", 600.0),
            "incident_ttl_s": env_float("LIVE_INCIDENT_TTL_S", 3600.0),
            "removed_kept": env_int("LIVE_REMOVED_KEPT", 100_000),
            "alerts_kept": env_int("LIVE_ALERTS_KEPT", 100_000),
            "alerts_ttl_s": env_float("LIVE_ALERTS_TTL_S", 7 * 86400.0),
            "topic_prefix": env("TOPIC_PREFIX", "") or "",
            "v0_timezone": env("V0_TIMEZONE", "UTC") or "UTC",
        }
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]


def local_settings(url: str | None = None, **overrides: object) -> LiveSettings:
    """Settings for a command on this machine: the store at ``url``, else
    ``VTS_LIVE_URL``, else the one ``vts local up`` runs, else the default URL."""
    if url is None and env("LIVE_URL") is None:
        from vts.local.redis_server import LocalRedis

        url = LocalRedis().status(probe_timeout=1.0).url
    if url is not None:
        overrides["url"] = url
    return LiveSettings.from_env(**overrides)
