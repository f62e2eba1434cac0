"""MSK IAM: SASL/OAUTHBEARER with a token signed from the AWS credentials chain.

confluent-kafka calls ``oauth_cb`` whenever it needs a token; the token comes from
``aws-msk-iam-sasl-signer-python`` (the ``lambda`` extra), imported only when a Python
client is configured (``producer_config``). Spark's Kafka source needs none of it: its side
is the Java ``aws-msk-iam-auth`` login module, named in ``spark_options`` and shipped with
the Glue job's ``--extra-jars``. So the Glue job, whose Python has no signer, can use IAM.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from types import ModuleType
from typing import Any, ClassVar

from vts.exceptions import NotInstalledError
from vts.kafka.auth.base import ConfigValue, KafkaAuth
from vts.kafka.exceptions import ConfigError
from vts.settings import env

logger = logging.getLogger(__name__)


def _signer() -> ModuleType:
    try:
        from aws_msk_iam_sasl_signer import MSKAuthTokenProvider
    except ImportError as exc:
        raise NotInstalledError(
            "aws-msk-iam-sasl-signer-python (needed for MSK IAM authentication)", extra="lambda"
        ) from exc
    return MSKAuthTokenProvider


@dataclass(frozen=True)
class MskIamAuth(KafkaAuth):
    """IAM access control on MSK (port 9098): ``SASL_SSL`` + ``OAUTHBEARER``."""

    region: str
    mode: ClassVar[str] = "iam"

    @classmethod
    def from_settings(cls, *, region: str | None = None, **unused: Any) -> MskIamAuth:
        if unused:
            raise TypeError(f"iam authentication got unknown settings {sorted(unused)}")
        region = (
            region
            or env("KAFKA_REGION")
            or os.environ.get("AWS_REGION")
            or os.environ.get("AWS_DEFAULT_REGION")
        )
        if not region:
            raise ConfigError(
                "MSK IAM authentication needs the cluster's AWS region",
                hint="set VTS_KAFKA_REGION (or AWS_REGION)",
            )
        return cls(region)

    def oauth_token(self, _config: str | None = None) -> tuple[str, float]:
        """confluent-kafka's ``oauth_cb``: ``(token, expiry in seconds since the epoch)``."""
        token, expiry_ms = _signer().generate_auth_token(self.region)
        logger.debug("signed an MSK IAM token for %s, valid until %s ms", self.region, expiry_ms)
        return token, expiry_ms / 1000.0

    def producer_config(self) -> dict[str, ConfigValue]:
        _signer()  # fail now, not on the first connection, if the extra is missing
        return {
            "security.protocol": "SASL_SSL",
            "sasl.mechanisms": "OAUTHBEARER",
            "oauth_cb": self.oauth_token,
        }

    def spark_options(self) -> dict[str, str]:
        return {
            "kafka.security.protocol": "SASL_SSL",
            "kafka.sasl.mechanism": "AWS_MSK_IAM",
            "kafka.sasl.jaas.config": "software.amazon.msk.auth.iam.IAMLoginModule required;",
            "kafka.sasl.client.callback.handler.class": (
                "software.amazon.msk.auth.iam.IAMClientCallbackHandler"
            ),
        }

    def describe(self) -> str:
        return f"MSK IAM (OAUTHBEARER) in {self.region}"

    def failure_hint(self) -> str:
        return (
            "check that the AWS credentials in use (the Lambda's or job's role) may "
            "kafka-cluster:Connect and write/read the topics, that the region "
            f"({self.region}) is the cluster's, and that the bootstrap address is the IAM "
            "listener (MSK: port 9098)"
        )
