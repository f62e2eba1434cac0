"""The ElastiCache IAM authentication token (vts.live.iam), checked for form.

Only ElastiCache can say whether a token opens a cache (moto does not model IAM auth to
a cache), so these tests check what AWS documents a token to be: the presigned
``connect`` request for that cache and user, and a SigV4 signature that a second,
independent implementation of the signing algorithm (below, from AWS's SigV4 reference,
not botocore's) computes the same.
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import parse_qsl, quote

import pytest
from botocore.credentials import Credentials

from vts.exceptions import ConfigError
from vts.live import iam
from vts.live.credentials import credential_provider
from vts.live.iam import IamCredentials, IamTarget, auth_token
from vts.live.settings import LiveSettings

KEYS = Credentials("AKIAEXAMPLEKEY000001", "example/secret+key", "a-session/token+=")  # noqa: S106
TARGET = IamTarget(cache_name="vts-test-live", user_id="vts-live", region="eu-west-1")


def _sign(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def expected_signature(host: str, query: dict[str, str], secret: str) -> str:
    """SigV4 for a presigned GET of ``http://host/?query`` (AWS General Reference)."""
    canonical_query = "&".join(
        f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in sorted(query.items())
    )
    canonical_request = "\n".join(
        ["GET", "/", canonical_query, f"host:{host}", "", "host", hashlib.sha256(b"").hexdigest()]
    )
    access, day, region, service, terminal = query["X-Amz-Credential"].split("/")
    scope = f"{day}/{region}/{service}/{terminal}"
    string_to_sign = "\n".join(
        [
            "AWS4-HMAC-SHA256",
            query["X-Amz-Date"],
            scope,
            hashlib.sha256(canonical_request.encode()).hexdigest(),
        ]
    )
    key = _sign(("AWS4" + secret).encode(), day)
    for part in (region, service, terminal):
        key = _sign(key, part)
    return hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()


def parse(token: str) -> tuple[str, dict[str, str]]:
    assert "://" not in token, "the token is the presigned URL without its scheme"
    host, _, rest = token.partition("/")
    assert rest.startswith("?")
    return host, dict(parse_qsl(rest[1:], keep_blank_values=True))


def test_the_token_is_the_presigned_connect_request_for_the_cache_and_user() -> None:
    token = auth_token(TARGET, KEYS)
    host, query = parse(token)
    assert host == "vts-test-live"
    assert query["Action"] == "connect"
    assert query["User"] == "vts-live"
    assert query["ResourceType"] == "ServerlessCache"
    assert query["X-Amz-Algorithm"] == "AWS4-HMAC-SHA256"
    access, _day, region, service, terminal = query["X-Amz-Credential"].split("/")
    assert (access, region, service, terminal) == (
        "AKIAEXAMPLEKEY000001",
        "eu-west-1",
        "elasticache",
        "aws4_request",
    )
    assert query["X-Amz-Expires"] == "900"  # 15 minutes, the most ElastiCache accepts
    assert query["X-Amz-SignedHeaders"] == "host"
    assert query["X-Amz-Security-Token"] == "a-session/token+="  # a role's session token
    signature = query.pop("X-Amz-Signature")
    assert signature == expected_signature(host, query, "example/secret+key")


def test_a_token_for_another_user_or_cache_differs() -> None:
    other_user = IamTarget(cache_name="vts-test-live", user_id="vts-api", region="eu-west-1")
    other_cache = IamTarget(cache_name="vts-prod-live", user_id="vts-live", region="eu-west-1")
    targets = (TARGET, other_user, other_cache)
    tokens = {auth_token(t, KEYS).split("&X-Amz-Date")[0] for t in targets}
    assert len(tokens) == 3


def test_the_provider_reuses_a_token_until_it_is_ten_minutes_old() -> None:
    iam._tokens.clear()
    now = [1000.0]
    provider = IamCredentials(TARGET, credentials=lambda: KEYS, clock=lambda: now[0])
    user, first = provider.get_credentials()
    assert user == "vts-live"
    now[0] += 599
    assert provider.get_credentials()[1] == first
    # A second provider in the same process (another connection pool) shares it.
    twin = IamCredentials(TARGET, credentials=lambda: KEYS, clock=lambda: now[0])
    assert twin.get_credentials()[1] == first
    now[0] += 2  # 601 s: signed again, well inside the token's 900 s
    assert parse(provider.get_credentials()[1])[1]["X-Amz-Signature"]
    assert iam._tokens[("vts-test-live", "vts-live", "eu-west-1", KEYS.access_key)][0] == now[0]


def test_the_iam_provider_is_chosen_by_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VTS_LIVE_CACHE_NAME", "vts-test-live")
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    settings = LiveSettings(
        url="rediss://cache.example:6379", credentials="iam", username="vts-live"
    )
    provider = credential_provider(settings)
    assert isinstance(provider, IamCredentials)
    assert provider.target == TARGET
    assert "token" not in repr(provider).lower()


@pytest.mark.parametrize(
    ("cache", "user", "region", "says"),
    [
        ("", "vts-live", "eu-west-1", "VTS_LIVE_CACHE_NAME"),
        ("vts-test-live", "", "eu-west-1", "VTS_LIVE_USERNAME"),
        ("vts-test-live", "vts-live", "", "AWS_REGION"),
        ("vts-test-live", "VTS-Live", "eu-west-1", "lower case"),
    ],
)
def test_missing_or_wrong_settings_say_what_to_set(
    cache: str, user: str, region: str, says: str
) -> None:
    with pytest.raises(ConfigError, match=says):
        IamTarget(cache_name=cache, user_id=user, region=region)
