"""The live consumer connects the way ElastiCache Serverless requires: TLS, an ACL user,
and an IAM authentication token as that user's password.

A real redis-server runs with TLS only (``tls_server`` in tests/fixtures/redis.py: a
self-signed certificate made in the test's folder with openssl) and ACL users: ``default``
off, as in the stack's user group, an admin for the test, and ``vts-live``, the stack's
IAM-enabled user. The Lambda handler
(functions/live_consumer) then runs with ``VTS_LIVE_CREDENTIALS=iam``: it signs its own
token (vts.live.iam) and presents it over TLS. ElastiCache would check the token's
signature and the role's ``elasticache:Connect``; redis-server cannot, and moto does not
model it, so here the server accepts the handler's token as the ACL user's password and
tests/live/test_iam.py checks the token's form and signature offline.
"""

from __future__ import annotations

from typing import Any, cast

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from tests.aws.lambda_support import LambdaContext, load_event, load_handler, restore_logging  # noqa: F401
from tests.fixtures.redis import TlsServer
from vts.live.credentials import credential_provider
from vts.live.iam import IamCredentials
from vts.live.settings import LiveSettings
from vts.local.kafka_config import HOST

pytestmark = pytest.mark.integration
# redis-py retries a refused connection (AuthenticationError is a ConnectionError) with
# backoff; a refusal the test expects needs no retry.
ONCE = Retry(NoBackoff(), 0)

USER = "vts-live"  # the stack's IAM-enabled user (ElastiCache: user id == user name)
CACHE = "vts-test-live"


@pytest.fixture
def iam_env(tls_server: TlsServer, monkeypatch: pytest.MonkeyPatch, restore_logging: None) -> str:  # noqa: F811
    prefix = "vts"  # the template's (the user's keys are ~{vts}:*); the server is this test's
    for name, value in {
        "VTS_LIVE_URL": tls_server.url,
        "VTS_LIVE_CREDENTIALS": "iam",
        "VTS_LIVE_USERNAME": USER,
        "VTS_LIVE_CACHE_NAME": CACHE,
        "VTS_LIVE_PREFIX": prefix,
        "VTS_LIVE_SILENCE_S": "0",
        "VTS_LIVE_INCIDENT_TTL_S": "0",
        "AWS_REGION": "eu-west-1",
        # what Lambda puts in a function's environment for its role (made up here)
        "AWS_ACCESS_KEY_ID": "ASIAEXAMPLEROLEKEY01",
        "AWS_SECRET_ACCESS_KEY": "example-secret",
        "AWS_SESSION_TOKEN": "example-session-token",
        "POWERTOOLS_SERVICE_NAME": "vts-live-test",
        "POWERTOOLS_METRICS_NAMESPACE": "vts-test",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return prefix


def _register_the_token(tls_server: TlsServer) -> str:
    """What ElastiCache does on AWS (check the signature and the role's permission), done
    the only way redis-server can: accept the process's current token as the password."""
    provider = credential_provider(LiveSettings.from_env())
    assert isinstance(provider, IamCredentials)
    user, token = provider.get_credentials()
    assert user == USER and token.startswith(f"{CACHE}/?Action=connect&User={USER}&")
    tls_server.set_user(USER, template_access_string(), token)
    return token


def template_access_string() -> str:
    """The stack's IAM user's access string (template.yaml, LiveCacheUser)."""
    from tests.template.cfn import Stack

    return str(Stack().props("LiveCacheUser")["AccessString"])


def test_the_handler_writes_over_tls_as_the_acl_user_with_its_iam_token(
    tls_server: TlsServer, iam_env: str
) -> None:
    token = _register_the_token(tls_server)
    app = load_handler("live_consumer")
    admin = tls_server.admin()
    try:
        outcome: dict[str, Any] = app.lambda_handler(
            load_event("live_consumer_batch.json"), LambdaContext()
        )
        # the container keeps its connection: authenticated as the IAM user
        clients = cast(list[dict[str, Any]], admin.client_list())
        assert USER in {c["user"] for c in clients}
    finally:
        for function in app._functions.values():
            function.consumer.store.close()
    assert (outcome["records"], outcome["written"], outcome["incidents_written"]) == (14, 3, 1)
    keys = admin.keys(f"{{{iam_env}}}:*")
    assert keys, "nothing written under the test's prefix"
    admin.close()
    # The API reads it the same way, under the same user's rules.
    api = load_handler("live_api")
    try:
        for name in ("vehicles", "changes", "vehicle", "incidents", "health"):
            response = api.lambda_handler(load_event(f"live_api_{name}.json"), LambdaContext())
            assert response["statusCode"] == 200, (name, response["body"])
    finally:
        for store in api._stores.values():
            store.close()
    # The same user with anything but the token is refused, and nothing speaks plaintext.
    with pytest.raises(redis.AuthenticationError):
        redis.Redis(
            host=HOST,
            port=tls_server.port,
            ssl=True,
            ssl_ca_certs=str(tls_server.ca),
            username=USER,
            password=token[:-1] + ("1" if token.endswith("0") else "0"),  # one byte off
            retry=ONCE,
        ).ping()
    with pytest.raises((redis.ConnectionError, redis.TimeoutError)):
        redis.Redis(host=HOST, port=tls_server.port, socket_timeout=2, retry=ONCE).ping()


def test_without_a_token_the_default_user_is_refused(tls_server: TlsServer) -> None:
    with pytest.raises(redis.AuthenticationError):
        redis.Redis(
            host=HOST, port=tls_server.port, ssl=True, ssl_ca_certs=str(tls_server.ca), retry=ONCE
        ).set("k", "v")


def test_the_users_rules_keep_it_to_the_stores_keys_and_commands(
    tls_server: TlsServer, iam_env: str
) -> None:
    """Least privilege inside the cache: the stack's user may not touch other keys nor run
    what the store never sends."""
    token = _register_the_token(tls_server)
    user = redis.Redis(
        host=HOST,
        port=tls_server.port,
        ssl=True,
        ssl_ca_certs=str(tls_server.ca),
        username=USER,
        password=token,
    )
    user.set("{vts}:probe", "1")
    for command in (("SET", "other", "1"), ("KEYS", "*"), ("FLUSHALL",), ("CONFIG", "GET", "*")):
        with pytest.raises(redis.exceptions.NoPermissionError):
            user.execute_command(*command)
    user.close()
