"""Least privilege, checked on the translated template for every parameter scenario.

Every statement of every role and policy: no wildcard action, and a concrete resource (an
ARN in this account and region, or a reference to a resource of the stack). ``"*"`` is
accepted only for the actions AWS gives no resource type, listed below with the reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.template.cfn import ACCOUNT, REGION, Stack
from tests.template.scenarios import SCENARIOS

# Actions whose only possible resource is "*" (no resource-level permissions in IAM).
STAR_ONLY_ACTIONS = {
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "redshift-data:DescribeStatement",
    "redshift-data:CancelStatement",
    "cloudwatch:PutMetricData",
    "glue:GetSecurityConfiguration",
    "ec2:DescribeVpcEndpoints",
    "ec2:DescribeRouteTables",
    "ec2:DescribeSubnets",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeVpcAttribute",
    "ec2:DescribeNetworkInterfaces",
}
# "*" actions that still get a condition narrowing them.
MUST_BE_CONDITIONED = {
    "cloudwatch:PutMetricData",
    "redshift-data:DescribeStatement",
    "redshift-data:CancelStatement",
}
# Which ARN service each action's service prefix may name.
SERVICE_OF_ARN = {
    "kafka-cluster": "kafka",
    "redshift-data": "redshift-serverless",
    "redshift-serverless": "redshift-serverless",
}
ARN = re.compile(r"^arn:aws:([a-z0-9-]+):([a-z0-9-]*):(\d{12}|aws)?:(.+)$")
PLACEHOLDER = re.compile(
    r"^\{[A-Za-z0-9]+\.(?:[A-Za-z]+\.)*[A-Za-z]*Arn\}(/.+)?$|^\{Ref:[A-Za-z0-9]+\}$"
)


def policy_statements(stack: Stack) -> Iterator[tuple[str, dict[str, Any]]]:
    for logical, resource in stack.resources.items():
        props = resource.get("Properties", {})
        if resource["Type"] == "AWS::IAM::Role":
            for policy in props.get("Policies", []):
                for statement in policy["PolicyDocument"]["Statement"]:
                    yield f"{logical}/{policy['PolicyName']}", statement
        elif resource["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            for statement in props["PolicyDocument"]["Statement"]:
                yield logical, statement


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


@pytest.fixture(scope="module", params=sorted(SCENARIOS))
def stack(request: pytest.FixtureRequest) -> Stack:
    return Stack(SCENARIOS[request.param])


def test_no_statement_uses_a_wildcard_action_or_not_action(stack: Stack) -> None:
    for where, statement in policy_statements(stack):
        assert "NotAction" not in statement and "NotResource" not in statement, where
        assert statement["Effect"] == "Allow", where
        for action in as_list(statement["Action"]):
            service, _, name = action.partition(":")
            assert action != "*" and name not in ("*", ""), f"{where}: {action}"
            assert re.match(r"^[a-z0-9-]+$", service), f"{where}: {action}"


def test_every_statement_names_concrete_resources(stack: Stack) -> None:
    checked = 0
    for where, statement in policy_statements(stack):
        actions = as_list(statement["Action"])
        for resource in as_list(statement["Resource"]):
            checked += 1
            if resource == "*":
                assert set(actions) <= STAR_ONLY_ACTIONS, f"{where}: {actions} on *"
                if set(actions) & MUST_BE_CONDITIONED:
                    assert statement.get("Condition"), f"{where}: unconditioned *"
                continue
            if PLACEHOLDER.match(resource):
                continue  # a resource of this stack (Ref or GetAtt ...Arn)
            match = ARN.match(resource)
            assert match, f"{where}: {resource!r} is neither an ARN nor a stack resource"
            service, region, account, rest = match.groups()
            assert account == ACCOUNT, f"{where}: {resource}"
            assert region in (REGION, ""), f"{where}: {resource}"
            assert not rest.startswith("*"), f"{where}: {resource}"
            services = {SERVICE_OF_ARN.get(a.split(":")[0], a.split(":")[0]) for a in actions}
            assert service in services, f"{where}: {actions} on a {service} ARN"
    assert checked > 50


def test_roles_use_no_managed_policy_and_functions_write_only_their_own_logs(
    stack: Stack,
) -> None:
    """AWSLambdaVPCAccessExecutionRole would let every function write to any log group."""
    for logical, role in stack.of_type("AWS::IAM::Role").items():
        assert not role["Properties"].get("ManagedPolicyArns"), logical
    for where, statement in policy_statements(stack):
        if "logs:PutLogEvents" in as_list(statement["Action"]) and where.startswith("Simulator"):
            assert statement["Resource"] == "{SimulatorLogGroup.Arn}", where
    # Every function runs in the VPC, so every function role gets the ENI actions, limited
    # to the stack's subnets and the functions' own security groups.
    network = stack.props("LambdaVpcAccessPolicy")
    function_roles = {
        f["Properties"]["Role"].removesuffix(".Arn}").removeprefix("{")
        for f in stack.of_type("AWS::Lambda::Function").values()
    }
    assert {r.removeprefix("{Ref:").removesuffix("}") for r in network["Roles"]} == function_roles
    for statement in network["PolicyDocument"]["Statement"]:
        if "ec2:CreateNetworkInterface" in statement["Action"]:
            assert statement["Resource"] != "*"


def test_glue_may_delete_and_tag_only_its_own_interfaces_in_the_stacks_vpc(stack: Stack) -> None:
    for where, statement in policy_statements(stack):
        actions = set(as_list(statement["Action"]))
        if actions & {"ec2:DeleteNetworkInterface", "ec2:CreateTags", "ec2:DeleteTags"}:
            if where == "LambdaVpcAccessPolicy":
                continue  # Lambda's own ENIs: the stack's subnets and groups (above)
            condition = statement.get("Condition", {})
            assert condition, f"{where}: {sorted(actions)} unconditioned"
            if "ec2:DeleteNetworkInterface" in actions:
                assert condition["ArnEquals"]["ec2:Vpc"].endswith(
                    stack.params["VpcId"] or "{Ref:Vpc}"
                ), where
            else:
                tag_keys = condition["ForAllValues:StringEquals"]["aws:TagKeys"]
                assert tag_keys == ["aws-glue-service-resource"], where


def test_one_role_per_component_and_service_trust(stack: Stack) -> None:
    roles = stack.of_type("AWS::IAM::Role")
    trusted = {
        logical: {
            p
            for s in r["Properties"]["AssumeRolePolicyDocument"]["Statement"]
            for p in as_list(s["Principal"]["Service"])
        }
        for logical, r in roles.items()
    }
    assert trusted["SimulatorRole"] == {"lambda.amazonaws.com"}
    assert trusted["GlueJobRole"] == {"glue.amazonaws.com"}
    assert trusted["CrawlerRole"] == {"glue.amazonaws.com"}
    assert trusted["SpectrumRole"] == {
        "redshift.amazonaws.com",
        "redshift-serverless.amazonaws.com",
    }
    assert trusted["SimulatorSchedulerRole"] == {"scheduler.amazonaws.com"}
    assert trusted["CrawlerSchedulerRole"] == {"scheduler.amazonaws.com"}
    # Every function has its own role.
    function_roles = [
        f["Properties"]["Role"] for f in stack.of_type("AWS::Lambda::Function").values()
    ]
    assert len(function_roles) == len(set(function_roles))
    # EventBridge Scheduler supports confused-deputy keys: its roles require them.
    for logical in ("SimulatorSchedulerRole", "CrawlerSchedulerRole"):
        (statement,) = roles[logical]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
        assert statement["Condition"]["StringEquals"]["aws:SourceAccount"] == ACCOUNT
        assert "schedule-group/" in statement["Condition"]["ArnEquals"]["aws:SourceArn"]


def test_the_msk_iam_producer_may_write_idempotently_to_the_five_topics_only() -> None:
    # The default MSK Serverless cluster runs without transactions (no AWS document says
    # it serves them); turned on, the grant follows.
    default = Stack()
    assert len(default.props("SimulatorMskIamPolicy")["PolicyDocument"]["Statement"]) == 2
    assert default.function_env("SimulatorFunction")["VTS_KAFKA_TRANSACTIONS"] == "false"
    stack = Stack({"KafkaTransactions": "true"})
    statements = stack.props("SimulatorMskIamPolicy")["PolicyDocument"]["Statement"]
    connect, write, transactions = statements
    assert "kafka-cluster:WriteDataIdempotently" in connect["Action"]
    assert connect["Resource"].startswith(f"arn:aws:kafka:{REGION}:{ACCOUNT}:cluster/")
    topics = [r.rsplit("/", 1)[1] for r in write["Resource"]]
    assert topics == ["vehicle_data", "gps_data", "traffic_data", "weather_data", "emergency_data"]
    assert all(":topic/vts-test-kafka/" in r for r in write["Resource"])
    # one transaction per window, under the shards' transactional ids only
    assert transactions["Action"] == [
        "kafka-cluster:DescribeTransactionalId",
        "kafka-cluster:AlterTransactionalId",
    ]
    cluster_path = connect["Resource"].split(":cluster/")[1]
    assert transactions["Resource"] == (
        f"arn:aws:kafka:{REGION}:{ACCOUNT}:transactional-id/{cluster_path}/vts-simulator-shard-*"
    )
    without = Stack({"KafkaTransactions": "false"})
    assert len(without.props("SimulatorMskIamPolicy")["PolicyDocument"]["Statement"]) == 2
    assert without.function_env("SimulatorFunction")["VTS_KAFKA_TRANSACTIONS"] == "false"


def test_the_simulator_records_windows_in_its_own_table_only() -> None:
    stack = Stack()
    statements = {
        s["Sid"]: s
        for p in stack.props("SimulatorRole")["Policies"]
        for s in p["PolicyDocument"]["Statement"]
    }
    record = statements["RecordCompletedWindows"]
    assert sorted(record["Action"]) == [
        "dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem",
    ]  # fmt: skip
    assert record["Resource"] == "{SimulatorWindowsTable.Arn}"
    key = statements["UseTheTableKeyThroughDynamoDB"]
    assert key["Condition"]["StringEquals"]["kms:ViaService"] == f"dynamodb.{REGION}.amazonaws.com"
    table = stack.props("SimulatorWindowsTable")
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert table["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]  # Powertools' key
    assert table["TimeToLiveSpecification"] == {"AttributeName": "expiration", "Enabled": True}
    env = stack.function_env("SimulatorFunction")
    assert env["VTS_IDEMPOTENCY_TABLE"] == "{Ref:SimulatorWindowsTable}"


def test_scram_reads_only_its_secret_through_secrets_manager() -> None:
    stack = Stack(SCENARIOS["existing-scram-existing-redshift-secret"])
    for logical in ("SimulatorScramPolicy", "GlueJobScramPolicy"):
        read, decrypt = stack.props(logical)["PolicyDocument"]["Statement"]
        assert read["Resource"].split(":secret:")[1].startswith("AmazonMSK_")
        assert decrypt["Condition"]["StringEquals"]["kms:ViaService"] == (
            f"secretsmanager.{REGION}.amazonaws.com"
        )
    assert "SimulatorMskIamPolicy" not in stack.resources
