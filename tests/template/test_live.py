"""The live path in the stack (template.yaml, "Live path"), resolved offline for every
parameter scenario: the mappings, the cache and its users, the API's Function URL, IAM,
and the alarm on the metric the consumer emits."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.template.cfn import REPO, Stack
from tests.template.scenarios import SCENARIOS
from vts.live.consumer import LIVE_TOPICS
from vts.live.settings import LiveSettings

# generated per topic (Fn::ForEach::LiveMappings): Live<topic without underscores>Mapping
MAPPINGS = ("LivevehicledataMapping", "LivegpsdataMapping", "LiveemergencydataMapping")
LIVE_ROLES = ("LiveConsumerRole", "LiveApiRole")


@pytest.fixture(scope="module", params=sorted(SCENARIOS))
def stack(request: pytest.FixtureRequest) -> Stack:
    return Stack(SCENARIOS[request.param])


def statements(stack: Stack, role: str) -> list[dict[str, Any]]:
    return [
        statement
        for policy in stack.props(role)["Policies"]
        for statement in policy["PolicyDocument"]["Statement"]
    ]


def actions(statement: dict[str, Any]) -> list[str]:
    value = statement["Action"]
    return value if isinstance(value, list) else [value]


def test_three_mappings_read_the_live_topics_in_their_own_groups(stack: Stack) -> None:
    prefix = stack.params["TopicPrefix"]
    mappings = stack.of_type("AWS::Lambda::EventSourceMapping")
    assert sorted(mappings) == sorted(MAPPINGS)
    topics, groups = [], []
    for logical in MAPPINGS:
        props = stack.props(logical)
        assert props["FunctionName"] == "{Ref:LiveConsumerFunction}"
        (topic,) = props["Topics"]  # a Kafka mapping takes one topic
        topics.append(topic)
        config = (
            props.get("AmazonManagedKafkaEventSourceConfig")
            or props["SelfManagedKafkaEventSourceConfig"]
        )
        groups.append(config["ConsumerGroupId"])
        assert config["ConsumerGroupId"] == f"{prefix}vts-live-{topic.removeprefix(prefix)}"
        assert props["StartingPosition"] == "LATEST"
    assert topics == [f"{prefix}{t}" for t in ("vehicle_data", "gps_data", "emergency_data")]
    assert sorted(t.removeprefix(prefix) for t in topics) == sorted(LIVE_TOPICS)
    assert len(set(groups)) == 3  # Lambda requires one group per Kafka mapping


def test_a_poison_batch_never_blocks_its_partition(stack: Stack) -> None:
    """Provisioned mode gives Kafka mappings bisection, bounded retries and age, and an
    on-failure destination: whatever cannot be handled is recorded and skipped."""
    pollers = set()
    for logical in MAPPINGS:
        props = stack.props(logical)
        config = props["ProvisionedPollerConfig"]
        assert config["MinimumPollers"] == 1
        assert config["MaximumPollers"] == stack.params["LiveMaximumPollers"]
        pollers.add(config["PollerGroupName"])
        assert props["BisectBatchOnFunctionError"] is True
        assert 0 <= props["MaximumRetryAttempts"] <= 10
        assert 60 <= props["MaximumRecordAgeInSeconds"] <= 3600
        assert props["DestinationConfig"]["OnFailure"]["Destination"] == "{LiveFailureQueue.Arn}"
        assert 1 <= props["BatchSize"] <= 10_000
        assert props["MaximumBatchingWindowInSeconds"] <= 1  # freshness: a second at most
        assert props["Enabled"] is (stack.params["PipelineEnabled"] == "true")
    assert len(pollers) == 1  # one shared poller group: the three pay for one set of pollers
    # the consumer may report what it gave up on, and an alarm watches that queue
    sends = [s for s in statements(stack, "LiveConsumerRole") if "sqs:SendMessage" in actions(s)]
    assert [s["Resource"] for s in sends] == ["{LiveFailureQueue.Arn}"]
    alarm = stack.props("LiveFailuresAlarm")
    assert alarm["Dimensions"][0]["Value"] == "{LiveFailureQueue.QueueName}"


def test_the_mappings_reach_the_cluster_the_simulator_writes_to(stack: Stack) -> None:
    simulator = stack.function_env("SimulatorFunction")
    for logical in MAPPINGS:
        props = stack.props(logical)
        if stack.condition("LiveFromMsk"):
            expected = (
                "arn:aws:kafka:us-east-1:123456789012:cluster/vts-test-kafka/0b1c2d3e-s1"
                if stack.condition("CreateMsk")
                else stack.params["ExistingMskClusterArn"]
            )
            assert props["EventSourceArn"] == expected
            assert "SelfManagedEventSource" not in props
        else:
            servers = props["SelfManagedEventSource"]["Endpoints"]["KafkaBootstrapServers"]
            assert ",".join(servers) == simulator["VTS_KAFKA_BOOTSTRAP"]
            access = {(a["Type"], a["URI"]) for a in props["SourceAccessConfigurations"]}
            subnets = stack.params["SubnetIds"][:2]
            assert {("VPC_SUBNET", f"subnet:{s}") for s in subnets} <= access
            assert ("VPC_SECURITY_GROUP", "security_group:{Ref:KafkaClientSecurityGroup}") in access
        secret = ("SASL_SCRAM_512_AUTH", stack.params["ExistingKafkaSecretArn"])
        access = {(a["Type"], a["URI"]) for a in props.get("SourceAccessConfigurations", [])}
        assert (secret in access) == stack.condition("KafkaScram")


def test_the_cache_is_in_the_stacks_subnets_behind_tls_and_iam_only(stack: Stack) -> None:
    cache = stack.props("LiveCache")
    assert cache["Engine"] == "valkey"
    assert cache["UserGroupId"] == "{Ref:LiveCacheUserGroup}"
    group = stack.props("LiveCacheUserGroup")
    users = {u.removeprefix("{Ref:").removesuffix("}") for u in group["UserIds"]}
    assert users == {"LiveCacheUser", "LiveCacheDefaultUser"}
    user, default = stack.props("LiveCacheUser"), stack.props("LiveCacheDefaultUser")
    assert user["AuthenticationMode"] == {"Type": "iam"}
    # IAM users: id == name, lower case, unique per stack (from the stack id)
    assert user["UserId"] == user["UserName"] == "vts-live-51af3dc0"
    assert re.fullmatch(r"[a-z][a-z0-9-]{0,39}", cache["ServerlessCacheName"])
    assert default["UserName"] == "default" and default["AccessString"].startswith("off")
    # the user's keys are the store's: the functions keep the default prefix (vts)
    assert user["AccessString"].split()[:2] == ["on", f"~{{{LiveSettings().prefix}}}:*"]
    for logical in ("LiveConsumerFunction", "LiveApiFunction"):
        env = stack.function_env(logical)
        assert (
            env["VTS_LIVE_URL"]
            == "rediss://{LiveCache.Endpoint.Address}:{LiveCache.Endpoint.Port}/0"
        )
        assert env["VTS_LIVE_CREDENTIALS"] == "iam"
        assert env["VTS_LIVE_USERNAME"] == "{Ref:LiveCacheUser}"
        assert env["VTS_LIVE_CACHE_NAME"] == "{Ref:LiveCache}"
        assert env["VTS_TOPIC_PREFIX"] == stack.params["TopicPrefix"]
        assert "VTS_LIVE_PREFIX" not in env


def test_only_the_live_roles_connect_and_only_to_that_cache_as_that_user(stack: Stack) -> None:
    for logical, role in stack.of_type("AWS::IAM::Role").items():
        connects = [
            s
            for p in role["Properties"].get("Policies", [])
            for s in p["PolicyDocument"]["Statement"]
            if any(a.startswith("elasticache:") for a in actions(s))
        ]
        if logical not in LIVE_ROLES:
            assert connects == [], logical
            continue
        (statement,) = connects
        assert actions(statement) == ["elasticache:Connect"]
        assert sorted(statement["Resource"]) == ["{LiveCache.ARN}", "{LiveCacheUser.Arn}"]


def test_the_consumer_reads_only_the_live_topics_in_the_live_groups(stack: Stack) -> None:
    kafka = [s for s in statements(stack, "LiveConsumerRole") if "kafka-cluster:" in str(s)]
    if not stack.condition("LiveFromMskIam"):
        assert kafka == []
        return
    every = {a for s in kafka for a in actions(s)}
    assert not {a for a in every if "Write" in a or "Create" in a or "Delete" in a}
    prefix = stack.params["TopicPrefix"]
    for statement in kafka:
        resources = statement["Resource"]
        resources = resources if isinstance(resources, list) else [resources]
        if "kafka-cluster:ReadData" in actions(statement):
            names = sorted(r.rsplit("/", 1)[1] for r in resources)
            assert names == sorted(f"{prefix}{t}" for t in LIVE_TOPICS)
        if "kafka-cluster:AlterGroup" in actions(statement):
            assert [r.rsplit("/", 1)[1] for r in resources] == [f"{prefix}vts-live-*"]


def test_the_api_url_takes_only_iam_signed_requests(stack: Stack) -> None:
    (url,) = stack.of_type("AWS::Lambda::Url").values()
    assert url["Properties"]["AuthType"] == "AWS_IAM"
    assert url["Properties"]["TargetFunctionArn"] == "{Ref:LiveApiFunction}"
    for permission in stack.of_type("AWS::Lambda::Permission").values():
        props = permission["Properties"]
        assert props.get("FunctionUrlAuthType") != "NONE"
        assert props.get("Principal") != "*"
    assert stack.outputs["LiveApiUrl"] == "{LiveApiFunctionUrl.FunctionUrl}"


def test_the_lag_alarm_watches_the_metric_the_consumer_emits(stack: Stack) -> None:
    app = (REPO / "functions" / "live_consumer" / "app.py").read_text()
    assert 'name="RecordAge"' in app and "MetricUnit.Seconds" in app
    env = stack.function_env("LiveConsumerFunction")
    alarm = stack.props("LiveConsumerLagAlarm")
    assert alarm["Namespace"] == env["POWERTOOLS_METRICS_NAMESPACE"]
    assert alarm["MetricName"] == "RecordAge"
    # Powertools Metrics adds one dimension, "service", from POWERTOOLS_SERVICE_NAME
    assert alarm["Dimensions"] == [{"Name": "service", "Value": env["POWERTOOLS_SERVICE_NAME"]}]
    assert alarm["Threshold"] == stack.params["LiveLagAlarmSeconds"]
    assert alarm["TreatMissingData"] == (
        "breaching" if stack.params["PipelineEnabled"] == "true" else "notBreaching"
    )
    assert alarm["AlarmActions"] == ["{Ref:AlertsTopic}"]


def test_the_live_functions_get_exactly_the_settings_they_read() -> None:
    read = set()
    for module in ("vts/live/settings.py", "vts/live/iam.py", "vts/live/deployed.py"):
        source = (REPO / module).read_text()
        read |= {f"VTS_{n}" for n in re.findall(r"\benv(?:_int|_float)?\(\s*\"(\w+)\"", source)}
    stack = Stack()
    for logical in ("LiveConsumerFunction", "LiveApiFunction"):
        given = {k for k in stack.function_env(logical) if k.startswith("VTS_")}
        assert given <= read, given - read
