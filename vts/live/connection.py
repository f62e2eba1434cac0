"""The live store's client: redis-py from a URL, with the settings' credentials provider.

``connect(settings)`` returns a ``redis.Redis`` for ``redis://``, ``rediss://`` (TLS; the
server's certificate is checked against the system's CAs, or ``ssl_ca_certs=`` in the
URL) or ``unix://``. It opens no connection: the first command does. The client is
standalone, not cluster-aware: every key the store uses carries one hash tag, so it lives
in one slot, which is what a cluster (ElastiCache Serverless) needs for the store's Lua.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from vts.exceptions import NotInstalledError
from vts.live.credentials import credential_provider

if TYPE_CHECKING:
    import redis

    from vts.live.settings import LiveSettings

SOCKET_TIMEOUT_S = 10.0


def redacted(url: str) -> str:
    """The URL without its password (safe to print)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = f"{parts.username or ''}:***@{parts.hostname or ''}"
    if parts.port is not None:
        netloc += f":{parts.port}"
    return urlunsplit(parts._replace(netloc=netloc))


def connect(settings: LiveSettings, **options: Any) -> redis.Redis:
    """A client for ``settings.url`` (responses decoded as UTF-8 text)."""
    try:
        import redis
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise NotInstalledError("redis (redis-py)", extra="lambda") from exc
    provider = credential_provider(settings)
    kwargs: dict[str, Any] = {
        "decode_responses": True,
        "socket_timeout": SOCKET_TIMEOUT_S,
        "socket_connect_timeout": SOCKET_TIMEOUT_S,
        "health_check_interval": 30,
        **options,
    }
    if provider is not None:
        kwargs["credential_provider"] = provider
    return redis.Redis.from_url(settings.url, **kwargs)
