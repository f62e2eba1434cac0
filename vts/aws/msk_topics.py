"""MSK Serverless the stack creates: its bootstrap address and its topics.

CloudFormation gives an ``AWS::MSK::ServerlessCluster`` no attribute for its bootstrap
servers, and MSK's topic APIs (and ``AWS::MSK::Topic``) serve provisioned clusters only, so
``Custom::MskTopics`` does both: ``kafka:GetBootstrapBrokers`` for the SASL/IAM address, and
the shared Kafka admin helpers (``vts.kafka.admin``, MSK IAM via OAUTHBEARER, from inside the
VPC) to create the topics that are missing. Its attribute ``BootstrapServers`` feeds the
simulator's environment, the Glue connection and the job arguments. Topics are never deleted
by the stack: deleting the cluster deletes them.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from vts.aws.cfn_response import CustomResourceRequest
from vts.aws.custom_resource import CustomResource, Deadline, Outcome
from vts.aws.exceptions import InvalidPropertyError
from vts.exceptions import TerminalError

logger = logging.getLogger(__name__)

_CLUSTER_ARN = re.compile(r"^arn:aws[a-z-]*:kafka:[a-z0-9-]+:\d{12}:cluster/[\w-]+/[\w-]+$")
_TOPIC = re.compile(r"^[A-Za-z0-9._-]{1,249}$")


def bootstrap_brokers(kafka: Any, cluster_arn: str) -> str:
    """The SASL/IAM bootstrap string of an MSK (serverless or provisioned) cluster."""
    reply = kafka.get_bootstrap_brokers(ClusterArn=cluster_arn)
    brokers = reply.get("BootstrapBrokerStringSaslIam") or reply.get(
        "BootstrapBrokerStringPublicSaslIam"
    )
    if not brokers:
        raise TerminalError(
            f"MSK cluster {cluster_arn} has no IAM (SASL) bootstrap address",
            hint="enable IAM client authentication on the cluster",
        )
    return str(brokers)


TopicCreator = Callable[..., Mapping[str, bool]]


def create_msk_topics(
    bootstrap: str, names: Iterable[str], *, partitions: int, region: str
) -> Mapping[str, bool]:
    """Create the missing topics over MSK IAM; ``{name: True if created now}``."""
    from vts.kafka.admin import create_topics
    from vts.kafka.auth.msk_iam import MskIamAuth

    # MSK Serverless fixes the replication factor; -1 asks for the cluster's default.
    return create_topics(
        bootstrap,
        names,
        partitions=partitions,
        replication_factor=-1,
        auth=MskIamAuth.from_settings(region=region),
    )


class MskTopics(CustomResource):
    """``Custom::MskTopics``: properties ``ClusterArn``, ``Topics``, ``Partitions``, ``Region``.

    Attribute: ``BootstrapServers``.
    """

    def __init__(self, kafka: Any, create_topics: TopicCreator = create_msk_topics) -> None:
        self._kafka = kafka
        self._create_topics = create_topics

    def _apply(self, request: CustomResourceRequest) -> Outcome:
        props = request.properties
        cluster_arn = props.get("ClusterArn")
        if not isinstance(cluster_arn, str) or not _CLUSTER_ARN.match(cluster_arn):
            raise InvalidPropertyError("ClusterArn", cluster_arn, "an MSK cluster ARN")
        topics = props.get("Topics")
        if not isinstance(topics, list) or not all(
            isinstance(t, str) and _TOPIC.match(t) for t in topics
        ):
            raise InvalidPropertyError("Topics", topics, "a list of Kafka topic names")
        try:
            partitions = int(props.get("Partitions", 3))
        except (TypeError, ValueError) as exc:
            raise InvalidPropertyError("Partitions", props.get("Partitions"), "an int") from exc
        region = str(props.get("Region", ""))
        bootstrap = bootstrap_brokers(self._kafka, cluster_arn)
        result = self._create_topics(bootstrap, topics, partitions=partitions, region=region)
        created = sorted(name for name, new in result.items() if new)
        return Outcome(
            physical_resource_id=f"{cluster_arn}/topics",
            data={"BootstrapServers": bootstrap},
            reason=f"bootstrap {bootstrap}; created {created or 'no new'} topics",
        )

    def create(self, request: CustomResourceRequest, deadline: Deadline) -> Outcome:
        return self._apply(request)

    def update(self, request: CustomResourceRequest, deadline: Deadline) -> Outcome:
        return self._apply(request)

    def delete(self, request: CustomResourceRequest, deadline: Deadline) -> Outcome:
        return Outcome(request.physical_resource_id or "", reason="topics are left in place")
