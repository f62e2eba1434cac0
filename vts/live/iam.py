"""ElastiCache IAM authentication: a short-lived token as the ACL user's password.

An IAM-enabled ElastiCache user (its user id equals its user name, lower case) accepts as
password a SigV4 *presigned* request, as AWS documents it for ElastiCache IAM auth
(docs/live.md, "IAM auth to the cache"): ``GET http://<cache name>/?Action=connect&User=<user
id>&ResourceType=ServerlessCache`` signed for service ``elasticache`` in the cache's region,
valid 900 s, with the ``http://`` left off. The cache checks the signature and that the
signer may ``elasticache:Connect`` to that cache as that user. Signing is local (no AWS
call), with the process's credentials (on Lambda: the function's role).

``IamCredentials`` is the ``iam`` provider of ``vts.live.credentials``: redis-py asks it
for ``(user, token)`` whenever it opens a connection. A token is kept per process (by
cache, user, region and signing key) and signed again once it is ``REFRESH_AFTER_S`` old,
so a new connection never presents one near its 15-minute end; a connection, once
authenticated, stays open (ElastiCache closes IAM connections after 12 hours and
redis-py reconnects with a fresh token).

Settings: ``VTS_LIVE_USERNAME`` (the IAM-enabled user), ``VTS_LIVE_CACHE_NAME`` (the
serverless cache's name), the region from ``AWS_REGION`` (set by Lambda) or the AWS
configuration.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from vts.exceptions import ConfigError, TransientError
from vts.settings import env

if TYPE_CHECKING:
    from botocore.credentials import Credentials, ReadOnlyCredentials

    from vts.live.settings import LiveSettings

    Keys = Credentials | ReadOnlyCredentials

SERVICE = "elasticache"
TOKEN_LIFETIME_S = 900  # AWS: an IAM authentication token is valid for 15 minutes
REFRESH_AFTER_S = 600.0  # signed again 5 minutes before it would expire

_tokens: dict[tuple[str, str, str, str], tuple[float, str]] = {}
_lock = threading.Lock()


@dataclass(frozen=True)
class IamTarget:
    """What a token opens: one cache, as one user, in one region."""

    cache_name: str
    user_id: str
    region: str
    serverless: bool = True

    def __post_init__(self) -> None:
        if not self.cache_name or not self.user_id or not self.region:
            raise ConfigError(
                "ElastiCache IAM auth needs the cache name, the user and the region",
                hint="set VTS_LIVE_CACHE_NAME, VTS_LIVE_USERNAME and AWS_REGION",
            )
        if self.user_id != self.user_id.lower():
            raise ConfigError(
                f"ElastiCache IAM user {self.user_id!r} must be lower case",
                hint="an IAM-enabled user's id and name are the same lower-case word",
            )


def auth_token(target: IamTarget, credentials: Keys, *, expires_s: int = TOKEN_LIFETIME_S) -> str:
    """The presigned connect request for ``target``, signed with botocore ``credentials``
    (``access_key``, ``secret_key``, ``token``), as the cache expects it."""
    from botocore.auth import SigV4QueryAuth
    from botocore.awsrequest import AWSRequest

    params = {"Action": "connect", "User": target.user_id}
    if target.serverless:
        params["ResourceType"] = "ServerlessCache"
    request = AWSRequest(method="GET", url=f"http://{target.cache_name}/", params=params)
    SigV4QueryAuth(credentials, SERVICE, target.region, expires=expires_s).add_auth(request)
    url = request.prepare().url
    return url.removeprefix("http://")


def _session_credentials() -> Keys:
    import botocore.session

    credentials = botocore.session.get_session().get_credentials()
    if credentials is None:
        raise ConfigError(
            "no AWS credentials to sign the ElastiCache IAM token with",
            hint="run with a role or profile (on Lambda, the function's role is used)",
        )
    return credentials.get_frozen_credentials()


def _region() -> str:
    import os

    import botocore.session

    region = os.environ.get("AWS_REGION") or botocore.session.get_session().get_config_variable(
        "region"
    )
    return str(region or "")


class IamCredentials:
    """A redis-py credentials provider that presents an IAM token for ``target``."""

    def __init__(
        self,
        target: IamTarget,
        *,
        credentials: Callable[[], Keys] = _session_credentials,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.target = target
        self._credentials = credentials
        self._clock = clock

    @classmethod
    def from_settings(cls, settings: LiveSettings) -> IamCredentials:
        return cls(
            IamTarget(
                cache_name=env("LIVE_CACHE_NAME", "") or "",
                user_id=settings.username or "",
                region=_region(),
            )
        )

    def token(self) -> str:
        """The current token, signed anew once it is ``REFRESH_AFTER_S`` old."""
        frozen = self._credentials()
        access_key = str(frozen.access_key or "")
        key = (self.target.cache_name, self.target.user_id, self.target.region, access_key)
        now = self._clock()
        with _lock:
            cached = _tokens.get(key)
            if cached is not None and now - cached[0] < REFRESH_AFTER_S:
                return cached[1]
            try:
                token = auth_token(self.target, frozen)
            except Exception as exc:  # botocore raises its own types for bad credentials
                raise TransientError(
                    f"could not sign the ElastiCache IAM token: {exc}",
                    hint="check the process's AWS credentials",
                ) from exc
            _tokens[key] = (now, token)
            return token

    def get_credentials(self) -> tuple[str, str]:
        return self.target.user_id, self.token()

    def __repr__(self) -> str:
        return (
            f"IamCredentials(cache={self.target.cache_name!r}, user={self.target.user_id!r}, "
            f"region={self.target.region!r})"
        )
