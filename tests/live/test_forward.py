"""``vts live serve --api URL``: each /api request is forwarded signed (SigV4, service lambda).

The upstream is a local stand-in for an IAM-authorised Function URL (``tests/live/upstream.py``)
that recomputes the signature from the request as it arrived.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

import pytest
from botocore.credentials import Credentials

from tests.live.upstream import SigningUpstream
from vts.exceptions import ConfigError
from vts.live.forward import SignedForwarder, region_of

# not credentials of any account: the upstream only checks the signature they make
KEY, SECRET, TOKEN = "AKIDLIVEMAPTEST", "not-a-secret", "session-token"
REGION = "eu-west-1"


def echo(method: str, path: str, query: str) -> tuple[int, str, dict[str, str]]:
    if path == "/missing":
        return 404, json.dumps({"error": "no vehicle missing"}), {}
    return 200, json.dumps({"path": path, "query": dict(parse_qsl(query))}), {}


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_CONFIG_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("AWS_SESSION_TOKEN", TOKEN)


@pytest.fixture
def upstream() -> Iterator[SigningUpstream]:
    server = SigningUpstream(Credentials(KEY, SECRET, TOKEN), REGION, echo)
    yield server
    server.shutdown()
    server.server_close()


def test_requests_arrive_signed_for_lambda_in_the_region_with_path_and_query_intact(
    aws_env: None, upstream: SigningUpstream
) -> None:
    forwarder = SignedForwarder(upstream.url, region=REGION)
    reply = forwarder.get("/changes?after=17%3Aab%2Fc%3D")
    assert reply.status == 200, reply.body
    assert json.loads(reply.body) == {"path": "/changes", "query": {"after": "17:ab/c="}}
    reply = forwarder.get("/vehicles?bbox=-0.2,51.4,0.1,51.6")
    assert json.loads(reply.body)["query"] == {"bbox": "-0.2,51.4,0.1,51.6"}
    assert [s["verdict"] for s in upstream.seen] == ["ok", "ok"]


def test_the_upstream_refuses_a_wrong_signature_and_its_answer_is_passed_on(
    aws_env: None, upstream: SigningUpstream, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "another-secret")
    reply = SignedForwarder(upstream.url, region=REGION).get("/vehicles")
    assert reply.status == 403
    assert "signature does not match" in json.loads(reply.body)["Message"]
    # and a region the URL's owner did not sign for
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    reply = SignedForwarder(upstream.url, region="us-east-1").get("/vehicles")
    assert reply.status == 403 and "signed for lambda in us-east-1" in reply.body.decode()


def test_the_api_errors_pass_through_and_an_unreachable_api_is_a_502_naming_it(
    aws_env: None, upstream: SigningUpstream
) -> None:
    reply = SignedForwarder(upstream.url, region=REGION).get("/missing")
    assert (reply.status, json.loads(reply.body)) == (404, {"error": "no vehicle missing"})
    dead = SignedForwarder("http://127.0.0.1:9/", region=REGION, timeout_s=2)
    reply = dead.get("/vehicles")
    assert reply.status == 502
    assert "the live API at http://127.0.0.1:9 did not answer" in json.loads(reply.body)["error"]


def test_the_region_comes_from_a_function_url_or_must_be_given(aws_env: None) -> None:
    assert region_of("https://abcdef123.lambda-url.ap-southeast-2.on.aws/") == "ap-southeast-2"
    assert region_of("https://api.example.com/") is None
    assert SignedForwarder("https://x1.lambda-url.eu-west-1.on.aws").region == "eu-west-1"
    with pytest.raises(ConfigError, match="cannot tell the AWS region") as err:
        SignedForwarder("https://api.example.com/")
    assert "--region" in str(err.value)
    with pytest.raises(ConfigError, match="not an http"):
        SignedForwarder("ftp://x1.lambda-url.eu-west-1.on.aws/")


def test_no_credentials_is_an_error_that_says_how_to_get_them(
    aws_env: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    with pytest.raises(ConfigError, match="no AWS credentials") as err:
        SignedForwarder("https://x1.lambda-url.eu-west-1.on.aws/")
    assert "aws configure" in str(err.value)
