"""MSK IAM: OAUTHBEARER via aws-msk-iam-sasl-signer-python, and Spark's IAM login module."""

from __future__ import annotations

import base64
import sys
import time
from urllib.parse import parse_qs, urlparse

import pytest

from vts.exceptions import NotInstalledError
from vts.kafka.auth import get_auth
from vts.kafka.auth.msk_iam import MskIamAuth
from vts.kafka.exceptions import ConfigError


def test_producer_config_uses_oauthbearer_with_a_callback() -> None:
    auth = get_auth("iam", region="eu-west-1")
    config = auth.producer_config()
    assert config["security.protocol"] == "SASL_SSL"
    assert config["sasl.mechanisms"] == "OAUTHBEARER"
    assert callable(config["oauth_cb"])


def test_oauth_callback_signs_a_connect_token_for_the_region() -> None:
    """Signed locally from fake credentials (no AWS call is made to sign)."""
    auth = get_auth("iam", region="eu-west-1")
    oauth_cb = auth.producer_config()["oauth_cb"]
    assert callable(oauth_cb)
    token, expiry = oauth_cb("")
    url = urlparse(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode())
    assert url.hostname == "kafka.eu-west-1.amazonaws.com"
    query = parse_qs(url.query)
    assert query["Action"] == ["kafka-cluster:Connect"]
    assert "/eu-west-1/kafka-cluster/" in query["X-Amz-Credential"][0]
    assert expiry > time.time()  # seconds since the epoch, not milliseconds
    assert expiry < time.time() + 24 * 3600


def test_spark_options_use_the_msk_iam_login_module() -> None:
    assert get_auth("iam", region="eu-west-1").spark_options() == {
        "kafka.security.protocol": "SASL_SSL",
        "kafka.sasl.mechanism": "AWS_MSK_IAM",
        "kafka.sasl.jaas.config": "software.amazon.msk.auth.iam.IAMLoginModule required;",
        "kafka.sasl.client.callback.handler.class": (
            "software.amazon.msk.auth.iam.IAMClientCallbackHandler"
        ),
    }


def test_region_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert get_auth("iam") == MskIamAuth("us-east-1")  # AWS_DEFAULT_REGION
    monkeypatch.setenv("AWS_REGION", "ap-south-1")
    assert get_auth("msk_iam") == MskIamAuth("ap-south-1")
    monkeypatch.setenv("VTS_KAFKA_REGION", "eu-north-1")
    assert get_auth("iam") == MskIamAuth("eu-north-1")


def test_no_region_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    with pytest.raises(ConfigError, match="VTS_KAFKA_REGION"):
        get_auth("iam")


def test_a_python_client_without_the_signer_names_the_lambda_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "aws_msk_iam_sasl_signer", None)  # import now fails
    auth = get_auth("iam", region="eu-west-1")
    with pytest.raises(NotInstalledError) as info:
        auth.producer_config()
    assert "aws-msk-iam-sasl-signer-python" in str(info.value)
    assert "vts[lambda]" in str(info.value)


def test_spark_needs_no_python_signer(monkeypatch: pytest.MonkeyPatch) -> None:
    """The Glue job (no signer on Glue 5.1) configures Spark's source with IAM."""
    monkeypatch.setitem(sys.modules, "aws_msk_iam_sasl_signer", None)  # as on Glue 5.1
    options = get_auth("iam", region="eu-west-1").spark_options()
    assert options["kafka.sasl.mechanism"] == "AWS_MSK_IAM"


def test_describe_and_hint_name_the_region() -> None:
    auth = get_auth("iam", region="eu-west-1")
    assert "eu-west-1" in auth.describe()
    assert "kafka-cluster:Connect" in auth.failure_hint()
