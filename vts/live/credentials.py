"""How the live store's client proves who it is: a small registry of credentials providers.

A provider is a ``redis.credentials.CredentialProvider``: redis-py asks it for
``(username, password)`` each time it opens a connection, so a short-lived token (an
ElastiCache IAM authentication token lasts 15 minutes) is fresh on every reconnect.
Backends are picked by name and imported lazily:

- ``url``: whatever the URL carries (``redis://user:pass@host``), or nothing;
- ``password``: ``VTS_LIVE_USERNAME`` (default ``default``) and ``VTS_LIVE_PASSWORD``, an
  ACL user's password from the environment (on Lambda: from Secrets Manager, never logged);
- ``iam``: an ElastiCache IAM authentication token for ``VTS_LIVE_USERNAME``
  (``vts.live.iam``, added with the stack's cache).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import TYPE_CHECKING

from vts.exceptions import ConfigError

if TYPE_CHECKING:
    from redis.credentials import CredentialProvider

    from vts.live.settings import LiveSettings

AVAILABLE_CREDENTIALS: Mapping[str, str] = {
    "password": "vts.live.credentials:PasswordCredentials",
    "iam": "vts.live.iam:IamCredentials",
}


def credential_provider(settings: LiveSettings) -> CredentialProvider | None:
    """The provider ``settings.credentials`` names (``None`` for ``url``)."""
    name = settings.credentials.strip().lower()
    if name == "url":
        return None
    target = AVAILABLE_CREDENTIALS.get(name)
    if target is None:
        raise ConfigError(
            f"unknown live store credentials {settings.credentials!r}",
            hint=f"set VTS_LIVE_CREDENTIALS to url, {', '.join(AVAILABLE_CREDENTIALS)}",
        )
    module_name, class_name = target.split(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigError(
            f"the {name!r} credentials provider is not available ({exc})",
            hint="install vts with its Lambda extra: pip install 'vts[lambda]'",
        ) from exc
    provider: CredentialProvider = getattr(module, class_name).from_settings(settings)
    return provider


class PasswordCredentials:
    """An ACL user and its password (``VTS_LIVE_USERNAME``/``VTS_LIVE_PASSWORD``)."""

    def __init__(self, username: str, password: str) -> None:
        self.username = username
        self._password = password

    @classmethod
    def from_settings(cls, settings: LiveSettings) -> PasswordCredentials:
        if not settings.password:
            raise ConfigError(
                "VTS_LIVE_CREDENTIALS=password but VTS_LIVE_PASSWORD is not set",
                hint="set VTS_LIVE_PASSWORD (and VTS_LIVE_USERNAME for an ACL user)",
            )
        return cls(settings.username or "default", settings.password)

    def get_credentials(self) -> tuple[str, str]:
        return self.username, self._password

    def __repr__(self) -> str:
        return f"PasswordCredentials(username={self.username!r})"
