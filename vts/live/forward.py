"""The live API as the map reaches it: locally (``vts.live.api`` in this process) or forwarded.

Both backends answer ``get(path_and_query) -> Reply``: the page's ``/api/...`` request with
the ``/api`` prefix taken off, e.g. ``/changes?after=42``. ``SignedForwarder`` sends it to a
deployed Function URL signed with the user's AWS credentials (SigV4, service ``lambda``), so
the deployed API can keep ``AuthType: AWS_IAM`` and never be public.
"""

from __future__ import annotations

import json
import logging
import re
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

from vts.exceptions import ConfigError

logger = logging.getLogger(__name__)

# <url-id>.lambda-url.<region>.on.aws: a Function URL names its region
_FUNCTION_URL_HOST = re.compile(r"\.lambda-url\.([a-z0-9-]+)\.on\.aws$")


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    content_type: str = "application/json"


def json_reply(status: int, body: Mapping[str, Any]) -> Reply:
    return Reply(status, json.dumps(body, separators=(",", ":")).encode())


class Backend(Protocol):
    def get(self, path_and_query: str) -> Reply: ...


# vts.live.api's routing with its store bound: (method, path as sent, query string) ->
# (status, JSON text, headers)
ApiHandle = Callable[[str, str, str], tuple[int, str, Mapping[str, str]]]


class LocalBackend:
    """Answers from an API handler in this process (``vts.live.api`` over the local store)."""

    def __init__(self, handle: ApiHandle) -> None:
        self._handle = handle

    def get(self, path_and_query: str) -> Reply:
        parts = urlsplit(path_and_query)
        status, body, headers = self._handle("GET", parts.path or "/", parts.query)
        kind = headers.get("Content-Type", "application/json")
        return Reply(status, body.encode(), kind)


def region_of(url: str) -> str | None:
    """The AWS region a Function URL names in its host, or None."""
    match = _FUNCTION_URL_HOST.search(urlsplit(url).hostname or "")
    return match.group(1) if match else None


class SignedForwarder:
    """Forwards GETs to a deployed live API, each signed with SigV4 for service ``lambda``."""

    def __init__(
        self,
        base_url: str,
        *,
        region: str | None = None,
        profile: str | None = None,
        timeout_s: float = 10.0,
    ) -> None:
        import boto3

        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(
                f"--api {base_url!r} is not an http(s) URL",
                hint="pass the stack's LiveApiUrl output, e.g. "
                "https://abc123.lambda-url.eu-west-1.on.aws/",
            )
        self.base_url = base_url.rstrip("/")
        found = region or region_of(base_url)
        if not found:
            raise ConfigError(
                f"cannot tell the AWS region from {base_url!r}",
                hint="pass --region (a Function URL names it: <id>.lambda-url.<region>.on.aws)",
            )
        self.region: str = found
        credentials = boto3.Session(profile_name=profile).get_credentials()
        if credentials is None:
            raise ConfigError(
                "no AWS credentials to sign the API requests with",
                hint="run `aws configure` or `aws sso login`, set AWS_PROFILE, or pass --profile",
            )
        self._credentials = credentials
        self.timeout_s = timeout_s

    def get(self, path_and_query: str) -> Reply:
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest

        url = self.base_url + path_and_query
        request = AWSRequest(method="GET", url=url, headers={"Accept": "application/json"})
        # refreshable credentials (SSO, assumed roles) renew here when they near expiry
        frozen = self._credentials.get_frozen_credentials()
        SigV4Auth(frozen, "lambda", self.region).add_auth(request)
        prepared = request.prepare()
        outgoing = urllib.request.Request(  # noqa: S310 (the scheme is checked: http or https)
            prepared.url, headers=dict(prepared.headers.items()), method="GET"
        )
        try:
            with urllib.request.urlopen(outgoing, timeout=self.timeout_s) as response:  # noqa: S310
                return Reply(response.status, response.read(), _content_type(response.headers))
        except urllib.error.HTTPError as exc:
            # the deployed API's own answer (400, 403 from IAM, 404...): passed on as it came
            return Reply(exc.code, exc.read(), _content_type(exc.headers))
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            logger.warning("the live API at %s did not answer: %s", self.base_url, reason)
            return json_reply(
                502, {"error": f"the live API at {self.base_url} did not answer: {reason}"}
            )


def _content_type(headers: Any) -> str:
    return str(headers.get("Content-Type") or "application/json") if headers else "application/json"
